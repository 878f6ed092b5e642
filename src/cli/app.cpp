#include "cli/app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <sstream>
#include <string_view>

#include "cli/exit_codes.hpp"
#include "cli/invocation.hpp"
#include "cli/json_report.hpp"
#include "cli/render_error.hpp"
#include "cli/surface.hpp"
#include "cli/verbs.hpp"

namespace kdump::cli {
namespace {

constexpr const char* k_description =
    "kdump-setup: parse, size, write and verify the crashkernel= memory reservation";

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--root", g.root, "Operate on the system tree under DIR (image builds)")
      ->type_name("DIR")
      ->check([](const std::string& dir) { return dir.empty() ? std::string("empty path") : std::string(); });
  app.add_option("--config", g.config, "Read this configuration file instead of "
                                       "/etc/kdump-setup.toml")->type_name("FILE");
  app.add_flag("--json", g.json, "Print one JSON object on stdout, errors included");
  auto* quiet = app.add_flag("-q,--quiet", g.quiet, "Print only errors");
  auto* verbose = app.add_flag("-v,--verbose", g.verbose, "Explain each step");
  quiet->excludes(verbose);
}

// CLI11 shows a verb's own options only; the global ones work after the verb too
// (fallthrough), so each verb's --help lists them.
void add_global_options_footer(CLI::App& app) {
  std::ostringstream footer;
  footer << "Global options (before or after the verb):\n";
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty() || opt->get_name() == "--help") continue;
    std::string names = opt->get_name(false, true);
    if (opt->get_items_expected_max() > 0) names += " " + opt->get_type_name();
    footer << "  " << names << std::string(names.size() < 26 ? 26 - names.size() : 1, ' ')
           << opt->get_description() << '\n';
  }
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    sub->footer(footer.str());
}

// --json is looked for in argv itself: a command line that does not parse still gets
// its one JSON object.
bool json_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

// The verb the command line named (also when it failed to parse), if any.
std::optional<std::string_view> named_verb(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->count() > 0) return std::string_view(sub->get_name());
  return std::nullopt;
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
  add_refresh_verb(app, inv);
  add_explain_verb(app, inv);
  add_recommend_verb(app, inv);
  add_status_verb(app, inv);
  add_verify_verb(app, inv);
  add_shrink_verb(app, inv);
  add_global_options_footer(app);
  bool json = json_requested(argc, argv);

  try {
    if (is_surface_request(argc, argv)) {  // hidden, for tests/cli/surface.sh
      out << describe_surface(app);
      return exit_ok;
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);  // prints help or the CLI11 message
    if (code == 0) return exit_ok;     // --help: text, not JSON
    if (json) print_json_error(out, make_error(ErrorKind::usage, e.what()), named_verb(app));
    return exit_bad_input;
  }
  if (!inv.run) return exit_bad_input;
  auto result = inv.run();
  if (result) return *result;
  render_error(*inv.err, result.error());
  if (json && !inv.json_printed) print_json_error(out, result.error(), named_verb(app));
  return exit_code_for(result.error().kind);
} catch (const std::exception& e) {
  err << "kdump-setup: internal error: " << e.what() << '\n';
  if (json_requested(argc, argv))
    print_json_error(out, make_error(ErrorKind::internal, std::string("internal error: ") + e.what()),
                     std::nullopt);
  return exit_cannot_act;
}

}  // namespace kdump::cli
