// Interned texts: one copy per distinct text, ordered by content whatever the interning order
// (records merge by comparison, and the fold must not depend on which case came first).
#include "domain/symbol.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

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

// Texts live in chunks of 4,096 that never move: texts interned across several chunks read
// back whole, and a reader on another thread reads its symbols without the interning lock
// while new chunks are being added.
TEST(Symbol, texts_read_back_across_chunks_while_another_thread_interns) {
  const Symbol first = "symbol-test-reader-0";
  std::atomic<bool> done = false;
  std::atomic<long> reads = 0;
  std::thread reader([&] {
    while (!done.load()) {
      EXPECT_EQ(first.view(), "symbol-test-reader-0");
      reads.fetch_add(1);
    }
  });
  while (reads.load() == 0) std::this_thread::yield();
  std::vector<Symbol> many;
  for (int i = 0; i < 3 * 4096; ++i) many.emplace_back("symbol-test-" + std::to_string(i));
  done = true;
  reader.join();
  for (int i = 0; i < 3 * 4096; ++i) {
    ASSERT_EQ(many[static_cast<std::size_t>(i)].str(), "symbol-test-" + std::to_string(i));
    ASSERT_EQ(many[static_cast<std::size_t>(i)], Symbol("symbol-test-" + std::to_string(i)));
  }
  EXPECT_EQ(sizeof(Symbol), 4U);  // what a record pays per text
}

}  // namespace
}  // namespace tongban::portal
