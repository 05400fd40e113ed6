// The audit log's own endpoints: verify the chain, sign a checkpoint now, export entries
// and checkpoints for the offline verify command, and the checkpoint keys (public).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "datahub.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::datahub {
namespace {

Error auditor_required() {
  return Error{Errc::forbidden, "only an auditor or platform_admin reads the audit log", "",
               "role_required", false};
}

}  // namespace

void Datahub::add_audit_routes() {
  auto& r = svc_.router();

  r.get("/v1/audit/verify", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_any_role({"auditor", "platform_admin"})) return http::problem(auditor_required());
    auto report = audit_.verify();
    if (!report) return http::problem(report.error());
    return http::Response::json(200, to_json(*report));
  });

  r.post("/v1/audit/checkpoints", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_any_role({"auditor", "platform_admin"})) return http::problem(auditor_required());
    auto cp = audit_.checkpoint(clock_.now());
    if (!cp) return http::problem(cp.error());
    if (!*cp) return http::Response::json(200, boost::json::object{{"created", false}});
    auto o = to_json(**cp);
    o["created"] = true;
    return http::Response::json(201, o);
  });

  r.get("/v1/audit/checkpoints", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_any_role({"auditor", "platform_admin"})) return http::problem(auditor_required());
    auto cps = read_checkpoints(svc_.redis());
    if (!cps) return http::problem(cps.error());
    std::string body;
    for (const auto& cp : *cps) body += boost::json::serialize(to_json(cp)) + "\n";
    return http::Response::text(200, std::move(body), "application/x-ndjson");
  });

  // Entries as stored, one JSON object per line, `offset`/`limit` for paging.
  r.get("/v1/audit/entries", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_any_role({"auditor", "platform_admin"})) return http::problem(auditor_required());
    auto offset = query_integer(req, "offset", 0, 0, 1'000'000'000'000);
    if (!offset) return http::problem(offset.error());
    auto limit = query_integer(req, "limit", 10000, 1, 100000);
    if (!limit) return http::problem(limit.error());
    auto lines = redis_entry_reader(svc_.redis())(static_cast<std::size_t>(*offset),
                                                  static_cast<std::size_t>(*limit));
    if (!lines) return http::problem(lines.error());
    std::string body;
    for (const auto& l : *lines) body += l + "\n";
    return http::Response::text(200, std::move(body), "application/x-ndjson");
  });

  r.get("/v1/audit/jwks.json", [this](http::Request&) {
    auto res = http::Response::text(200, audit_.signer().jwks().to_json(), "application/json");
    return res;
  });
}

}  // namespace tongban::datahub
