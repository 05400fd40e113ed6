// Case ids kept in the map's node: a UUID fits inline, a longer id lives on the heap, and both
// behave as the text they hold (order, equality, copies, moves, map lookups).
#include "domain/case_id.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

namespace tongban::portal {
namespace {

const std::string kUuid = "01938f2e-0000-7000-8000-100000000042";
const std::string kLong(100, 'x');

TEST(CaseId, holds_its_text_inline_or_on_the_heap) {
  EXPECT_EQ(CaseId(kUuid).view(), kUuid);
  EXPECT_EQ(CaseId(kLong).view(), kLong);
  EXPECT_EQ(CaseId(std::string(39, 'y')).view(), std::string(39, 'y'));  // the last inline size
  EXPECT_EQ(CaseId(std::string(40, 'z')).view(), std::string(40, 'z'));  // the first on the heap
  EXPECT_EQ(CaseId().view(), "");
  EXPECT_EQ(CaseId("c1").str(), "c1");
  EXPECT_EQ(sizeof(CaseId), 40U);  // what the node pays instead of a string and its heap block
}

TEST(CaseId, copies_and_moves_keep_the_text_and_leave_the_source_empty_after_a_move) {
  for (const auto& text : {kUuid, kLong}) {
    CaseId a(text);
    CaseId copy(a);
    EXPECT_EQ(copy.view(), text);
    CaseId moved(std::move(a));
    EXPECT_EQ(moved.view(), text);
    EXPECT_EQ(a.view(), "");  // NOLINT(bugprone-use-after-move): moved-from is empty
    CaseId assigned("short");
    assigned = copy;  // inline or heap over inline
    EXPECT_EQ(assigned.view(), text);
    CaseId long_target(kLong);
    long_target = std::move(moved);  // over a heap id: the old one is released
    EXPECT_EQ(long_target.view(), text);
    long_target = long_target;  // NOLINT: self-assignment keeps it
    EXPECT_EQ(long_target.view(), text);
  }
}

TEST(CaseId, orders_by_text_and_finds_in_a_map_by_a_string) {
  EXPECT_LT(CaseId("a"), CaseId("b"));
  EXPECT_LT(CaseId(kUuid), CaseId(kLong.substr(0, 1)));  // '0' < 'x'
  EXPECT_EQ(CaseId(kLong), CaseId(std::string(kLong)));
  std::map<CaseId, int> m;  // as State::cases: a lookup by string builds one CaseId
  m[kUuid] = 1;
  m[kLong] = 2;
  m["c1"] = 3;
  EXPECT_EQ(m.at(kUuid), 1);
  EXPECT_EQ(m.find(kLong)->second, 2);
  EXPECT_EQ(m.find(std::string("c1"))->second, 3);
  EXPECT_EQ(m.begin()->first.view(), kUuid);
}

}  // namespace
}  // namespace tongban::portal
