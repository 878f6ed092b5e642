#include "cli/surface.hpp"

#include <sstream>
#include <string_view>

namespace kdump::cli {
namespace {

void describe_options(std::ostringstream& out, const CLI::App& app, const std::string& scope) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    if (opt->get_positional()) {
      out << "positional " << scope << ' ' << opt->get_name() << '\n';
      continue;
    }
    std::string values = opt->get_items_expected_max() > 0 ? opt->get_type_name() : "";
    values = values.substr(0, values.find(':'));  // CLI11 appends the validator: ":{a,b}"
    for (const auto& s : opt->get_snames()) out << "option " << scope << " -" << s << '\n';
    for (const auto& l : opt->get_lnames())
      out << "option " << scope << " --" << l << (values.empty() ? "" : " " + values) << '\n';
  }
}

}  // namespace

std::string describe_surface(const CLI::App& app) {
  std::ostringstream out;
  describe_options(out, app, "-");
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden verb
    out << "verb " << sub->get_name() << '\n';
    describe_options(out, *sub, sub->get_name());
  }
  return out.str();
}

bool is_surface_request(int argc, char** argv) {
  return argc == 2 && std::string_view(argv[1]) == "--list-surface";
}

}  // namespace kdump::cli
