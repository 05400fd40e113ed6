// delegation's parts that need a real Redis but no other service: the overdue sweep driven
// by a controllable clock over the working-day calendar, and the case write script's
// compare-and-set and idempotency records; and every configuration knob documented.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <thread>

#include "delegation.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/testing/process.hpp"

namespace tongban::delegation {
std::string_view calendar_2026_json();
}

namespace {

using namespace std::chrono_literals;
using namespace tongban;
using namespace tongban::delegation;

// Monday 2 March 2026, 10:00 China time.
Clock::time_point monday_10am() {
  Clock::time_point t;
  EXPECT_TRUE(parse_rfc3339("2026-03-02T02:00:00Z", t));
  return t;
}

class DelegationRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ready());
    auto opts = store::parse_redis_address(server_.address());
    auto r = store::Redis::connect(*opts);
    ASSERT_TRUE(r);
    redis_ = std::move(*r);
    auto cal = Calendar::parse(calendar_2026_json());
    ASSERT_TRUE(cal) << cal.error().message;
    calendar_ = *cal;
    repo_ = std::make_unique<CaseRepo>(*redis_, "test-" + ids::random_hex(3));
  }

  // The write that moves `c` on to pre-examined, a compare-and-set on its version.
  static CaseWrite pre_examine(const CaseRecord& c) {
    CaseWrite w;
    w.mode = WriteMode::cas;
    w.expected_version = c.version;
    w.record = c;
    w.record.version = c.version + 1;
    w.record.state = CaseState::pre_examined;
    w.previous = c;
    return w;
  }

  // A case received now at the receiving place, with its forward deadline registered.
  CaseRecord received_case(Clock::time_point at) {
    CaseRecord c;
    c.id = ids::uuid_v7();
    c.version = 2;
    c.state = CaseState::received;
    c.holder = Holder::receiving;
    c.applicant = "applicant-1";
    c.applicant_kind = "citizen";
    c.registration_city = "320200";
    c.assurance_level = 3;
    c.receiving_city = "320100";
    c.accepting_city = "320200";
    c.item_code = "PS-0002";
    c.item_version = 1;
    c.agreement_id = "agr-1";
    c.agreement_version = 1;
    c.accept_limit_days = 5;
    c.decide_limit_days = 20;
    c.materials_check = "datahub";
    c.submitted_by = "clerk-1";
    c.submitted_at = c.updated_at = c.stage_started_at = at;
    CaseWrite w;
    w.mode = WriteMode::create;
    w.record = c;
    auto d = deadline_of(c, calendar_);
    EXPECT_TRUE(d);
    w.deadline = std::pair{std::string(to_string(d->stage)), d->due};
    auto r = repo_->write(w);
    EXPECT_TRUE(r && r->outcome == WriteOutcome::written);
    return c;
  }

  // A proposed agreement between two cities with a valid body.
  static Agreement agreement(std::string id, std::string city_a, std::string city_b) {
    Agreement a;
    a.id = std::move(id);
    a.city_a = std::move(city_a);
    a.city_b = std::move(city_b);
    AgreementVersion v;
    v.body.items = {{"PS-0001", Rights::receipt}};
    v.body.result_delivery = {ResultDelivery::mail};
    v.body.valid_from = monday_10am();
    v.body.valid_until = monday_10am() + 24h * 365;
    a.versions.push_back(v);
    return a;
  }

  tongban::testing::PrivateRedis server_;
  std::unique_ptr<store::Redis> redis_;
  Calendar calendar_;
  std::unique_ptr<CaseRepo> repo_;
};

