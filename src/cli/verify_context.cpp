#include "cli/verify_context.hpp"

#include "backends/common/boot_model.hpp"
#include "backends/common/boot_view.hpp"
#include "cli/json_report.hpp"
#include "backends/registry.hpp"
#include "cli/exit_codes.hpp"
#include "cli/settings_options.hpp"

namespace kdump::cli {
namespace {

// Each entry of the loader in use and the value its kernel picks (status/verify).
nlohmann::json entries_json(const StatusReport& ctx) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : ctx.entries)
    out.push_back({{"id", r.entry.id}, {"path", r.entry.path}, {"title", r.entry.title}, {"kind", r.entry.kind},
                   {"next_boot", r.next_boot}, {"default", r.next_boot},
                   {"kernel_release", text_or_null(r.entry.kernel_release)},
                   {"cmdline_known", r.known_after}, {"cmdline_unknown", text_or_null(r.entry.cmdline_unknown)},
                   {"crashkernel", opt_json(r.crashkernel_after)},
                   {"reserves_bytes", opt_json(r.reserves_bytes_after)}, {"reserves_why", r.reserves_why}});
  return out;
}

nlohmann::json next_boot_json(const StatusReport& ctx) {
  const VerifyInput& in = ctx.input;
  const BootView* v = ctx.boot ? &*ctx.boot : nullptr;
  const EntryReach* e = v && v->next && *v->next < ctx.entries.size() ? &ctx.entries[*v->next] : nullptr;
  return {{"loader", v ? text_or_null(v->loader) : nlohmann::json(nullptr)},
          {"known", !in.backend.empty() && in.next_boot_known},
          {"id", e ? nlohmann::json(e->entry.id) : nlohmann::json(nullptr)},
          {"path", e ? nlohmann::json(e->entry.path) : nlohmann::json(nullptr)},
          {"kernel_release", e ? text_or_null(e->entry.kernel_release) : nlohmann::json(nullptr)},
          {"rule", v ? v->next_rule : std::string()},
          {"uncertain", v ? text_or_null(v->next_uncertain) : nlohmann::json(nullptr)},
          {"crashkernel", e && e->known_after ? opt_json(e->crashkernel_after) : nlohmann::json(nullptr)},
          {"unknown", in.backend.empty() ? nlohmann::json("no boot loader backend applies")
                                         : text_or_null(in.next_boot_unknown)}};
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
    return std::optional<ConfiguredFinding>{
        ConfiguredFinding{std::string((*chosen)->name()), std::move(values), boot_view(model, firmware_loader(model))}};
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
          {"details", r.details},
          {"offline_image", in.offline_image},
          {"next_boot", next_boot_json(ctx)},
          {"entries", entries_json(ctx)}};
}

int verify_exit_code(const VerifyReport& r) {
  return r.status == VerifyStatus::ok ? exit_ok : exit_not_ok;
}

}  // namespace kdump::cli
