#include "cli/write_gate_cli.hpp"

#include "cli/capture_release.hpp"
#include "cli/json_report.hpp"

#include "core/size_for_machine.hpp"

namespace kdump::cli {
namespace {

// The chosen policy's figure for this machine, from the one sizing pipeline
// (core/size_for_machine.hpp); nullopt when it cannot be had (no RAM, no arch, no table):
// the gate then has nothing to warn against.
// `below_minimum`: set to the policy's minimum RAM when this machine has less.
std::optional<std::uint64_t> policy_figure(const EditContext& ctx, std::string& name,
                                           std::optional<std::uint64_t>& below_minimum) {
  if (!ctx.facts.memory_bytes || !ctx.facts.arch) return std::nullopt;
  SystemFacts sized = ctx.facts;
  // Sized for the same capture kernel as `reserve auto` (cli/capture_release.hpp).
  if (ctx.model)
    use_next_boot_release(*ctx.model, ctx.run, sized,
                          ctx.facts.kernel_release && ctx.facts.kernel_release->source == "--kernel-release");
  auto r = size_for_machine(ctx.run, sized);
  if (!r) return std::nullopt;
  name = r->policy;
  if (!r->recommended) {
    below_minimum = r->min_memory;
    return std::nullopt;
  }
  return r->bytes_for_this_machine;
}

// The kernels the plan targets, as this run knows them: the running kernel, what is
// the boot entries' kernels, what is installed in the tree (future kernels inherit the same
// default), and --kernel RELEASE.
std::vector<GateKernel> gate_kernels(const EditContext& ctx) {
  std::vector<GateKernel> k;
  auto add = [&](const std::string& release, const std::string& role) {
    for (const auto& e : k)
      if (e.release == release) return;
    k.push_back({release, role});
  };
  const std::string& kernel = ctx.run.settings.kernel.value;
  if (kernel != "all" && kernel != "default") add(kernel, "--kernel");
  if (ctx.facts.kernel_release) add(ctx.facts.kernel_release->value, "running kernel");
  // The boot entries' kernels; a rescue entry's "version" (0-rescue-MACHINEID) names no
  // kernel release: its kernel is one of the installed ones.
  for (const auto& e : ctx.model->entries())
    if (!e.version.empty() && e.version.find("rescue") == std::string::npos) add(e.version, "boot entry");
  for (const auto& r : installed_kernel_releases(ctx.run.root)) add(r, "installed");
  return k;
}

}  // namespace

nlohmann::json gate_json(const GateVerdict& v) {
  nlohmann::json kernels = nlohmann::json::array();
  for (const auto& r : v.kernels)
    kernels.push_back({{"release", r.kernel.release}, {"role", r.kernel.role},
                       {"model", r.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.model)},
                       {"crash_bytes", r.crash_bytes}, {"kexec_crash_size", r.kexec_crash_size},
                       {"refusal", r.refusal ? nlohmann::json(*r.refusal) : nlohmann::json(nullptr)}});
  return {{"verdict", v.verdict},     {"memory_checked", v.memory_checked},
          {"floor_bytes", write_gate_floor}, {"kernels", kernels},
          {"refusals", v.refusals},   {"warnings", v.warnings},
          {"overridden", v.overridden}};
}

Result<GateVerdict> run_write_gate(Invocation& inv, const EditContext& ctx, const GateRequest& req) {
  GateInput in;
  in.value = req.value;
  in.arch = ctx.facts.arch ? ctx.facts.arch->value : Arch::x86_64;
  in.kernels = gate_kernels(ctx);
  if (ctx.facts.memory_bytes) {
    in.memory = ctx.facts.memory_bytes->value;
    in.memory_source = ctx.facts.memory_bytes->source;
  }
  in.policy_bytes = policy_figure(ctx, in.policy, in.policy_min_memory);
  in.force = req.force;
  GateVerdict v = evaluate_write_gate(in);
  if (!ctx.facts.arch) v.warnings.push_back("architecture unknown: checked as x86_64 (pass --arch)");
  if (v.refused()) {
    Error e = write_gate_error(v, req.value);
    if (inv.global.json) {  // one object: the gate and the error together
      print_json_error(*inv.out, e, req.verb,
                       {{"expression", req.value}, {"backend", ctx.backend->name()},
                        {"changed", false}, {"would_change", false}, {"gate", gate_json(v)}});
      inv.json_printed = true;
    }
    return fail(e);
  }
  if (!inv.global.json) {
    for (const auto& w : v.warnings) *inv.err << "kdump-setup: WARNING: " << w << '\n';
    for (const auto& o : v.overridden)
      *inv.err << "kdump-setup: WARNING: --force: writing it anyway, overriding: " << o << '\n';
  }
  return v;
}

}  // namespace kdump::cli
