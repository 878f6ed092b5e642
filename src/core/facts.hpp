// SystemFacts: everything kdump-setup knows about the machine, gathered once per run,
// each fact with the place it came from. Only this module (and its probes) reads /proc,
// /sys and EFI variables (design.md §2). Under --root DIR everything is read below DIR.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grammar/kernel.hpp"
#include "util/result.hpp"

namespace kdump {

// A fact and where it came from ("/proc/iomem", "--memory", "uname(2)").
template <typename T>
struct Fact {
  T value{};
  std::string source;
};

enum class Firmware { unknown, bios, uefi };

struct SystemFacts {
  std::optional<Fact<Arch>> arch;
  std::optional<Fact<std::string>> kernel_release;
  std::optional<Fact<std::uint64_t>> memory_bytes;   // RAM as the kernel counts it
  std::optional<Fact<unsigned>> online_cpus;
  std::optional<Fact<std::uint64_t>> page_size;
  std::optional<Fact<std::string>> running_cmdline;  // /proc/cmdline without the newline
  std::optional<Fact<Firmware>> firmware;
  std::optional<Fact<bool>> secure_boot;
  std::optional<Fact<std::string>> loader_info;      // LoaderInfo EFI variable text
  std::optional<Fact<bool>> luks;                    // a crypto_LUKS block device exists
  std::optional<Fact<bool>> memory_encryption;       // AMD SME/SEV active
  std::vector<std::string> warnings;                 // e.g. "MemTotal undercounts RAM"
};

// Values the user gave on the command line; they win over what the system says.
struct FactOverrides {
  std::optional<std::uint64_t> memory_bytes;  // --memory
  std::optional<Arch> arch;                   // --arch
  std::optional<std::string> kernel_release;  // --kernel-release
};

// Where facts are read from: "/" for the running system, or the --root directory.
struct FactSource {
  std::filesystem::path root = "/";
  bool live() const { return root == "/"; }
};

// Gathers every fact it can. Missing facts stay nullopt; it fails only on I/O errors
// that are not "absent".
Result<SystemFacts> gather_facts(const FactSource& source, const FactOverrides& overrides);

// Sum of the top-level "System RAM" ranges of a /proc/iomem text (end inclusive).
// nullopt when there is none, or when every address reads 0 (not root).
std::optional<std::uint64_t> system_ram_from_iomem(std::string_view iomem);

// The facts a verb cannot do without: an Error naming the option that supplies them.
Result<std::uint64_t> require_memory(const SystemFacts& facts);
Result<Arch> require_arch(const SystemFacts& facts);
Result<std::string> require_kernel_release(const SystemFacts& facts);

}  // namespace kdump
