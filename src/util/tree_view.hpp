// TreeView: the four questions a reader asks of a system tree (is it there, is it a
// directory, what is in it, what does it say). RootDir answers them from the disk, inside
// --root; the boot model's BootFiles answers them from its read-once cache. Code that
// only looks (the owner-tool detector) takes a TreeView, so that it reads through the
// same cache as the boot model and no boot file is read twice in one run.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace kdump {

class TreeView {
public:
  virtual ~TreeView() = default;
  virtual bool exists(std::string_view abs) const = 0;
  virtual bool is_directory(std::string_view abs) const = 0;
  virtual Result<std::string> read_text(std::string_view abs, std::size_t limit = 4u << 20) const = 0;
  virtual Result<std::vector<std::string>> list(std::string_view abs_dir) const = 0;
};

}  // namespace kdump
