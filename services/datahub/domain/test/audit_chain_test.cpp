#include "domain/audit_chain.hpp"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <chrono>
#include <functional>
#include <utility>

namespace tongban::datahub {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kT0 = Clock::time_point{} + 1'795'000'000s;

std::vector<AuditEntry> make_chain(std::size_t n) {
  std::vector<AuditEntry> out;
  ChainHead head;
  for (std::size_t i = 0; i < n; ++i) {
    AuditEntry e;
    e.time = kT0 + std::chrono::seconds(i);
    e.caller = "staff-" + std::to_string(i % 7);
    e.caller_city = "3301";
    e.caller_department = "public-security";
    e.represented_party = "subject-" + std::to_string(i % 11);
    e.resource = "household-register";
    e.fields = {"name", "address"};
    e.purpose = "case:c" + std::to_string(i);
    e.decision = i % 5 == 0 ? Decision::denied : Decision::allowed;
    e.reason = i % 5 == 0 ? "grant_expired" : "";
    e.requested_at = e.time;
    e.authorised_at = e.time + 1ms;
    e.read_at = e.time + 2ms;
    e.responded_at = e.time + 3ms;
    out.push_back(append(head, std::move(e)));
    head = head_of(out.back());
  }
  return out;
}

std::string hmac(std::string_view payload) {
  static constexpr std::string_view kKey = "test-checkpoint-key";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), md, &len);
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}
bool check_hmac(std::string_view payload, std::string_view sig) { return hmac(payload) == sig; }

TEST(AuditChain, a_valid_chain_of_100_entries_verifies) {
  auto chain = make_chain(100);
  EXPECT_EQ(chain.front().seq, 1u);
  EXPECT_EQ(chain.front().prev_hash, kGenesisHash);
  EXPECT_EQ(chain.back().seq, 100u);
  EXPECT_EQ(chain[1].prev_hash, chain[0].hash);
  EXPECT_EQ(chain[0].hash.size(), 64u);
  EXPECT_TRUE(verify_chain(chain));
  EXPECT_FALSE(find_fault(chain));
}

TEST(AuditChain, a_suffix_verifies_from_its_head) {
  auto chain = make_chain(20);
  std::span<const AuditEntry> tail(chain.begin() + 10, chain.end());
  EXPECT_TRUE(verify_chain(tail, head_of(chain[9])));
  auto f = find_fault(tail);  // from genesis it is not a chain
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule, "entry_missing");
}

TEST(AuditChain, sha256_of_the_empty_string) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AuditChain, the_canonical_form_is_fixed_and_unambiguous) {
  AuditEntry e;
  e.seq = 3;
  e.time = kT0;
  e.caller = "a\nb";
  e.fields = {"x", "y=z"};
  e.decision = Decision::allowed;
  e.prev_hash = std::string(kGenesisHash);
  const std::string c = canonical(e);
  EXPECT_EQ(c.substr(0, 6), "seq=1:");
  EXPECT_NE(c.find("caller=3:a\nb\n"), std::string::npos) << c;
  EXPECT_NE(c.find("fields=2\nfield=1:x\nfield=3:y=z\n"), std::string::npos) << c;
  EXPECT_NE(c.find("time=24:2026-11-18T"), std::string::npos) << c;
  EXPECT_EQ(canonical(e), c);
  // Moving a character between adjacent fields changes the form.
  AuditEntry moved = e;
  moved.caller = "a";
  moved.caller_city = "\nb";
  EXPECT_NE(canonical(moved), c);
}

TEST(AuditChain, append_truncates_times_to_milliseconds) {
  AuditEntry e;
  e.time = kT0 + 1234567ns;
  auto a = append(ChainHead{}, e);
  EXPECT_EQ(a.time, kT0 + 1ms);
  AuditEntry reread = a;  // what storage gives back
  EXPECT_EQ(compute_hash(reread), a.hash);
}

// Each mutation of one field of one entry.
const std::vector<std::pair<std::string, std::function<void(AuditEntry&)>>> kMutations = {
    {"seq", [](AuditEntry& e) { e.seq += 1000; }},
    {"time", [](AuditEntry& e) { e.time += 1ms; }},
    {"caller", [](AuditEntry& e) { e.caller += "x"; }},
    {"caller_city", [](AuditEntry& e) { e.caller_city = "1101"; }},
    {"caller_department", [](AuditEntry& e) { e.caller_department += "x"; }},
    {"represented_party", [](AuditEntry& e) { e.represented_party += "x"; }},
    {"resource", [](AuditEntry& e) { e.resource += "x"; }},
    {"fields_added", [](AuditEntry& e) { e.fields.push_back("id_number"); }},
    {"fields_removed", [](AuditEntry& e) { e.fields.pop_back(); }},
    {"purpose", [](AuditEntry& e) { e.purpose += "x"; }},
    {"decision",
     [](AuditEntry& e) {
       e.decision = e.decision == Decision::allowed ? Decision::denied : Decision::allowed;
     }},
    {"reason", [](AuditEntry& e) { e.reason += "x"; }},
    {"requested_at", [](AuditEntry& e) { e.requested_at -= 1ms; }},
    {"authorised_at", [](AuditEntry& e) { e.authorised_at -= 1ms; }},
    {"read_at", [](AuditEntry& e) { e.read_at -= 1ms; }},
    {"responded_at", [](AuditEntry& e) { e.responded_at += 1ms; }},
    {"prev_hash", [](AuditEntry& e) { e.prev_hash[0] = e.prev_hash[0] == 'a' ? 'b' : 'a'; }},
    {"hash", [](AuditEntry& e) { e.hash[5] = e.hash[5] == 'a' ? 'b' : 'a'; }},
};

