// One function per verb registers its subcommand; each lives in verb_<name>.cpp.
// app.cpp is the only caller (the composition root).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/invocation.hpp"

namespace kdump::cli {

void add_explain_verb(CLI::App& app, Invocation& inv);
void add_reserve_verb(CLI::App& app, Invocation& inv);
void add_remove_verb(CLI::App& app, Invocation& inv);
void add_recommend_verb(CLI::App& app, Invocation& inv);
void add_status_verb(CLI::App& app, Invocation& inv);
void add_verify_verb(CLI::App& app, Invocation& inv);
void add_shrink_verb(CLI::App& app, Invocation& inv);
void add_refresh_verb(CLI::App& app, Invocation& inv);

}  // namespace kdump::cli
