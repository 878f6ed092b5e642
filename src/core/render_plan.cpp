#include "core/render_plan.hpp"

#include <string>

#include "util/unified_diff.hpp"

namespace kdump {

std::string render_edit_diff(const FileEdit& edit) {
  if (!edit.changes()) return {};
  // Binary files (add-ons) and deletions: one line instead of a diff of bytes.
  if (edit.remove && edit.directory)
    return "delete directory " + edit.path + "/ (" + (edit.summary.empty() ? "empty" : edit.summary) + ")\n";
  if (edit.remove)
    return "delete " + edit.path + " (" + std::to_string(edit.before->size()) + " bytes" +
           (edit.summary.empty() ? "" : ", " + edit.summary) + ")\n";
  if (edit.binary)
    return std::string(edit.before ? "replace " : "create ") + edit.path + " (" +
           std::to_string(edit.after.size()) + " bytes" + (edit.summary.empty() ? "" : ", " + edit.summary) +
           ")\n";
  return unified_diff(edit.path, edit.before, edit.after);
}

std::string render_plan_diff(const Plan& plan) {
  std::string out;
  for (const auto& e : plan.edits) out += render_edit_diff(e);
  return out;
}

}  // namespace kdump
