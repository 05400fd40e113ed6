#include "domain/audit_store_format.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <utility>

namespace tongban::datahub {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kT0 = Clock::time_point{} + 1'795'000'000s;

// The stored form of a chain of n entries: what Redis's list or an export file holds.
std::vector<std::string> stored_chain(std::size_t n) {
  std::vector<std::string> out;
  ChainHead head;
  for (std::size_t i = 0; i < n; ++i) {
    AuditEntry e;
    e.time = kT0 + std::chrono::milliseconds(i * 1001);
    e.caller = "staff-" + std::to_string(i % 3);
    e.caller_city = "330100";
    e.caller_department = "民政局";
    e.represented_party = "subject-" + std::to_string(i % 5);
    e.resource = "330100.civil.marriage";
    e.fields = {"spouse", "date"};
    e.purpose = "case:c" + std::to_string(i);
    e.decision = i % 4 == 0 ? Decision::denied : Decision::allowed;
    e.reason = i % 4 == 0 ? "no_grant" : "";
    e.requested_at = e.time;
    e.authorised_at = e.time + 1ms;
    e.read_at = e.time + 2ms;
    e.responded_at = e.time + 3ms;
    e = append(head, std::move(e));
    head = head_of(e);
    out.push_back(boost::json::serialize(to_json(e)));
  }
  return out;
}

EntryReader reader_of(const std::vector<std::string>& stored) {
  return [&stored](std::size_t offset, std::size_t count) -> Result<std::vector<std::string>> {
    std::vector<std::string> out;
    for (std::size_t i = offset; i < stored.size() && i < offset + count; ++i) {
      out.push_back(stored[i]);
    }
    return out;
  };
}

// Signatures for tests: the payload reversed (what matters is that an edit breaks it).
std::string sign(std::string_view payload) { return std::string(payload.rbegin(), payload.rend()); }
bool check(std::string_view payload, std::string_view sig) { return sign(payload) == sig; }

ChainHead head_at(const std::vector<std::string>& stored, std::size_t index) {
  auto e = parse_audit_entry(stored[index]);
  return head_of(*e);
}

ChainReport verify(const std::vector<std::string>& stored, std::vector<Checkpoint> cps = {},
                   std::optional<ChainHead> head = std::nullopt, std::size_t window = 16) {
  auto r = verify_stored_chain(reader_of(stored), cps, check, head, window);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : ChainReport{};
}

TEST(AuditStoreFormat, an_entry_round_trips_through_its_stored_json_and_still_hashes) {
  auto stored = stored_chain(3);
  auto e = parse_audit_entry(stored[2]);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->seq, 3u);
  EXPECT_EQ(e->caller_department, "民政局");
  EXPECT_EQ(e->fields, (std::vector<std::string>{"spouse", "date"}));
  EXPECT_EQ(compute_hash(*e), e->hash);
  EXPECT_EQ(boost::json::serialize(to_json(*e)), stored[2]);
}

TEST(AuditStoreFormat, a_stored_entry_missing_a_member_is_rejected_naming_it) {
  auto o = boost::json::parse(stored_chain(1)[0]).as_object();
  o.erase("represented_party");
  auto e = audit_entry_from_json(o);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "represented_party");
}

TEST(AuditStoreFormat, a_checkpoint_round_trips) {
  Checkpoint cp{42, std::string(64, 'a'), kT0 + 5ms, "kid.c2ln"};
  auto back = parse_checkpoint(boost::json::serialize(to_json(cp)));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, cp);
}

TEST(VerifyStoredChain, an_intact_chain_across_many_windows_verifies_with_its_checkpoints) {
  auto stored = stored_chain(100);
  std::vector<Checkpoint> cps{make_checkpoint(head_at(stored, 49), kT0, sign),
                              make_checkpoint(head_at(stored, 99), kT0, sign)};
  auto r = verify(stored, cps, head_at(stored, 99), 7);
  EXPECT_TRUE(r.intact()) << r.fault->reason;
  EXPECT_EQ(r.entries, 100u);
  EXPECT_EQ(r.checkpoints, 2u);
  EXPECT_EQ(r.head, head_at(stored, 99));
}