TEST_F(DelegationRedisTest, a_stage_past_its_working_day_deadline_is_recorded_overdue_once) {
  ManualClock clock(monday_10am());
  auto c = received_case(clock.now());
  OverdueSweep sweep(*repo_, calendar_, clock);
  // One working day to forward: due at the end of Tuesday (China time).
  clock.set(monday_10am() + 36h);  // Tuesday 22:00
  auto n = sweep.run();
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 0);
  clock.set(monday_10am() + 38h + 1min);  // Wednesday 00:01
  n = sweep.run();
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 1);
  auto after = repo_->load(c.id);
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->overdue_stages, std::vector<std::string>{"forward"});
  EXPECT_EQ((*after)->version, c.version + 1);
  // Once only.
  clock.set(monday_10am() + 72h);
  n = sweep.run();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0);
  // The event is in the outbox.
  auto events = redis_->command({"XRANGE", "tb:delegation:outbox", "-", "+"});
  ASSERT_TRUE(events);
  int overdue_events = 0;
  for (const auto& e : events->array()) {
    const auto& fields = e.array()[1].array();
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str() == "event" &&
          fields[i + 1].str().find("case_overdue") != std::string::npos) {
        ++overdue_events;
      }
    }
  }
  EXPECT_EQ(overdue_events, 1);
}

TEST_F(DelegationRedisTest, a_deadline_across_a_holiday_counts_working_days_only) {
  // Received Friday 1 May 2026 (Labour Day holiday, 1–5 May; Sat 9 May worked): the one
  // working day to forward ends with Wednesday 6 May.
  Clock::time_point may1;
  ASSERT_TRUE(parse_rfc3339("2026-05-01T02:00:00Z", may1));
  ManualClock clock(may1);
  auto c = received_case(may1);
  OverdueSweep sweep(*repo_, calendar_, clock);
  clock.set(may1 + 24h * 5 + 12h);  // Wednesday 6 May 22:00
  EXPECT_EQ(*sweep.run(), 0);
  clock.set(may1 + 24h * 6);  // Thursday 7 May 10:00
  EXPECT_EQ(*sweep.run(), 1);
}

TEST_F(DelegationRedisTest, of_two_writes_from_the_same_version_exactly_one_succeeds) {
  ManualClock clock(monday_10am());
  const auto w = pre_examine(received_case(clock.now()));
  const auto& next = w.record;
  auto first = repo_->write(w);
  auto second = repo_->write(w);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->outcome, WriteOutcome::written);
  EXPECT_EQ(second->outcome, WriteOutcome::stale);
  EXPECT_EQ(second->stored_version, next.version);
  // The indexes moved with it.
  auto page = repo_->by_city("receiving", "320100", CaseState::pre_examined, "", 10);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->cases.size(), 1u);
  auto old = repo_->by_city("receiving", "320100", CaseState::received, "", 10);
  EXPECT_TRUE(old && old->cases.empty());
}

TEST_F(DelegationRedisTest, a_repeated_command_with_its_key_replays_the_first_answer) {
  ManualClock clock(monday_10am());
  auto w = pre_examine(received_case(clock.now()));
  w.idempotency_key = "clerk:key-1";
  w.response = StoredResponse{200, R"({"state":"PRE_EXAMINED"})"};
  ASSERT_EQ(repo_->write(w)->outcome, WriteOutcome::written);
  auto again = repo_->write(w);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, WriteOutcome::replayed);
  EXPECT_EQ(again->replay.status, 200);
  EXPECT_EQ(again->replay.body, R"({"state":"PRE_EXAMINED"})");
}

TEST_F(DelegationRedisTest, an_async_write_answers_as_the_synchronous_one_does) {
  ManualClock clock(monday_10am());
  auto async_write = [&](CaseRepo& repo, const CaseWrite& w) {
    std::promise<Result<WriteResult>> answered;
    repo.async_write(w, [&](Result<WriteResult> r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  };
  auto w = pre_examine(received_case(clock.now()));
  w.idempotency_key = "clerk:key-async";
  w.response = StoredResponse{200, R"({"state":"PRE_EXAMINED"})"};
  auto first = async_write(*repo_, w);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, WriteOutcome::written);
  auto loaded = repo_->load(w.record.id);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->state, CaseState::pre_examined);
  auto again = async_write(*repo_, w);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, WriteOutcome::replayed);
  EXPECT_EQ(again->replay.body, R"({"state":"PRE_EXAMINED"})");
  w.idempotency_key.clear();
  auto stale = async_write(*repo_, w);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->outcome, WriteOutcome::stale);
  EXPECT_EQ(stale->stored_version, w.record.version);
  // An asynchronous read sees what was written; an unknown id is no case, not an error.
  auto async_load = [&](const std::string& id) {
    std::promise<Result<std::optional<CaseRecord>>> answered;
    repo_->async_load(
        id, [&](Result<std::optional<CaseRecord>> r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  };
  auto read = async_load(w.record.id);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->version, w.record.version);
  EXPECT_EQ((*read)->state, CaseState::pre_examined);
  auto none = async_load(ids::uuid_v7());
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  // The server lost its scripts: the write is sent again by source.
  ASSERT_TRUE(redis_->command({"SCRIPT", "FLUSH"})->is_status("OK"));
  auto next = pre_examine(w.record);
  next.record.state = CaseState::forwarded;
  auto after_flush = async_write(*repo_, next);
  ASSERT_TRUE(after_flush) << after_flush.error().message;
  EXPECT_EQ(after_flush->outcome, WriteOutcome::written);
}

