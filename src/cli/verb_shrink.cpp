// kdump-setup shrink [--to SIZE|auto] [--dry-run] [--reload]
// Gives reserved crash kernel memory back to the running system by writing a smaller
// size to /sys/kernel/kexec_crash_size (core/shrink.hpp has the kernel's rules).
// `auto` is what `recommend --policy estimate` says this machine needs: the estimate
// policy's figure, its safety margin included, as the range table reserves it here.
#include <nlohmann/json.hpp>

#include "cli/exit_codes.hpp"
#include "cli/json_report.hpp"
#include "cli/settings_options.hpp"
#include "cli/verbs.hpp"
#include "core/crash_state.hpp"
#include "core/facts.hpp"
#include "core/shrink.hpp"
#include "core/size_for_machine.hpp"

namespace kdump::cli {
namespace {

struct ShrinkOptions {
  std::string to = "auto";
  bool dry_run = false;
  bool reload = false;
};

// The size asked for, and the estimate's reasoning when it is `auto`.
struct Target {
  std::uint64_t bytes = 0;
  std::optional<Recommendation> estimate;
};

// The estimate policy's figure for this machine, from the one sizing pipeline
// (core/size_for_machine.hpp) with the run context's settings.
Result<Target> auto_target(const RunContext& ctx, SystemFacts& facts) {
  // shrink acts on the running kernel: its RAM and arch are facts, not options, so the
  // way out of an unknown one is an explicit size.
  auto no_fact = [](Error e) {
    e.message = "--to auto: " + e.message;
    e.hints = {"give a size: --to SIZE"};
    return e;
  };
  auto memory = require_memory(facts);
  if (!memory) return fail(no_fact(std::move(memory).error()));
  auto arch = require_arch(facts);
  if (!arch) return fail(no_fact(std::move(arch).error()));
  KDUMP_TRY_ASSIGN(auto r, size_for_machine(ctx, facts));
  if (r.bytes_for_this_machine == 0) {
    Error e = make_error(ErrorKind::unsupported, "--to auto: the estimate policy reserves nothing on " +
                                                     human_size(*memory) + " of RAM");
    e.hints.push_back("give a size: --to SIZE");
    return fail(e);
  }
  return Target{r.bytes_for_this_machine, std::move(r)};
}

Result<Target> resolve_target(const RunContext& ctx, const ShrinkOptions& opt, SystemFacts& facts) {
  if (opt.to == "auto") return auto_target(ctx, facts);
  auto bytes = parse_size_argument(opt.to);
  if (!bytes) {
    Error e = make_error(ErrorKind::usage, "--to: '" + opt.to + "' is not a size");
    e.hints.push_back("auto, or a size such as 192M or 201326592 (bytes)");
    return fail(e);
  }
  return Target{*bytes, std::nullopt};
}

Error loaded_refusal(const std::string& loaded_source) {
  Error e = make_error(ErrorKind::unsupported,
                       "a crash kernel is loaded (" + loaded_source + " reads 1): the kernel shrinks the "
                       "reservation only while none is loaded");
  e.hints.push_back("pass --reload to unload and reload it through the kdump service");
  e.hints.push_back("or by hand: `kdump-config unload` (kdump-tools) or `kdumpctl stop` (kdump-utils), "
                    "then kdump-setup shrink, then `kdump-config load` or `kdumpctl start`");
  return e;
}

nlohmann::json shrink_json(const ShrinkOptions& opt, const ShrinkPlan& plan, const Target& t, bool loaded,
                           const ShrinkRun* run, const std::string& message) {
  nlohmann::json commands = nlohmann::json::array();
  if (run)
    for (const auto& c : run->commands)
      commands.push_back({{"argv", c.argv}, {"exit_status", c.exit_status}, {"output", c.output}});
  std::uint64_t after = run ? run->after_bytes : plan.after_bytes;
  return {
      {"to", opt.to},
      {"sysfs", plan.sysfs},
      {"before_bytes", plan.before_bytes},
      {"requested_bytes", plan.requested_bytes},
      {"after_bytes", after},
      {"freed_bytes", plan.before_bytes - std::min(after, plan.before_bytes)},
      {"policy", t.estimate ? nlohmann::json(t.estimate->policy) : nlohmann::json(nullptr)},
      {"rationale", t.estimate ? nlohmann::json(t.estimate->rationale) : nlohmann::json::array()},
      {"loaded", loaded},
      {"reload", opt.reload},
      {"service", run && !run->package.empty() ? nlohmann::json(run->package) : nlohmann::json(nullptr)},
      {"commands", commands},
      {"dry_run", opt.dry_run},
      {"changed", run != nullptr && after < plan.before_bytes},
      {"message", message},
  };
}

std::string summary(const ShrinkPlan& plan, std::uint64_t after, bool dry_run) {
  if (!plan.changes())
    return plan.sysfs + " already reads " + human_size(plan.before_bytes) + " (" +
           std::to_string(plan.before_bytes) + " bytes): nothing to give back";
  return std::string(dry_run ? "would shrink " : "shrunk ") + plan.sysfs + " from " +
         human_size(plan.before_bytes) + " to " + human_size(after) + " (" + std::to_string(after) +
         " bytes), " + human_size(plan.before_bytes - after) + " given back to the system";
}

// Everything decided before anything is written.
struct ShrinkCase {
  Target target;
  ShrinkPlan plan;
  bool loaded = false;
  std::vector<std::string> warnings;
};

Result<ShrinkCase> prepare(Invocation& inv, const ShrinkOptions& opt) {
  if (opt.reload && inv.global.root != "/")
    return fail(make_error(ErrorKind::usage, "--reload: the crash kernel of a --root tree cannot be "
                                             "unloaded; --reload works on the running system only"));
  // --to auto sizes with the estimate policy: what the capture environment needs.
  SettingOverrides settings;
  settings.policy = std::string("estimate");
  KDUMP_TRY_ASSIGN(auto ctx, open_context(inv, settings));
  auto facts = gather_facts(ctx.fact_source(false), FactOverrides{});
  if (!facts) return fail(std::move(facts).error());
  auto state = gather_crash_state(ctx.fact_source(false));
  if (!state) return fail(std::move(state).error());
  auto target = resolve_target(ctx, opt, *facts);
  if (!target) return fail(std::move(target).error());
  ShrinkCase c{std::move(*target), {}, state->loaded && state->loaded->value, {}};
  if (c.target.estimate) c.warnings = c.target.estimate->warnings;
  std::uint64_t align = crash_mem_align(facts->arch ? facts->arch->value : Arch::unknown,
                                        facts->page_size ? facts->page_size->value : 0);
  // auto never grows either, but a reservation already below the estimate is no bad
  // usage: nothing to give back, and a warning that the capture may need more.
  std::uint64_t asked = c.target.bytes;
  if (c.target.estimate && state->crash_size && state->crash_size->value > 0 &&
      shrunk_size(asked, align) > state->crash_size->value) {
    c.warnings.push_back("the " + human_size(state->crash_size->value) + " reserved now is less than the " +
                         human_size(asked) + " the estimate says the capture needs: run `kdump-setup "
                         "reserve auto` and reboot to reserve more");
    asked = state->crash_size->value;
  }
  auto plan = plan_shrink(*state, asked, align);
  if (!plan) return fail(std::move(plan).error());
  c.plan = std::move(*plan);
  c.plan.requested_bytes = c.target.bytes;
  if (c.loaded && !opt.reload && c.plan.changes()) return fail(loaded_refusal(state->loaded->source));
  return c;
}

Result<int> run_shrink(Invocation& inv, const ShrinkOptions& opt) {
  auto c = prepare(inv, opt);
  if (!c) return fail(std::move(c).error());
  std::optional<ShrinkRun> run;
  if (!opt.dry_run && c->plan.changes()) {
    ProcessRunner runner;
    auto r = shrink_running(inv.global.root, c->plan.after_bytes, c->loaded ? &runner : nullptr);
    if (!r) return fail(std::move(r).error());
    run = std::move(*r);
  }
  std::string message = summary(c->plan, run ? run->after_bytes : c->plan.after_bytes, opt.dry_run);
  if (opt.dry_run && c->loaded && c->plan.changes())
    message += "; would unload the crash kernel first and load it again after";
  if (inv.global.json) {
    print_json_report(*inv.out, shrink_json(opt, c->plan, c->target, c->loaded, run ? &*run : nullptr, message),
                      "shrink", exit_ok);
  } else if (!inv.global.quiet) {
    *inv.out << message << '\n';
    if (inv.global.verbose && c->target.estimate)
      for (const auto& l : c->target.estimate->rationale) *inv.out << "  " << l << '\n';
    if (run)
      for (const auto& cmd : run->commands) *inv.out << "ran: " << format_argv(cmd.argv) << '\n';
  }
  if (!inv.global.quiet)
    for (const auto& w : c->warnings) *inv.err << "kdump-setup: warning: " << w << '\n';
  return exit_ok;
}

}  // namespace

void add_shrink_verb(CLI::App& app, Invocation& inv) {
  auto opt = std::make_shared<ShrinkOptions>();
  auto* sub = app.add_subcommand("shrink", "Give reserved crash kernel memory back to the running system "
                                           "(writes /sys/kernel/kexec_crash_size; never grows it)");
  sub->add_option("--to", opt->to,
                  "New size: auto (default: what recommend --policy estimate says this machine needs) "
                  "or a size such as 192M")
      ->type_name("SIZE|auto");
  sub->add_flag("--dry-run", opt->dry_run, "Say what would be given back; change nothing");
  sub->add_flag("--reload", opt->reload,
                "When a crash kernel is loaded, unload it through the kdump service (kdump-config, "
                "kdumpctl), shrink, and load it again");
  sub->callback([&inv, opt] { inv.run = [&inv, opt] { return run_shrink(inv, *opt); }; });
}

}  // namespace kdump::cli
