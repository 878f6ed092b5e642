#include "core/refresh.hpp"

#include <algorithm>

namespace kdump {

std::string_view refresh_reason_name(RefreshReason r) {
  switch (r) {
    case RefreshReason::no_state: return "no-state";
    case RefreshReason::not_owned: return "not-owned";
    case RefreshReason::admin_edited: return "admin-edited";
    case RefreshReason::unchanged: return "unchanged";
    case RefreshReason::updated: return "updated";
    case RefreshReason::completed: return "completed";
  }
  return "no-state";
}

RefreshCheck check_ownership(const StateFile& state, const std::vector<ConfiguredValue>& configured) {
  RefreshCheck c;
  if (!state.state) {
    c.stop = RefreshReason::no_state;
    c.message = "kdump-setup has not chosen the crashkernel= value here (no " + std::string(ownership_state_path) +
                "; only `reserve auto` makes it its own): nothing to do";
    return c;
  }
  const OwnershipState& s = *state.state;
  c.recorded = s.value;
  if (s.owner != OwnershipState::Owner::auto_value) {
    c.stop = RefreshReason::not_owned;
    c.message = "crashkernel=" + s.value + " was set explicitly (reserve VALUE): it is the admin's, nothing to do";
    return c;
  }
  if (configured.empty()) {
    c.stop = RefreshReason::admin_edited;
    c.message = "kdump-setup chose crashkernel=" + s.value +
                " but no crashkernel= is configured now: removed by hand, so left alone";
    return c;
  }
  for (const auto& v : configured) {
    const bool substituted = std::any_of(s.substituted.begin(), s.substituted.end(), [&](const SubstitutedValue& x) {
      return x.entry_path == v.file && x.value == v.value;
    });
    if (v.value != s.value && !substituted) {
      c.stop = RefreshReason::admin_edited;
      c.message = "kdump-setup chose crashkernel=" + s.value + " but " + v.file + " (" + v.where + ") says " +
                  "crashkernel=" + v.value + ": edited by hand, it is the admin's now; nothing to do " +
                  "(`kdump-setup reserve auto` hands it back to kdump-setup)";
      return c;
    }
  }
  return c;
}

RefreshReason refresh_outcome(const std::string& recorded, const std::string& computed, bool plan_changes) {
  if (computed != recorded) return RefreshReason::updated;
  return plan_changes ? RefreshReason::completed : RefreshReason::unchanged;
}

std::string refresh_message(RefreshReason r, const std::string& recorded, const std::string& computed) {
  switch (r) {
    case RefreshReason::updated:
      return "today's facts give crashkernel=" + computed + " instead of crashkernel=" + recorded;
    case RefreshReason::completed:
      return "crashkernel=" + computed + " is still right; written where a boot file lacked it";
    case RefreshReason::unchanged:
      return "today's facts give the same crashkernel=" + computed + ": nothing to do";
    default: return {};
  }
}

}  // namespace kdump
