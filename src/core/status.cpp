#include "core/status.hpp"

#include "core/crash_state.hpp"

namespace kdump {
namespace {

// Only what the entry booted next carries; values configured elsewhere (other entries,
// future kernels) do not decide what the next boot reserves.
Result<Ok> read_configured(const ConfiguredReader& read, StatusReport& s) {
  KDUMP_TRY_ASSIGN(auto found, read(s.facts, &s.backend_reason));
  if (!found) return Ok{};
  s.input.backend = found->backend;
  for (auto& v : found->values)
    if (v.next_boot) s.configured.push_back(std::move(v));
  // The kernel uses the last crashkernel= of its command line; the backend lists them
  // in command line order.
  if (!s.configured.empty()) s.input.configured = s.configured.back().value;
  return Ok{};
}

}  // namespace

Result<StatusReport> gather_status(const RunContext& ctx, const ConfiguredReader& read, bool require_loaded) {
  StatusReport s;
  // status/verify need no LUKS facts: no block device probing.
  KDUMP_TRY_ASSIGN(s.facts, gather_facts(ctx.fact_source(false), FactOverrides{}));
  VerifyInput& in = s.input;
  KDUMP_TRY_ASSIGN(in.crash, gather_crash_state(ctx.fact_source(false)));
  if (s.facts.running_cmdline) in.running_cmdline = s.facts.running_cmdline->value;
  if (s.facts.kernel_release) in.kernel_release = s.facts.kernel_release->value;
  if (s.facts.memory_bytes) in.memory_bytes = s.facts.memory_bytes->value;
  if (s.facts.arch && s.facts.kernel_release)
    in.model = model_for_release(s.facts.arch->value, s.facts.kernel_release->value);

  KDUMP_TRY(read_configured(read, s));

  // Judging a running value needs RAM and the kernel model: say which option is missing.
  bool supported = in.crash.crash_size || in.crash.loaded;
  if (supported && in.running_cmdline && !find_crashkernel_tokens(*in.running_cmdline).empty()) {
    KDUMP_TRY(require_memory(s.facts));
    KDUMP_TRY_ASSIGN(in.model, require_model(s.facts));
  }
  in.require_loaded = require_loaded;
  s.report = verify(in);
  return s;
}

}  // namespace kdump
