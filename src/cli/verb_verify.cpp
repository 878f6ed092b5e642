// kdump-setup verify [--require-loaded]: one sentence and a status; exit 0 only for ok.
// ok means the reservation is in effect; --require-loaded also requires the capture
// kernel to be loaded (status not-loaded otherwise): "kdump works now".
#include "cli/json_report.hpp"
#include "cli/verbs.hpp"
#include "cli/verify_context.hpp"

namespace kdump::cli {
namespace {

Result<int> run_verify(Invocation& inv, bool require_loaded) {
  KDUMP_TRY_ASSIGN(auto ctx, gather_verify_context(inv, require_loaded));
  const VerifyReport& r = ctx.report;
  if (inv.global.json) {
    print_json_report(*inv.out, verify_json(ctx), "verify", verify_exit_code(r));
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
  auto require_loaded = std::make_shared<bool>(false);
  sub->add_flag("--require-loaded", *require_loaded,
                "Also require a loaded capture kernel (kexec -p): ok then means kdump works now");
  sub->callback([&inv, require_loaded] {
    inv.run = [&inv, require_loaded] { return run_verify(inv, *require_loaded); };
  });
}

}  // namespace kdump::cli
