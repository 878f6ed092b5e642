// explain: what a kernel release will reserve for a command line on a machine with a
// given RAM (and memory map), and the warnings a careful admin wants. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grammar/kernel.hpp"

namespace kdump {

struct Explanation {
  std::string cmdline;            // what was evaluated (EXPR becomes "crashkernel=EXPR")
  std::size_t column_base = 0;    // offset of the user's text inside `cmdline`
  std::uint64_t memory_bytes = 0;
  std::string kernel_release;
  KernelModel model;
  KernelOutcome outcome;
  std::vector<std::string> warnings;
  bool requested = true;          // false: the command line has no crashkernel= at all

  bool valid() const { return !outcome.error && !outcome.silent_rejection; }
  // 1-based column of an offset of `cmdline` in the text the user typed.
  std::size_t user_column(std::size_t offset) const { return offset - column_base + 1; }
};

// `map`: the machine's memory map (System RAM of /proc/iomem), when known; placement is
// then checked against it (used only when it adds up to `memory`).
Explanation explain_cmdline(std::string cmdline, std::size_t column_base, std::uint64_t memory,
                            const std::string& release, const KernelModel& model,
                            const MemoryMap* map = nullptr);

// "derived from the kernel source only" for an arch whose model was never booted here.
std::optional<std::string> model_provenance_note(const KernelModel& model);

// "2G-" / "512M-2G": a range as written canonically.
std::string format_range(const MemRange& r);

}  // namespace kdump
