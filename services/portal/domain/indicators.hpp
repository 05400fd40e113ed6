// The indicators of SPEC §3.5 computed from the portal's fold for one window: collaboration
// (breadth, connection, degree, realised degree, density, formalism, cases against migrant
// flow), service capability (online and visit shares, e-licence reuse, data calls, on-time
// rates, handling times, refusal reasons, satisfaction) and supervision (yellow/red warnings).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/calendar.hpp"
#include "domain/case_state.hpp"
#include "domain/deadline.hpp"
#include "domain/state.hpp"
#include "domain/stats.hpp"
#include "domain/window.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::portal {

// An agreement must have been in force this long before "no case in the window" makes it a
// paper agreement in Window::all (the other windows ask for it to predate their first day).
inline constexpr int kSettleDays = 30;

// ---- collaboration (seeds/003: breadth, connection, degree) ----

struct PairIndicators {
  std::string city_a;  // city_a < city_b
  std::string city_b;
  double flow_weight = 0;        // migrant flow between them, share of 1,000,000
  std::string agreement_id;      // the agreement shown for the pair; empty: none
  std::string agreement_status;  // its status
  bool connected = false;        // connection: an agreement in force at now
  std::optional<Clock::time_point> signed_at;
  bool settled = false;     // connected since before the window (Window::all: kSettleDays)
  int degree = 0;           // items the agreement in force covers
  int realised_degree = 0;  // of those, items with a case in the window
  std::vector<std::string> unused_items;  // covered, no case in the window (settled only)
  bool paper = false;                     // settled and no case at all in the window
  std::int64_t cases = 0;                 // submitted in the window, either direction
  std::int64_t cases_received_in_a = 0;   // receiving place city_a, accepting city_b
  std::int64_t cases_received_in_b = 0;
  // All cases of the window x this pair's share of the flow (flow_weight / sum of weights).
  std::optional<double> expected_cases;
  std::optional<double> flow_ratio;  // cases / expected_cases
};

struct CityIndicators {
  std::string city;
  std::string name_zh;
  std::string province_code;
  int breadth = 0;           // partner cities with an agreement in force
  int realised_breadth = 0;  // of those, partners with a case in the window
  int degree = 0;            // sum of the degrees of its agreements in force
  int realised_degree = 0;   // sum of their realised degrees
  int paper_agreements = 0;  // its paper agreements
  int unused_items = 0;      // sum of the unused items of its settled agreements
  std::int64_t cases_as_receiving = 0;
  std::int64_t cases_as_accepting = 0;
};

struct NetworkIndicators {
  int cities = 0;
  int pairs = 0;            // n (n - 1) / 2 = 11,935 for the 155 cities
  Share density;            // connected pairs of all pairs
  Share realised_density;   // connected pairs with a case in the window, of all pairs
  Share paper_share;        // paper agreements of settled connected pairs
  Share realisation;        // sum of realised degrees of sum of degrees
  double flow_covered = 0;  // share of all migrant flow that is between connected pairs, 0..1
  std::int64_t cases = 0;   // submitted in the window
  // Spearman's rho of cases in the window against flow weight, over all pairs and over the
  // connected pairs; nullopt when either side is constant (e.g. no cases).
  std::optional<double> flow_rank_correlation;
  std::optional<double> flow_rank_correlation_connected;
};

struct Collaboration {
  NetworkIndicators network;
  std::vector<CityIndicators> cities;  // every city, by code
  std::vector<PairIndicators> pairs;   // pairs with an agreement or a case in the window
};

// ---- service capability (seeds/004) ----

// Online and visit levels (catalog) of the items that had cases in the window.
struct ServiceLevels {
  std::int64_t items = 0;                      // distinct items with a case
  std::int64_t unknown = 0;                    // of those, not (yet) known from the catalog
  std::map<std::string, std::int64_t> online;  // full / partial / none -> items
  std::map<std::string, std::int64_t> visits;  // zero / once / multiple -> items
  Share online_share;                          // full online (全程网办), of known items
  Share zero_visit_share;                      // zero visits (零跑动)
  Share one_visit_share;                       // at most one visit (最多跑一次): zero + once
  // The same, each case counted (cases of known items).
  Share case_online_share;
  Share case_zero_visit_share;
  Share case_one_visit_share;
};

// E-licence reuse over the cases submitted in the window.
struct Reuse {
  std::int64_t cases = 0;
  std::int64_t cases_with_exemption = 0;
  std::int64_t exempted = 0;   // materials not submitted again: held as e-licences
  std::int64_t uploaded = 0;   // materials uploaded (not exempted)
  std::int64_t redundant = 0;  // uploaded although held
  Share reuse_rate;            // exempted of exempted + uploaded
};

