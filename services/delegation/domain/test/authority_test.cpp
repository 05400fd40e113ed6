#include "domain/authority.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "test/support.hpp"

namespace tongban::delegation {
namespace {

constexpr const char* kReceiving = "320100";          // 南京市, Jiangsu
constexpr const char* kAccepting = "410100";          // 郑州市, Henan
constexpr const char* kThird = "440100";              // 广州市, Guangdong: neither province
constexpr const char* kReceivingProvince = "320500";  // 苏州市, Jiangsu
constexpr const char* kApplicant = "citizen-7f3a";

const CaseParties kParties{kApplicant, kReceiving, kAccepting, Place::accepting};

// The expected matrix, written out by hand from SPEC §3.4 and the role decisions in
// README.md, NOT generated from permissions(). One line per operation and role; six codes:
// the actor at the receiving / accepting / a third city, first as someone else, then as the
// case's applicant. A allowed, N 404, r 403 role_required, w 403 wrong_place,
// p 403 applicant_only. (A staff account is never the applicant: its second half repeats
// the first.)
constexpr const char* kExpected = R"(
view citizen NNN AAA
view enterprise NNN AAA
view clerk AAN AAN
view examiner AAN AAN
view approver AAN AAN
view supervisor AAN AAN
view dept_admin rrN rrN
view platform_admin AAA AAA
view auditor AAA AAA

submit citizen ppp AAA
submit enterprise ppp AAA
submit clerk Aww Aww
submit examiner rww rww
submit approver rww rww
submit supervisor rww rww
submit dept_admin rww rww
submit platform_admin rww rww
submit auditor rww rww

receive citizen NNN rrr
receive enterprise NNN rrr
receive clerk AwN AwN
receive examiner rwN rwN
receive approver rwN rwN
receive supervisor rwN rwN
receive dept_admin rwN rwN
receive platform_admin rww rww
receive auditor rww rww

request_supplement citizen NNN rrr
request_supplement enterprise NNN rrr
request_supplement clerk AwN AwN
request_supplement examiner AwN AwN
request_supplement approver rwN rwN
request_supplement supervisor rwN rwN
request_supplement dept_admin rwN rwN
request_supplement platform_admin rww rww
request_supplement auditor rww rww

supplement citizen NNN AAA
supplement enterprise NNN AAA
supplement clerk AwN AwN
supplement examiner rwN rwN
supplement approver rwN rwN
supplement supervisor rwN rwN
supplement dept_admin rwN rwN
supplement platform_admin rww rww
supplement auditor rww rww

pre_examine citizen NNN rrr
pre_examine enterprise NNN rrr
pre_examine clerk rwN rwN
pre_examine examiner AwN AwN
pre_examine approver rwN rwN
pre_examine supervisor rwN rwN
pre_examine dept_admin rwN rwN
pre_examine platform_admin rww rww
pre_examine auditor rww rww

forward citizen NNN rrr
forward enterprise NNN rrr
forward clerk AwN AwN
forward examiner AwN AwN
forward approver rwN rwN
forward supervisor rwN rwN
forward dept_admin rwN rwN
forward platform_admin rww rww
forward auditor rww rww

accept citizen NNN rrr
accept enterprise NNN rrr
accept clerk wAN wAN
accept examiner wAN wAN
accept approver wrN wrN
accept supervisor wrN wrN
accept dept_admin wrN wrN
accept platform_admin wrw wrw
accept auditor wrw wrw

reject citizen NNN rrr
reject enterprise NNN rrr
reject clerk wAN wAN
reject examiner wAN wAN
reject approver wrN wrN
reject supervisor wrN wrN
reject dept_admin wrN wrN
reject platform_admin wrw wrw
reject auditor wrw wrw

approve citizen NNN rrr
approve enterprise NNN rrr
approve clerk wrN wrN
approve examiner wrN wrN
approve approver wAN wAN
approve supervisor wrN wrN
approve dept_admin wrN wrN
approve platform_admin wrw wrw
approve auditor wrw wrw

deny citizen NNN rrr
deny enterprise NNN rrr
deny clerk wrN wrN
deny examiner wrN wrN
deny approver wAN wAN
deny supervisor wrN wrN
deny dept_admin wrN wrN
deny platform_admin wrw wrw
deny auditor wrw wrw

dispatch_result citizen NNN rrr
dispatch_result enterprise NNN rrr
dispatch_result clerk wAN wAN
dispatch_result examiner wrN wrN
dispatch_result approver wrN wrN
dispatch_result supervisor wrN wrN
dispatch_result dept_admin wrN wrN
dispatch_result platform_admin wrw wrw
dispatch_result auditor wrw wrw

complete citizen NNN AAA
complete enterprise NNN AAA
complete clerk wAN wAN
complete examiner wrN wrN
complete approver wrN wrN
complete supervisor wrN wrN
complete dept_admin wrN wrN
complete platform_admin wrw wrw
complete auditor wrw wrw

withdraw citizen NNN AAA
withdraw enterprise NNN AAA
withdraw clerk AwN AwN
withdraw examiner rwN rwN
withdraw approver rwN rwN
withdraw supervisor rwN rwN
withdraw dept_admin rwN rwN
withdraw platform_admin rww rww
withdraw auditor rww rww

rate citizen NNN AAA
rate enterprise NNN AAA
rate clerk ppN ppN
rate examiner ppN ppN
rate approver ppN ppN
rate supervisor ppN ppN
rate dept_admin ppN ppN
rate platform_admin ppp ppp
rate auditor ppp ppp
)";

Actor actor_for(const std::string& role, const char* city, bool applicant) {
  Actor a;
  a.kind = role == "citizen"      ? ActorKind::citizen
           : role == "enterprise" ? ActorKind::enterprise
                                  : ActorKind::staff;
  a.roles = {role};
  a.city = city;
  a.subject = applicant ? kApplicant : "someone-else-" + role;
  return a;
}

char code_of(const Decision& d) {
  switch (d.verdict) {
    case Verdict::allowed:
      return 'A';
    case Verdict::not_found:
      return 'N';
    case Verdict::forbidden:
      if (d.rule == "role_required") return 'r';
      if (d.rule == "wrong_place") return 'w';
      if (d.rule == "applicant_only") return 'p';
      return '?';
  }
  return '?';
}

TEST(Authority, names_round_trip) {
  for (auto r : all_roles()) EXPECT_EQ(parse_role(to_string(r)), r);
  for (auto op : all_operations()) EXPECT_EQ(parse_operation(to_string(op)), op);
  for (auto k : {ActorKind::citizen, ActorKind::enterprise, ActorKind::staff, ActorKind::service}) {
    EXPECT_EQ(parse_actor_kind(to_string(k)), k);
  }
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_FALSE(parse_operation("delete"));
  EXPECT_EQ(all_roles().size(), 9u);
  EXPECT_EQ(all_operations().size(), 15u);
}

TEST(Authority, each_transition_is_the_operation_of_the_same_name) {
  for (auto a : all_case_actions()) EXPECT_EQ(to_string(operation_of(a)), to_string(a));
}

TEST(Authority, every_role_city_operation_and_applicant_combination_matches_the_matrix) {
  std::istringstream in(kExpected);
  std::string op_name, role, as_other, as_applicant;
  std::map<std::pair<std::string, std::string>, bool> seen;
  int checked = 0;
  while (in >> op_name >> role >> as_other >> as_applicant) {
    const auto op = parse_operation(op_name);
    ASSERT_TRUE(op) << op_name;
    ASSERT_TRUE(parse_role(role)) << role;
    ASSERT_EQ(as_other.size(), 3u);
    ASSERT_EQ(as_applicant.size(), 3u);
    seen[{op_name, role}] = true;
    const char* cities[] = {kReceiving, kAccepting, kThird};
    for (int applicant = 0; applicant < 2; ++applicant) {
      for (int place = 0; place < 3; ++place) {
        const char want = (applicant ? as_applicant : as_other)[static_cast<std::size_t>(place)];
        const auto d = authorise(actor_for(role, cities[place], applicant == 1), kParties, *op);
        EXPECT_EQ(code_of(d), want) << op_name << " by " << role << " at " << cities[place]
                                    << (applicant ? " (applicant)" : "") << ": "
                                    << to_string(d.verdict) << " " << d.rule << " " << d.message;
        ++checked;
      }
    }
  }
  // The matrix covers every operation for every role.
  for (auto op : all_operations()) {
    for (auto r : all_roles()) {
      EXPECT_TRUE(seen.contains({std::string(to_string(op)), std::string(to_string(r))}))
          << to_string(op) << " " << to_string(r) << " missing from the expected matrix";
    }
  }
  EXPECT_EQ(checked, 15 * 9 * 6);
}

TEST(Authority, transitions_check_the_same_as_their_operation) {
  const auto clerk = actor_for("clerk", kReceiving, false);
  EXPECT_TRUE(authorise(clerk, kParties, CaseAction::receive).allowed());
  EXPECT_EQ(authorise(clerk, kParties, CaseAction::accept).rule, "wrong_place");
}

TEST(Authority, a_province_supervisor_sees_the_cases_of_their_province_but_acts_on_none) {
  auto sup = actor_for("supervisor", kReceivingProvince, false);
  sup.province_scope = true;
  EXPECT_TRUE(may_view(sup, kParties).allowed());
  for (auto op : all_operations()) {
    if (op == Operation::view) continue;
    const auto d = authorise(sup, kParties, op);
    EXPECT_EQ(d.verdict, Verdict::forbidden) << to_string(op);
  }
  EXPECT_EQ(authorise(sup, kParties, Operation::receive).rule, "wrong_place");
  // The accepting city's province too.
  auto henan = actor_for("supervisor", "410300", false);
  henan.province_scope = true;
  EXPECT_TRUE(may_view(henan, kParties).allowed());
  // A clerk of another city in the same province sees nothing.
  EXPECT_EQ(may_view(actor_for("clerk", kReceivingProvince, false), kParties).verdict,
            Verdict::not_found);
}

// SPEC §3.1 gives supervisors a city or a province scope; §3.4 lets them see the cases of
// "their city or province" accordingly.
TEST(Authority, a_city_supervisor_sees_the_cases_of_their_city_only) {
  const auto elsewhere = actor_for("supervisor", kReceivingProvince, false);  // city scope
  EXPECT_EQ(may_view(elsewhere, kParties).verdict, Verdict::not_found);
  EXPECT_EQ(authorise(elsewhere, kParties, Operation::receive).verdict, Verdict::not_found);
  EXPECT_TRUE(may_view(actor_for("supervisor", kReceiving, false), kParties).allowed());
  EXPECT_TRUE(may_view(actor_for("supervisor", kAccepting, false), kParties).allowed());
  // Province scope reaches no further than the province.
  auto guangdong = actor_for("supervisor", kThird, false);
  guangdong.province_scope = true;
  EXPECT_EQ(may_view(guangdong, kParties).verdict, Verdict::not_found);
}

TEST(Authority, the_result_is_handed_over_by_the_receiving_window_when_delivered_there) {
  CaseParties window = kParties;
  window.handover = Place::receiving;
  EXPECT_TRUE(
      authorise(actor_for("clerk", kReceiving, false), window, Operation::complete).allowed());
  EXPECT_EQ(authorise(actor_for("clerk", kAccepting, false), window, Operation::complete).rule,
            "wrong_place");
  EXPECT_TRUE(authorise(actor_for("citizen", kThird, true), window, Operation::complete).allowed());
  // Dispatch stays with the accepting place, whatever the delivery.
  EXPECT_TRUE(authorise(actor_for("clerk", kAccepting, false), window, Operation::dispatch_result)
                  .allowed());
}

TEST(Authority, roles_combine_and_unknown_roles_are_ignored) {
  Actor both = actor_for("clerk", kReceiving, false);
  both.roles = {"clerk", "examiner", "made_up"};
  for (auto op : {Operation::receive, Operation::request_supplement, Operation::pre_examine,
                  Operation::forward, Operation::supplement, Operation::withdraw}) {
    EXPECT_TRUE(authorise(both, kParties, op).allowed()) << to_string(op);
  }
  Actor unknown = both;
  unknown.roles = {"made_up"};
  EXPECT_EQ(authorise(unknown, kParties, Operation::receive).rule, "role_required");
  EXPECT_EQ(may_view(unknown, kParties).rule, "role_required");
}

TEST(Authority, staff_without_a_city_and_service_accounts_without_roles_see_nothing) {
  Actor nowhere = actor_for("clerk", "", false);
  EXPECT_EQ(may_view(nowhere, kParties).verdict, Verdict::not_found);
  EXPECT_EQ(authorise(nowhere, kParties, Operation::receive).verdict, Verdict::not_found);

  Actor service{"svc-portal", ActorKind::service, {}, ""};
  EXPECT_EQ(may_view(service, kParties).verdict, Verdict::not_found);
  EXPECT_EQ(authorise(service, kParties, Operation::accept).verdict, Verdict::not_found);
  service.roles = {"auditor"};
  EXPECT_TRUE(may_view(service, kParties).allowed());
  EXPECT_EQ(authorise(service, kParties, Operation::accept).rule, "role_required");
  EXPECT_EQ(authorise(service, kParties, Operation::rate).rule, "applicant_only");
}

TEST(Authority, a_staff_account_is_never_the_applicant) {
  Actor clerk = actor_for("clerk", kThird, true);  // subject equal to the applicant's
  EXPECT_EQ(may_view(clerk, kParties).verdict, Verdict::not_found);
  Actor empty{"", ActorKind::citizen, {"citizen"}, ""};
  CaseParties no_applicant = kParties;
  no_applicant.applicant = "";
  EXPECT_EQ(may_view(empty, no_applicant).verdict, Verdict::not_found);
}

TEST(Authority, denials_become_problems_that_do_not_leak_existence) {
  const auto forbidden =
      authorise(actor_for("examiner", kReceiving, false), kParties, Operation::receive);
  const auto e = forbidden.error();
  EXPECT_EQ(e.code, Errc::forbidden);
  EXPECT_EQ(e.rule, "role_required");
  EXPECT_EQ(e.message, "receive is for: clerk of the receiving city");

  const auto hidden = authorise(actor_for("clerk", kThird, false), kParties, Operation::receive);
  const auto missing = hidden.error();
  EXPECT_EQ(missing.code, Errc::not_found);
  EXPECT_EQ(missing.message, "case not found");
  EXPECT_TRUE(missing.rule.empty());
  EXPECT_EQ(missing.message,
            may_view(actor_for("citizen", kThird, false), kParties).error().message);

  EXPECT_TRUE(check(actor_for("citizen", kThird, true), kParties, Operation::rate));
  const auto refused = check(actor_for("clerk", kAccepting, false), kParties, Operation::rate);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().rule, "applicant_only");
}

TEST(Authority, every_operation_has_a_row_and_the_table_renders) {
  for (auto op : all_operations()) {
    bool any = false;
    for (const auto& p : permissions()) any = any || p.op == op;
    EXPECT_TRUE(any) << to_string(op);
  }
  const auto md = permissions_markdown();
  EXPECT_NE(md.find("| `accept` | clerk or examiner of the accepting city |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| `rate` | the applicant |"), std::string::npos) << md;
}

TEST(Authority, readme_shows_the_table_as_the_code_has_it) {
  const auto text = test_support::read_file(TONGBAN_DELEGATION_README);
  EXPECT_NE(text.find(permissions_markdown()), std::string::npos)
      << "README.md's authority table is out of date; it should read:\n"
      << permissions_markdown();
}

TEST(Authority, provinces_are_the_first_two_digits) {
  EXPECT_TRUE(same_province("320100", "320500"));
  EXPECT_FALSE(same_province("320100", "330100"));
  EXPECT_FALSE(same_province("", "320100"));
  EXPECT_FALSE(same_province("32", "32"));
}

}  // namespace
}  // namespace tongban::delegation
