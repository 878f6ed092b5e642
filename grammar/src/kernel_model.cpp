// Per-release, per-arch facts of the kernel's crashkernel= handling: kernel/crash_core.c
// (6.1), kernel/crash_reserve.c (6.9+), arch/x86/include/asm/crash_reserve.h,
// arch/arm64/include/asm/crash_reserve.h.
#include <algorithm>
#include <array>
#include <charconv>

#include "grammar/kernel.hpp"
#include "kernel_parse.hpp"

namespace kdump {

std::string_view arch_name(Arch a) {
  switch (a) {
    case Arch::x86_64: return "x86_64";
    case Arch::i386: return "i386";
    case Arch::aarch64: return "aarch64";
    case Arch::ppc64le: return "ppc64le";
    case Arch::s390x: return "s390x";
    case Arch::riscv64: return "riscv64";
    case Arch::loongarch64: return "loongarch64";
    case Arch::unknown: break;
  }
  return "unknown";
}

std::optional<Arch> parse_arch(std::string_view name) {
  static const std::array<std::pair<std::string_view, Arch>, 14> names{{
      {"x86_64", Arch::x86_64}, {"amd64", Arch::x86_64}, {"i386", Arch::i386},
      {"i686", Arch::i386}, {"i586", Arch::i386}, {"aarch64", Arch::aarch64},
      {"arm64", Arch::aarch64}, {"ppc64le", Arch::ppc64le}, {"ppc64el", Arch::ppc64le},
      {"ppc64", Arch::ppc64le}, {"s390x", Arch::s390x}, {"riscv64", Arch::riscv64},
      {"loongarch64", Arch::loongarch64}, {"loong64", Arch::loongarch64}}};
  for (const auto& [n, a] : names)
    if (n == name) return a;
  return std::nullopt;
}

bool KernelModel::generic_reservation() const {
  switch (arch) {
    case Arch::x86_64:
    case Arch::i386:
    case Arch::aarch64:
    case Arch::riscv64:
    case Arch::loongarch64:
      return at_least(6, 7);   // reserve_crashkernel_generic(), commit 9c08a2a139fe
    case Arch::ppc64le:
      return at_least(6, 17);  // powerpc converted about 6.17
    default:
      return false;
  }
}

bool KernelModel::rejects_size_not_below_ram() const {
  // "crash: fix crash memory reserve exceed system memory bug", about 6.12.
  return generic_reservation() && at_least(6, 12);
}

bool KernelModel::reserves_cma() const {
  return (arch == Arch::x86_64) && at_least(6, 16);
}

bool KernelModel::has_high_low() const {
  switch (arch) {
    case Arch::x86_64:
    case Arch::i386:
      return true;              // since v3.9
    case Arch::aarch64:
      return at_least(5, 19);
    case Arch::riscv64:
    case Arch::loongarch64:
      return generic_reservation();
    default:
      return false;             // powerpc and s390 only know the plain form
  }
}

std::uint64_t KernelModel::default_low_size(std::uint64_t swiotlb) const {
  switch (arch) {
    case Arch::x86_64:
      // arch/x86/include/asm/crash_reserve.h crash_low_size_default() (6.1: inline in
      // arch/x86/kernel/setup.c reserve_crashkernel_low()):
      //   max(swiotlb_size_or_default() + (8UL << 20), 256UL << 20)
      return std::max(swiotlb + 8 * MiB, 256 * MiB);
    case Arch::aarch64:
      return generic_reservation() ? 128 * MiB : 0;  // 6.1 arm64: no default low region
    case Arch::riscv64:
    case Arch::loongarch64:
      return 128 * MiB;
    default:
      return 0;
  }
}

std::uint64_t KernelModel::low_limit() const {
  switch (arch) {
    case Arch::i386: return 512 * MiB;  // CRASH_ADDR_LOW_MAX on x86_32
    case Arch::x86_64:
    case Arch::aarch64:                 // arm64_dma_phys_limit: 4 GiB unless DRAM ends lower
    case Arch::riscv64:
    case Arch::loongarch64: return 4 * GiB;
    default: return UINT64_MAX;
  }
}

std::uint64_t KernelModel::crash_align() const {
  switch (arch) {
    case Arch::x86_64:
    case Arch::i386: return 16 * MiB;   // CRASH_ALIGN, arch/x86/include/asm/crash_reserve.h
    case Arch::aarch64:
    case Arch::riscv64:
    case Arch::loongarch64: return 2 * MiB;
    case Arch::s390x: return 1 * MiB;
    default: return 64 * KiB;
  }
}

std::uint64_t MemoryMap::total() const {
  std::uint64_t t = 0;
  for (const auto& r : ram) t += r.size();
  return t;
}

std::uint64_t MemoryMap::largest() const {
  std::uint64_t l = 0;
  for (const auto& r : ram) l = std::max(l, r.size());
  return l;
}

std::uint64_t KernelModel::fixed_base_alignment() const {
  switch (arch) {
    case Arch::x86_64:
    case Arch::i386:
      return generic_reservation() ? 16 * MiB : 1 * MiB;
    case Arch::aarch64:
    case Arch::riscv64:
    case Arch::loongarch64:
      return 2 * MiB;
    case Arch::ppc64le:
      return 64 * KiB;  // rounded up with a warning rather than refused
    case Arch::s390x:
      return 1 * MiB;
    default:
      return 1;
  }
}

std::uint64_t KernelModel::size_granule() const {
  switch (arch) {
    case Arch::aarch64: return generic_reservation() ? 1 : 4 * KiB;  // 6.1: PAGE_ALIGN
    case Arch::ppc64le: return 64 * KiB;
    case Arch::s390x: return 1 * MiB;
    default: return 1;  // x86 and generic code reserve the exact size
  }
}

std::string KernelModel::label() const {
  return std::to_string(major) + "." + std::to_string(minor) + " " + std::string(arch_name(arch)) +
         (rhel ? " RHEL " + std::to_string(rhel) : "");
}

std::optional<KernelModel> model_for_release(Arch arch, std::string_view release) {
  int major = 0;
  int minor = 0;
  const char* p = release.data();
  const char* end = p + release.size();
  auto r1 = std::from_chars(p, end, major);
  if (r1.ec != std::errc{} || r1.ptr == end || *r1.ptr != '.') return std::nullopt;
  auto r2 = std::from_chars(r1.ptr + 1, end, minor);
  if (r2.ec != std::errc{}) return std::nullopt;
  return KernelModel{arch, major, minor, detail::rhel_auto_release(release)};
}

}  // namespace kdump