TEST(AuditChain, changing_any_field_of_any_entry_is_entry_changed_at_that_position) {
  const auto chain = make_chain(100);
  for (const auto& [name, mutate] : kMutations) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
      auto copy = chain;
      mutate(copy[i]);
      auto f = find_fault(copy);
      ASSERT_TRUE(f) << name << " at " << i;
      EXPECT_EQ(f->rule, "entry_changed") << name << " at " << i;
      EXPECT_EQ(f->position, i) << name << " at " << i;
    }
  }
}

TEST(AuditChain, a_changed_and_rehashed_entry_is_caught_by_its_successor) {
  auto chain = make_chain(10);
  chain[4].purpose = "case:forged";
  chain[4].hash = compute_hash(chain[4]);
  auto f = find_fault(chain);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule, "entry_changed");
  EXPECT_EQ(f->position, 4u);
  EXPECT_EQ(f->seq, 5u);
}

TEST(AuditChain, deleting_any_entry_but_the_last_is_entry_missing_there) {
  const auto chain = make_chain(100);
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    auto copy = chain;
    copy.erase(copy.begin() + static_cast<std::ptrdiff_t>(i));
    auto r = verify_chain(copy);
    ASSERT_FALSE(r) << i;
    EXPECT_EQ(r.error().rule, "entry_missing") << i;
    EXPECT_EQ(r.error().field, "entries/" + std::to_string(i));
    EXPECT_EQ(r.error().code, Errc::conflict);
  }
}

TEST(AuditChain, swapping_any_two_entries_is_entry_reordered_at_the_first) {
  const auto chain = make_chain(30);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = i + 1; j < chain.size(); ++j) {
      auto copy = chain;
      std::swap(copy[i], copy[j]);
      auto f = find_fault(copy);
      ASSERT_TRUE(f) << i << "<->" << j;
      EXPECT_EQ(f->rule, "entry_reordered") << i << "<->" << j;
      EXPECT_EQ(f->position, i) << i << "<->" << j;
    }
  }
}

TEST(AuditChain, a_checkpoint_verifies_and_its_signature_is_checked) {
  const auto chain = make_chain(50);
  auto cp = make_checkpoint(head_of(chain[39]), kT0, hmac);
  EXPECT_EQ(cp.seq, 40u);
  EXPECT_EQ(cp.hash, chain[39].hash);
  EXPECT_EQ(checkpoint_payload(40, chain[39].hash, kT0),
            "40|" + chain[39].hash + "|" + to_rfc3339(kT0));
  EXPECT_TRUE(verify_checkpoint(cp, chain, check_hmac));

  for (auto mutate : std::vector<std::function<void(Checkpoint&)>>{
           [](Checkpoint& c) { c.seq = 41; },
           [](Checkpoint& c) { c.time += 1s; },
           [](Checkpoint& c) { c.hash[0] = c.hash[0] == 'a' ? 'b' : 'a'; },
           [](Checkpoint& c) { c.signature[0] = c.signature[0] == 'a' ? 'b' : 'a'; },
       }) {
    auto bad = cp;
    mutate(bad);
    auto r = verify_checkpoint(bad, chain, check_hmac);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().rule, "checkpoint_signature");
  }
}

TEST(AuditChain, truncating_after_a_checkpoint_is_entry_missing) {
  auto chain = make_chain(50);
  auto cp = make_checkpoint(head_of(chain[39]), kT0, hmac);
  for (std::size_t keep : {39u, 20u, 0u}) {
    auto copy = chain;
    copy.resize(keep);
    EXPECT_TRUE(verify_chain(copy)) << "a prefix is a valid chain on its own";
    auto r = verify_checkpoint(cp, copy, check_hmac);
    ASSERT_FALSE(r) << keep;
    EXPECT_EQ(r.error().rule, "entry_missing") << keep;
    EXPECT_EQ(r.error().field, "checkpoint");
  }
}

TEST(AuditChain, a_rewritten_chain_does_not_match_a_checkpoint) {
  auto chain = make_chain(50);
  auto cp = make_checkpoint(head_of(chain[39]), kT0, hmac);
  // Rewrite entry 10 and re-link everything after it: the chain is self-consistent again.
  chain[10].reason = "rewritten";
  ChainHead head = head_of(chain[9]);
  for (std::size_t i = 10; i < chain.size(); ++i) {
    chain[i] = append(head, chain[i]);
    head = head_of(chain[i]);
  }
  EXPECT_TRUE(verify_chain(chain));
  auto r = verify_checkpoint(cp, chain, check_hmac);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "entry_changed");
}

TEST(AuditChain, decision_names_round_trip) {
  for (auto d : {Decision::allowed, Decision::denied}) EXPECT_EQ(parse_decision(to_string(d)), d);
  EXPECT_FALSE(parse_decision("maybe"));
}

}  // namespace
}  // namespace tongban::datahub
