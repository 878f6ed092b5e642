#include "cli/edit_verbs.hpp"

#include <nlohmann/json.hpp>

#include "cli/exit_codes.hpp"
#include "cli/json_report.hpp"
#include "cli/next_boot_cli.hpp"
#include "cli/write_gate_cli.hpp"
#include "backends/owners/proxmox_boot_tool_backend.hpp"
#include "core/apply.hpp"
#include "core/render_plan.hpp"
#include "util/runner.hpp"

namespace kdump::cli {
namespace {

nlohmann::json files_json(const Plan& plan) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& e : plan.edits)
    files.push_back({{"path", e.path}, {"changed", e.changes()},
                     {"diff", e.changes() ? render_edit_diff(e) : std::string()},
                     {"reason", e.reason}});
  return files;
}

// Whether this run runs the plan's commands (or, in a dry run, would): not with
// --no-update, not under --root (they would act on the running system; apply.hpp).
bool runs_commands(const EditContext& ctx) {
  return ctx.run.settings.update.value && ctx.run.root.is_host_root();
}

// `changed`: this run changed a file (never in a dry run); `would_change`: the plan
// changes something (a real run: the same as changed; a dry run: what a real run
// would do). `reboot_required`: a file the next boot reads changes (not only kdump-setup's
// own record). docs/kdump-setup.8.md, JSON OUTPUT.
nlohmann::json report_json(const ReserveRequest& req, const Plan& plan, bool dry_run,
                           bool would_run, const std::vector<bool>& ran) {
  nlohmann::json commands = nlohmann::json::array();
  for (std::size_t i = 0; i < plan.commands.size(); ++i)
    commands.push_back({{"argv", plan.commands[i].argv}, {"ran", i < ran.size() && ran[i]},
                        {"would_run", would_run}, {"reason", plan.commands[i].reason}});
  bool changed = plan.changes_anything();
  return {{"expression", req.action == ReserveRequest::Action::set ? nlohmann::json(req.value)
                                                                   : nlohmann::json(nullptr)},
          {"backend", plan.backend},
          {"dry_run", dry_run},
          {"changed", changed && !dry_run},
          {"would_change", changed},
          {"files", files_json(plan)},
          {"commands", commands},
          {"reboot_required", plan.changes_boot()},
          {"kept_existing", false},
          {"existing", nlohmann::json::array()},
          {"notes", plan.notes}};
}

std::string_view verb_of(const ReserveRequest& req) {
  return req.action == ReserveRequest::Action::set ? "reserve" : "remove";
}

void print_plan_text(std::ostream& out, const Plan& plan, const EditContext& ctx,
                     const EditOptions& opt, const std::vector<bool>& ran) {
  out << render_plan_diff(plan);
  for (const auto& n : plan.notes) out << "note: " << n << '\n';
  const bool no_update = !ctx.run.settings.update.value;
  for (std::size_t i = 0; i < plan.commands.size(); ++i) {
    const char* what = no_update ? (opt.dry_run ? "would not run (--no-update): "
                                                : "not run (--no-update): ")
                       : !ctx.run.root.is_host_root() && opt.dry_run ? "would not run (--root): "
                       : opt.dry_run             ? "would run: "
                       : ran[i]                  ? "ran: "
                       : plan.changes_anything() ? "not run: "
                                                 : "not needed: ";
    out << what << format_argv(plan.commands[i].argv) << '\n';
  }
}

// The plan does not reach the next boot (core/next_boot_check.hpp): nothing is written,
// exit 3, in a dry run too. --force does not change this: it overrides the write gate's
// judgement of a value, not whether the value reaches the kernel (docs/contract.md §5).
Error refuse_unreachable(Invocation& inv, const EditContext& ctx, const EditOptions& opt,
                         const ReserveRequest& req, const Plan& plan, const NextBootReport& reach,
                         const GateVerdict* gate) {
  Error e = next_boot_error(reach, req);
  if (inv.global.json) {
    auto partial = report_json(req, plan, opt.dry_run, runs_commands(ctx), {});
    partial["changed"] = false;
    partial["would_change"] = false;
    partial["reboot_required"] = false;
    add_next_boot_json(partial, reach);
    if (gate) partial["gate"] = gate_json(*gate);
    print_json_error(*inv.out, e, verb_of(req), std::move(partial));
    inv.json_printed = true;
  }
  return e;
}

void print_summary(std::ostream& out, const Plan& plan, bool dry_run) {
  if (!plan.changes_anything()) {
    out << "nothing to change: the " << plan.backend << " configuration already says so\n";
    return;
  }
  std::size_t n = 0;
  for (const auto& e : plan.edits) n += e.changes() ? 1 : 0;
  out << (dry_run ? "dry run: would change " : "changed ") << n << (n == 1 ? " file" : " files")
      << " (" << plan.backend << ")"
      << (plan.changes_boot() ? "; the new value takes effect at the next boot\n"
                              : ": only kdump-setup's record; the boot configuration already says so\n");
}

}  // namespace

void add_edit_options(CLI::App& sub, EditOptions& opt) {
  sub.add_flag("--dry-run", opt.dry_run, "Show the diff of every file and every command, "
                                         "change nothing");
  add_write_setting_options(sub, opt.settings);
}

