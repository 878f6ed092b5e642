#include "cli/app.hpp"

#include <CLI/CLI.hpp>

#include "cli/exit_codes.hpp"
#include "cli/invocation.hpp"
#include "cli/render_error.hpp"
#include "cli/surface.hpp"
#include "cli/verbs.hpp"

namespace kdump::cli {
namespace {

constexpr const char* k_description =
    "kdump-setup: parse, size, write and verify the crashkernel= memory reservation";

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--root", g.root, "Operate on the system tree under DIR (image builds)")
      ->type_name("DIR");
  app.add_option("--config", g.config, "Read this configuration file instead of "
                                       "/etc/kdump-setup.toml")->type_name("FILE");
  app.add_flag("--json", g.json, "Print one JSON object on stdout");
  app.add_flag("-q,--quiet", g.quiet, "Print only errors");
  app.add_flag("-v,--verbose", g.verbose, "Explain each step");
}

}  // namespace

int main(int argc, char** argv) noexcept { return run(argc, argv, std::cout, std::cerr); }

int run(int argc, char** argv, std::ostream& out, std::ostream& err) noexcept try {
  Invocation inv;
  inv.out = &out;
  inv.err = &err;
  CLI::App app{k_description, "kdump-setup"};
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the verb too
  add_global_options(app, inv.global);
  add_reserve_verb(app, inv);
  add_remove_verb(app, inv);
  add_explain_verb(app, inv);
  add_recommend_verb(app, inv);
  add_status_verb(app, inv);
  add_verify_verb(app, inv);
  add_shrink_verb(app, inv);

  try {
    if (is_surface_request(argc, argv)) {  // hidden, for tests/cli/surface.sh
      out << describe_surface(app);
      return exit_ok;
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);  // prints help or the CLI11 message
    return code == 0 ? exit_ok : exit_bad_input;
  }
  if (!inv.run) return exit_bad_input;
  auto result = inv.run();
  if (result) return *result;
  render_error(*inv.err, result.error());
  return exit_code_for(result.error().kind);
} catch (const std::exception& e) {
  err << "kdump-setup: internal error: " << e.what() << '\n';
  return exit_cannot_act;
}

}  // namespace kdump::cli
