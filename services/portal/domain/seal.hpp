// Sealing a finished case into the per-day counts (state.hpp "sealed cases"), and folding an
// event of a case already sealed. Used by the fold (state.cpp); README.md "Sealed cases".
#pragma once

#include <map>
#include <vector>

#include "domain/state.hpp"

namespace tongban::portal {

// Adds the case's facts to state.sealed, leaves its mark and removes it from state.cases;
// appends every record it changed to `touched`.
void seal_case(State& state, std::map<CaseId, CaseFact>::iterator it,
               const delegation::Calendar& calendar, std::vector<RecordKey>& touched);

// An event of a sealed case, already read: one at or below the mark's version was folded
// before (false: nothing changed); a later one can only be the case's rating, counted once.
bool fold_sealed_event(State& state, const IdHash& hash, SealMark& mark, std::int64_t version,
                       const CaseSnapshot& snapshot, std::vector<RecordKey>& touched);

// Counts the licence `id` under `key` unless it was counted before (false: nothing changed).
bool count_licence(State& state, std::string_view id, const LicenceKey& key,
                   std::vector<RecordKey>& touched);

}  // namespace tongban::portal
