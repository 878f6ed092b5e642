// kdump-setup explain [EXPR] [--cmdline LINE] [--memory SIZE] [--arch ARCH]
//                     [--kernel-release REL]
// What a kernel release will reserve for a value or a whole command line.
#include <nlohmann/json.hpp>

#include "cli/exit_codes.hpp"
#include "cli/facts_options.hpp"
#include "cli/json_report.hpp"
#include "cli/verbs.hpp"
#include "core/explain.hpp"
#include "cli/settings_options.hpp"
#include "core/facts.hpp"

namespace kdump::cli {
namespace {

struct ExplainOptions {
  std::optional<std::string> expr;
  std::optional<std::string> cmdline;
  FactOptions facts;
};

nlohmann::json optional_json(const std::optional<std::uint64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The error object of the JSON contract (json_report.hpp), plus the kernel's own words.
nlohmann::json rejection_json(const Explanation& x) {
  const KernelOutcome& o = x.outcome;
  nlohmann::json e{{"kind", "parse"}, {"file", nullptr}, {"line", nullptr}, {"hints", nlohmann::json::array()}};
  if (o.error) {
    e["message"] = "the kernel rejects this value: " + o.error->text;
    e["kernel_message"] = o.error->text;
    e["column"] = x.user_column(o.error->offset);
    return e;
  }
  if (o.silent_rejection) {
    e["message"] = "the kernel rejects this value without a message: " + *o.silent_rejection;
    e["kernel_message"] = nullptr;
    e["column"] = nullptr;
    return e;
  }
  return nullptr;
}

nlohmann::json explanation_json(const Explanation& x) {
  const KernelOutcome& o = x.outcome;
  nlohmann::json token = nullptr;
  if (o.used_high && o.high) token = x.cmdline.substr(o.high->begin, o.high->end - o.high->begin);
  else if (o.plain) token = x.cmdline.substr(o.plain->begin, o.plain->end - o.plain->begin);
  return {
      {"valid", x.valid()},
      {"requested", x.requested},
      {"error", rejection_json(x)},
      {"memory_bytes", x.memory_bytes},
      {"ram_for_ranges_bytes", o.total_for_ranges},
      {"kernel_release", x.kernel_release},
      {"kernel_model", x.model.label()},
      {"arch", std::string(arch_name(x.model.arch))},
      {"crash",
       {{"bytes", o.crash_bytes},
        {"requested_bytes", o.requested_bytes},
        {"offset", optional_json(o.offset)},
        {"matched_range", o.matched ? nlohmann::json(format_range(o.matched->range)) : nullptr},
        {"token", token},
        {"high", o.used_high}}},
      {"low", {{"bytes", o.low_bytes}}},
      {"cma", {{"bytes", o.cma_bytes}}},
      {"kexec_crash_size", o.kexec_crash_size(x.model)},
      {"crash_regions_bytes", o.crash_regions_bytes()},
      {"warnings", x.warnings},
      {"assumptions", o.assumptions},
      {"placement",
       {{"memory_map_known", o.map_known},
        {"largest_free_bytes", o.largest_hole},
        {"above_4g_fallback", o.fell_back_high},
        {"failure", o.placement_failure ? nlohmann::json(*o.placement_failure) : nullptr},
        {"kaslr_dependent", o.kaslr_dependent ? nlohmann::json(*o.kaslr_dependent) : nullptr}}},
      {"kernel_log", o.log_patterns},
      {"model_source", x.model.booted_here() ? "booted" : "source"},
  };
}

// The value with a caret under the column, then the kernel's own words.
void print_rejection(std::ostream& err, const Explanation& x) {
  const KernelOutcome& o = x.outcome;
  std::string shown = x.cmdline.substr(x.column_base);
  err << "kdump-setup: invalid crashkernel= value (kernel " << x.model.label() << ")\n";
  if (o.error) {
    err << "  " << shown << "\n  " << std::string(x.user_column(o.error->offset) - 1, ' ')
        << "^\n  kernel: " << o.error->text << '\n';
  } else if (o.silent_rejection) {
    err << "  " << shown << "\n  the kernel refuses it without a message: " << *o.silent_rejection
        << '\n';
  }
}

void print_text(std::ostream& out, const Explanation& x) {
  const KernelOutcome& o = x.outcome;
  out << "kernel " << x.kernel_release << " (" << x.model.label() << "), RAM "
      << human_size(x.memory_bytes);
  if (o.matched || (o.plain && o.plain->value.find(':') != std::string_view::npos))
    out << " (" << human_size(o.total_for_ranges) << " for range matching)";
  out << '\n';
  if (!x.requested) out << "no crashkernel= on the command line: it asks for no reservation\n";
  else if (!o.plain && !o.used_high) out << "no crashkernel= value: nothing is reserved\n";
  if (o.matched) out << "matched range " << format_range(o.matched->range) << '\n';
  if (o.reserves()) {
    out << "reserves " << human_size(o.crash_bytes) << " (" << o.crash_bytes << " bytes)"
        << (o.used_high ? " high" : "");
    if (o.offset) out << " at " << human_size(*o.offset);
    out << '\n';
  } else {
    out << "reserves nothing\n";
  }
  if (o.low_bytes) out << "plus a low region of " << human_size(o.low_bytes) << '\n';
  if (o.cma_bytes) out << "plus CMA of " << human_size(o.cma_bytes) << '\n';
  out << "/sys/kernel/kexec_crash_size will read " << o.kexec_crash_size(x.model) << '\n';
  for (const auto& w : x.warnings) out << "warning: " << w << '\n';
  for (const auto& a : o.assumptions) out << "assumes: " << a << '\n';
}

Result<int> run_explain(Invocation& inv, const ExplainOptions& opt) {
  KDUMP_TRY(check_exclusive(opt.expr.has_value(), "EXPR", opt.cmdline.has_value(), "--cmdline"));
  KDUMP_TRY_ASSIGN(auto overrides, parse_fact_options(opt.facts));
  KDUMP_TRY_ASSIGN(auto ctx, open_context(inv));
  KDUMP_TRY_ASSIGN(auto facts, gather_facts(ctx.fact_source(), overrides));
  KDUMP_TRY_ASSIGN(auto memory, require_memory(facts));
  KDUMP_TRY_ASSIGN(auto model, require_model(facts));

  std::string cmdline;
  std::size_t base = 0;
  if (opt.expr) {
    cmdline = "crashkernel=" + *opt.expr;
    base = 12;
  } else if (opt.cmdline) {
    cmdline = *opt.cmdline;
  } else if (facts.running_cmdline) {
    cmdline = facts.running_cmdline->value;
  }
  const MemoryMap* map = facts.memory_map ? &facts.memory_map->value : nullptr;
  Explanation x = explain_cmdline(cmdline, base, memory, facts.kernel_release->value, model, map);
  if (inv.global.json)
    print_json_report(*inv.out, explanation_json(x), "explain", x.valid() ? exit_ok : exit_bad_input);
  else if (!inv.global.quiet && x.valid()) print_text(*inv.out, x);
  if (!x.valid()) {
    print_rejection(*inv.err, x);
    return exit_bad_input;
  }
  return exit_ok;
}

}  // namespace

void add_explain_verb(CLI::App& app, Invocation& inv) {
  auto opt = std::make_shared<ExplainOptions>();
  auto* sub = app.add_subcommand("explain", "Say what the kernel will reserve for a value or a "
                                            "command line, and why");
  sub->add_option("EXPR", opt->expr, "A crashkernel= value, e.g. 512M-2G:64M,2G-:128M");
  sub->add_option("--cmdline", opt->cmdline, "A whole kernel command line; the token is chosen "
                                             "as the kernel does")->type_name("LINE");
  add_fact_options(*sub, opt->facts, FactOptionSet::with_release);
  sub->callback([&inv, opt] { inv.run = [&inv, opt] { return run_explain(inv, *opt); }; });
}

}  // namespace kdump::cli
