// kdump-setup status: the facts behind `verify` as a short table (or --json, the same
// object as verify). Exit code as verify's.
#include <iomanip>

#include "cli/json_report.hpp"
#include "cli/verbs.hpp"
#include "cli/verify_context.hpp"
#include "grammar/crashkernel.hpp"

namespace kdump::cli {
namespace {

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << std::hex << std::setw(8) << std::setfill('0') << v;
  return s.str();
}

void row(std::ostream& out, std::string_view key, const std::string& value) {
  out << std::left << std::setw(12) << key << value << '\n';
}

void print_table(std::ostream& out, const StatusReport& ctx) {
  const VerifyReport& r = ctx.report;
  const VerifyInput& in = ctx.input;
  row(out, "status", std::string(status_name(r.status)));
  row(out, "configured", r.configured ? "crashkernel=" + *r.configured
                         : in.backend.empty() ? "unknown (no boot loader found)" : "none");
  row(out, "running", r.running ? "crashkernel=" + *r.running : "none");
  row(out, "expected", r.expected_bytes ? human_size(*r.expected_bytes) + " (" +
                                              std::to_string(*r.expected_bytes) + " bytes)"
                                        : "-");
  row(out, "reserved", r.reserved_bytes ? human_size(*r.reserved_bytes) + " (" +
                                              std::to_string(*r.reserved_bytes) + " bytes, " +
                                              in.crash.crash_size->source + ")"
                                        : "-");
  if (r.crash_regions) {
    if (r.crash_regions->empty()) row(out, "regions", "none");
    for (const auto& g : *r.crash_regions)
      row(out, "regions", hex(g.start) + "-" + hex(g.end) + " " + human_size(g.bytes()));
  } else {
    row(out, "regions", "unknown (" + in.crash.regions_unknown + ")");
  }
  row(out, "loaded", r.loaded ? (*r.loaded ? "yes" : "no") : "-");
  row(out, "ready", is_ready(r) ? "yes (reserved, capture kernel loaded)" : "no");
  row(out, "kernel", in.kernel_release.empty() ? "-" : in.kernel_release);
  row(out, "memory", in.memory_bytes ? human_size(*in.memory_bytes) : "-");
  row(out, "backend", in.backend.empty() ? "none (" + ctx.backend_reason + ")"
                                         : in.backend + " (" + ctx.backend_reason + ")");
  for (const auto& c : ctx.configured)
    row(out, "file", c.file + " " + c.where + ": crashkernel=" + c.value);
  // Every entry of the loader in use and what its kernel picks; "*" marks the next boot.
  for (const auto& e : ctx.entries)
    row(out, "entry", std::string(e.next_boot ? "* " : "  ") + e.entry.id + " (" + e.entry.path +
                          (e.entry.kernel_release.empty() ? "" : ", " + e.entry.kernel_release) + "): " +
                          (!e.known_after ? "unknown (" + e.entry.cmdline_unknown + ")"
                           : e.crashkernel_after ? "crashkernel=" + *e.crashkernel_after
                                                 : std::string("no crashkernel=")));
  if (ctx.boot && !in.backend.empty())
    row(out, "next boot", !in.next_boot_known ? "unknown (" + in.next_boot_unknown + ")"
                          : "'" + in.next_boot_entry + "' (" + ctx.boot->next_rule +
                                (ctx.boot->next_uncertain.empty() ? "" : "; may differ: " + ctx.boot->next_uncertain) + ")");
  row(out, "message", r.message);
}

Result<int> run_status(Invocation& inv) {
  KDUMP_TRY_ASSIGN(auto ctx, gather_verify_context(inv, false));
  if (inv.global.json) print_json_report(*inv.out, verify_json(ctx), "status", verify_exit_code(ctx.report));
  else if (!inv.global.quiet) {
    print_table(*inv.out, ctx);
    if (inv.global.verbose)
      for (const auto& d : ctx.report.details) *inv.out << "  " << d << '\n';
  }
  return verify_exit_code(ctx.report);
}

}  // namespace

void add_status_verb(CLI::App& app, Invocation& inv) {
  auto* sub = app.add_subcommand("status", "Show the configured and running crashkernel= values, "
                                           "what the kernel reserved, and the files");
  sub->callback([&inv] { inv.run = [&inv] { return run_status(inv); }; });
}

}  // namespace kdump::cli
