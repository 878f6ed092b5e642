// What `status` and `verify` both gather: facts, crash state, the applying backend and
// its configured value, turned into a VerifyReport; and the report's JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/invocation.hpp"
#include "core/backend.hpp"
#include "core/verify.hpp"
#include "util/result.hpp"

namespace kdump::cli {

struct VerifyContext {
  SystemFacts facts;
  VerifyInput input;
  std::vector<ConfiguredValue> configured;  // every place the backend found a value
  std::string backend_reason;               // detection reason, or what was looked for
  VerifyReport report;
};

// require_loaded: verify --require-loaded (VerifyInput::require_loaded).
Result<VerifyContext> gather_verify_context(Invocation& inv, bool require_loaded);

// The verify/status keys of docs/kdump-setup.schema.json (the envelope is added by
// print_json_report).
nlohmann::json verify_json(const VerifyContext& ctx);

int verify_exit_code(const VerifyReport& r);

}  // namespace kdump::cli
