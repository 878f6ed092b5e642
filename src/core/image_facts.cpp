#include "core/image_facts.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "util/text.hpp"

namespace kdump {
namespace {

// e_machine values of the ELF specification (elf.h EM_*).
std::optional<Arch> arch_of_elf(std::string_view head) {
  if (head.size() < 20 || head.substr(0, 4) != "\x7f" "ELF") return std::nullopt;
  const bool little = head[5] == 1;
  const auto b0 = static_cast<unsigned char>(head[18]), b1 = static_cast<unsigned char>(head[19]);
  const unsigned machine = little ? b0 | (b1 << 8) : (b0 << 8) | b1;
  switch (machine) {
    case 62: return Arch::x86_64;    // EM_X86_64
    case 3: return Arch::i386;       // EM_386
    case 183: return Arch::aarch64;  // EM_AARCH64
    case 21: return little ? std::optional<Arch>(Arch::ppc64le) : std::nullopt;  // EM_PPC64
    case 22: return Arch::s390x;     // EM_S390
    case 243: return Arch::riscv64;  // EM_RISCV
    case 258: return Arch::loongarch64;  // EM_LOONGARCH
    default: return std::nullopt;
  }
}

// Boot loader binaries name their architecture: grubx64.efi, systemd-bootaa64.efi.
std::optional<Arch> arch_of_efi_name(std::string_view name) {
  const std::pair<std::string_view, Arch> suffixes[] = {
      {"x64.efi", Arch::x86_64}, {"ia32.efi", Arch::i386}, {"aa64.efi", Arch::aarch64},
      {"riscv64.efi", Arch::riscv64}, {"loongarch64.efi", Arch::loongarch64}};
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (auto [suffix, arch] : suffixes)
    if (lower.size() > suffix.size() && lower.ends_with(suffix)) return arch;
  return std::nullopt;
}

std::optional<Fact<Arch>> arch_of_boot_files(const RootDir& root) {
  for (std::string_view esp : {"/boot/efi/EFI", "/efi/EFI", "/boot/EFI"}) {
    auto vendors = root.list(esp);
    if (!vendors) continue;
    for (const auto& v : *vendors) {
      const std::string dir = std::string(esp) + "/" + v;
      auto files = root.list(dir);
      if (!files) continue;
      for (const auto& f : *files)
        if (auto a = arch_of_efi_name(f)) return Fact<Arch>{*a, root.display(dir + "/" + f) + " (boot loader name)"};
    }
  }
  return std::nullopt;
}

// Release strings compared as the kernel's version numbers: 6.10 after 6.9.
bool older_release(const std::string& a, const std::string& b) {
  auto numbers = [](const std::string& s) {
    std::vector<unsigned long> n;
    std::size_t i = 0;
    while (i < s.size()) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        std::size_t j = i;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        n.push_back(std::stoul(s.substr(i, std::min<std::size_t>(j - i, 9))));
        i = j;
      } else {
        ++i;
      }
    }
    return n;
  };
  return numbers(a) < numbers(b);
}

std::optional<std::string> newest(std::vector<std::string> releases) {
  if (releases.empty()) return std::nullopt;
  return *std::max_element(releases.begin(), releases.end(), older_release);
}

}  // namespace

std::optional<Fact<Arch>> image_arch(const RootDir& root) {
  if (auto text = root.read_text("/var/lib/dpkg/arch", 4096)) {
    std::string first = trim(text->substr(0, text->find('\n')));
    if (auto a = parse_arch(first); a && *a != Arch::unknown)
      return Fact<Arch>{*a, root.display("/var/lib/dpkg/arch")};
  }
  for (std::string_view sh : {"/bin/sh", "/usr/bin/sh"}) {
    auto fd = root.read_text(sh, 16u << 20);
    if (!fd) continue;
    if (auto a = arch_of_elf(*fd)) return Fact<Arch>{*a, root.display(sh) + " (ELF header)"};
  }
  return arch_of_boot_files(root);
}

std::optional<Fact<std::string>> image_kernel_release(const RootDir& root) {
  std::vector<std::string> boot;
  if (auto names = root.list("/boot"))
    for (const auto& n : *names)
      if (n.starts_with("vmlinuz-") && n.size() > 8) boot.push_back(n.substr(8));
  if (auto r = newest(boot)) return Fact<std::string>{*r, root.display("/boot/vmlinuz-" + *r)};
  std::vector<std::string> modules;
  if (auto names = root.list("/usr/lib/modules"))
    for (const auto& n : *names)
      if (!n.empty() && std::isdigit(static_cast<unsigned char>(n[0])) && root.is_directory("/usr/lib/modules/" + n))
        modules.push_back(n);
  if (auto r = newest(modules)) return Fact<std::string>{*r, root.display("/usr/lib/modules/" + *r)};
  return std::nullopt;
}

}  // namespace kdump
