// Interned texts: one copy per distinct text, ordered by content whatever the interning order
// (records merge by comparison, and the fold must not depend on which case came first).
#include "domain/symbol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tongban::portal {
namespace {

TEST(Symbol, equal_texts_share_one_copy) {
  const auto before = interned_symbols();
  const Symbol a = std::string("杭州市公安局治安管理支队");
  const Symbol b = std::string_view("杭州市公安局治安管理支队");
  EXPECT_EQ(&a.str(), &b.str());
  EXPECT_EQ(a, b);
  EXPECT_EQ(interned_symbols(), before + 1);
}

TEST(Symbol, orders_by_content_not_by_when_it_was_interned) {
  const Symbol later = "zz-interned-first";
  const Symbol earlier = "aa-interned-second";
  EXPECT_LT(earlier, later);
  EXPECT_GT(later, earlier);
  EXPECT_EQ(later <=> Symbol("zz-interned-first"), std::strong_ordering::equal);
}

TEST(Symbol, empty_is_the_empty_text) {
  const Symbol none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none, Symbol(""));
  EXPECT_EQ(none.str(), "");
  EXPECT_LT(none, Symbol("a"));
  EXPECT_EQ(Symbol("reject"), "reject");
  EXPECT_NE(Symbol("reject"), std::string("deny"));
}

}  // namespace
}  // namespace tongban::portal
