#include "core/status.hpp"

#include "core/crash_state.hpp"

namespace kdump {
namespace {

// The value the entry that boots next carries (its effective command line, the token
// its kernel picks); when that entry or its command line is unknown, only what the files
// say, and verify makes no claim about the next boot.
void judge_next_boot(StatusReport& s, std::optional<std::string> files_value) {
  VerifyInput& in = s.input;
  const BootView& view = *s.boot;
  std::optional<Arch> arch;
  if (s.facts.arch) arch = s.facts.arch->value;
  std::optional<std::uint64_t> ram;
  std::string ram_source;
  if (s.facts.memory_bytes) {
    ram = s.facts.memory_bytes->value;
    ram_source = s.facts.memory_bytes->source;
  }
  s.entries = describe_entries(view, arch, ram, ram_source, in.kernel_release);
  in.configured = files_value;
  in.next_boot_known = false;
  if (view.loader.empty()) {
    in.next_boot_unknown = view.no_loader_reason;
    return;
  }
  if (!view.next) {
    in.next_boot_unknown = view.entries.empty() ? "no " + view.loader + " boot entry exists (no kernel installed?)"
                                                : "which " + view.loader + " entry boots next is unknown";
    return;
  }
  const EntryReach& e = s.entries[*view.next];
  if (!e.known_after) {
    in.next_boot_unknown = "the command line of the entry that boots next, '" + e.entry.id + "', is unknown: " +
                           e.entry.cmdline_unknown;
    return;
  }
  in.next_boot_known = true;
  in.next_boot_entry = e.entry.id;
  in.configured = e.crashkernel_after;
  if (!view.next_uncertain.empty())
    in.not_reaching.push_back("the entry that boots next is '" + e.entry.id + "' as the boot files choose it (" +
                              view.next_rule + "), but " + view.next_uncertain);
  for (const auto& c : s.configured)
    if (c.value != e.crashkernel_after.value_or(""))
      in.not_reaching.push_back("crashkernel=" + c.value + " in " + c.file + " (" + c.where +
                                ") does not reach the next boot: the entry '" + e.entry.id + "' carries " +
                                (e.crashkernel_after ? "crashkernel=" + *e.crashkernel_after : "no crashkernel="));
}

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
  std::optional<std::string> files_value;
  if (!s.configured.empty()) files_value = s.configured.back().value;
  s.input.configured = files_value;
  if (found->boot) {
    s.boot = std::move(found->boot);
    judge_next_boot(s, files_value);
  }
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
  // An image under --root: no running command line and no kexec sysfs files at all.
  in.offline_image = !ctx.root.is_host_root() && !s.facts.running_cmdline && !in.crash.crash_size &&
                     !in.crash.loaded;

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
