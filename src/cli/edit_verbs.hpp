// What reserve and remove share: the options that choose where and how to write, the
// context (root, facts, backend), and the plan -> diff/JSON -> apply path.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "backends/registry.hpp"
#include "cli/invocation.hpp"
#include "backends/common/boot_model.hpp"
#include "cli/settings_options.hpp"
#include "core/backend.hpp"
#include "core/write_gate.hpp"
#include "core/facts.hpp"
#include "core/owner_tools.hpp"
#include "core/ownership.hpp"
#include "core/run_context.hpp"
#include "util/root_dir.hpp"

namespace kdump::cli {

struct EditOptions {
  bool dry_run = false;
  SettingOverrides settings;  // --backend, --kernel, --no-update (and reserve's sizing options)
};

void add_edit_options(CLI::App& sub, EditOptions& opt);

// The run context, the facts, and the backend the settings choose.
struct EditContext {
  RunContext run;
  SystemFacts facts;
  std::vector<std::unique_ptr<Backend>> backends;
  const Backend* backend = nullptr;
  std::optional<BootModel> model;  // loaded once, from `root` and `facts`
};

// `value`: what reserve will write ("auto" before sizing; empty for remove), for the
// refusal on a tree whose boot entries another tool generates.
Result<EditContext> open_edit_context(Invocation& inv, const EditOptions& opt,
                                      const FactOverrides& overrides, const std::string& value);

// What a verb adds to plan_and_apply (refresh, ownership): the state file's edit joins
// the plan (core/ownership.hpp), the JSON report names `verb` and gets `key`: `value`.
struct PlanExtras {
  const OwnershipChange* ownership = nullptr;
  std::string_view verb;         // empty: "reserve" or "remove" by the request
  std::string json_key;          // empty: none
  nlohmann::json json_value;
};

// Builds the plan, checks that the entry booting next gets it (cli/next_boot_cli.hpp:
// otherwise an Error, exit 3, nothing written, also for --dry-run), prints the diff (and
// stops there for --dry-run) or applies it, and reports in text or JSON ("entries",
// "next_boot", "future_kernels" included). Exit 0 when done or nothing to do. `lead_notes` (how an
// auto value was sized) come before the backend's notes. `gate`: the write gate's verdict
// (cli/write_gate_cli.hpp), shown in the JSON report as "gate".
Result<int> plan_and_apply(Invocation& inv, EditContext& ctx, const EditOptions& opt,
                           const ReserveRequest& request, const std::vector<std::string>& lead_notes = {},
                           const GateVerdict* gate = nullptr, const PlanExtras& extras = {});

// --if-unset found a value: say so, change nothing, exit 0.
Result<int> report_kept_existing(Invocation& inv, const EditContext& ctx, const EditOptions& opt,
                                 const std::string& value, const std::vector<ConfiguredValue>& existing);

}  // namespace kdump::cli
