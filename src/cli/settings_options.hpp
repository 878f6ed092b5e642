// The options that set a setting of the run context (core/run_context.hpp), and the
// one way every verb opens that context: the command line's settings over the
// configuration file over the built-in defaults.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/invocation.hpp"
#include "core/run_context.hpp"

namespace kdump::cli {

// --backend, --kernel, --no-update (reserve, remove).
void add_write_setting_options(CLI::App& sub, SettingOverrides& o);
// --policy, --extra, --luks, --capture-initramfs (reserve, recommend).
void add_sizing_setting_options(CLI::App& sub, SettingOverrides& o);

// Opens the root, reads the configuration, resolves the settings. Every verb calls it
// first, so a bad configuration file stops every verb.
Result<RunContext> open_context(const Invocation& inv, const SettingOverrides& o = {});

}  // namespace kdump::cli
