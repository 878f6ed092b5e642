// kdump-setup refresh [--dry-run] [--backend ...] [--kernel ...] [--no-update]
//                     [--memory] [--arch] [--kernel-release] [--policy ...] [--force]
// Recomputes the value kdump-setup chose with `reserve auto` from today's facts and
// writes it only when it is still kdump-setup's and it changed (core/refresh.hpp); the
// decision is core's, the write is reserve's plan/apply path (cli/edit_verbs.hpp).
#include <nlohmann/json.hpp>

#include "cli/capture_release.hpp"
#include "cli/edit_verbs.hpp"
#include "cli/exit_codes.hpp"
#include "cli/facts_options.hpp"
#include "cli/json_report.hpp"
#include "cli/verbs.hpp"
#include "cli/write_gate_cli.hpp"
#include "core/ownership.hpp"
#include "core/refresh.hpp"
#include "core/size_for_machine.hpp"

namespace kdump::cli {
namespace {

struct RefreshOptions {
  EditOptions edit;  // with the sizing options in edit.settings
  FactOptions facts;
  bool force = false;
};

nlohmann::json nullable(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

// The "refresh" object of the JSON report (docs/contract.md §10).
nlohmann::json refresh_json(RefreshReason reason, const std::string& message, const StateFile& state,
                            const std::vector<ConfiguredValue>& configured,
                            const std::optional<std::string>& computed) {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& c : configured) values.push_back(c.value);
  return {{"reason", refresh_reason_name(reason)},
          {"message", message},
          {"state_file", ownership_state_path},
          {"owner", state.state ? nlohmann::json(owner_name(state.state->owner)) : nlohmann::json(nullptr)},
          {"recorded", state.state ? nlohmann::json(state.state->value) : nlohmann::json(nullptr)},
          {"configured", values},
          {"computed", nullable(computed)}};
}

// Nothing to write: say why, exit 0, the same keys as a reserve that changes nothing.
int report_nothing(Invocation& inv, const EditContext& ctx, const RefreshOptions& opt, RefreshReason reason,
                   const std::string& message, const StateFile& state,
                   const std::vector<ConfiguredValue>& configured, const std::optional<std::string>& computed) {
  if (inv.global.json) {
    nlohmann::json existing = nlohmann::json::array();
    for (const auto& c : configured)
      existing.push_back({{"file", c.file}, {"where", c.where}, {"value", c.value}});
    nlohmann::json report{{"expression", nullable(computed)}, {"backend", ctx.backend->name()},
                          {"dry_run", opt.edit.dry_run}, {"changed", false}, {"would_change", false},
                          {"files", nlohmann::json::array()}, {"commands", nlohmann::json::array()},
                          {"reboot_required", false}, {"kept_existing", false},
                          {"existing", existing}, {"notes", nlohmann::json::array({message})},
                          {"refresh", refresh_json(reason, message, state, configured, computed)}};
    print_json_report(*inv.out, std::move(report), "refresh", exit_ok);
  } else if (!inv.global.quiet) {
    *inv.out << "refresh: " << message << '\n';
  }
  return exit_ok;
}

Result<int> run_refresh(Invocation& inv, const RefreshOptions& opt) {
  KDUMP_TRY_ASSIGN(auto overrides, parse_fact_options(opt.facts));
  KDUMP_TRY_ASSIGN(auto ctx, open_edit_context(inv, opt.edit, overrides, "auto"));
  KDUMP_TRY_ASSIGN(auto state, load_state_file(ctx.run.root));  // a corrupt record: exit 2
  KDUMP_TRY_ASSIGN(auto configured, ctx.backend->configured(*ctx.model));

  RefreshCheck check = check_ownership(state, configured);
  if (check.stop) return report_nothing(inv, ctx, opt, *check.stop, check.message, state, configured, std::nullopt);

  SystemFacts sized = ctx.facts;
  // Sized for the kernel the capture will run: --kernel-release, else the next boot's.
  use_next_boot_release(*ctx.model, ctx.run, sized, overrides.kernel_release.has_value());
  KDUMP_TRY_ASSIGN(auto r, size_for_machine(ctx.run, sized));
  if (!r.recommended)
    return fail(make_error(ErrorKind::unsupported, "kdump is not recommended on this machine: " +
                                                       (r.warnings.empty() ? std::string("too little RAM")
                                                                           : r.warnings.front())));
  ReserveRequest request;
  request.action = ReserveRequest::Action::set;
  request.kernel = ctx.run.settings.kernel_selection();
  request.no_update = !ctx.run.settings.update.value;
  request.value = r.expression;
  request.policy_bytes = r.policy_bytes;  // as reserve auto: a vendor add-on meeting it may stand in

  // Does writing it change a boot file (a new kernel's entry without it)? plan() is read-only.
  KDUMP_TRY_ASSIGN(auto probe, ctx.backend->plan(*ctx.model, request));
  RefreshReason outcome = refresh_outcome(*check.recorded, r.expression, probe.changes_anything());
  std::string message = refresh_message(outcome, *check.recorded, r.expression);
  if (outcome == RefreshReason::unchanged)
    return report_nothing(inv, ctx, opt, outcome, message, state, configured, r.expression);

  KDUMP_TRY_ASSIGN(auto gate, run_write_gate(inv, ctx, {r.expression, opt.force, "refresh"}));
  nlohmann::json object = refresh_json(outcome, message, state, configured, r.expression);
  OwnershipChange own{OwnershipChange::Action::record_auto, std::move(state), r.expression,
                      ownership_inputs(r, sized, ctx.run.root)};
  return plan_and_apply(inv, ctx, opt.edit, request, {"refresh: " + message, sizing_note(r)}, &gate,
                        PlanExtras{&own, "refresh", "refresh", std::move(object)});
}

}  // namespace

void add_refresh_verb(CLI::App& app, Invocation& inv) {
  auto opt = std::make_shared<RefreshOptions>();
  auto* sub = app.add_subcommand("refresh", "Recompute the value `reserve auto` chose from today's facts "
                                            "and write it if it changed; leave an admin's value alone");
  add_edit_options(*sub, opt->edit);
  add_fact_options(*sub, opt->facts, FactOptionSet::with_release);
  add_sizing_setting_options(*sub, opt->edit.settings);
  sub->add_flag("--force", opt->force, "Write a value the write gate refuses (the kernel rejects it "
                                      "or it reserves too little); the output says what was overridden");
  sub->callback([&inv, opt] { inv.run = [&inv, opt] { return run_refresh(inv, *opt); }; });
}

}  // namespace kdump::cli
