// Text renderings of a Plan that --dry-run prints and --json embeds. Pure functions:
// the CLI decides where they go.
#pragma once

#include <string>

#include "core/plan.hpp"

namespace kdump {

// Unified diff of one edit ("" when it changes nothing), labelled a/PATH b/PATH so that
// `patch -p1` in the root directory reproduces it.
std::string render_edit_diff(const FileEdit& edit);

// The diffs of every edit that changes its file, in plan order, concatenated.
std::string render_plan_diff(const Plan& plan);

}  // namespace kdump