// Two repos of one node on one Redis are two replicas: each caches what it wrote or read, and
// a copy that is behind shows as a stale compare-and-set, never as a write.
TEST_F(DelegationRedisTest,
       each_replica_caches_what_it_wrote_or_read_and_a_copy_behind_goes_stale) {
  ManualClock clock(monday_10am());
  CaseRepo replica(*redis_, repo_->node());
  const auto c = received_case(clock.now());  // written by repo_
  ASSERT_NE(repo_->cached(c.id), nullptr);
  EXPECT_EQ(repo_->cached(c.id)->version, 2);
  EXPECT_EQ(replica.cached(c.id), nullptr);
  // The replica reads it (cached there too) and moves it on.
  std::promise<Result<std::optional<CaseRecord>>> read;
  replica.async_load(c.id,
                     [&](Result<std::optional<CaseRecord>> r) { read.set_value(std::move(r)); });
  ASSERT_TRUE(read.get_future().get());
  ASSERT_NE(replica.cached(c.id), nullptr);
  auto moved = pre_examine(*replica.cached(c.id));
  ASSERT_EQ(replica.write(moved)->outcome, WriteOutcome::written);
  EXPECT_EQ(replica.cached(c.id)->version, 3);
  // repo_'s copy is behind: a write prepared on it is stale and changes neither the stored
  // case nor the cache.
  auto behind = repo_->cached(c.id);
  EXPECT_EQ(behind->version, 2);
  auto from_behind = pre_examine(*behind);
  from_behind.record.state = CaseState::forwarded;
  auto stale = repo_->write(from_behind);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->outcome, WriteOutcome::stale);
  EXPECT_EQ(stale->stored_version, 3);
  EXPECT_EQ(repo_->cached(c.id)->version, 2);
  auto stored = repo_->load(c.id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->state, CaseState::pre_examined);
  // Forgetting drops the copy.
  repo_->forget_cached(c.id);
  EXPECT_EQ(repo_->cached(c.id), nullptr);
  // The consumer's writes (write_many) are cached as the commands' are.
  auto next = pre_examine(**stored);
  next.record.state = CaseState::forwarded;
  auto many = repo_->write_many({next});
  ASSERT_TRUE(many && many->size() == 1u);
  EXPECT_EQ((*many)[0].outcome, WriteOutcome::written);
  EXPECT_EQ(repo_->cached(c.id)->version, 4);
  // Without a cache nothing is kept.
  CaseRepo uncached(*redis_, repo_->node(), kDefaultIdempotencyTtl, 0);
  auto last = pre_examine(*repo_->cached(c.id));
  ASSERT_EQ(uncached.write(last)->outcome, WriteOutcome::written);
  EXPECT_EQ(uncached.cached(c.id), nullptr);
}

