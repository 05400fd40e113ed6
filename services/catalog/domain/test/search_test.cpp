#include "domain/search.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_items.hpp"

namespace tongban::catalog {
namespace {

bool subset(const std::vector<std::string>& small, const std::vector<std::string>& big) {
  return std::all_of(small.begin(), small.end(), [&](const std::string& g) {
    return std::find(big.begin(), big.end(), g) != big.end();
  });
}

TEST(Search, defaults) {
  auto q = parse_search_query({});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->page_size, 20);
  EXPECT_TRUE(q->q.empty());
  EXPECT_TRUE(q->cursor.empty());
  EXPECT_FALSE(q->city);
}

TEST(Search, every_parameter_reads) {
  auto q = parse_search_query({{"q", "  Driving  Licence "},
                               {"city", "320100"},
                               {"department_category", "transport"},
                               {"power_type", "administrative_licensing"},
                               {"cross_city", "false"},
                               {"visit_level", "once"},
                               {"page_size", "100"},
                               {"cursor", "eyJrIjoiVFItMDAwMSJ9"}});
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->q, "driving licence");
  EXPECT_EQ(q->city, "320100");
  EXPECT_EQ(q->department_category, DepartmentCategory::transport);
  EXPECT_EQ(q->power_type, PowerType::administrative_licensing);
  EXPECT_EQ(q->cross_city, false);
  EXPECT_EQ(q->visit_level, VisitLevel::once);
  EXPECT_EQ(q->page_size, 100);
  EXPECT_EQ(q->cursor, "eyJrIjoiVFItMDAwMSJ9");
}

TEST(Search, bad_parameters_are_named) {
  struct Case {
    QueryParams params;
    const char* field;
    const char* rule;
  };
  const std::string long_zh = [] {
    std::string s;
    for (int i = 0; i < 65; ++i) s += "证";
    return s;
  }();
  std::string exactly_64;
  for (int i = 0; i < 64; ++i) exactly_64 += "证";
  EXPECT_TRUE(parse_search_query({{"q", exactly_64}}));  // 192 bytes, 64 characters
  const std::vector<Case> cases = {
      {{{"q", long_zh}}, "q", "max_length"},
      {{{"q", "\xff"}}, "q", "utf8"},
      {{{"city", "999999"}}, "city", "unknown_city"},
      {{{"department_category", "police"}}, "department_category", "enum"},
      {{{"power_type", "licence"}}, "power_type", "enum"},
      {{{"visit_level", "never"}}, "visit_level", "enum"},
      {{{"cross_city", "1"}}, "cross_city", "boolean"},
      {{{"page_size", "0"}}, "page_size", "range"},
      {{{"page_size", "101"}}, "page_size", "range"},
      {{{"page_size", "ten"}}, "page_size", "range"},
      {{{"page_size", ""}}, "page_size", "range"},
      {{{"cursor", "a b"}}, "cursor", "cursor_charset"},
      {{{"cursor", std::string(513, 'a')}}, "cursor", "max_length"},
      {{{"sort", "name"}}, "sort", "unknown_parameter"},
      {{{"q", "a"}, {"q", "b"}}, "q", "duplicate_parameter"},
  };
  for (const auto& c : cases) {
    auto q = parse_search_query(c.params);
    ASSERT_FALSE(q) << c.field << " " << c.rule;
    EXPECT_EQ(q.error().field, c.field);
    EXPECT_EQ(q.error().rule, c.rule) << q.error().message;
    EXPECT_EQ(q.error().code, Errc::invalid_argument);
  }
}

TEST(Search, chinese_ngrams_are_character_bigrams) {
  EXPECT_EQ(ngrams("驾驶证"), (std::vector<std::string>{"驾驶", "驶证"}));
  EXPECT_EQ(ngrams("证"), (std::vector<std::string>{"证"}));
  EXPECT_TRUE(ngrams("").empty());
  EXPECT_TRUE(ngrams("   ").empty());
  EXPECT_EQ(index_ngrams("身份证"), (std::vector<std::string>{"身", "身份", "份", "份证", "证"}));
  // Repeated grams appear once.
  EXPECT_EQ(ngrams("证证证"), (std::vector<std::string>{"证证"}));
}

TEST(Search, english_ngrams_are_lower_cased) {
  EXPECT_EQ(ngrams("ID  Card"), (std::vector<std::string>{"id", "d ", " c", "ca", "ar", "rd"}));
  EXPECT_EQ(normalise("  Renewal\tOF a\u3000Licence "), "renewal of a licence");
  EXPECT_EQ(ngrams("X"), (std::vector<std::string>{"x"}));
}

TEST(Search, a_query_s_grams_are_indexed_under_every_name_containing_it) {
  const auto item = testing::licence_item();
  for (const char* q : {"驾驶证", "换证", "期满", "证", "driving", "Licence", "l", "on exp"}) {
    const auto grams = ngrams(q);
    const bool zh = subset(grams, index_ngrams(item.name_zh));
    const bool en = subset(grams, index_ngrams(item.name_en));
    EXPECT_TRUE(zh || en) << q;
    SearchQuery query;
    query.q = normalise(q);
    EXPECT_TRUE(matches_item(item, query)) << q;
  }
  // Grams present but not adjacent: the intersection is a candidate, the check refuses it.
  EXPECT_TRUE(subset(ngrams("换证期满"), index_ngrams(item.name_zh)));
  EXPECT_FALSE(contains_keyword(item.name_zh, normalise("换证期满")));
  SearchQuery none;
  none.q = normalise("户口");
  EXPECT_FALSE(matches_item(item, none));
}

TEST(Search, item_filters) {
  const auto item = testing::licence_item();
  SearchQuery q;
  EXPECT_TRUE(matches_item(item, q));
  q.department_category = DepartmentCategory::transport;
  q.power_type = PowerType::administrative_licensing;
  q.cross_city = true;
  q.visit_level = VisitLevel::once;
  EXPECT_TRUE(matches_item(item, q));
  q.cross_city = false;
  EXPECT_FALSE(matches_item(item, q));
  q.cross_city.reset();
  q.department_category = DepartmentCategory::public_security;
  EXPECT_FALSE(matches_item(item, q));
}

}  // namespace
}  // namespace tongban::catalog
