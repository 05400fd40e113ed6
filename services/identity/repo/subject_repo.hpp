// Subjects in Redis (tb:identity:subject:<id>, unique logins in tb:identity:login:...):
// every write and its event go in one Lua script, so nothing is half-stored.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tongban/core/result.hpp"
#include "tongban/store/outbox_message.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::identity {

struct SubjectRecord {
  std::string id;     // opaque (UUIDv7); the token's sub
  std::string type;   // citizen | enterprise | staff | service
  std::string login;  // resident ID number, credit code, staff login or client id
  std::string name;
  std::string city;  // household-registration city (citizens), registered city otherwise
  std::string department;
  std::string supervisor_scope;  // city | province, supervisors only
  std::string phone;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;  // service accounts
  int assurance = 1;                // 1..3 (L1 password, L2 verified ID, L3 in person)
  std::string status = "active";
  std::string secret_hash;  // argon2id of the password or client secret; never leaves
  std::map<std::string, std::string> extra;  // type-specific public fields
  long long version = 0;
  std::string created_at;
  std::string updated_at;

  // The public view: everything but the secret hash.
  boost::json::object to_json() const;
};

class SubjectRepo {
 public:
  explicit SubjectRepo(store::Redis& redis);

  // Conflict (rule duplicate_subject) when the login of that type exists already.
  Result<void> create(const SubjectRecord& s, const store::OutboxMessage& event);
  Result<std::optional<SubjectRecord>> find(const std::string& id);
  Result<std::optional<SubjectRecord>> find_by_login(const std::string& type,
                                                     const std::string& login);
  // Compare-and-set on the version read earlier: conflict when someone wrote meanwhile.
  // Writes the given fields, bumps the version, appends the event; returns the new version.
  Result<long long> update(const std::string& id, long long expected_version,
                           const std::vector<std::pair<std::string, std::string>>& fields,
                           const store::OutboxMessage& event);

  std::string subject_key(const std::string& id) const;
  std::string login_key(const std::string& type, const std::string& login) const;

 private:
  store::Redis& redis_;
};

std::string join_words(const std::vector<std::string>& words);
std::vector<std::string> split_words(const std::string& text);

}  // namespace tongban::identity
