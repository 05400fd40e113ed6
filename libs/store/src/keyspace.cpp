#include "tongban/store/keyspace.hpp"

#include <utility>

namespace tongban::store {

Keyspace::Keyspace(std::string service) : service_(std::move(service)), prefix_("tb:" + service_) {}

}  // namespace tongban::store
