// The case events a node applies from the bus: the hand-off of a case to a city it serves
// (the accepting side's copy, built from the event alone) and news of a case it keeps a
// copy of. Events are taken one at a time and written together (the consumer's flush): one
// read of the batch's cases and one pipeline of writes per fetch, instead of two round
// trips per event — a single consumer thread paced by round trips was the hand-off's
// ceiling.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.hpp"
#include "repo/case_repo.hpp"
#include "tongban/bus/envelope.hpp"

namespace tongban::delegation {

class CaseEventBatch {
 public:
  CaseEventBatch(CaseRepo& repo, const Calendar& calendar,
                 std::function<bool(std::string_view city)> serves);

  // Checks an event that concerns this node and keeps what it needs (copied out of the
  // envelope). An unusable event is an error the consumer dead-letters.
  Result<void> add(const bus::Envelope& e);
  // Reads the batch's cases, writes what changes them, in arrival order, and forgets the
  // batch. A failure forgets nothing: called again, it starts over from what Redis holds
  // (every write is decided by versions, so what already landed is not written twice).
  Result<void> flush();
  // The consumer gave the batch up (its events come again): forgets it unwritten.
  void discard() { pending_.clear(); }
  std::size_t pending() const { return pending_.size(); }
  // Hand-offs written by the flushes so far.
  long long handed_over() const { return handed_over_; }

 private:
  struct Pending {
    bool forwarded = false;
    CaseRecord incoming;                  // the snapshot the event carries
    std::vector<TimelineEntry> timeline;  // a hand-off's whole timeline
    std::optional<TimelineEntry> entry;   // the one line of other news
  };
  // The write an event makes against the case as this node holds it, if any.
  std::optional<CaseWrite> write_for(const Pending& p,
                                     const std::optional<CaseRecord>& local) const;

  CaseRepo& repo_;
  const Calendar& calendar_;
  std::function<bool(std::string_view)> serves_;
  std::vector<Pending> pending_;
  long long handed_over_ = 0;
};

}  // namespace tongban::delegation
