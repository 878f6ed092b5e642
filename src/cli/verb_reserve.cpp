// kdump-setup reserve (auto | EXPR) [--dry-run] [--backend ...] [--kernel ...]
//                                   [--if-unset] [--force] [--no-update] [--memory] [--arch] [--policy]
// kdump-setup remove [--dry-run] [--backend ...] [--kernel ...] [--no-update]
// Both build a Plan through the backend in use, show it (--dry-run stops there), and
// hand it to the one apply step (design.md §3-§5).
#include "cli/edit_verbs.hpp"

#include "cli/exit_codes.hpp"
#include "cli/facts_options.hpp"
#include "cli/verbs.hpp"
#include "cli/write_gate_cli.hpp"
#include "core/config.hpp"
#include "core/sizing.hpp"

namespace kdump::cli {
namespace {

struct ReserveOptions {
  std::string expr;
  EditOptions edit;
  bool if_unset = false;
  FactOptions facts;
  std::optional<std::string> policy;
  bool force = false;
};

// The value to write, and for "auto" a note of how it was sized (the capture initramfs
// line of the rationale: what the admin most often needs to correct).
struct ResolvedValue {
  std::string expression;
  std::vector<std::string> notes;
};

std::string sizing_note(const Recommendation& r) {
  std::string note = "auto: the " + r.policy + " policy gives " + human_size(r.bytes_for_this_machine) +
                     " on this machine (`kdump-setup recommend` tells why)";
  for (const auto& line : r.rationale)
    if (line.starts_with("+") && line.find("capture initramfs") != std::string::npos) note += "; " + line;
  return note;
}

// "auto" asks the sizing engine; anything else must be a well-formed value.
Result<ResolvedValue> resolve_value(Invocation& inv, const ReserveOptions& opt, const SystemFacts& facts) {
  if (opt.expr != "auto") {
    auto spec = parse_crashkernel(opt.expr);
    if (!spec) {
      Error e = make_error(ErrorKind::usage, "invalid crashkernel= value '" + opt.expr +
                                                 "': " + spec.error().message);
      e.column = static_cast<unsigned>(spec.error().offset + 1);
      e.hints.push_back("see what the kernel would make of it: kdump-setup explain '" + opt.expr + "'");
      return fail(e);
    }
    return ResolvedValue{opt.expr, {}};
  }
  auto config = load_config(inv.global.root, inv.global.config);
  if (!config) return fail(std::move(config).error());
  auto policy = select_policy(*config, opt.policy);
  if (!policy) return fail(std::move(policy).error());
  auto memory = require_memory(facts);
  if (!memory) return fail(std::move(memory).error());
  auto arch = require_arch(facts);
  if (!arch) return fail(std::move(arch).error());
  SystemFacts sized = facts;
  KDUMP_TRY(apply_capture_initramfs(*config, inv.global.root, sized));
  auto r = recommend(**policy, sizing_input_from_facts(sized, *memory, *arch, config->sizing));
  if (!r) return fail(std::move(r).error());
  if (!r->recommended)
    return fail(make_error(ErrorKind::unsupported, "kdump is not recommended on this machine: " +
                                                       (r->warnings.empty() ? std::string("too little RAM")
                                                                            : r->warnings.front())));
  return ResolvedValue{r->expression, {sizing_note(*r)}};
}

Result<int> run_reserve(Invocation& inv, const ReserveOptions& opt) {
  KDUMP_TRY(refuse_owned_boot(inv, opt.expr));  // another tool owns the entries: exit 3
  auto overrides = parse_fact_options(opt.facts);
  if (!overrides) return fail(std::move(overrides).error());
  auto ctx = open_edit_context(inv, opt.edit, *overrides);
  if (!ctx) return fail(std::move(ctx).error());
  auto value = resolve_value(inv, opt, ctx->facts);
  if (!value) return fail(std::move(value).error());

  if (opt.if_unset) {
    auto existing = ctx->backend->configured(*ctx->model);
    if (!existing) return fail(std::move(existing).error());
    if (!existing->empty()) return report_kept_existing(inv, *ctx, opt.edit, value->expression, *existing);
  }
  // The write gate (core/write_gate.hpp): refuses (exit 2) what the targeted kernels reject.
  auto gate = run_write_gate(inv, *ctx, {value->expression, opt.force, opt.edit.kernel, opt.policy});
  if (!gate) return fail(std::move(gate).error());
  ReserveRequest request;
  request.action = ReserveRequest::Action::set;
  request.value = value->expression;
  request.kernel = opt.edit.kernel_selection();
  request.no_update = opt.edit.no_update;
  return plan_and_apply(inv, *ctx, opt.edit, request, value->notes, &*gate);
}

Result<int> run_remove(Invocation& inv, const EditOptions& opt) {
  KDUMP_TRY(refuse_owned_boot(inv, ""));  // another tool owns the entries: exit 3
  auto ctx = open_edit_context(inv, opt, FactOverrides{});
  if (!ctx) return fail(std::move(ctx).error());
  ReserveRequest request;
  request.action = ReserveRequest::Action::remove;
  request.kernel = opt.kernel_selection();
  request.no_update = opt.no_update;
  return plan_and_apply(inv, *ctx, opt, request);
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
  add_fact_options(*sub, opt->facts, FactOptionSet::memory_arch);
  sub->add_option("--policy", opt->policy, "Sizing policy for auto (estimate (default), rhel7, "
                                           "kdump-utils, debian, ubuntu, table, or from the config)")
      ->type_name("NAME");
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
