// `kdump-setup refresh`: recompute the value kdump-setup chose with `reserve auto` from
// today's facts, and write it only when it is still kdump-setup's and it changed
// (docs/contract.md §10). This is the decision, pure; the verb
// (src/cli/verb_refresh.cpp) gathers the state file, the configured values and the
// sized value, and writes through the same plan/apply path as `reserve`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/backend.hpp"
#include "core/ownership.hpp"

namespace kdump {

// Why refresh did (or did not) write. Names are part of the JSON contract.
enum class RefreshReason {
  no_state,      // no record: kdump-setup never chose a value here, or `remove` forgot it
  not_owned,     // the record says the admin chose the value (reserve EXPR)
  admin_edited,  // the configured value is not the recorded one: edited by hand, the admin's now
  unchanged,     // recomputed: the same value, and every boot file already has it
  updated,       // recomputed: another value, written
  completed,     // recomputed: the same value, written where a boot file lacked it (a new kernel's entry)
};
std::string_view refresh_reason_name(RefreshReason r);  // "no-state", "not-owned", ...

struct RefreshCheck {
  std::optional<RefreshReason> stop;  // set: do nothing, for this reason
  std::string message;                // one sentence for the user
  std::optional<std::string> recorded;
};

// Step 1, before sizing: is the configured value still the one kdump-setup recorded as
// its own? `configured`: what the backend in use configures now.
RefreshCheck check_ownership(const StateFile& state, const std::vector<ConfiguredValue>& configured);

// Step 2, after sizing and planning: `computed` is today's value, `plan_changes` whether
// the plan writing it changes a boot file.
RefreshReason refresh_outcome(const std::string& recorded, const std::string& computed, bool plan_changes);
std::string refresh_message(RefreshReason r, const std::string& recorded, const std::string& computed);

}  // namespace kdump
