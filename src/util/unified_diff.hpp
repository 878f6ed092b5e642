// Unified diff of two texts, as `diff -u` prints it, labelled for `patch -p1` run in
// the root directory: "--- a/etc/default/grub" / "+++ b/etc/default/grub". The edit
// script comes from dtl (Wu/Manber/Myers O(NP)); hunks are grouped here the way GNU
// diff groups them, with `context` lines around each change.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kdump {

// `path` is the file's absolute path inside the root ("/etc/default/grub").
// `before` nullopt: the file is created ("--- /dev/null", "@@ -0,0 +1,N @@").
// Returns "" when the texts are equal. A last line without a newline is followed by
// "\ No newline at end of file", as diff prints it.
std::string unified_diff(std::string_view path, const std::optional<std::string>& before,
                         std::string_view after, unsigned context = 3);

}  // namespace kdump
