#include "domain/rating.hpp"

#include <algorithm>
#include <array>

#include "domain/detail.hpp"
#include "tongban/core/json.hpp"

namespace tongban::delegation {
namespace {

constexpr std::array<std::string_view, 2> kGradeNames = {"good", "poor"};
constexpr std::array<std::string_view, 8> kReasonNames = {
    "too_slow",      "repeated_visits", "materials_resubmitted", "unclear_guidance",
    "poor_attitude", "system_problems", "result_unsatisfactory", "other"};
constexpr std::array<PoorReason, 8> kAllReasons = {PoorReason::too_slow,
                                                   PoorReason::repeated_visits,
                                                   PoorReason::materials_resubmitted,
                                                   PoorReason::unclear_guidance,
                                                   PoorReason::poor_attitude,
                                                   PoorReason::system_problems,
                                                   PoorReason::result_unsatisfactory,
                                                   PoorReason::other};

Error invalid_enum(const std::string& field, std::span<const std::string_view> names) {
  return Error::invalid(field, "enum",
                        field + " must be one of: " + detail::join(names, [](std::string_view n) {
                          return std::string(n);
                        }));
}

}  // namespace

std::string_view to_string(Grade g) { return detail::name_of(kGradeNames, g); }
std::optional<Grade> parse_grade(std::string_view text) {
  return detail::parse_name<Grade>(kGradeNames, text);
}
std::string_view to_string(PoorReason r) { return detail::name_of(kReasonNames, r); }
std::optional<PoorReason> parse_poor_reason(std::string_view text) {
  return detail::parse_name<PoorReason>(kReasonNames, text);
}
std::span<const PoorReason> all_poor_reasons() { return kAllReasons; }

Result<RatingRequest> read_rating(const boost::json::object& obj) {
  auto keys = detail::check_keys(obj, {"grade", "reason", "text"});
  if (!keys) return fail(std::move(keys.error()));
  const json::Reader reader(obj);
  RatingRequest out;
  auto grade = reader.string("grade", 1, 16);
  if (!grade) return fail(std::move(grade.error()));
  const auto g = parse_grade(*grade);
  if (!g) return fail(invalid_enum("grade", kGradeNames));
  out.grade = *g;
  auto reason = reader.optional_string("reason", 64);
  if (!reason) return fail(std::move(reason.error()));
  if (*reason) {
    out.reason = parse_poor_reason(**reason);
    if (!out.reason) return fail(invalid_enum("reason", kReasonNames));
  }
  // Bytes bounded here (4 per character at most); characters are rate()'s rule.
  auto text = reader.optional_string("text", kMaxRatingTextChars * 4);
  if (!text) return fail(std::move(text.error()));
  out.text = text->value_or("");
  return out;
}

Result<Rating> rate(const Actor& actor, const CaseParties& parties, CaseState state,
                    bool already_rated, const RatingRequest& request, Clock::time_point now) {
  auto allowed = check(actor, parties, Operation::rate);
  if (!allowed) return fail(std::move(allowed.error()));
  if (state != CaseState::completed) {
    return fail(detail::conflict("not_completed", "a case is rated once it is COMPLETED; it is " +
                                                      std::string(to_string(state))));
  }
  if (already_rated) {
    return fail(detail::conflict("already_rated", "the case has been rated already"));
  }
  if (request.grade == Grade::poor && !request.reason) {
    return fail(Error::invalid("reason", "reason_required", "a poor rating needs a reason"));
  }
  if (request.grade == Grade::good && request.reason) {
    return fail(Error::invalid("reason", "reason_only_for_poor",
                               "a reason is given with a poor rating only"));
  }
  auto text = detail::check_text("text", request.text, kMaxRatingTextChars);
  if (!text) return fail(std::move(text.error()));
  if (request.reason == PoorReason::other && !detail::has_content(request.text)) {
    return fail(Error::invalid("text", "text_required", "reason 'other' needs a text"));
  }
  return Rating{request.grade, request.reason, request.text, actor.subject, now};
}

boost::json::object to_json(const Rating& r) {
  boost::json::object out{{"grade", to_string(r.grade)},
                          {"rated_by", r.rated_by},
                          {"rated_at", to_rfc3339(r.rated_at)}};
  if (r.reason) out["reason"] = to_string(*r.reason);
  if (!r.text.empty()) out["text"] = r.text;
  return out;
}

}  // namespace tongban::delegation
