// kdump-setup verify: one sentence and a status (design.md §3); exit 0 only for ok.
#include "cli/verbs.hpp"
#include "cli/verify_context.hpp"

namespace kdump::cli {
namespace {

Result<int> run_verify(Invocation& inv) {
  KDUMP_TRY_ASSIGN(auto ctx, gather_verify_context(inv));
  const VerifyReport& r = ctx.report;
  if (inv.global.json) {
    *inv.out << verify_json(ctx).dump(2) << '\n';
  } else if (!inv.global.quiet) {
    *inv.out << status_name(r.status) << ": " << r.message << '\n';
    if (inv.global.verbose)
      for (const auto& d : r.details) *inv.out << "  " << d << '\n';
  }
  return verify_exit_code(r);
}

}  // namespace

void add_verify_verb(CLI::App& app, Invocation& inv) {
  auto* sub = app.add_subcommand("verify", "Compare the configured crashkernel= value, the running "
                                           "command line and what the kernel reserved; exit 0 "
                                           "only when they agree");
  sub->callback([&inv] { inv.run = [&inv] { return run_verify(inv); }; });
}

}  // namespace kdump::cli