TEST_F(DelegationRedisTest, a_keyed_answer_is_kept_for_the_configured_time_only) {
  ManualClock clock(monday_10am());
  CaseRepo short_memory(*redis_, repo_->node(), std::chrono::seconds(90));
  auto w = pre_examine(received_case(clock.now()));
  const auto next = w.record;
  w.idempotency_key = "clerk:key-ttl";
  w.response = StoredResponse{200, R"({"state":"PRE_EXAMINED"})"};
  ASSERT_EQ(short_memory.write(w)->outcome, WriteOutcome::written);
  const auto key = "tb:delegation:" + repo_->node() + ":idem:clerk:key-ttl";
  auto ttl = redis_->command({"TTL", key});
  ASSERT_TRUE(ttl && ttl->is_integer()) << key;
  EXPECT_GT(ttl->integer(), 80);
  EXPECT_LE(ttl->integer(), 90);
  // The default repo keeps it a day.
  w.idempotency_key = "clerk:key-day";
  w.expected_version = next.version;
  w.previous = next;
  w.record.version = next.version + 1;
  w.record.state = CaseState::forwarded;
  ASSERT_EQ(repo_->write(w)->outcome, WriteOutcome::written);
  ttl = redis_->command({"TTL", "tb:delegation:" + repo_->node() + ":idem:clerk:key-day"});
  ASSERT_TRUE(ttl && ttl->is_integer());
  EXPECT_GT(ttl->integer(), 86000);
}

TEST_F(DelegationRedisTest, the_pair_names_its_open_agreement_whatever_order_events_arrive_in) {
  // A topic's history holds a pair's earlier agreements: an ended one and an old proposal
  // never countersigned. Whatever order their events arrive in, the pair names the open
  // agreement (the newest open one when there are two).
  auto agreement = [](std::string id, AgreementStatus status) {
    Agreement a;
    a.id = std::move(id);
    a.city_a = "320100";
    a.city_b = "320200";
    AgreementVersion v;
    v.status = status;
    a.versions.push_back(v);
    return a;
  };
  const auto ended = agreement("0190-a-ended", AgreementStatus::terminated);
  const auto old_proposal = agreement("0190-b-proposed", AgreementStatus::proposed);
  const auto in_force = agreement("0190-c-active", AgreementStatus::active);
  const std::vector<std::vector<Agreement>> orders{{ended, old_proposal, in_force},
                                                   {in_force, old_proposal, ended},
                                                   {old_proposal, in_force, ended},
                                                   {in_force, ended, old_proposal}};
  for (const auto& order : orders) {
    CaseRepo repo(*redis_, "pair-" + ids::random_hex(3));
    for (const auto& a : order) ASSERT_TRUE(repo.put_agreement(a, 1, std::nullopt));
    auto named = repo.agreement_of_pair("320200", "320100");
    ASSERT_TRUE(named && *named);
    EXPECT_EQ(**named, in_force.id);
  }
  // Its termination keeps the pointer (no open one is left); a new proposal takes it.
  CaseRepo repo(*redis_, "pair-" + ids::random_hex(3));
  auto terminated = in_force;
  terminated.versions.back().status = AgreementStatus::terminated;
  ASSERT_TRUE(repo.put_agreement(in_force, 1, std::nullopt));
  ASSERT_TRUE(repo.put_agreement(ended, 1, std::nullopt));
  ASSERT_TRUE(repo.put_agreement(terminated, 2, std::nullopt));
  EXPECT_EQ(**repo.agreement_of_pair("320100", "320200"), in_force.id);
  const auto next = agreement("0190-d-proposed", AgreementStatus::proposed);
  ASSERT_TRUE(repo.put_agreement(next, 1, std::nullopt));
  EXPECT_EQ(**repo.agreement_of_pair("320100", "320200"), next.id);
}

