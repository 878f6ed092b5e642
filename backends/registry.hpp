// Every backend, in detection order, and the choice of one (--backend auto|NAME).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/common/boot_model.hpp"
#include "core/backend.hpp"

namespace kdump {

std::vector<std::unique_ptr<Backend>> all_backends();

// "auto": the first backend whose detect() applies; a name: that backend, if it
// applies (else ErrorKind::unsupported with its reason). Errors list what was looked for
// (one hint per backend). `reason`, when given, receives why the chosen one applies.
// The model learns which loader boots (BootModel::active()).
Result<const Backend*> choose_backend(const std::vector<std::unique_ptr<Backend>>& backends,
                                      const std::string& requested, BootModel& model,
                                      std::string* reason = nullptr);

}  // namespace kdump
