// The command-line surface of the CLI11 app, as plain lines, so tests can check that
// every verb and option is in the man page and in each shell's completion
// (tests/cli/surface.sh). Reached through the hidden `kdump-setup --list-surface`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace kdump::cli {

// One line per item, in the app's order:
//   verb NAME
//   option SCOPE NAME [VALUES]       SCOPE is "-" for global options, else the verb;
//                                    VALUES is the option's type name (auto|grub2|...)
//   positional VERB NAME
std::string describe_surface(const CLI::App& app);

// True for exactly `kdump-setup --list-surface`: the flag is not registered with CLI11,
// so it appears neither in --help nor in the surface itself.
bool is_surface_request(int argc, char** argv);

}  // namespace kdump::cli
