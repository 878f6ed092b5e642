#include "cli/verify_context.hpp"

#include "backends/registry.hpp"
#include "cli/exit_codes.hpp"
#include "cli/facts_options.hpp"
#include "util/root_dir.hpp"

namespace kdump::cli {
namespace {

template <typename T>
nlohmann::json opt_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

Result<VerifyContext> gather_verify_context(Invocation& inv) {
  FactSource source{inv.global.root};
  source.probe_block_devices = false;  // status/verify need no LUKS facts
  auto facts = gather_facts(source, FactOverrides{});
  if (!facts) return fail(std::move(facts).error());
  auto crash = gather_crash_state(source);
  if (!crash) return fail(std::move(crash).error());
  auto root = RootDir::open(inv.global.root);
  if (!root) return fail(std::move(root).error());

  VerifyContext ctx;
  ctx.facts = std::move(*facts);
  VerifyInput& in = ctx.input;
  in.crash = std::move(*crash);
  if (ctx.facts.running_cmdline) in.running_cmdline = ctx.facts.running_cmdline->value;
  if (ctx.facts.kernel_release) in.kernel_release = ctx.facts.kernel_release->value;
  if (ctx.facts.memory_bytes) in.memory_bytes = ctx.facts.memory_bytes->value;
  if (ctx.facts.arch && ctx.facts.kernel_release)
    in.model = model_for_release(ctx.facts.arch->value, ctx.facts.kernel_release->value);

  // No boot loader is a finding here, not an error: the next boot is then unknown.
  auto backends = all_backends();
  auto chosen = choose_backend(backends, "auto", *root, ctx.facts, &ctx.backend_reason);
  if (chosen) {
    auto values = (*chosen)->configured(*root, ctx.facts);
    if (!values) return fail(std::move(values).error());
    in.backend = std::string((*chosen)->name());
    // Only what the entry booted next carries; values configured elsewhere (other
    // entries, future kernels) do not decide what the next boot reserves.
    for (auto& v : *values)
      if (v.next_boot) ctx.configured.push_back(std::move(v));
    // The kernel uses the last crashkernel= of its command line; the backend lists
    // them in command line order.
    if (!ctx.configured.empty()) in.configured = ctx.configured.back().value;
  } else {
    ctx.backend_reason = "no boot loader found";
    for (const auto& looked : chosen.error().hints) ctx.backend_reason += "; " + looked;
  }

  // Judging a running value needs RAM and the kernel model: say which option is missing.
  bool supported = in.crash.crash_size || in.crash.loaded;
  if (supported && in.running_cmdline && !find_crashkernel_tokens(*in.running_cmdline).empty()) {
    auto memory = require_memory(ctx.facts);
    if (!memory) return fail(std::move(memory).error());
    auto model = require_model(ctx.facts);
    if (!model) return fail(std::move(model).error());
    in.model = *model;
  }
  ctx.report = verify(in);
  return ctx;
}

nlohmann::json verify_json(const VerifyContext& ctx) {
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
