// kdump-setup reserve (auto | EXPR) [--dry-run] [--backend ...] [--kernel ...]
//                                   [--if-unset] [--force] [--no-update] [--memory] [--arch]
//                                   [--kernel-release] [--policy]
// kdump-setup remove [--dry-run] [--backend ...] [--kernel ...] [--no-update]
// Both build a Plan through the backend in use, show it (--dry-run stops there), and
// hand it to the one apply step. Their settings (backend, kernel, update, policy, ...)
// come from the run context: the command line over the configuration file.
#include "cli/edit_verbs.hpp"

#include "cli/capture_release.hpp"
#include "cli/exit_codes.hpp"
#include "cli/facts_options.hpp"
#include "cli/verbs.hpp"
#include "cli/write_gate_cli.hpp"
#include "core/ownership.hpp"
#include "core/size_for_machine.hpp"
#include "core/uki_signing.hpp"
#include "util/runner.hpp"

namespace kdump::cli {
namespace {

struct ReserveOptions {
  std::string expr;
  EditOptions edit;  // with the sizing options in edit.settings
  bool if_unset = false;
  FactOptions facts;
  bool force = false;
};

// The value to write, and for "auto" a note of how it was sized.
struct ResolvedValue {
  std::string expression;
  std::vector<std::string> notes;
  std::optional<OwnershipInputs> inputs;  // "auto": what it was sized from
  std::optional<std::uint64_t> policy_bytes;  // auto: the policy's figure here
};

// "auto" asks the sizing engine; anything else must be a well-formed value.
Result<ResolvedValue> resolve_value(const ReserveOptions& opt, EditContext& ctx) {
  if (opt.expr != "auto") {
    auto spec = parse_crashkernel(opt.expr);
    if (!spec) {
      Error e = make_error(ErrorKind::usage, "invalid crashkernel= value '" + opt.expr +
                                                 "': " + spec.error().message);
      e.column = static_cast<unsigned>(spec.error().offset + 1);
      e.hints.push_back("see what the kernel would make of it: kdump-setup explain '" + opt.expr + "'");
      return fail(e);
    }
    return ResolvedValue{opt.expr, {}, std::nullopt, std::nullopt};
  }
  SystemFacts sized = ctx.facts;
  if (ctx.model) use_next_boot_release(*ctx.model, ctx.run, sized, opt.facts.kernel_release.has_value());
  KDUMP_TRY_ASSIGN(auto r, size_for_machine(ctx.run, sized));
  if (!r.recommended)
    return fail(make_error(ErrorKind::unsupported, "kdump is not recommended on this machine: " +
                                                       (r.warnings.empty() ? std::string("too little RAM")
                                                                           : r.warnings.front())));
  return ResolvedValue{r.expression, {sizing_note(r)}, ownership_inputs(r, sized, ctx.run.root), r.policy_bytes};
}

ReserveRequest edit_request(const EditContext& ctx, ReserveRequest::Action action) {
  ReserveRequest request;
  request.action = action;
  request.kernel = ctx.run.settings.kernel_selection();
  request.no_update = !ctx.run.settings.update.value;
  // Secure Boot on a UKI boot: kdump-setup's add-on is signed with sbsign (core/uki_signing.hpp).
  const auto& s = ctx.run.settings;
  request.uki_key = {s.uki_secureboot_private_key.value, s.uki_secureboot_private_key.origin};
  request.uki_cert = {s.uki_secureboot_certificate.value, s.uki_secureboot_certificate.origin};
  const RootDir* root = &ctx.run.root;
  request.sign_addon = [root](const uki::SigningKeys& keys, std::string_view pe) {
    ProcessRunner runner;
    return uki::sbsign(*root, runner, keys, pe);
  };
  return request;
}

Result<int> run_reserve(Invocation& inv, const ReserveOptions& opt) {
  KDUMP_TRY_ASSIGN(auto overrides, parse_fact_options(opt.facts));
  KDUMP_TRY_ASSIGN(auto ctx, open_edit_context(inv, opt.edit, overrides, opt.expr));
  KDUMP_TRY_ASSIGN(auto state, load_state_file(ctx.run.root));  // a corrupt record: exit 2
  KDUMP_TRY_ASSIGN(auto value, resolve_value(opt, ctx));

  if (opt.if_unset) {
    KDUMP_TRY_ASSIGN(auto existing, ctx.backend->configured(*ctx.model));
    if (!existing.empty()) return report_kept_existing(inv, ctx, opt.edit, value.expression, existing);
  }
  // The write gate (core/write_gate.hpp): refuses (exit 2) what the targeted kernels reject.
  KDUMP_TRY_ASSIGN(auto gate, run_write_gate(inv, ctx, {value.expression, opt.force}));
  ReserveRequest request = edit_request(ctx, ReserveRequest::Action::set);
  request.value = value.expression;
  request.policy_bytes = value.policy_bytes;
  // Ownership (core/ownership.hpp): auto is kdump-setup's, an explicit value the admin's.
  OwnershipChange own{value.inputs ? OwnershipChange::Action::record_auto : OwnershipChange::Action::record_admin,
                      std::move(state), value.expression, value.inputs};
  return plan_and_apply(inv, ctx, opt.edit, request, value.notes, &gate, PlanExtras{&own, {}, {}, {}});
}

Result<int> run_remove(Invocation& inv, const EditOptions& opt) {
  KDUMP_TRY_ASSIGN(auto ctx, open_edit_context(inv, opt, FactOverrides{}, ""));
  KDUMP_TRY_ASSIGN(auto state, load_state_file(ctx.run.root));  // a corrupt record: exit 2
  ReserveRequest request = edit_request(ctx, ReserveRequest::Action::remove);
  // One kernel's removal (the kernel-install plugin's, when the kernel goes) leaves the
  // value of the others, and their record; the rest forgets it.
  const auto action = request.kernel.kind == KernelSelection::Kind::release ? OwnershipChange::Action::forget_files
                                                                             : OwnershipChange::Action::clear;
  OwnershipChange own{action, std::move(state), "", std::nullopt};
  return plan_and_apply(inv, ctx, opt, request, {}, nullptr, PlanExtras{&own, {}, {}, {}});
}

}  // namespace

void add_reserve_verb(CLI::App& app, Invocation& inv) {
  auto opt = std::make_shared<ReserveOptions>();
  auto* sub = app.add_subcommand("reserve", "Write a crashkernel= value (auto: sized for this "
                                            "machine) through the boot loader in use");
  sub->add_option("VALUE", opt->expr, "auto, or a crashkernel= value such as 512M or "
                                      "2G-64G:256M,64G-:512M")->required();
  add_edit_options(*sub, opt->edit);
  sub->add_flag("--if-unset", opt->if_unset, "Change nothing if any crashkernel= is already "
                                              "configured (package scripts)");
  add_fact_options(*sub, opt->facts, FactOptionSet::with_release);
  add_sizing_setting_options(*sub, opt->edit.settings);
  sub->add_flag("--force", opt->force, "Write a value the write gate refuses (the kernel rejects it "
                                      "or it reserves too little); the output says what was overridden");
  sub->callback([&inv, opt] { inv.run = [&inv, opt] { return run_reserve(inv, *opt); }; });
}

void add_remove_verb(CLI::App& app, Invocation& inv) {
  auto opt = std::make_shared<EditOptions>();
  auto* sub = app.add_subcommand("remove", "Remove crashkernel= from the boot configuration");
  add_edit_options(*sub, *opt);
  sub->callback([&inv, opt] { inv.run = [&inv, opt] { return run_remove(inv, *opt); }; });
}

}  // namespace kdump::cli
