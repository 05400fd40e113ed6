#include "consumer/case_events.hpp"

#include <map>

#include "delegation.hpp"
#include "tongban/core/log.hpp"

namespace tongban::delegation {

CaseEventBatch::CaseEventBatch(CaseRepo& repo, const Calendar& calendar,
                               std::function<bool(std::string_view)> serves)
    : repo_(repo), calendar_(calendar), serves_(std::move(serves)) {}

Result<void> CaseEventBatch::add(const bus::Envelope& e) {
  if (!e.data.is_object()) return fail(unusable(e, "data is not an object"));
  const auto& d = e.data.get_object();
  const auto case_id = json_string(d, "case_id");
  if (case_id.empty()) return fail(unusable(e, "case_id is required"));
  const auto* snapshot = d.if_contains("case");
  if (!snapshot || !snapshot->is_object()) return fail(unusable(e, "no case snapshot"));
  auto incoming = case_from_json(snapshot->get_object());
  if (!incoming) return fail(unusable(e, incoming.error().message));
  if (incoming->id != case_id) return fail(unusable(e, "the snapshot is of another case"));
  Pending p;
  p.forwarded = e.type == "tongban.delegation.case_forwarded.v1";
  p.incoming = std::move(*incoming);
  if (p.forwarded) {
    if (const auto* tl = d.if_contains("timeline"); tl && tl->is_array()) {
      for (const auto& entry : tl->get_array()) {
        if (entry.is_object()) p.timeline.push_back(timeline_entry_from_json(entry.get_object()));
      }
    }
  } else if (const auto* te = d.if_contains("timeline_entry"); te && te->is_object()) {
    p.entry = timeline_entry_from_json(te->get_object());
    p.entry->version = p.incoming.version;
  }
  pending_.push_back(std::move(p));
  return {};
}

std::optional<CaseWrite> CaseEventBatch::write_for(const Pending& p,
                                                   const std::optional<CaseRecord>& local) const {
  CaseWrite w;
  w.record = p.incoming;
  w.expected_version = p.incoming.version;
  w.previous = local;
  if (p.forwarded && serves_(p.incoming.accepting_city)) {
    // The hand-off: the accepting side's copy, built from the event alone.
    if (local && local->holder == Holder::accepting) return std::nullopt;
    w.mode = WriteMode::handover;
    w.record.holder = Holder::accepting;
    if (!local) w.timeline = p.timeline;
    if (auto dl = deadline_of(w.record, calendar_)) {
      w.deadline = std::pair{std::string(to_string(dl->stage)), dl->due};
    }
    return w;
  }
  if (local && local->holder != writer_of(local->state)) {
    // A copy this node does not write (the other side's, or its own after the hand-off):
    // kept current from the writer's events.
    if (local->version >= p.incoming.version) return std::nullopt;
    w.mode = WriteMode::newer;
    w.record.holder = Holder::mirror;
    if (p.entry) w.timeline.push_back(*p.entry);
    return w;
  }
  return std::nullopt;  // our own event coming back, or a case of cities we do not serve
}

Result<void> CaseEventBatch::flush() {
  if (pending_.empty()) return {};
  // Each case once, read as Redis holds it; then each event against the case as the writes
  // before it in this batch leave it (a hand-off and the next news of a case can share a
  // fetch, and a write's index moves start from the state it replaces).
  std::map<std::string, std::optional<CaseRecord>> held;
  for (const auto& p : pending_) held.emplace(p.incoming.id, std::nullopt);
  std::vector<std::string> ids;
  ids.reserve(held.size());
  for (const auto& [id, _] : held) ids.push_back(id);
  auto loaded = repo_.load_many(ids);
  if (!loaded) return fail(std::move(loaded.error()));
  for (std::size_t i = 0; i < ids.size(); ++i) held[ids[i]] = std::move((*loaded)[i]);

  std::vector<CaseWrite> writes;
  for (const auto& p : pending_) {
    auto& local = held[p.incoming.id];
    // Only two kinds of event concern this node: the hand-off of a case to a city it serves,
    // and news of a case it keeps a copy of.
    auto w = write_for(p, local);
    if (!w) continue;
    local = w->record;
    writes.push_back(std::move(*w));
  }
  auto written = repo_.write_many(writes);
  if (!written) return fail(std::move(written.error()));
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].mode != WriteMode::handover || (*written)[i].outcome != WriteOutcome::written) {
      continue;
    }
    ++handed_over_;
    const auto& c = writes[i].record;
    log::info("case handed over", {{"case_id", c.id},
                                   {"from", c.receiving_city},
                                   {"to", c.accepting_city},
                                   {"node", repo_.node()}});
  }
  pending_.clear();
  return {};
}

}  // namespace tongban::delegation
