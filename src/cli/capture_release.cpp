#include "cli/capture_release.hpp"

#include "backends/registry.hpp"

namespace kdump::cli {

void use_next_boot_release(const BootModel& model, const RunContext& ctx, SystemFacts& facts, bool overridden) {
  if (overridden) return;
  const BootEntry* next = model.next_boot();
  if (!next || next->version.empty() || !model_for_release(Arch::x86_64, next->version)) return;
  if (facts.kernel_release && facts.kernel_release->value == next->version) return;
  facts.kernel_release = Fact<std::string>{next->version, "the entry that boots next (" + next->path +
                                                              (next->title.empty() ? "" : ", " + next->title) + ")"};
  // The capture initramfs the facts found was the running release's.
  auto defaults = ctx.root.read_text("/etc/default/kdump-tools");
  facts.capture_initramfs = find_capture_initramfs(ctx.fact_source(), next->version, defaults ? *defaults : "");
}

void use_next_boot_release(const RunContext& ctx, SystemFacts& facts, bool overridden) {
  if (overridden) return;
  auto model = BootModel::load(ctx.root, facts);
  if (!model) return;
  const auto backends = all_backends();
  if (!choose_backend(backends, ctx.settings.backend.value, *model, nullptr)) return;
  use_next_boot_release(*model, ctx, facts, overridden);
}

}  // namespace kdump::cli