TEST_F(DelegationRedisTest, agreements_are_listed_newest_first_in_pages_of_all_or_of_one_city) {
  CaseRepo repo(*redis_, "list-" + ids::random_hex(3));
  // Ids are uuid v7 in production: their order is their age.
  ASSERT_TRUE(repo.put_agreement(agreement("0190-1", "320100", "320200"), 1, std::nullopt));
  ASSERT_TRUE(repo.put_agreement(agreement("0190-2", "320300", "320400"), 1, std::nullopt));
  ASSERT_TRUE(repo.put_agreement(agreement("0190-3", "320200", "320500"), 1, std::nullopt));
  ASSERT_TRUE(repo.put_agreement(agreement("0190-4", "320100", "320500"), 1, std::nullopt));
  // A newer revision of one changes nothing in the lists.
  ASSERT_TRUE(repo.put_agreement(agreement("0190-1", "320100", "320200"), 2, std::nullopt));
  const auto ids_of = [](const AgreementPage& p) {
    std::vector<std::string> out;
    for (const auto& a : p.agreements) out.push_back(a.id);
    return out;
  };
  auto page = repo.agreements("", "", 3);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(ids_of(*page), (std::vector<std::string>{"0190-4", "0190-3", "0190-2"}));
  ASSERT_EQ(page->next_cursor, "0190-2");
  page = repo.agreements("", *page->next_cursor, 3);
  ASSERT_TRUE(page);
  EXPECT_EQ(ids_of(*page), (std::vector<std::string>{"0190-1"}));
  EXPECT_FALSE(page->next_cursor);
  // One city's: as either party, past any number of other cities' agreements.
  page = repo.agreements("320200", "", 1);
  ASSERT_TRUE(page);
  EXPECT_EQ(ids_of(*page), (std::vector<std::string>{"0190-3"}));
  page = repo.agreements("320200", *page->next_cursor, 1);
  ASSERT_TRUE(page);
  EXPECT_EQ(ids_of(*page), (std::vector<std::string>{"0190-1"}));
  EXPECT_FALSE(page->next_cursor);
  page = repo.agreements("330100", "", 50);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->agreements.empty());
  EXPECT_FALSE(page->next_cursor);
}

TEST_F(DelegationRedisTest, agreements_stored_before_the_city_index_join_it_once) {
  const std::string node = "old-" + ids::random_hex(3);
  CaseRepo repo(*redis_, node);
  ASSERT_TRUE(repo.put_agreement(agreement("0190-old", "320100", "320200"), 1, std::nullopt));
  // As an earlier version stored it: no per-city index.
  for (const auto* city : {"320100", "320200"}) {
    ASSERT_TRUE(redis_->command({"DEL", repo.key("agrs:city", city)}));
  }
  ASSERT_TRUE(repo.agreements("320100", "", 50)->agreements.empty());
  auto n = repo.index_agreements_by_city();
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 1u);
  for (const auto* city : {"320100", "320200"}) {
    auto page = repo.agreements(city, "", 50);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->agreements.size(), 1u) << city;
    EXPECT_EQ(page->agreements[0].id, "0190-old");
  }
  // Done once per store: a later start finds the marker and reads nothing.
  n = repo.index_agreements_by_city();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
}

