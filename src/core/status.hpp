// What `status` and `verify` both stand on: the facts, the running kernel's crash state,
// the backend the settings choose and the value it configures for the next boot,
// gathered here and judged by the pure core/verify. The CLI only renders the result.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "core/next_boot_check.hpp"
#include "core/run_context.hpp"
#include "core/verify.hpp"
#include "util/result.hpp"

namespace kdump {

struct StatusReport {
  SystemFacts facts;
  VerifyInput input;
  std::vector<ConfiguredValue> configured;  // every place the backend found a value for the next boot
  // The chosen loader's entries (backends/common/boot_view.hpp) and what each carries;
  // nullopt without a backend.
  std::optional<BootView> boot;
  std::vector<EntryReach> entries;
  std::string backend_reason;               // detection reason, or what was looked for
  VerifyReport report;
};

// What the backend the settings choose configures, read through the boot model (which
// lives above core: backends/common/). nullopt: no boot loader applies, a finding, not a
// failure; `reason` says why it applies or what was looked for.
struct ConfiguredFinding {
  std::string backend;
  std::vector<ConfiguredValue> values;
  // The loader's entries, the one that boots next and each effective command line:
  // `configured` is then what that entry's kernel picks, not what the files say.
  std::optional<BootView> boot;
};
using ConfiguredReader =
    std::function<Result<std::optional<ConfiguredFinding>>(const SystemFacts&, std::string* reason)>;

// require_loaded: verify --require-loaded (VerifyInput::require_loaded).
Result<StatusReport> gather_status(const RunContext& ctx, const ConfiguredReader& read, bool require_loaded = false);

}  // namespace kdump
