#include "cli/verify_context.hpp"

#include "backends/common/boot_model.hpp"
#include "backends/registry.hpp"
#include "cli/exit_codes.hpp"
#include "cli/settings_options.hpp"

namespace kdump::cli {
namespace {

template <typename T>
nlohmann::json opt_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

Result<StatusReport> gather_verify_context(Invocation& inv, bool require_loaded) {
  KDUMP_TRY_ASSIGN(auto ctx, open_context(inv));
  const auto backends = all_backends();
  // The boot model is loaded once, from the facts gather_status gathered; no boot loader
  // is a finding (nullopt with the reason), not an error.
  auto read = [&](const SystemFacts& facts, std::string* reason) -> Result<std::optional<ConfiguredFinding>> {
    KDUMP_TRY_ASSIGN(auto model, BootModel::load(ctx.root, facts));
    auto chosen = choose_backend(backends, ctx.settings.backend.value, model, reason);
    if (!chosen) {
      *reason = "no boot loader found";
      for (const auto& looked : chosen.error().hints) *reason += "; " + looked;
      return std::optional<ConfiguredFinding>{};
    }
    KDUMP_TRY_ASSIGN(auto values, (*chosen)->configured(model));
    return std::optional<ConfiguredFinding>{ConfiguredFinding{std::string((*chosen)->name()), std::move(values)}};
  };
  return gather_status(ctx, read, require_loaded);
}

nlohmann::json verify_json(const StatusReport& ctx) {
  const VerifyReport& r = ctx.report;
  nlohmann::json regions = nullptr;
  if (r.crash_regions) {
    regions = nlohmann::json::array();
    for (const auto& g : *r.crash_regions)
      regions.push_back({{"start", g.start}, {"end", g.end}, {"bytes", g.bytes()}});
  }
  nlohmann::json files = nlohmann::json::array();
  for (const auto& c : ctx.configured)
    files.push_back({{"file", c.file}, {"where", c.where}, {"value", c.value}});
  const VerifyInput& in = ctx.input;
  return {{"status", std::string(status_name(r.status))},
          {"configured", opt_json(r.configured)},
          {"running", opt_json(r.running)},
          {"expected_bytes", opt_json(r.expected_bytes)},
          {"reserved_bytes", opt_json(r.reserved_bytes)},
          {"shrunk_from_bytes", opt_json(r.shrunk_from_bytes)},
          {"crash_regions", regions},
          {"kernel_release", in.kernel_release.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(in.kernel_release)},
          {"memory_bytes", opt_json(in.memory_bytes)},
          {"loaded", opt_json(r.loaded)},
          {"ready", is_ready(r)},
          {"message", r.message},
          {"backend", in.backend.empty() ? nlohmann::json(nullptr) : nlohmann::json(in.backend)},
          {"backend_reason", ctx.backend_reason},
          {"files", files},
          {"crash_size_source", in.crash.crash_size ? nlohmann::json(in.crash.crash_size->source)
                                                    : nlohmann::json(nullptr)},
          {"fadump", in.crash.fadump ? nlohmann::json(in.crash.fadump->value) : nlohmann::json(nullptr)},
          {"details", r.details}};
}

int verify_exit_code(const VerifyReport& r) {
  return r.status == VerifyStatus::ok ? exit_ok : exit_not_ok;
}

}  // namespace kdump::cli
