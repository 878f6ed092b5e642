#include "core/size_for_machine.hpp"

#include "core/kdump_package.hpp"

namespace kdump {
namespace {

bool has_initramfs_term(const Policy& p) { return p.initramfs_per_mille || p.initramfs_unpacked_per_mille; }

// No capture initramfs found or configured: what the installed kdump package will load.
// A file it will load that exists (kdump-tools without KDUMP_KERNEL: the boot
// initramfs) becomes the fact; otherwise the input gets the planned image, or says that
// no kdump package is installed.
Result<Ok> plan_missing_initramfs(const FactSource& source, SystemFacts& facts, SizingInput& input) {
  std::optional<RootDir> owned;
  const RootDir* root = source.dir;
  if (!root) {
    auto opened = RootDir::open(source.root);
    if (!opened) return fail(std::move(opened).error());
    root = &owned.emplace(std::move(*opened));
  }
  const std::string release = facts.kernel_release ? facts.kernel_release->value : std::string();
  PlannedCapture plan = plan_capture_initramfs(*root, release);
  if (plan.package == PlannedCapture::Package::none) {
    input.no_kdump_package = plan.why;
    return Ok{};
  }
  if (plan.existing_file) {
    auto found = read_capture_initramfs(source, *plan.existing_file, release, plan.why);
    if (found) {
      facts.capture_initramfs = std::move(*found);
      facts.capture_initramfs->source = plan.why + ": " + facts.capture_initramfs->value.path;
      input.capture_initramfs_bytes = facts.capture_initramfs->value.bytes;
      input.capture_initramfs_source = facts.capture_initramfs->source;
      input.capture_initramfs_unpacked_bytes = facts.capture_initramfs->value.unpacked_bytes;
      input.capture_initramfs_unpacked_unknown = facts.capture_initramfs->value.unpacked_unknown;
      return Ok{};
    }
  }
  input.planned_initramfs = SizingInput::PlannedInitramfs{plan.image, plan.why, plan.source};
  return Ok{};
}

}  // namespace

Result<Recommendation> size_for_machine(const RunContext& ctx, SystemFacts& facts, const SizeRequest& request) {
  KDUMP_TRY_ASSIGN(const std::uint64_t memory, require_memory(facts));
  KDUMP_TRY_ASSIGN(const Arch arch, require_arch(facts));
  KDUMP_TRY(apply_capture_initramfs(ctx.settings.capture_initramfs, ctx.fact_source(), facts));
  SizingInput input = sizing_input_from_facts(facts, memory, arch, ctx.settings.sizing);
  const Policy& policy = ctx.policy();
  if (!facts.capture_initramfs && !request.initramfs_bytes && has_initramfs_term(policy))
    KDUMP_TRY(plan_missing_initramfs(ctx.fact_source(), facts, input));
  if (request.initramfs_bytes) {
    input.capture_initramfs_bytes = *request.initramfs_bytes;
    input.capture_initramfs_source = "--initramfs-size";
    input.capture_initramfs_unpacked_bytes.reset();
    input.capture_initramfs_unpacked_unknown = "--initramfs-size gives only the file's size";
  }
  return recommend(policy, input);
}

std::string sizing_note(const Recommendation& r) {
  std::string note = "auto: the " + r.policy + " policy gives " + human_size(r.bytes_for_this_machine) +
                     " on this machine (`kdump-setup recommend` tells why)";
  for (const auto& a : r.additions)
    if (a.kind == SizedAddition::Kind::capture_initramfs)
      note += "; +" + human_size(a.bytes) + ": " + a.reason;
  for (const auto& n : r.notes) note += "; " + n;
  return note;
}

}  // namespace kdump