struct LicenceCounts {
  std::int64_t issued = 0;
  std::int64_t from_cases = 0;
};

struct DecisionCounts {
  std::int64_t allowed = 0;
  std::int64_t denied = 0;
};

struct Calls {
  DecisionCounts total;
  std::map<std::string, DecisionCounts> by_resource;
  std::map<std::pair<std::string, std::string>, DecisionCounts> by_consumer;  // city, department
  std::map<std::string, DecisionCounts> by_consumer_city;
  std::map<std::string, DecisionCounts> by_owner_city;
};

// One stage's clock (delegation deadline.hpp) over the runs that ended in the window, plus
// the open runs whose due fell in the window and passed.
struct StageStats {
  std::int64_t ended = 0;
  std::int64_t on_time = 0;       // ended before due
  std::int64_t late = 0;          // ended at or after due
  std::int64_t open_overdue = 0;  // not ended, due passed
  Share on_time_rate;             // on_time of on_time + late + open_overdue
  MeanHours hours;                // wall-clock duration of the ended runs
};

struct ReasonCount {
  std::string action;  // reject, deny
  std::string reason;
  std::int64_t count = 0;
};

struct RefusalCounts {
  std::int64_t rejected = 0;  // not accepted (不予受理)
  std::int64_t denied = 0;    // decided against (不予许可)
};

struct Satisfaction {
  std::int64_t good = 0;
  std::int64_t poor = 0;
  Share good_share;
  Share poor_share;
  std::map<std::string, std::int64_t> poor_reasons;
};

struct Capability {
  ServiceLevels levels;
  std::map<std::string, ServiceLevels> levels_by_city;  // accepting city
  Reuse reuse;
  std::map<std::string, Reuse> reuse_by_city;  // receiving city
  LicenceCounts licences;
  std::map<std::string, LicenceCounts> licences_by_city;  // issuing city
  Calls calls;
  std::map<delegation::Stage, StageStats> stages;
  // By the place whose clock it is: receiving city for forward, accepting for accept, decide.
  std::map<std::pair<delegation::Stage, std::string>, StageStats> stages_by_city;
  MeanHours handling_hours;  // submitted -> completed, cases completed in the window
  std::map<std::string, MeanHours> handling_hours_by_city;  // accepting city
  std::vector<ReasonCount> refusal_reasons;                 // most frequent first
  std::map<std::string, RefusalCounts> refusals_by_city;    // accepting city
  Satisfaction satisfaction;
  std::map<std::string, Satisfaction> satisfaction_by_city;  // both places of the case
};

// ---- supervision ----

struct CaseWarning {
  std::string case_id;
  std::string city;        // the place whose clock runs
  std::string department;  // who handles it there, "" when unknown
  delegation::Stage stage = delegation::Stage::forward;
  delegation::CaseState state = delegation::CaseState::received;
  Clock::time_point started_at{};
  Clock::time_point due{};
  delegation::Warning warning = delegation::Warning::none;
  double time_used = 0;
};

struct WarningCounts {
  std::int64_t yellow = 0;
  std::int64_t red = 0;
};

// At `now`, whatever the window, except overdue_recorded.
struct Supervision {
  std::vector<CaseWarning> cases;  // yellow and red, earliest due first
  WarningCounts total;
  std::map<std::string, WarningCounts> by_city;
  std::map<std::pair<std::string, std::string>, WarningCounts> by_department;  // city, dept
  // Overdue stages the delegation service recorded (case_overdue) in the window, by city.
  std::map<std::string, std::int64_t> overdue_recorded;
};

// Cases submitted in the window: how far they got and where they are.
struct Funnel {
  std::int64_t submitted = 0;
  std::map<delegation::CaseState, std::int64_t> reached;  // entered the state at some time
  std::map<delegation::CaseState, std::int64_t> current;  // in the state now
};

struct Indicators {
  Window window = Window::all;
  Clock::time_point now{};
  std::optional<Day> first_day;
  Collaboration collaboration;
  Capability capability;
  Supervision supervision;
  Funnel funnel;
};

// The indicators at `now` for `window`. Pure: the same state, window and now give the same
// numbers, however the state was folded. `calendar` gives the working days of the stage
// clocks; `directory` the cities, their pairs and flow weights.
Indicators compute(const State& state, Window window, Clock::time_point now,
                   const cities::Directory& directory, const delegation::Calendar& calendar);

// The JSON the service serves (README.md shows its shape): shares as
// {"count", "of", "share"} with share null for 0 of 0, times RFC 3339.
boost::json::object to_json(const Indicators& ind);

}  // namespace tongban::portal