Result<EditContext> open_edit_context(Invocation& inv, const EditOptions& opt,
                                      const FactOverrides& overrides, const std::string& value) {
  KDUMP_TRY_ASSIGN(auto run, open_context(inv, opt.settings));
  KDUMP_TRY_ASSIGN(auto facts, gather_facts(run.fact_source(), overrides));
  EditContext ctx{std::move(run), std::move(facts), all_backends(), nullptr, std::nullopt};
  KDUMP_TRY_ASSIGN(auto model, BootModel::load(ctx.run.root, ctx.facts));
  ctx.model.emplace(std::move(model));
  // Another tool generates the boot entries and kdump-setup cannot work through it:
  // refuse (exit 3) with the exact command to use instead (core/owner_tools.hpp).
  if (const auto& owner = ctx.model->owner(); owner && !owner->worked_through)
    return fail(owner_tool_error(*owner, value));
  // A tool that kdump-setup works through (backends/owners/) is the backend, whatever
  // the loader underneath.
  if (auto owner = owner_backend(*ctx.model)) {
    ctx.backend = ctx.backends.emplace_back(std::move(owner)).get();
    return ctx;
  }
  KDUMP_TRY_ASSIGN(ctx.backend, choose_backend(ctx.backends, ctx.run.settings.backend.value, *ctx.model));
  return ctx;
}

Result<int> plan_and_apply(Invocation& inv, EditContext& ctx, const EditOptions& opt,
                           const ReserveRequest& request, const std::vector<std::string>& lead_notes,
                           const GateVerdict* gate, const PlanExtras& extras) {
  auto plan = ctx.backend->plan(*ctx.model, request);
  if (!plan) return fail(std::move(plan).error());
  // Ownership (core/ownership.hpp): the state file is one more edit of the same plan, and
  // so are the directories it records (made by reserve, deleted by remove).
  if (extras.ownership) add_ownership_edit(*plan, *extras.ownership, &ctx.run.root);
  const std::string_view verb = extras.verb.empty() ? verb_of(request) : extras.verb;
  plan->notes.insert(plan->notes.begin(), lead_notes.begin(), lead_notes.end());
  // What the next boot gets after this plan, judged before anything is written.
  KDUMP_TRY_ASSIGN(auto reach, check_plan_next_boot(ctx, *plan, request));
  if (reach.refused()) return fail(refuse_unreachable(inv, ctx, opt, request, *plan, reach, gate));
  std::vector<bool> ran(plan->commands.size(), false);
  // Applied also when nothing changes: that removes what an interrupted run left.
  const bool no_update = !ctx.run.settings.update.value;
  if (!opt.dry_run) {
    ProcessRunner runner;
    ApplyOptions options;
    options.no_update = no_update;
    auto report = apply_plan(*plan, ctx.run.root, runner, options);
    if (!report) return fail(std::move(report).error());
    // (The commands not run under --root are already listed as "not run:" below.)
    for (const auto& w : report->warnings)
      if (!w.starts_with("not run under --root")) *inv.err << "kdump-setup: warning: " << w << '\n';
    for (std::size_t i = 0; i < report->commands.size() && i < ran.size(); ++i)
      ran[i] = report->commands[i].ran;
    if (report->command_error) {
      if (inv.global.json) {
        auto partial = report_json(request, *plan, false, runs_commands(ctx), ran);
        add_next_boot_json(partial, reach);
        if (!extras.json_key.empty()) partial[extras.json_key] = extras.json_value;
        print_json_error(*inv.out, *report->command_error, verb, std::move(partial));
        inv.json_printed = true;
      }
      return fail(*report->command_error);
    }
  }
  if (inv.global.json) {
    auto report = report_json(request, *plan, opt.dry_run, runs_commands(ctx), ran);
    if (gate) report["gate"] = gate_json(*gate);
    add_next_boot_json(report, reach);
    if (!extras.json_key.empty()) report[extras.json_key] = extras.json_value;
    print_json_report(*inv.out, std::move(report), verb, exit_ok);
  } else if (!inv.global.quiet) {
    print_plan_text(*inv.out, *plan, ctx, opt, ran);
    print_summary(*inv.out, *plan, opt.dry_run);
    print_next_boot_text(*inv.out, *inv.err, reach, opt.dry_run);
  } else {
    for (const auto& w : reach.warnings) *inv.err << "kdump-setup: warning: " << w << '\n';  // even with -q
  }
  return exit_ok;
}

Result<int> report_kept_existing(Invocation& inv, const EditContext& ctx, const EditOptions& opt,
                                 const std::string& value, const std::vector<ConfiguredValue>& existing) {
  if (inv.global.json) {
    nlohmann::json found = nlohmann::json::array();
    for (const auto& c : existing)
      found.push_back({{"file", c.file}, {"where", c.where}, {"value", c.value}});
    nlohmann::json report{{"expression", value}, {"backend", ctx.backend->name()},
                          {"dry_run", opt.dry_run}, {"changed", false}, {"would_change", false},
                          {"files", nlohmann::json::array()},
                          {"commands", nlohmann::json::array()},
                          {"reboot_required", false}, {"kept_existing", true},
                          {"existing", found}, {"notes", nlohmann::json::array()}};
    print_json_report(*inv.out, std::move(report), "reserve", exit_ok);
  } else if (!inv.global.quiet) {
    const ConfiguredValue& c = existing.front();
    *inv.out << "crashkernel=" << c.value << " is already configured (" << c.file << ", "
             << c.where << "); --if-unset: nothing changed\n";
  }
  return exit_ok;
}

}  // namespace kdump::cli
