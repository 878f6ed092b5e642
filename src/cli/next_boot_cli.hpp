// The next-boot check as reserve/remove run it (core/next_boot_check.hpp): the boot model
// before and after the plan (backends/common/boot_view.hpp), the facts, and the request
// in; the verdict, its JSON ("entries", "next_boot", "future_kernels") and its text out.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>

#include "cli/edit_verbs.hpp"
#include "core/next_boot_check.hpp"

namespace kdump::cli {

Result<NextBootReport> check_plan_next_boot(const EditContext& ctx, const Plan& plan,
                                            const ReserveRequest& request);

// Adds "entries", "next_boot" and "future_kernels" to a reserve/remove report.
void add_next_boot_json(nlohmann::json& report, const NextBootReport& r);

// One line for the entry that boots next (stdout), the warnings (stderr).
void print_next_boot_text(std::ostream& out, std::ostream& err, const NextBootReport& r, bool dry_run);

}  // namespace kdump::cli
