// The portal state's serialisable form: one small JSON value per record, so the service keeps
// the fold in Redis (a hash per record kind, a field per key) and writes back only the
// records an event touched; and the whole state as one document (snapshots, tests).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <vector>

#include "domain/state.hpp"
#include "tongban/core/result.hpp"

namespace tongban::portal {

// Version of the layout below; a reader refuses another (rule `format`): rebuild instead. It
// reads 2 too: the same records before sealed cases were added.
inline constexpr std::int64_t kStateFormat = 3;

// The record's JSON; nullopt when the state has no such record.
std::optional<boost::json::value> record_json(const State& state, const RecordKey& key);
// Every record of the state, in key order (for writing a snapshot record by record).
std::vector<RecordKey> record_keys(const State& state);
// Puts a record read back from storage into `state` (replacing one with the same key).
// Errc::invalid_argument naming `<kind>:<key>` and the rule when it does not parse.
Result<void> load_record(State& state, const RecordKey& key, const boost::json::value& value);

// {"format": 1, "agreement": {<key>: <record>}, "case": {...}, "item": {...},
//  "implementation": {...}, "call": {...}, "call_seqs": {<chain>: [[first, last], ...]},
//  "licence": {...}, "sealed_case": {<hash>: {"version", "rated"}}, "sealed_count": {...}}
boost::json::object to_json(const State& state);
Result<State> state_from_json(const boost::json::object& doc);

}  // namespace tongban::portal