TEST(VerifyStoredChain, an_empty_chain_is_intact) {
  auto r = verify({}, {}, ChainHead{});
  EXPECT_TRUE(r.intact());
  EXPECT_EQ(r.entries, 0u);
}

TEST(VerifyStoredChain, a_changed_entry_is_found_at_its_position) {
  auto stored = stored_chain(40);
  auto o = boost::json::parse(stored[23]).as_object();
  o["purpose"] = "case:other";
  stored[23] = boost::json::serialize(o);
  auto r = verify(stored);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_changed");
  EXPECT_EQ(r.fault_field, "entries/23");
  EXPECT_EQ(r.fault->seq, 24u);
}

TEST(VerifyStoredChain, an_unparseable_entry_is_a_changed_entry) {
  auto stored = stored_chain(10);
  stored[4] = "{not json";
  auto r = verify(stored);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_changed");
  EXPECT_EQ(r.fault_field, "entries/4");
}

TEST(VerifyStoredChain, a_deleted_entry_is_found_where_the_gap_is) {
  auto stored = stored_chain(40);
  stored.erase(stored.begin() + 30);
  auto r = verify(stored);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_missing");
  EXPECT_EQ(r.fault_field, "entries/30");
}

TEST(VerifyStoredChain, entries_swapped_across_a_window_boundary_are_reported_as_reordered) {
  auto stored = stored_chain(40);
  std::swap(stored[15], stored[16]);  // window 16: the boundary lies between them
  auto r = verify(stored);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_reordered");
  EXPECT_EQ(r.fault_field, "entries/15");
}

TEST(VerifyStoredChain, an_entry_moved_far_away_is_still_detected) {
  auto stored = stored_chain(80);
  auto moved = stored[5];
  stored.erase(stored.begin() + 5);
  stored.push_back(moved);
  auto r = verify(stored);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->position, 5u);
}

TEST(VerifyStoredChain, a_truncated_tail_is_caught_by_the_recorded_head) {
  auto stored = stored_chain(30);
  const auto head = head_at(stored, 29);
  stored.resize(27);
  auto r = verify(stored, {}, head);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_missing");
  EXPECT_EQ(r.fault_field, "head");
}

TEST(VerifyStoredChain, a_truncated_tail_is_caught_by_a_checkpoint_even_if_the_head_was_reset) {
  auto stored = stored_chain(30);
  std::vector<Checkpoint> cps{make_checkpoint(head_at(stored, 28), kT0, sign)};
  stored.resize(25);
  auto r = verify(stored, cps, head_at(stored, 24));
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_missing");
  EXPECT_EQ(r.fault_field, "checkpoints/0");
}

TEST(VerifyStoredChain, a_rewritten_and_relinked_chain_is_caught_by_the_checkpoint) {
  auto stored = stored_chain(20);
  std::vector<Checkpoint> cps{make_checkpoint(head_at(stored, 14), kT0, sign)};
  // Rewrite entry 10 and re-link everything after it: a self-consistent forgery.
  std::vector<AuditEntry> entries;
  for (const auto& s : stored) entries.push_back(*parse_audit_entry(s));
  entries[10].purpose = "case:forged";
  ChainHead h = head_of(entries[9]);
  for (std::size_t i = 10; i < entries.size(); ++i) {
    entries[i] = append(h, entries[i]);
    h = head_of(entries[i]);
    stored[i] = boost::json::serialize(to_json(entries[i]));
  }
  auto r = verify(stored, cps, h);
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "entry_changed");
  EXPECT_EQ(r.fault_field, "checkpoints/0");
}

TEST(VerifyStoredChain, a_forged_checkpoint_signature_is_reported) {
  auto stored = stored_chain(10);
  auto cp = make_checkpoint(head_at(stored, 9), kT0, sign);
  cp.seq = 8;
  auto r = verify(stored, {cp});
  ASSERT_FALSE(r.intact());
  EXPECT_EQ(r.fault->rule, "checkpoint_signature");
}

TEST(VerifyStoredChain, a_reader_error_is_an_error_not_a_fault) {
  EntryReader broken = [](std::size_t, std::size_t) -> Result<std::vector<std::string>> {
    return fail(Error::unavailable("redis down"));
  };
  auto r = verify_stored_chain(broken, {}, check, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace tongban::datahub
