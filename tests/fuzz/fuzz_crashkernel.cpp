// libFuzzer: the crashkernel= grammar and the kernel model must never crash, and
// format(parse(x)) must parse back to the same value.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "grammar/crashkernel.hpp"
#include "grammar/kernel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = kdump::parse_crashkernel(text);
  if (spec) {
    auto again = kdump::parse_crashkernel(kdump::format_crashkernel(*spec));
    if (!again || !(*again == *spec)) std::abort();
  }
  static const kdump::KernelModel models[] = {
      {kdump::Arch::x86_64, 6, 1}, {kdump::Arch::x86_64, 6, 16}, {kdump::Arch::aarch64, 6, 1},
      {kdump::Arch::ppc64le, 6, 1}};
  for (const auto& m : models) {
    for (std::uint64_t ram : {kdump::GiB, 6 * kdump::GiB}) {
      auto o = kdump::evaluate_cmdline(text, ram, m);
      if (o.error && o.error->offset > text.size()) std::abort();
      (void)kdump::evaluate_cmdline("quiet crashkernel=" + text + " splash", ram, m);
    }
  }
  return 0;
}
