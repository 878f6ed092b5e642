// The write gate as reserve runs it: which kernels the plan targets, this machine's RAM
// and the chosen policy's figure are gathered here, core/write_gate.hpp decides, and
// the warnings are printed loudly (the JSON report carries them as "gate").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "cli/edit_verbs.hpp"
#include "core/owner_tools.hpp"
#include "core/write_gate.hpp"

namespace kdump::cli {

struct GateRequest {
  std::string value;                    // what reserve will write
  bool force = false;                   // --force
  std::string kernel = "all";           // --kernel: a release names one more target
  std::optional<std::string> policy;    // --policy
};

// Evaluates the gate; prints its warnings (and what --force overrode) on stderr unless
// --json. A refusal without --force is an Error (exit 2); with --json the report with the
// "gate" object is printed on stdout first. Nothing is written either way.
Result<GateVerdict> run_write_gate(Invocation& inv, const EditContext& ctx, const GateRequest& req);

nlohmann::json gate_json(const GateVerdict& v);

// Refuses (exit 3, nothing changed) a tree whose boot entries another tool generates
// (core/owner_tools.hpp), with the exact command to use instead; a tool kdump-setup works
// through (OwnerTool::worked_through) is left to open_edit_context(). `value`: what reserve
// would write ("auto" before sizing), empty for remove.
Result<Ok> refuse_owned_boot(const Invocation& inv, const std::string& value);

}  // namespace kdump::cli
