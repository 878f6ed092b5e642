// What `status` and `verify` share in the CLI: opening the run context and asking core
// for the status (core/status.hpp), and the report's JSON. Rendering only.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/invocation.hpp"
#include "core/status.hpp"
#include "util/result.hpp"

namespace kdump::cli {

// The status of the machine, with the backend the settings choose (--config's or
// /etc/kdump-setup.toml's backend, else auto). require_loaded: verify --require-loaded
// (VerifyInput::require_loaded).
Result<StatusReport> gather_verify_context(Invocation& inv, bool require_loaded);

// The verify/status keys of docs/kdump-setup.schema.json (the envelope is added by
// print_json_report).
nlohmann::json verify_json(const StatusReport& ctx);

int verify_exit_code(const VerifyReport& r);

}  // namespace kdump::cli
