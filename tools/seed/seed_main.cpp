// tongban-seed: loads the demo data into a running platform through its public APIs
// (never behind a service's back): for every city of data/cities, the window staff
// (clerk, examiner, approver, supervisor) and a dept_admin. Safe to run again: what
// exists already is left as it is.
//
//   tongban-seed [--identity URL] [--admin-login L] [--admin-password P]
//                [--staff-password P] [--cities N]
//                [--catalog URL --delegation URL --datahub URL [--pairs N]]
// With the last three: agreements signed between the pairs of cities with the largest
// migrant flows, and a resource directory for the largest cities (seed_platform.hpp).
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "seed_platform.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/http/client.hpp"

namespace {

using namespace tongban;

struct Options {
  std::string identity = "http://127.0.0.1:8081";
  std::string admin_login = "admin";
  std::string admin_password;
  std::string staff_password = "Demo-Staff-2026";
  std::size_t cities = 0;  // 0: all
  std::string catalog, delegation, datahub;
  std::size_t pairs = 200;
};

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int usage() {
  std::fprintf(stderr,
               "usage: tongban-seed [--identity URL] [--admin-login L] [--admin-password P]\n"
               "                    [--staff-password P] [--cities N]\n"
               "                    [--catalog URL --delegation URL --datahub URL [--pairs N]]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.admin_password = env_or("TONGBAN_IDENTITY_ADMIN_PASSWORD", "");
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string v = argv[++i];
    if (a == "--identity")
      o.identity = v;
    else if (a == "--admin-login")
      o.admin_login = v;
    else if (a == "--admin-password")
      o.admin_password = v;
    else if (a == "--staff-password")
      o.staff_password = v;
    else if (a == "--cities")
      o.cities = static_cast<std::size_t>(std::stoul(v));
    else if (a == "--catalog")
      o.catalog = v;
    else if (a == "--delegation")
      o.delegation = v;
    else if (a == "--datahub")
      o.datahub = v;
    else if (a == "--pairs")
      o.pairs = static_cast<std::size_t>(std::stoul(v));
    else
      return usage();
  }
  if (o.admin_password.empty()) {
    std::fprintf(stderr,
                 "tongban-seed: --admin-password (or TONGBAN_IDENTITY_ADMIN_PASSWORD) "
                 "is required\n");
    return 2;
  }
  http::Client client({.connect_timeout = std::chrono::milliseconds(2000),
                       .request_timeout = std::chrono::milliseconds(30000)});
  auto login = client.post_json(
      o.identity + "/v1/sessions",
      boost::json::serialize(boost::json::object{
          {"subject_type", "staff"}, {"login", o.admin_login}, {"password", o.admin_password}}));
  if (!login || login->status != 200) {
    std::fprintf(stderr, "tongban-seed: admin login failed: %s\n",
                 login ? login->body.c_str() : login.error().message.c_str());
    return 1;
  }
  const std::string token(
      boost::json::parse(login->body).as_object().at("access_token").as_string());
  const http::Headers auth{{"Authorization", "Bearer " + token}};

  int created = 0, existing = 0, failed = 0;
  std::size_t n = 0;
  for (const auto& city : cities::directory().all()) {
    if (o.cities && n++ >= o.cities) break;
    struct Member {
      const char* role;
      const char* department;
    };
    for (const Member& m :
         {Member{"dept_admin", "政务服务管理办公室"}, Member{"clerk", "政务服务中心"},
          Member{"examiner", "政务服务中心"}, Member{"approver", "政务服务中心"},
          Member{"supervisor", "政务服务管理办公室"}}) {
      const std::string login_name = std::string(m.role) + "-" + city.code;
      boost::json::object body{{"login", login_name},
                               {"name", city.name_zh + std::string(" ") + m.role},
                               {"city", city.code},
                               {"department", m.department},
                               {"roles", boost::json::array{m.role}},
                               {"password", o.staff_password}};
      auto r = client.post_json(o.identity + "/v1/staff", boost::json::serialize(body), auth);
      if (r && r->status == 201) {
        ++created;
      } else if (r && r->status == 409) {
        ++existing;
      } else {
        ++failed;
        std::fprintf(stderr, "tongban-seed: %s: %s\n", login_name.c_str(),
                     r ? r->body.c_str() : r.error().message.c_str());
      }
    }
  }
  std::printf("{\"staff_created\":%d,\"staff_existing\":%d,\"failed\":%d}\n", created, existing,
              failed);
  if (!o.catalog.empty() && !o.delegation.empty() && !o.datahub.empty()) {
    auto counts =
        seed::seed_platform(client, seed::PlatformSeed{o.identity, o.catalog, o.delegation,
                                                       o.datahub, o.staff_password, o.pairs});
    std::printf(
        "{\"agreements_signed\":%d,\"agreements_existing\":%d,\"resources\":%d,\"failed\":%d}\n",
        counts.agreements_signed, counts.agreements_existing, counts.resources, counts.failed);
    failed += counts.failed;
  }
  return failed == 0 ? 0 : 1;
}
