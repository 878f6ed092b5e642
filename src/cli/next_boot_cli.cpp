#include "cli/next_boot_cli.hpp"

#include "backends/common/boot_view.hpp"
#include "cli/json_report.hpp"

namespace kdump::cli {
namespace {

nlohmann::json entry_json(const EntryReach& r) {
  return {{"id", r.entry.id},
          {"path", r.entry.path},
          {"title", r.entry.title},
          {"kind", r.entry.kind},
          {"default", r.next_boot},
          {"next_boot", r.next_boot},
          {"targeted", r.targeted},
          {"kernel_release", text_or_null(r.entry.kernel_release)},
          {"cmdline_known", r.known_after},
          {"cmdline_unknown", text_or_null(r.entry.cmdline_unknown)},
          {"crashkernel_before", opt_json(r.crashkernel_before)},
          {"crashkernel_after", opt_json(r.crashkernel_after)},
          {"carries_intended", r.known_after ? nlohmann::json(r.carries_intended) : nlohmann::json(nullptr)},
          {"reserves_bytes_after", opt_json(r.reserves_bytes_after)},
          {"kexec_crash_size_after", opt_json(r.kexec_crash_size_after)},
          {"reserves_why", r.reserves_why},
          {"model", text_or_null(r.model)}};
}

std::string reserves_text(const EntryReach& r) {
  if (r.reserves_bytes_after && *r.reserves_bytes_after > 0) return ", reserves " + human_size(*r.reserves_bytes_after) + " " + r.reserves_why;
  return r.reserves_why.empty() ? "" : " (" + r.reserves_why + ")";
}

}  // namespace

Result<NextBootReport> check_plan_next_boot(const EditContext& ctx, const Plan& plan, const ReserveRequest& request) {
  KDUMP_TRY_ASSIGN(auto after, ctx.model->after(plan));
  NextBootInput in;
  // The loader the firmware boots, when --backend chose another one's files.
  const auto loader = firmware_loader(*ctx.model);
  in.before = boot_view(*ctx.model, loader);
  in.after = boot_view(after, loader);
  in.request = request;
  if (ctx.facts.arch) in.arch = ctx.facts.arch->value;
  if (ctx.facts.memory_bytes) {
    in.memory = ctx.facts.memory_bytes->value;
    in.memory_source = ctx.facts.memory_bytes->source;
  }
  if (ctx.facts.kernel_release) in.running_release = ctx.facts.kernel_release->value;
  in.kept = plan.kept;
  in.substituted = plan.substituted;
  return check_next_boot(in);
}

void add_next_boot_json(nlohmann::json& report, const NextBootReport& r) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : r.entries) entries.push_back(entry_json(e));
  const EntryReach* next = r.next ? &r.entries[*r.next] : nullptr;
  report["entries"] = entries;
  report["next_boot"] = {{"loader", text_or_null(r.loader)},
                         {"known", next != nullptr && next->known_after && r.next_uncertain.empty()},
                         {"id", next ? nlohmann::json(next->entry.id) : nlohmann::json(nullptr)},
                         {"path", next ? nlohmann::json(next->entry.path) : nlohmann::json(nullptr)},
                         {"kernel_release", next ? text_or_null(next->entry.kernel_release) : nlohmann::json(nullptr)},
                         {"rule", r.next_rule},
                         {"uncertain", text_or_null(r.next_uncertain)},
                         {"crashkernel_before", next ? opt_json(next->crashkernel_before) : nlohmann::json(nullptr)},
                         {"crashkernel_after", next ? opt_json(next->crashkernel_after) : nlohmann::json(nullptr)},
                         {"verdict", std::string(verdict_name(r.verdict))},
                         {"message", r.message},
                         {"warnings", r.warnings},
                         {"hints", r.hints}};
  nlohmann::json future = nlohmann::json::array();
  for (const auto& f : r.future)
    future.push_back({{"source", f.view.source}, {"where", f.view.where}, {"known", f.known},
                      {"unknown", text_or_null(f.view.unknown)},
                      {"crashkernel_before", opt_json(f.crashkernel_before)},
                      {"crashkernel_after", opt_json(f.crashkernel_after)}});
  report["future_kernels"] = future;
}

void print_next_boot_text(std::ostream& out, std::ostream& err, const NextBootReport& r, bool dry_run) {
  if (r.next && r.verdict == NextBootVerdict::reaches) {
    const EntryReach& n = r.entries[*r.next];
    (void)dry_run;  // the same line in a dry run and a real run: it describes the plan
    out << "next boot after this plan: " << n.entry.id << " (" << n.entry.path
        << "): " << (n.crashkernel_after ? "crashkernel=" + *n.crashkernel_after : std::string("no crashkernel="))
        << reserves_text(n) << '\n';
  }
  for (const auto& w : r.warnings) err << "kdump-setup: warning: " << w << '\n';
}

}  // namespace kdump::cli
