// crashkernel=auto of Red Hat Enterprise Linux 7 and 8 kernels: a downstream patch that
// upstream never took. Everything else of those kernels' parse is the legacy one.
//
// RHEL 7 (3.10.0-*.el7): kernel/kexec.c __parse_crashkernel() (CONFIG_KEXEC_AUTO_RESERVE),
// as carried by the RHEL 7 derived OpenVZ/vzkernel tree (commit 0495ee1dd0a0):
//     if (strncmp(ck_cmdline, "auto", 4) == 0) {
//         size = arch_default_crash_size(system_ram);
//         if (size != 0) ... return 0;
//         else { pr_warning("crashkernel=auto resulted in zero bytes of reserved memory.\n");
//                return -ENOMEM; }
// and the generic arch_default_crash_size(total_size):
//     if (roundup(total_size, 0x8000000) < KEXEC_AUTO_THRESHOLD) return 0;
//     return KEXEC_AUTO_RESERVED_SIZE +
//            roundup((total_size - KEXEC_AUTO_RESERVED_SIZE) / (1ULL<<14), 1ULL<<20);
// ("2 bits per 4K page", 1 MiB granules). The per-arch constants are in asm/kexec.h of
// the RHEL 7 tree, which that mirror does not carry; they are the figures of the RHEL 7
// Kernel Crash Dump Guide ("Memory requirements for kdump", "Minimum threshold for
// automatic memory reservation"): x86_64 from 2 GB, 161 MB + 64 MB per TB of RAM
// (= a base of 160 MiB in the formula above: 160M + 1M at 2 GiB); s390x the same from
// 4 GB; ppc64/ppc64le its own arch_default_crash_size(): 2-4 GB 256 MB, 4-32 GB 512 MB,
// 32-64 GB 1 GB, 64-128 GB 2 GB, from 128 GB 4 GB. RHEL 7 ships no aarch64 3.10 kernel.
//
// RHEL 8 (4.18.0-*.el8): kernel/crash_core.c __parse_crashkernel() of CentOS Stream 8
// replaces "auto" by a range table before the extended-syntax parse, prints
// "Using crashkernel=auto, the size chosen is a best effort estimation.", and parses
// the table with parse_crashkernel_mem() (its checks and messages included):
//     x86_64, s390x  1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M
//     arm64          2G-:448M
//     ppc64          2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G
//                    (with fadump= on: 4G-16G:768M,...,64T-:180G -- not modelled: the
//                    token alone does not say whether fadump= is given)
// as quoted in the lkml submission of the same code (Saeed Mirzamohammadi,
// "kernel/crash_core: add crashkernel=auto for vmcore creation", 2021-02-23, message id
// 20210223174153.72802-1-saeed.mirzamohammadi@oracle.com) and its kdump.rst hunk
// ("crashkernel=auto ... x86_64: 1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M").
// Early RHEL 8 trees used other tables (CentOS 8 kernel/crash_core.c of
// AmpereComputing/ampere-centos-kernel: x86_64 "2G-:160M", arm64 "2G-:512M").
#include <string>

#include "kernel_parse.hpp"

namespace kdump::detail {
namespace {

constexpr std::uint64_t k_mib = 1ull << 20;
constexpr std::uint64_t k_gib = 1ull << 30;

std::uint64_t round_up(std::uint64_t v, std::uint64_t to) { return (v + to - 1) / to * to; }

// arch_default_crash_size() of RHEL 7; 0: below the threshold (or no table).
std::uint64_t rhel7_size(Arch arch, std::uint64_t ram) {
  if (arch == Arch::ppc64le) {
    if (round_up(ram, 128 * k_mib) < 2 * k_gib) return 0;
    if (ram < 4 * k_gib) return 256 * k_mib;
    if (ram < 32 * k_gib) return 512 * k_mib;
    if (ram < 64 * k_gib) return 1 * k_gib;
    if (ram < 128 * k_gib) return 2 * k_gib;
    return 4 * k_gib;
  }
  std::uint64_t threshold = 0;
  if (arch == Arch::x86_64) threshold = 2 * k_gib;
  else if (arch == Arch::s390x) threshold = 4 * k_gib;
  else return 0;
  if (round_up(ram, 128 * k_mib) < threshold) return 0;
  constexpr std::uint64_t base = 160 * k_mib;  // KEXEC_AUTO_RESERVED_SIZE
  return base + round_up((ram - base) / (1ull << 14), k_mib);
}

const char* rhel8_table(Arch arch) {
  switch (arch) {
    case Arch::x86_64:
    case Arch::s390x: return "1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M";
    case Arch::aarch64: return "2G-:448M";
    case Arch::ppc64le: return "2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G";
    default: return nullptr;
  }
}

}  // namespace

int rhel_auto_release(std::string_view release) {
  if (release.starts_with("3.10.0-") && release.find(".el7") != std::string_view::npos) return 7;
  if (release.starts_with("4.18.0-") && release.find(".el8") != std::string_view::npos) return 8;
  return 0;
}

TokenParse parse_rhel_auto(const CmdlineToken& token, std::uint64_t system_ram, const KernelModel& model) {
  TokenParse r;
  if (model.rhel == 7) {
    r.size = rhel7_size(model.arch, system_ram);
    if (r.size == 0) {
      r.invalid = true;
      r.warning = KernelMessage{"crashkernel=auto resulted in zero bytes of reserved memory.", token.value_begin};
    }
    return r;
  }
  const char* table = rhel8_table(model.arch);
  if (!table) {  // the #if chain has no branch: "auto" stays, the simple parse refuses it
    KernelModel plain = model;
    plain.rhel = 0;
    return parse_plain_token(token, system_ram, plain);
  }
  CmdlineToken t = token;
  t.value = table;
  KernelModel plain = model;
  plain.rhel = 0;
  r = parse_plain_token(t, system_ram, plain);
  if (r.warning) r.warning->offset = token.value_begin;  // the table is not in the command line
  if (r.info) r.info->offset = token.value_begin;
  else if (!r.invalid && r.size > 0)
    r.info = KernelMessage{"Using crashkernel=auto, the size chosen is a best effort estimation.",
                           token.value_begin};
  return r;
}

}  // namespace kdump::detail
