// Turns an Error into the one message format of the tool:
//   kdump-setup: FILE:LINE:COLUMN: MESSAGE
//     hint: ...
#pragma once

#include <ostream>

#include "util/error.hpp"

namespace kdump::cli {

void render_error(std::ostream& err, const Error& e);

}  // namespace kdump::cli
