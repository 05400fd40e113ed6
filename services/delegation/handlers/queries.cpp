// Reading cases: one case (with the caller's possible actions and the stage deadline), its
// timeline, lists by applicant, by city and state, by state, and a staff member's work
// queue. Every case returned passes the authority table's view rule.
#include <boost/json/array.hpp>

#include "delegation.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::delegation {
namespace {

CaseParties parties_of(const CaseRecord& c) {
  return CaseParties{c.applicant, c.receiving_city, c.accepting_city, handover_place(c.delivery)};
}

}  // namespace

Result<std::size_t> page_limit(const http::Request& req) {
  auto text = req.query_param("limit");
  if (!text) return std::size_t{50};
  char* end = nullptr;
  const long v = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || v < 1 || v > 200) {
    return fail(Error::invalid("limit", "range", "limit must be 1 to 200"));
  }
  return static_cast<std::size_t>(v);
}

http::Response Delegation::case_answer(const Result<std::optional<CaseRecord>>& c,
                                       const Actor& actor) const {
  if (!c) return http::problem(c.error());
  if (!*c) return http::problem(Error::not_found("case not found"));
  if (auto d = may_view(actor, parties_of(**c)); !d.allowed()) return http::problem(d.error());
  auto res = http::Response::json(200, case_view(**c, actor));
  res.set_header("ETag", "\"" + std::to_string((*c)->version) + "\"");
  return res;
}

http::Response Delegation::read_case(http::Request& req) {
  paths_.count(Paths::case_read, false);
  auto who = svc_.authenticate(req);
  if (!who) return http::problem(who.error());
  return case_answer(repo_.load(std::string(req.param("id"))), actor_of(*who));
}

// With the token cached, the read is asynchronous and the answer is built on the Redis
// client's thread: a hand-off poll costs no worker.
void Delegation::read_case_async(http::Request& req, const http::Responder& respond) {
  auto who = svc_.authenticate_if_cached(req);
  if (!who) return respond.to_workers([this](http::Request& r) { return read_case(r); });
  if (!*who) return respond(http::problem(who->error()));
  paths_.count(Paths::case_read, true);
  repo_.async_load(std::string(req.param("id")),
                   [this, respond, actor = actor_of(**who)](Result<std::optional<CaseRecord>> c) {
                     respond(case_answer(c, actor));
                   });
}

void Delegation::add_query_routes() {
  auto& r = svc_.router();

  r.add_async(
      http::Method::get, "/v1/cases/{id}",
      [this](http::Request& req, http::Responder respond) { read_case_async(req, respond); });

  r.get("/v1/cases/{id}/timeline", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    auto c = repo_.load(id);
    if (!c) return http::problem(c.error());
    if (!*c) return http::problem(Error::not_found("case not found"));
    if (auto d = may_view(actor_of(*who), parties_of(**c)); !d.allowed()) {
      return http::problem(d.error());
    }
    auto tl = repo_.timeline(id);
    if (!tl) return http::problem(tl.error());
    boost::json::array entries;
    for (auto& e : *tl) entries.push_back(std::move(e));
    return http::Response::json(
        200, boost::json::object{
                 {"case_id", id}, {"version", (*c)->version}, {"entries", std::move(entries)}});
  });

  // ?applicant=me | ?city=<code>&place=receiving|accepting&state=S | ?state=S
  r.get("/v1/cases", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const auto actor = actor_of(*who);
    auto limit = page_limit(req);
    if (!limit) return http::problem(limit.error());
    const auto cursor = req.query_param("cursor").value_or("");
    const auto applicant = req.query_param("applicant");
    const auto city = req.query_param("city");
    const auto state_text = req.query_param("state");
    std::optional<CaseState> state;
    if (state_text) {
      state = parse_case_state(*state_text);
      if (!state)
        return http::problem(Error::invalid("state", "enum", "unknown state " + *state_text));
    }
    Result<CasePage> page = fail(Error::invalid("applicant", "query_required",
                                                "give applicant=me, city and state, or state"));
    if (applicant) {
      const auto subject = *applicant == "me" ? actor.subject : *applicant;
      page = repo_.by_applicant(subject, cursor, *limit);
    } else if (city && state) {
      const auto place = req.query_param("place").value_or("receiving");
      if (place != "receiving" && place != "accepting") {
        return http::problem(Error::invalid("place", "enum", "place is receiving or accepting"));
      }
      page = repo_.by_city(place, *city, *state, cursor, *limit);
    } else if (state) {
      page = repo_.by_state(*state, cursor, *limit);
    }
    if (!page) return http::problem(page.error());
    boost::json::array out;
    for (const auto& c : page->cases) {
      if (may_view(actor, parties_of(c)).allowed()) out.push_back(case_view(c, actor));
    }
    return http::Response::json(
        200,
        boost::json::object{
            {"cases", std::move(out)},
            {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}});
  });

  // The caller's work: at their city, the states in which their roles have an action.
  r.get("/v1/work-queue", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const auto actor = actor_of(*who);
    if (actor.city.empty()) {
      return http::problem(Error{Errc::forbidden, "a work queue belongs to staff of a city", "",
                                 "role_required", false});
    }
    auto limit = page_limit(req);
    if (!limit) return http::problem(limit.error());
    boost::json::array queues;
    for (const auto* place : {"receiving", "accepting"}) {
      for (auto s : all_case_states()) {
        // Could this actor act on a case in state s, placed at their city this way?
        const bool receiving = std::string_view(place) == "receiving";
        const CaseParties probe{"", receiving ? actor.city : "000000",
                                receiving ? "000000" : actor.city,
                                receiving ? Place::receiving : Place::accepting};
        bool acts = false;
        for (auto rights : {Rights::receipt, Rights::receipt_and_preliminary_examination}) {
          for (auto a : allowed_actions(s, rights)) {
            if (a != CaseAction::withdraw && authorise(actor, probe, a).allowed()) acts = true;
          }
        }
        if (!acts) continue;
        auto page = repo_.by_city(place, actor.city, s, "", *limit);
        if (!page) return http::problem(page.error());
        boost::json::array cases;
        for (const auto& c : page->cases) {
          if (c.holder == Holder::mirror) continue;  // written elsewhere: not this node's work
          cases.push_back(case_view(c, actor));
        }
        queues.push_back(boost::json::object{
            {"place", place}, {"state", to_string(s)}, {"cases", std::move(cases)}});
      }
    }
    return http::Response::json(200, boost::json::object{{"queues", std::move(queues)}});
  });
}

}  // namespace tongban::delegation
