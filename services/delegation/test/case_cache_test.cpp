// The case cache: what it keeps of writes and reads, and how it makes room.
#include "repo/case_cache.hpp"

#include <gtest/gtest.h>

namespace tongban::delegation {
namespace {

std::shared_ptr<const CaseRecord> at(const std::string& id, int version,
                                     Holder holder = Holder::receiving) {
  CaseRecord c;
  c.id = id;
  c.version = version;
  c.holder = holder;
  return std::make_shared<const CaseRecord>(std::move(c));
}

int version_of(CaseCache& cache, const std::string& id) {
  auto c = cache.find(id);
  return c ? c->version : 0;
}

TEST(CaseCache, a_write_replaces_an_older_or_equal_version_and_never_a_later_one) {
  CaseCache cache(16);
  cache.put_written(at("c", 2));
  EXPECT_EQ(version_of(cache, "c"), 2);
  cache.put_written(at("c", 3));
  EXPECT_EQ(version_of(cache, "c"), 3);
  cache.put_written(at("c", 1));  // an answer that arrived late
  EXPECT_EQ(version_of(cache, "c"), 3);
  // The hand-off writes the same version again with the accepting side as its holder.
  cache.put_written(at("c", 3, Holder::accepting));
  EXPECT_EQ(cache.find("c")->holder, Holder::accepting);
}

TEST(CaseCache, a_read_adds_only_what_is_not_held_at_its_version_or_later) {
  CaseCache cache(16);
  cache.put_read(at("c", 4, Holder::forwarded));
  EXPECT_EQ(version_of(cache, "c"), 4);
  cache.put_written(at("c", 4, Holder::accepting));
  // A read sent before the hand-off's write and answered after it.
  cache.put_read(at("c", 4, Holder::forwarded));
  EXPECT_EQ(cache.find("c")->holder, Holder::accepting);
  cache.put_read(at("c", 5));
  EXPECT_EQ(version_of(cache, "c"), 5);
}

TEST(CaseCache, forget_drops_a_case) {
  CaseCache cache(16);
  cache.put_written(at("c", 1));
  cache.forget("c");
  EXPECT_EQ(cache.find("c"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(CaseCache, it_holds_at_most_its_capacity_and_keeps_what_was_used_lately) {
  CaseCache cache(4);  // halves of two
  cache.put_written(at("a", 1));
  cache.put_written(at("b", 1));
  cache.put_written(at("c", 1));  // a and b become the older half
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(version_of(cache, "a"), 1);  // used: back in the newer half, with c
  cache.put_written(at("d", 1));         // the newer half was full: b is dropped
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_EQ(version_of(cache, "a"), 1);
  EXPECT_EQ(version_of(cache, "c"), 1);
  EXPECT_EQ(version_of(cache, "d"), 1);
  for (int i = 0; i < 100; ++i) cache.put_written(at("x" + std::to_string(i), 1));
  EXPECT_LE(cache.size(), 4u);
  // A later version written for a case in the older half moves it forward, keeping the later.
  CaseCache kept(4);
  kept.put_written(at("e", 5));
  kept.put_written(at("f", 1));
  kept.put_written(at("g", 1));  // e in the older half
  kept.put_written(at("e", 4));  // a late answer
  EXPECT_EQ(version_of(kept, "e"), 5);
}

TEST(CaseCache, aging_twice_drops_a_case_used_by_neither_and_keeps_one_used_between) {
  CaseCache cache(16);
  cache.put_written(at("idle", 1));
  cache.put_written(at("busy", 1));
  cache.age();
  EXPECT_EQ(cache.size(), 2u);              // now the older half
  EXPECT_EQ(version_of(cache, "busy"), 1);  // used: back in the newer half
  cache.age();
  EXPECT_EQ(cache.find("idle"), nullptr);
  EXPECT_EQ(version_of(cache, "busy"), 1);
  cache.age();
  cache.age();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(CaseCache, a_capacity_of_zero_holds_nothing) {
  CaseCache cache(0);
  EXPECT_FALSE(cache.enabled());
  cache.put_written(at("c", 1));
  cache.put_read(at("d", 1));
  EXPECT_EQ(cache.find("c"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace tongban::delegation
