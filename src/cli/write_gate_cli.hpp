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

// The kernels targeted (--kernel) and the policy come from the run context's settings.
struct GateRequest {
  std::string value;                    // what reserve will write
  bool force = false;                   // --force
  std::string_view verb = "reserve";    // the verb of the JSON error object
};

// Evaluates the gate; prints its warnings (and what --force overrode) on stderr unless
// --json. A refusal without --force is an Error (exit 2); with --json the report with the
// "gate" object is printed on stdout first. Nothing is written either way.
Result<GateVerdict> run_write_gate(Invocation& inv, const EditContext& ctx, const GateRequest& req);

nlohmann::json gate_json(const GateVerdict& v);


}  // namespace kdump::cli
