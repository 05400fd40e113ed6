// The applicant's rating of a completed case (好差评, SPEC §3.4): good or poor, a poor one
// with a reason from a fixed list, once per case. The portal's satisfaction indicator and
// the feedback loop to the two places read these.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "domain/authority.hpp"
#include "domain/case_state.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

enum class Grade : std::uint8_t { good, poor };
std::string_view to_string(Grade g);
std::optional<Grade> parse_grade(std::string_view text);

// Why a service was poor: the usual categories of the national 好差评 system.
enum class PoorReason : std::uint8_t {
  too_slow,               // 办理时间长
  repeated_visits,        // 多次跑动
  materials_resubmitted,  // 材料重复提交
  unclear_guidance,       // 办事指南不清晰
  poor_attitude,          // 服务态度差
  system_problems,        // 系统不好用
  result_unsatisfactory,  // 办理结果不满意
  other,                  // 其他: needs a text
};
std::string_view to_string(PoorReason r);
std::optional<PoorReason> parse_poor_reason(std::string_view text);
std::span<const PoorReason> all_poor_reasons();

inline constexpr std::size_t kMaxRatingTextChars = 500;

struct RatingRequest {
  Grade grade = Grade::good;
  std::optional<PoorReason> reason;
  std::string text;  // optional, at most kMaxRatingTextChars characters
};

struct Rating {
  Grade grade = Grade::good;
  std::optional<PoorReason> reason;
  std::string text;
  std::string rated_by;
  Clock::time_point rated_at{};
  friend bool operator==(const Rating&, const Rating&) = default;
};

// `{"grade": "good"|"poor", "reason": "<PoorReason>", "text": "..."}`: Errc::invalid_argument
// `unknown_key`, `required`, `type`, `enum` (grade, reason); the content rules are
// rate()'s.
Result<RatingRequest> read_rating(const boost::json::object& obj);

// Rates a case. Checks, in order: authority (Operation::rate: the applicant only; others
// get authorise()'s 403/404); Errc::conflict `not_completed` (the case is not COMPLETED),
// `already_rated`; Errc::invalid_argument `reason_required` (field reason: poor without a
// reason), `reason_only_for_poor` (field reason: good with a reason), `text_required`
// (field text: reason `other` without a text), `max_length` / `utf8` (field text).
Result<Rating> rate(const Actor& actor, const CaseParties& parties, CaseState state,
                    bool already_rated, const RatingRequest& request, Clock::time_point now);

boost::json::object to_json(const Rating& r);

}  // namespace tongban::delegation
