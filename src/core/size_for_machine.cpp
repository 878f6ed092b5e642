#include "core/size_for_machine.hpp"

namespace kdump {

Result<Recommendation> size_for_machine(const RunContext& ctx, SystemFacts& facts, const SizeRequest& request) {
  KDUMP_TRY_ASSIGN(const std::uint64_t memory, require_memory(facts));
  KDUMP_TRY_ASSIGN(const Arch arch, require_arch(facts));
  KDUMP_TRY(apply_capture_initramfs(ctx.settings.capture_initramfs, ctx.fact_source(), facts));
  SizingInput input = sizing_input_from_facts(facts, memory, arch, ctx.settings.sizing);
  if (request.initramfs_bytes) {
    input.capture_initramfs_bytes = *request.initramfs_bytes;
    input.capture_initramfs_source = "--initramfs-size";
    input.capture_initramfs_unpacked_bytes.reset();
    input.capture_initramfs_unpacked_unknown = "--initramfs-size gives only the file's size";
  }
  return recommend(ctx.policy(), input);
}

std::string sizing_note(const Recommendation& r) {
  std::string note = "auto: the " + r.policy + " policy gives " + human_size(r.bytes_for_this_machine) +
                     " on this machine (`kdump-setup recommend` tells why)";
  for (const auto& a : r.additions)
    if (a.kind == SizedAddition::Kind::capture_initramfs)
      note += "; +" + human_size(a.bytes) + ": " + a.reason;
  return note;
}

}  // namespace kdump
