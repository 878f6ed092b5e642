#include "core/render_plan.hpp"

#include "util/unified_diff.hpp"

namespace kdump {

std::string render_edit_diff(const FileEdit& edit) {
  if (!edit.changes()) return {};
  return unified_diff(edit.path, edit.before, edit.after);
}

std::string render_plan_diff(const Plan& plan) {
  std::string out;
  for (const auto& e : plan.edits) out += render_edit_diff(e);
  return out;
}

}  // namespace kdump