TEST_F(DelegationRedisTest, the_reference_cache_sees_its_own_writes_at_once_and_others_within_ttl) {
  const std::string node = "cache-" + ids::random_hex(3);
  CaseRepo mine(*redis_, node);
  CaseRepo other_replica(*redis_, node);  // the same node's keys, another process's cache
  ReferenceCache long_lived(mine, 1h);
  ReferenceCache short_lived(mine, 20ms);
  ReferenceCache uncached(mine, 0ms);
  CatalogItem item{"PS-0001", 1, true, 2, {{"身份证", "id_card"}}, false};
  ASSERT_TRUE(mine.put_item(item));
  ASSERT_EQ((**long_lived.item("PS-0001")).version, 1);
  ASSERT_EQ((**short_lived.item("PS-0001")).version, 1);

  // Another replica's write: the long-lived cache keeps its copy, the short-lived one
  // reads again once its entry is older than its time to live, the uncached one at once.
  item.version = 2;
  ASSERT_TRUE(other_replica.put_item(item));
  EXPECT_EQ((**long_lived.item("PS-0001")).version, 1);
  EXPECT_EQ((**uncached.item("PS-0001")).version, 2);
  bool refreshed = false;
  for (int i = 0; i < 500 && !refreshed; ++i) {
    refreshed = (**short_lived.item("PS-0001")).version == 2;
    if (!refreshed) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(refreshed);

  // This process's own write (its consumer, its agreement command) clears it at once.
  item.version = 3;
  item.withdrawn = true;
  ASSERT_TRUE(mine.put_item(item));
  EXPECT_TRUE((**long_lived.item("PS-0001")).withdrawn);

  // Agreements and implementations the same way; absence is remembered too.
  EXPECT_FALSE(*long_lived.agreement_of_pair("320200", "320100"));
  EXPECT_FALSE(*long_lived.implementation("PS-0001", "320200"));
  Agreement a;
  a.id = ids::uuid_v7();
  a.city_a = "320100";
  a.city_b = "320200";
  AgreementVersion v;
  v.body.items = {{"PS-0001", Rights::receipt}};
  v.body.result_delivery = {ResultDelivery::mail};
  v.body.valid_from = monday_10am();
  v.body.valid_until = monday_10am() + 24h * 365;
  a.versions.push_back(v);
  ASSERT_TRUE(mine.put_agreement(a, 1, std::nullopt));
  ASSERT_TRUE(mine.put_implementation("PS-0001", "320200", 1, 15));
  auto pair = long_lived.agreement_of_pair("320200", "320100");
  ASSERT_TRUE(pair) << pair.error().message;
  ASSERT_TRUE(*pair);
  EXPECT_EQ((*pair)->id, a.id);
  EXPECT_EQ(**long_lived.implementation("PS-0001", "320200"), 15);

  // Cached-only reads (the I/O thread's) answer from what is held and never load: a miss
  // says so and leaves the cache as it was.
  ReferenceCache::CachedOnly outdated;
  EXPECT_FALSE(long_lived.item("PS-0001", &outdated).has_value())
      << "the agreement and implementation writes outdated the item read before them";
  EXPECT_TRUE(outdated.missed);
  ASSERT_TRUE(long_lived.item("PS-0001"));
  ReferenceCache::CachedOnly cached_only;
  EXPECT_EQ((*long_lived.agreement_of_pair("320100", "320200", &cached_only))->id, a.id);
  EXPECT_EQ(**long_lived.implementation("PS-0001", "320200", &cached_only), 15);
  auto held = long_lived.item("PS-0001", &cached_only);
  ASSERT_TRUE(held.has_value());
  EXPECT_TRUE((**held).withdrawn);
  EXPECT_FALSE(cached_only.missed);
  ReferenceCache cold(mine, 1h);
  auto miss = cold.item("PS-0001", &cached_only);
  EXPECT_FALSE(miss.has_value());
  EXPECT_TRUE(cached_only.missed);
  ReferenceCache::CachedOnly again;
  EXPECT_FALSE(cold.item("PS-0001", &again).has_value()) << "the miss loaded nothing";
  EXPECT_TRUE(again.missed);
  ASSERT_TRUE(cold.item("PS-0001"));  // a worker's read loads it
  ReferenceCache::CachedOnly warm;
  EXPECT_TRUE(cold.item("PS-0001", &warm).has_value());
  EXPECT_FALSE(warm.missed);
  ReferenceCache::CachedOnly never;
  EXPECT_FALSE(uncached.item("PS-0001", &never).has_value()) << "ttl 0 holds nothing";
  EXPECT_TRUE(never.missed);
}

// The events of one case as its writer produced them, decoded as the consumer gets them.
bus::Envelope case_envelope(std::string_view suffix, const CaseRecord& c, std::string action,
                            boost::json::object extra = {}) {
  TimelineEntry entry{c.version,
                      std::move(action),
                      "",
                      std::string(to_string(c.state)),
                      "clerk-1",
                      c.receiving_city,
                      "政务服务中心",
                      "",
                      c.updated_at,
                      "other-node"};
  auto e = bus::decode(
      case_event(suffix, c, to_json(c), entry, std::move(extra), "", Clock::system()).event);
  EXPECT_TRUE(e) << e.error().message;
  return std::move(*e);
}

TEST_F(DelegationRedisTest, a_fetch_of_case_events_is_applied_with_one_read_and_one_write_round) {
  ManualClock clock(monday_10am());
  // Node B serves the accepting city: the hand-off, delivered twice in one fetch, is one copy.
  CaseRepo node_b(*redis_, "b-" + ids::random_hex(3));
  CaseEventBatch at_b(node_b, calendar_, [](std::string_view city) { return city == "320200"; });
  auto forwarded = received_case(clock.now());
  forwarded.version = 3;
  forwarded.state = CaseState::forwarded;
  forwarded.holder = Holder::forwarded;
  const auto handoff = case_envelope(
      "forwarded", forwarded, "forward",
      {{"timeline",
        boost::json::array{to_json(TimelineEntry{1, "submit", "", "SUBMITTED", "clerk-1", "320100",
                                                 "", "", clock.now(), "other-node"})}}});
  ASSERT_TRUE(at_b.add(handoff));
  ASSERT_TRUE(at_b.add(handoff));
  EXPECT_EQ(at_b.pending(), 2u);
  ASSERT_TRUE(at_b.flush());
  EXPECT_EQ(at_b.pending(), 0u);
  EXPECT_EQ(at_b.handed_over(), 1);
  auto copy = node_b.load(forwarded.id);
  ASSERT_TRUE(copy && *copy);
  EXPECT_EQ((*copy)->holder, Holder::accepting);
  EXPECT_EQ((*copy)->version, 3);
  auto timeline = node_b.timeline(forwarded.id);
  ASSERT_TRUE(timeline);
  EXPECT_EQ(timeline->size(), 1u) << "the carried timeline, once";
  auto queue = node_b.by_city("accepting", "320200", CaseState::forwarded, "", 10);
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->cases.size(), 1u);

  // Node A keeps the receiving side's copy: two pieces of news from B in one fetch move it
  // twice, the second from the state the first left (its index moves included).
  CaseRepo node_a(*redis_, "a-" + ids::random_hex(3));
  CaseEventBatch at_a(node_a, calendar_, [](std::string_view city) { return city == "320100"; });
  CaseWrite mine;
  mine.mode = WriteMode::create;
  mine.record = forwarded;
  ASSERT_EQ(node_a.write(mine)->outcome, WriteOutcome::written);
  auto accepted = forwarded;
  accepted.version = 4;
  accepted.state = CaseState::accepted;
  accepted.holder = Holder::accepting;
  auto approved = accepted;
  approved.version = 5;
  approved.state = CaseState::approved;
  ASSERT_TRUE(at_a.add(case_envelope("accepted", accepted, "accept")));
  ASSERT_TRUE(at_a.add(case_envelope("approved", approved, "approve")));
  ASSERT_TRUE(at_a.add(case_envelope("accepted", accepted, "accept")));  // late, redelivered
  ASSERT_TRUE(at_a.flush());
  auto mirror = node_a.load(forwarded.id);
  ASSERT_TRUE(mirror && *mirror);
  EXPECT_EQ((*mirror)->version, 5);
  EXPECT_EQ((*mirror)->state, CaseState::approved);
  EXPECT_EQ((*mirror)->holder, Holder::mirror);
  for (auto [state, expected] :
       {std::pair{CaseState::forwarded, 0u}, std::pair{CaseState::accepted, 0u},
        std::pair{CaseState::approved, 1u}}) {
    auto page = node_a.by_city("receiving", "320100", state, "", 10);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->cases.size(), expected) << to_string(state);
  }
  EXPECT_EQ(node_a.timeline(forwarded.id)->size(), 2u) << "accepted and approved, once each";

  // An event no node could use is refused at once (dead-lettered), not kept for the flush.
  auto broken = handoff;
  broken.data.as_object().erase("case");
  EXPECT_FALSE(at_b.add(broken));
  EXPECT_EQ(at_b.pending(), 0u);
}

TEST(DelegationConfig, every_config_knob_is_documented) {
  auto missing = tongban::testing::undocumented_knobs(
      TONGBAN_DELEGATION_BIN, {std::string(TONGBAN_SOURCE_DIR) + "/docs/configuration.md",
                               std::string(TONGBAN_SOURCE_DIR) + "/services/delegation/README.md"});
  EXPECT_TRUE(missing.empty()) << "undocumented: " << ::testing::PrintToString(missing);
}

}  // namespace
