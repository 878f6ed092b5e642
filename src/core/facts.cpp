#include "core/facts.hpp"

#include <sys/utsname.h>

#include <fstream>
#include <sstream>

namespace kdump {
namespace {

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path under(const FactSource& s, const char* abs) {
  return s.root / std::filesystem::path(abs).relative_path();
}

}  // namespace

std::optional<std::uint64_t> system_ram_from_iomem(std::string_view iomem) {
  std::uint64_t total = 0;
  bool any = false;
  std::istringstream in{std::string(iomem)};
  for (std::string line; std::getline(in, line);) {
    // Top-level lines only: nested resources are indented by two spaces per level.
    if (line.empty() || line[0] == ' ') continue;
    auto colon = line.find(" : ");
    if (colon == std::string::npos || line.substr(colon + 3) != "System RAM") continue;
    auto dash = line.find('-');
    if (dash == std::string::npos || dash > colon) continue;
    std::uint64_t start = std::stoull(line.substr(0, dash), nullptr, 16);
    std::uint64_t end = std::stoull(line.substr(dash + 1, colon - dash - 1), nullptr, 16);
    if (end < start) continue;
    total += end - start + 1;
    any = true;
  }
  if (!any || total <= 1) return std::nullopt;  // all zeros: not read as root
  return total;
}

Result<SystemFacts> gather_facts(const FactSource& source, const FactOverrides& overrides) {
  SystemFacts f;
  if (overrides.memory_bytes) f.memory_bytes = Fact<std::uint64_t>{*overrides.memory_bytes, "--memory"};
  if (overrides.arch) f.arch = Fact<Arch>{*overrides.arch, "--arch"};
  if (overrides.kernel_release)
    f.kernel_release = Fact<std::string>{*overrides.kernel_release, "--kernel-release"};

  if (!f.memory_bytes) {
    if (auto iomem = read_file(under(source, "/proc/iomem")))
      if (auto ram = system_ram_from_iomem(*iomem))
        f.memory_bytes = Fact<std::uint64_t>{*ram, under(source, "/proc/iomem").string()};
  }
  if (source.live()) {
    utsname u{};
    if (uname(&u) == 0) {
      if (!f.arch)
        if (auto a = parse_arch(u.machine)) f.arch = Fact<Arch>{*a, "uname(2)"};
      if (!f.kernel_release) f.kernel_release = Fact<std::string>{u.release, "uname(2)"};
    }
  }
  if (auto cmdline = read_file(under(source, "/proc/cmdline"))) {
    while (!cmdline->empty() && cmdline->back() == '\n') cmdline->pop_back();
    f.running_cmdline = Fact<std::string>{*cmdline, under(source, "/proc/cmdline").string()};
  }
  return f;
}

Result<std::uint64_t> require_memory(const SystemFacts& facts) {
  if (facts.memory_bytes) return facts.memory_bytes->value;
  Error e = make_error(ErrorKind::missing_fact,
                       "the RAM size is not known: no readable \"System RAM\" in /proc/iomem");
  e.hints.push_back("pass --memory SIZE (for example --memory 16G)");
  return fail(e);
}

Result<Arch> require_arch(const SystemFacts& facts) {
  if (facts.arch) return facts.arch->value;
  Error e = make_error(ErrorKind::missing_fact, "the architecture is not known");
  e.hints.push_back("pass --arch ARCH (x86_64, aarch64, ppc64le, s390x, riscv64)");
  return fail(e);
}

Result<std::string> require_kernel_release(const SystemFacts& facts) {
  if (facts.kernel_release) return facts.kernel_release->value;
  Error e = make_error(ErrorKind::missing_fact, "the kernel release is not known");
  e.hints.push_back("pass --kernel-release RELEASE (for example 6.1.0-28-amd64)");
  return fail(e);
}

}  // namespace kdump
