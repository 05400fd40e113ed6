// Helpers of the portal domain's tests: events as the services publish them (the case record
// in every case event, the whole agreement in every agreement event), instants as RFC 3339
// text, and the shipped 2026 calendar.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/calendar.hpp"
#include "domain/state.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::portal::test_events {

// An instant as written, e.g. at("2026-03-02T10:00:00+08:00").
inline Clock::time_point at(const std::string& rfc3339) {
  Clock::time_point t;
  EXPECT_TRUE(parse_rfc3339(rfc3339, t)) << rfc3339;
  return t;
}

inline const delegation::Calendar& cn2026() {
  static const delegation::Calendar cal = [] {
    std::ifstream in(TONGBAN_CALENDAR_2026);
    if (!in) throw std::runtime_error("cannot read the 2026 calendar");
    std::stringstream s;
    s << in.rdbuf();
    auto c = delegation::Calendar::parse(s.str());
    if (!c) throw std::runtime_error(c.error().field + ": " + c.error().message);
    return *c;
  }();
  return cal;
}

inline std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

inline boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// One case's events, as delegation emits them: every transition bumps the version and carries
// the whole case record.
class CaseScript {
 public:
  CaseScript(std::string id, std::string receiving, std::string accepting, std::string item)
      : id_(std::move(id)),
        receiving_(std::move(receiving)),
        accepting_(std::move(accepting)),
        item_(std::move(item)) {}

  CaseScript& limits(int accept, int decide) {
    accept_ = accept;
    decide_ = decide;
    return *this;
  }
  CaseScript& materials(std::vector<std::string> provided, std::vector<std::string> exempted) {
    provided_ = std::move(provided);
    exempted_ = std::move(exempted);
    return *this;
  }
  // A transition into `state` (upper case) by `action` at `when`, by staff of `city`.
  CaseScript& step(const std::string& state, const std::string& action, const std::string& when,
                   const std::string& city = "", const std::string& department = "",
                   const std::string& reason = "") {
    if (submitted_at_.empty()) submitted_at_ = when;
    stage_started_ = when;  // as delegation does on every transition
    state_ = state;
    emit("case_" + lower(state), action, when, city, department, reason, {});
    return *this;
  }
  CaseScript& submit(const std::string& when) { return step("SUBMITTED", "submit", when); }
  CaseScript& overdue(const std::string& stage, const std::string& when) {
    emit("case_overdue", "overdue:" + stage, when, "", "", "",
         {{"stage", stage}, {"due", when}, {"warning", "red"}});
    return *this;
  }
  CaseScript& rate(const std::string& grade, const std::string& reason, const std::string& when) {
    boost::json::object r{{"grade", grade}, {"rated_by", "citizen-1"}, {"rated_at", when}};
    if (!reason.empty()) r["reason"] = reason;
    rating_ = r;
    emit("case_rated", "rate", when, "", "", grade, {{"rating", r}});
    return *this;
  }

  const std::vector<Event>& events() const { return events_; }
  const std::string& id() const { return id_; }

 private:
  void emit(const std::string& type, const std::string& action, const std::string& when,
            const std::string& city, const std::string& department, const std::string& reason,
            boost::json::object extra) {
    ++version_;
    boost::json::object record{{"id", id_},
                               {"version", version_},
                               {"state", state_},
                               {"receiving_city", receiving_},
                               {"accepting_city", accepting_},
                               {"item_code", item_},
                               {"delivery", "mail"},
                               {"accept_limit_days", accept_},
                               {"decide_limit_days", decide_},
                               {"materials_provided", strings(provided_)},
                               {"exempted", strings(exempted_)},
                               {"submitted_at", submitted_at_},
                               {"stage_started_at", stage_started_},
                               {"rating", rating_}};
    boost::json::object data{
        {"case_id", id_},
        {"receiving_city", receiving_},
        {"accepting_city", accepting_},
        {"applicant", "citizen-1"},
        {"item_code", item_},
        {"state", state_},
        {"action", action},
        {"version", version_},
        {"agreement_id", "agr-" + receiving_ + "-" + accepting_},
        {"actor", {{"subject", "staff"}, {"city", city}, {"department", department}}},
        {"reason", reason},
        {"at", when},
        {"case", record}};
    for (auto& [k, v] : extra) data[k] = v;
    events_.push_back(Event{id_ + "/" + std::to_string(version_),
                            "tongban.delegation." + type + ".v1", at(when), std::move(data)});
  }

  std::string id_;
  std::string receiving_;
  std::string accepting_;
  std::string item_;
  int accept_ = 5;
  int decide_ = 20;
  std::vector<std::string> provided_;
  std::vector<std::string> exempted_;
  std::string state_ = "SUBMITTED";
  std::string submitted_at_;
  std::string stage_started_;
  boost::json::value rating_ = nullptr;
  std::int64_t version_ = 0;
  std::vector<Event> events_;
};

// One agreement's events: every change bumps the revision and carries the whole agreement.
class AgreementScript {
 public:
  AgreementScript(std::string id, std::string city_a, std::string city_b,
                  std::string valid_from = "2026-01-01T00:00:00+08:00",
                  std::string valid_until = "2028-01-01T00:00:00+08:00")
      : id_(std::move(id)),
        city_a_(std::move(city_a)),
        city_b_(std::move(city_b)),
        valid_from_(std::move(valid_from)),
        valid_until_(std::move(valid_until)) {}

