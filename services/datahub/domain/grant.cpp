#include "domain/grant.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tongban::datahub {
namespace {

constexpr std::array<std::string_view, 3> kClassNames = {"unconditional", "conditional",
                                                         "not_shared"};
constexpr std::array<std::string_view, 5> kStatusNames = {"requested", "approved", "denied",
                                                          "revoked", "expired"};
constexpr std::array<std::string_view, 4> kActionNames = {"approve", "deny", "revoke", "expire"};

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

Error forbidden(std::string rule, std::string message) {
  Error e = Error::forbidden(std::move(message));
  e.rule = std::move(rule);
  return e;
}

Error conflict(std::string rule, std::string message) {
  Error e = Error::conflict(std::move(message));
  e.rule = std::move(rule);
  return e;
}

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::string_view to_string(SharingClass c) { return kClassNames[static_cast<std::size_t>(c)]; }
std::optional<SharingClass> parse_sharing_class(std::string_view text) {
  return parse_name<SharingClass>(kClassNames, text);
}
std::string_view to_string(GrantStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }
std::optional<GrantStatus> parse_grant_status(std::string_view text) {
  return parse_name<GrantStatus>(kStatusNames, text);
}
std::string_view to_string(GrantAction a) { return kActionNames[static_cast<std::size_t>(a)]; }
std::optional<GrantAction> parse_grant_action(std::string_view text) {
  return parse_name<GrantAction>(kActionNames, text);
}

Result<Grant> request_grant(const Resource& resource, const GrantRequest& req,
                            Clock::time_point now) {
  if (req.resource != resource.id) {
    return fail(Error::invalid(
        "resource", "resource_mismatch",
        "the request names resource '" + req.resource + "', not '" + resource.id + "'"));
  }
  if (resource.sharing == SharingClass::not_shared) {
    return fail(forbidden("not_shareable", "resource '" + resource.id + "' is not shared"));
  }
  if (req.purpose.empty()) {
    return fail(Error::invalid("purpose", "purpose_required", "a grant needs a purpose"));
  }
  if (req.fields.empty()) {
    return fail(Error::invalid("fields", "fields_required", "a grant names at least one field"));
  }
  for (std::size_t i = 0; i < req.fields.size(); ++i) {
    const std::string field = "fields/" + std::to_string(i);
    if (!contains(resource.fields, req.fields[i])) {
      return fail(
          Error::invalid(field, "unknown_field",
                         "resource '" + resource.id + "' has no field '" + req.fields[i] + "'"));
    }
    if (std::find(req.fields.begin(), req.fields.begin() + static_cast<std::ptrdiff_t>(i),
                  req.fields[i]) != req.fields.begin() + static_cast<std::ptrdiff_t>(i)) {
      return fail(
          Error::invalid(field, "duplicate_field", "field '" + req.fields[i] + "' repeated"));
    }
  }
  if (req.duration <= Clock::time_point::duration::zero() || req.duration > kMaxGrantDuration) {
    return fail(Error::invalid("duration", "duration_out_of_range",
                               "a grant lasts more than zero and at most 366 days"));
  }
  Grant g;
  g.resource = resource.id;
  g.owner = resource.owner;
  g.consumer = req.consumer;
  g.fields = req.fields;
  g.purpose = req.purpose;
  g.duration = req.duration;
  g.requested_at = now;
  if (resource.sharing == SharingClass::unconditional) {
    g.status = GrantStatus::approved;
    g.expires_at = now + req.duration;
  }
  return g;
}

Result<GrantStatus> transition(const Grant& g, GrantAction a, const Department& actor,
                               Clock::time_point now) {
  if (a != GrantAction::expire && actor != g.owner) {
    return fail(forbidden("not_owner", "only the owner department (" + g.owner.city + "/" +
                                           g.owner.department + ") may " +
                                           std::string(to_string(a)) + " a grant"));
  }
  std::optional<GrantStatus> to;
  switch (a) {
    case GrantAction::approve:
      if (g.status == GrantStatus::requested) to = GrantStatus::approved;
      break;
    case GrantAction::deny:
      if (g.status == GrantStatus::requested) to = GrantStatus::denied;
      break;
    case GrantAction::revoke:
      if (g.status == GrantStatus::approved) to = GrantStatus::revoked;
      break;
    case GrantAction::expire:
      if (g.status == GrantStatus::approved) {
        if (g.expires_at && now < *g.expires_at) {
          return fail(conflict("not_expired", "the grant expires at " + to_rfc3339(*g.expires_at)));
        }
        to = GrantStatus::expired;
      }
      break;
  }
  if (!to) {
    return fail(conflict("invalid_transition", "cannot " + std::string(to_string(a)) +
                                                   " a grant that is " +
                                                   std::string(to_string(g.status))));
  }
  return *to;
}

Result<Grant> apply(Grant g, GrantAction a, const Department& actor, Clock::time_point now) {
  auto to = transition(g, a, actor, now);
  if (!to) return fail(std::move(to.error()));
  if (a == GrantAction::approve) g.expires_at = now + g.duration;
  g.status = *to;
  return g;
}

GrantStatus effective_status(const Grant& g, Clock::time_point now) {
  if (g.status == GrantStatus::approved && g.expires_at && now >= *g.expires_at) {
    return GrantStatus::expired;
  }
  return g.status;
}

Result<Authorisation> authorise_call(std::span<const Grant> grants, const Call& call,
                                     Clock::time_point now) {
  if (call.purpose.empty()) {
    return fail(Error::invalid("purpose", "purpose_required", "a data call needs a purpose"));
  }
  std::vector<const Grant*> active;
  const Grant* latest_ended = nullptr;  // the most recent revoked or expired grant
  for (const Grant& g : grants) {
    if (g.consumer != call.caller || g.resource != call.resource) continue;
    const GrantStatus s = effective_status(g, now);
    if (s == GrantStatus::approved) {
      active.push_back(&g);
    } else if ((s == GrantStatus::revoked || s == GrantStatus::expired) &&
               (!latest_ended || g.requested_at >= latest_ended->requested_at)) {
      latest_ended = &g;
    }
  }
  if (active.empty()) {
    if (latest_ended && effective_status(*latest_ended, now) == GrantStatus::revoked) {
      return fail(forbidden("grant_revoked", "the grant for '" + call.resource + "' was revoked"));
    }
    if (latest_ended) {
      return fail(forbidden("grant_expired", "the grant for '" + call.resource + "' expired"));
    }
    return fail(forbidden("no_grant", "no grant in force for '" + call.resource + "'"));
  }
  Authorisation out;
  out.grant_id = active.front()->id;
  auto granted = [&](std::string_view f) {
    return std::any_of(active.begin(), active.end(),
                       [&](const Grant* g) { return contains(g->fields, f); });
  };
  if (call.fields.empty()) {
    for (const Grant* g : active) {
      for (const auto& f : g->fields) {
        if (!contains(out.fields, f)) out.fields.push_back(f);
      }
    }
    return out;
  }
  for (const auto& f : call.fields) {
    auto& into = granted(f) ? out.fields : out.withheld;
    if (!contains(into, f)) into.push_back(f);
  }
  if (out.fields.empty()) {
    Error e = forbidden("field_not_granted", "none of the requested fields is granted");
    e.field = "fields";
    return fail(std::move(e));
  }
  return out;
}

}  // namespace tongban::datahub
