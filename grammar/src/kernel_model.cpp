// Per-release, per-arch facts of the kernel's crashkernel= handling
// (shared/notes/kernel-crashkernel.md §4.4, §7, §9.1).
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

std::uint64_t KernelModel::default_low_size() const {
  switch (arch) {
    case Arch::x86_64:
      // crash_low_size_default(): max(swiotlb default 64 MiB + 8 MiB, 256 MiB).
      return 256 * MiB;
    case Arch::aarch64:
      return generic_reservation() ? 128 * MiB : 0;  // 6.1 arm64: no default low region
    case Arch::riscv64:
    case Arch::loongarch64:
      return 128 * MiB;
    default:
      return 0;
  }
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
