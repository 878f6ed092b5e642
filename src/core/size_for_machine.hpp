// The one sizing pipeline of `reserve auto` and `recommend`: the run context's policy
// and settings, the facts, the capture initramfs (the setting's file, or the one the
// facts found, or the policy's assumed image), the sizing engine (core/sizing.hpp).
// It returns the structured Recommendation; the CLI renders it.
#pragma once

#include <cstdint>
#include <optional>

#include "core/run_context.hpp"
#include "core/sizing.hpp"

namespace kdump {

struct SizeRequest {
  // recommend --initramfs-size: the capture initramfs file's size, over the file found
  // or configured (whose unpacked size is then not used).
  std::optional<std::uint64_t> initramfs_bytes;
};

// Sizes for the machine the facts describe. `facts` gets the configured capture
// initramfs (so what is printed is what was sized for). Errors: RAM or arch unknown
// (missing_fact, naming --memory/--arch), the configured capture initramfs unreadable,
// the policy has no table for the arch.
Result<Recommendation> size_for_machine(const RunContext& ctx, SystemFacts& facts, const SizeRequest& request = {});

// The one-line note `reserve auto` prints before the plan: the policy, what it reserves
// here, and the capture initramfs it sized for (what the admin most often corrects).
std::string sizing_note(const Recommendation& r);

}  // namespace kdump
