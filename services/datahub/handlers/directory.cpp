// The resource directory: departments register resources (owner = the caller's city and
// department), everyone signed in can search it, and owner departments ingest records.
#include "datahub.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::datahub {
namespace {

Error not_owner(const ResourceEntry& r) {
  return Error{Errc::forbidden,
               "only staff of the owner department (" + r.core.owner.city + " " +
                   r.core.owner.department + ") ingest records of " + r.core.id,
               "", "not_owner", false};
}

Error unknown_resource(const std::string& id) {
  return Error{Errc::not_found, "no resource " + id + " in the directory", "resource",
               "unknown_resource", false};
}

}  // namespace

void Datahub::add_directory_routes() {
  auto& r = svc_.router();

  r.post("/v1/resources", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("dept_admin")) {
      return http::problem(Error{Errc::forbidden,
                                 "a dept_admin registers its department's resources", "",
                                 "role_required", false});
    }
    auto owner = department_of(*who);
    if (!owner) return http::problem(owner.error());
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto entry = read_resource(*body, *owner, clock_.now());
    if (!entry) return http::problem(entry.error());
    auto doc = to_json(*entry);
    auto ok = repo_.register_resource(
        *entry, event(kDirectoryTopic, "tongban.datahub.resource_registered.v1", entry->core.id,
                      doc, req.trace.header()));
    if (!ok) return http::problem(ok.error());
    auto res = http::Response::json(201, doc);
    res.set_header("Location", "/v1/resources/" + entry->core.id);
    return res;
  });

  r.get("/v1/resources", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    ResourceQuery q;
    q.keyword = req.query_param("q").value_or("");
    q.city = req.query_param("city").value_or("");
    q.department = req.query_param("department").value_or("");
    q.cursor = req.query_param("cursor").value_or("");
    if (auto s = req.query_param("sharing_class")) {
      q.sharing = parse_sharing_class(*s);
      if (!q.sharing) {
        return http::problem(
            Error::invalid("sharing_class", "enum",
                           "sharing_class must be unconditional, conditional or not_shared"));
      }
    }
    auto size = query_integer(req, "page_size", 20, 1, 200);
    if (!size) return http::problem(size.error());
    q.page_size = static_cast<std::size_t>(*size);
    auto page = repo_.search_resources(q);
    if (!page) return http::problem(page.error());
    boost::json::array items;
    for (const auto& e : page->resources) items.push_back(to_json(e));
    return http::Response::json(
        200,
        boost::json::object{
            {"resources", std::move(items)},
            {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}});
  });

  r.get("/v1/resources/{id}", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    auto entry = repo_.resource(id);
    if (!entry) return http::problem(entry.error());
    if (!*entry) return http::problem(unknown_resource(id));
    return http::Response::json(200, to_json(**entry));
  });

  r.put("/v1/resources/{id}/records/{subject}", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id")), subject(req.param("subject"));
    auto entry = repo_.resource(id);
    if (!entry) return http::problem(entry.error());
    if (!*entry) return http::problem(unknown_resource(id));
    auto dept = department_of(*who);
    if (!dept) return http::problem(dept.error());
    if (*dept != (*entry)->core.owner ||
        !who->has_any_role({"dept_admin", "clerk", "examiner", "approver"})) {
      return http::problem(not_owner(**entry));
    }
    if (subject.empty() || subject.size() > 64) {
      return http::problem(Error::invalid("subject", "length", "subject must be 1 to 64 bytes"));
    }
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto values = read_record(*body, (*entry)->core);
    if (!values) return http::problem(values.error());
    if (auto ok = repo_.put_record(id, subject, *values); !ok) return http::problem(ok.error());
    return http::Response::json(
        200, boost::json::object{{"resource", id}, {"subject", subject}, {"values", *values}});
  });
}

}  // namespace tongban::datahub
