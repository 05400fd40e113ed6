#include "notify.hpp"

#include <boost/json/object.hpp>

#include "tongban/http/problem.hpp"
#include "tongban/store/keyspace.hpp"

namespace tongban::notify {
namespace {

const store::Keyspace& ks() {
  static const store::Keyspace k("notify");
  return k;
}

}  // namespace

std::optional<std::string> case_state_of(const bus::Envelope& e) {
  if (!e.type.starts_with("tongban.delegation.case_") || !e.data.is_object()) return std::nullopt;
  const auto* state = e.data.get_object().if_contains("state");
  if (!state || !state->is_string()) return std::nullopt;
  return std::string(state->get_string());
}

Result<void> App::on_case_event(const bus::Envelope& e) {
  auto state = case_state_of(e);
  if (!state) return {};  // other events pass by
  // The consumer runner dedupes on the event id, so HINCRBY counts each event once.
  auto r = svc_.redis().command({"HINCRBY", ks().key("cases_by_state"), *state, "1"});
  if (!r) return fail(std::move(r.error()));
  return {};
}

void App::add_consumers() {
  bus::ConsumerOptions o;
  o.group_id = "notify";
  o.topics = {std::string(kCasesTopic)};
  svc_.consume(
      o, [this](const bus::Envelope& e, const bus::IncomingMessage&) { return on_case_event(e); });
}

void App::add_routes() {
  svc_.router().get("/v1/case-counts", [this](http::Request&) {
    auto r = svc_.redis().command({"HGETALL", ks().key("cases_by_state")});
    if (!r) return http::problem(r.error());
    boost::json::object counts;
    const auto& a = r->array();
    for (std::size_t i = 0; i + 1 < a.size(); i += 2) {
      counts[a[i].str()] = std::atoll(a[i + 1].str().c_str());
    }
    return http::Response::json(200, boost::json::object{{"cases_by_state", std::move(counts)}});
  });
}

}  // namespace tongban::notify