  AgreementScript& propose(std::vector<std::string> items, const std::string& when) {
    versions_.push_back({static_cast<int>(versions_.size()) + 1, "PROPOSED", std::move(items), ""});
    if (versions_.size() == 1) status_ = "PROPOSED";
    return emit("proposed", when);
  }
  AgreementScript& countersign(const std::string& when) {
    for (auto& v : versions_) {
      if (v.status == "ACTIVE") v.status = "SUPERSEDED";
    }
    versions_.back().status = "ACTIVE";
    versions_.back().decided_at = when;
    status_ = "ACTIVE";
    return emit("countersigned", when);
  }
  AgreementScript& suspend(const std::string& when) {
    return set_current("SUSPENDED", "suspended", when);
  }
  AgreementScript& resume(const std::string& when) {
    return set_current("ACTIVE", "resumed", when);
  }
  AgreementScript& terminate(const std::string& when) {
    return set_current("TERMINATED", "terminated", when);
  }

  const std::vector<Event>& events() const { return events_; }

 private:
  struct Version {
    int version;
    std::string status;
    std::vector<std::string> items;
    std::string decided_at;
  };

  AgreementScript& set_current(const std::string& status, const std::string& change,
                               const std::string& when) {
    for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) {
      if (it->status == "ACTIVE" || it->status == "SUSPENDED") {
        it->status = status;
        break;
      }
    }
    status_ = status;
    return emit(change, when);
  }

  AgreementScript& emit(const std::string& change, const std::string& when) {
    ++revision_;
    boost::json::array versions;
    for (const auto& v : versions_) {
      boost::json::object items;
      for (const auto& i : v.items) items[i] = {{"rights", "RECEIPT"}};
      versions.emplace_back(boost::json::object{
          {"version", v.version},
          {"status", v.status},
          {"body",
           {{"items", items},
            {"result_delivery", {"mail"}},
            {"valid_from", valid_from_},
            {"valid_until", valid_until_},
            {"accept_limit_days", 5}}},
          {"decided_at",
           v.decided_at.empty() ? boost::json::value(nullptr) : boost::json::value(v.decided_at)},
          {"standardisation", boost::json::object{}}});
    }
    boost::json::object agreement{{"id", id_},
                                  {"city_a", city_a_},
                                  {"city_b", city_b_},
                                  {"status", status_},
                                  {"versions", versions}};
    events_.push_back(
        Event{id_ + "/" + std::to_string(revision_),
              "tongban.delegation.agreement_" + change + ".v1",
              at(when),
              {{"agreement", agreement}, {"revision", revision_}, {"actor", "admin"}}});
    return *this;
  }

  std::string id_;
  std::string city_a_;
  std::string city_b_;
  std::string valid_from_;
  std::string valid_until_;
  std::string status_ = "PROPOSED";
  std::vector<Version> versions_;
  std::int64_t revision_ = 0;
  std::vector<Event> events_;
};

inline Event item_published(const std::string& code, std::int64_t version,
                            const std::string& online, const std::string& visits) {
  return Event{"item/" + code + "/" + std::to_string(version),
               "tongban.catalog.item_published.v1",
               at("2026-01-01T00:00:00Z"),
               {{"code", code},
                {"version", version},
                {"item",
                 {{"code", code},
                  {"name_zh", "事项" + code},
                  {"online_level", online},
                  {"visit_level", visits},
                  {"cross_city_eligible", true}}}}};
}

inline Event implementation_published(const std::string& code, const std::string& city,
                                      std::int64_t version, const std::string& department) {
  return Event{"impl/" + code + "/" + city + "/" + std::to_string(version),
               "tongban.catalog.implementation_published.v1",
               at("2026-01-01T00:00:00Z"),
               {{"item_code", code},
                {"city", city},
                {"version", version},
                {"implementation", {{"department", department}, {"item_code", code}}}}};
}

inline Event data_called(std::int64_t seq, const std::string& resource,
                         const std::string& consumer_city, const std::string& department,
                         const std::string& decision, const std::string& when,
                         const std::string& chain = "chain-a") {
  return Event{"call/" + chain + "/" + std::to_string(seq),
               "tongban.datahub.data_called.v1",
               at(when),
               {{"chain", chain},
                {"seq", seq},
                {"resource", resource},
                {"owner_city", "320100"},
                {"owner_department", "南京市公安局"},
                {"consumer_city", consumer_city},
                {"consumer_department", department},
                {"caller", "staff-9"},
                {"purpose", "case:c-1"},
                {"decision", decision},
                {"reason", decision == "denied" ? "no_grant" : ""},
                {"fields", 3},
                {"at", when}}};
}

inline Event licence_issued(const std::string& id, const std::string& issuer_city,
                            const std::string& when, const std::string& case_id) {
  return Event{
      "licence/" + id,
      "tongban.datahub.licence_issued.v1",
      at(when),
      {{"id", id},
       {"subject", "citizen-1"},
       {"type", "marriage_certificate"},
       {"issuer", {{"city", issuer_city}, {"department", "民政局"}}},
       {"issued_at", when},
       {"case_id", case_id.empty() ? boost::json::value(nullptr) : boost::json::value(case_id)}}};
}

inline void append(std::vector<Event>& to, const std::vector<Event>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace tongban::portal::test_events
