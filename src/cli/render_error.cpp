#include "cli/render_error.hpp"

namespace kdump::cli {

void render_error(std::ostream& err, const Error& e) {
  err << "kdump-setup: ";
  if (e.file) {
    err << *e.file;
    if (e.line) err << ':' << *e.line;
    if (e.line && e.column) err << ':' << *e.column;
    err << ": ";
  }
  err << e.message << '\n';
  for (const auto& h : e.hints) err << "  hint: " << h << '\n';
}

}  // namespace kdump::cli
