// Conversion of hiredis's redisReply into our Reply value (internal to libs/store).
#pragma once

#include <hiredis/hiredis.h>

#include "tongban/store/reply.hpp"

namespace tongban::store::detail {

// Deep copy; the redisReply stays owned by hiredis (freed after the callback).
Reply to_reply(const redisReply* reply);

}  // namespace tongban::store::detail
