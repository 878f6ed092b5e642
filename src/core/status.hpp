// What `status` and `verify` both stand on: the facts, the running kernel's crash state,
// the backend the settings choose and the value it configures for the next boot,
// gathered here and judged by the pure core/verify. The CLI only renders the result.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "core/run_context.hpp"
#include "core/verify.hpp"
#include "util/result.hpp"

namespace kdump {

struct StatusReport {
  SystemFacts facts;
  VerifyInput input;
  std::vector<ConfiguredValue> configured;  // every place the backend found a value for the next boot
  std::string backend_reason;               // detection reason, or what was looked for
  VerifyReport report;
};

// Chooses the backend for the facts (backends/registry.hpp choose_backend with the
// settings' backend); an error means no boot loader applies: a finding, not a failure.
using BackendChooser = std::function<Result<const Backend*>(const SystemFacts&, std::string* reason)>;

Result<StatusReport> gather_status(const RunContext& ctx, const BackendChooser& choose);

}  // namespace kdump
