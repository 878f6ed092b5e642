// kdump-setup recommend [--memory SIZE] [--arch ARCH] [--kernel-release REL] [--policy NAME]
//                       [--initramfs-size SIZE]
// The sizing engine's answer for this machine: a crashkernel= range expression, what it
// reserves here, and why: the same sizing `reserve auto` does (core/size_for_machine.hpp).
#include <nlohmann/json.hpp>

#include "cli/capture_release.hpp"
#include "cli/exit_codes.hpp"
#include "cli/facts_options.hpp"
#include "cli/json_report.hpp"
#include "cli/verbs.hpp"
#include "cli/settings_options.hpp"
#include "core/facts.hpp"
#include "core/size_for_machine.hpp"

namespace kdump::cli {
namespace {

struct RecommendOptions {
  FactOptions facts;
  SettingOverrides settings;                  // --policy, --extra, --luks, --capture-initramfs
  std::optional<std::string> initramfs_size;  // the estimate policy's capture initramfs size
};

std::string firmware_text(Firmware f) {
  switch (f) {
    case Firmware::uefi: return "uefi";
    case Firmware::bios: return "bios";
    case Firmware::unknown: break;
  }
  return "unknown";
}

// Every fact that was found, as (name, value, source), in a fixed order.
struct FactLine {
  std::string name;
  nlohmann::json value;
  std::string text;
  std::string source;
};

std::vector<FactLine> fact_lines(const SystemFacts& f) {
  std::vector<FactLine> out;
  auto add = [&](const char* name, const auto& fact, nlohmann::json v, std::string text) {
    if (fact) out.push_back({name, std::move(v), std::move(text), fact->source});
  };
  auto yes_no = [](bool b) { return std::string(b ? "yes" : "no"); };
  if (f.arch) add("arch", f.arch, std::string(arch_name(f.arch->value)), std::string(arch_name(f.arch->value)));
  add("kernel_release", f.kernel_release, f.kernel_release ? f.kernel_release->value : "",
      f.kernel_release ? f.kernel_release->value : "");
  if (f.memory_bytes)
    add("memory_bytes", f.memory_bytes, f.memory_bytes->value, human_size(f.memory_bytes->value));
  if (f.online_cpus)
    add("online_cpus", f.online_cpus, f.online_cpus->value, std::to_string(f.online_cpus->value));
  if (f.page_size) add("page_size", f.page_size, f.page_size->value, human_size(f.page_size->value));
  if (f.firmware)
    add("firmware", f.firmware, firmware_text(f.firmware->value), firmware_text(f.firmware->value));
  if (f.secure_boot) add("secure_boot", f.secure_boot, f.secure_boot->value, yes_no(f.secure_boot->value));
  if (f.loader_info) add("loader_info", f.loader_info, f.loader_info->value, f.loader_info->value);
  if (f.luks) add("luks", f.luks, f.luks->value, yes_no(f.luks->value));
  if (f.luks_kdf_memory)
    add("luks_kdf_memory", f.luks_kdf_memory, f.luks_kdf_memory->value, human_size(f.luks_kdf_memory->value));
  if (f.memory_encryption)
    add("memory_encryption", f.memory_encryption, f.memory_encryption->value,
        yes_no(f.memory_encryption->value));
  if (f.mlx5) add("mlx5", f.mlx5, f.mlx5->value, yes_no(f.mlx5->value));
  if (f.arm_smmu) add("arm_smmu", f.arm_smmu, f.arm_smmu->value, yes_no(f.arm_smmu->value));
  if (f.fadump) add("fadump", f.fadump, f.fadump->value, yes_no(f.fadump->value));
  if (f.capture_cpus)
    add("capture_cpus", f.capture_cpus, f.capture_cpus->value, std::to_string(f.capture_cpus->value));
  if (f.capture_initramfs) {
    const auto& c = f.capture_initramfs->value;
    nlohmann::json v = {{"path", c.path},
                        {"bytes", c.bytes},
                        {"unpacked_bytes", c.unpacked_bytes ? nlohmann::json(*c.unpacked_bytes) : nlohmann::json(nullptr)},
                        {"layout", c.layout}};
    if (!c.unpacked_bytes) v["unpacked_unknown"] = c.unpacked_unknown;
    add("capture_initramfs", f.capture_initramfs, v,
        c.path + ", " + human_size(c.bytes) +
            (c.unpacked_bytes ? ", " + human_size(*c.unpacked_bytes) + " unpacked" : std::string()) +
            (c.layout.empty() ? std::string() : " (" + c.layout + ")"));
  }
  return out;
}

nlohmann::json additions_json(const Recommendation& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : r.additions)
    out.push_back({{"kind", std::string(addition_kind_name(a.kind))},
                   {"bytes", a.bytes},
                   {"reason", a.reason},
                   {"source", a.source}});
  return out;
}

nlohmann::json sized_initramfs_json(const Recommendation& r) {
  if (!r.capture_initramfs) return nullptr;
  const SizedInitramfs& c = *r.capture_initramfs;
  return {{"found", c.found},
          {"planned", c.planned},
          {"file_bytes", c.file_bytes},
          {"unpacked_bytes", c.unpacked_bytes},
          {"unpacked_assumed", c.unpacked_assumed},
          {"source", c.source},
          {"bytes_added", c.bytes_added}};
}

nlohmann::json recommendation_json(const Recommendation& r, const SystemFacts& facts, const RunContext& ctx) {
  nlohmann::json fj = nlohmann::json::object();
  for (auto& l : fact_lines(facts)) fj[l.name] = {{"value", l.value}, {"source", l.source}};
  nlohmann::json settings = nlohmann::json::array();
  for (auto& l : ctx.settings.describe(ctx.config))
    settings.push_back({{"key", l.key}, {"value", l.value}, {"origin", l.origin}});
  nlohmann::json warnings = r.warnings;
  for (auto& w : facts.warnings) warnings.push_back(w);
  const Config& config = ctx.config;
  return {
      {"policy", r.policy},
      {"expression", r.expression},
      {"bytes_for_this_machine", r.bytes_for_this_machine},
      {"memory_bytes", r.memory_bytes},
      {"arch", std::string(arch_name(r.arch))},
      {"rationale", r.rationale},
      {"recommended", r.recommended},
      {"policy_bytes", r.policy_bytes},
      {"ram_for_ranges_bytes", r.memory_for_ranges},
      {"min_memory_bytes", r.min_memory},
      {"matched_range", r.matched ? nlohmann::json(format_size(r.matched->range.start) + "-" +
                                                   (r.matched->range.end ? format_size(*r.matched->range.end)
                                                                         : std::string()))
                                  : nlohmann::json(nullptr)},
      {"kernel_model", r.model.label()},
      {"warnings", warnings},
      {"facts", fj},
      {"config_file", config.file ? nlohmann::json(*config.file) : nlohmann::json(nullptr)},
      {"settings", settings},
      {"additions", additions_json(r)},
      {"capture_initramfs", sized_initramfs_json(r)},
      {"notes", r.notes},
      {"calibration_generation", r.generation.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.generation)},
  };
}

void print_text(std::ostream& out, std::ostream& err, const Recommendation& r, const SystemFacts& facts,
                const RunContext& ctx, bool verbose) {
  const Config& config = ctx.config;
  out << "crashkernel=" << r.expression << '\n';
  out << "this machine (" << human_size(r.memory_bytes) << ", " << arch_name(r.arch) << "): ";
  if (r.bytes_for_this_machine)
    out << "reserves " << human_size(r.bytes_for_this_machine) << " (" << r.bytes_for_this_machine
        << " bytes)\n";
  else
    out << "reserves nothing\n";
  for (const auto& l : r.rationale) out << "  " << l << '\n';
  for (const auto& n : r.notes) out << "note: " << n << '\n';
  if (verbose) {
    out << "settings (" << (config.file ? *config.file : std::string("no configuration file")) << "):\n";
    for (const auto& l : ctx.settings.describe(config))
      out << "  " << l.key << " = " << l.value << "  [" << l.origin << "]\n";
    out << "facts:\n";
    for (const auto& l : fact_lines(facts)) out << "  " << l.name << " = " << l.text << "  [" << l.source << "]\n";
  }
  for (const auto& w : facts.warnings) err << "kdump-setup: warning: " << w << '\n';
  for (const auto& w : r.warnings) err << "kdump-setup: warning: " << w << '\n';
}

Result<std::optional<std::uint64_t>> parse_initramfs_size(const std::optional<std::string>& text) {
  if (!text) return std::optional<std::uint64_t>{};
  auto bytes = parse_size_argument(*text);
  if (!bytes || *bytes == 0) {
    Error e = make_error(ErrorKind::usage, "--initramfs-size: '" + *text + "' is not a size");
    e.hints.push_back("the size of the capture initramfs file: 32M, 31176018 (bytes)");
    return fail(e);
  }
  return bytes;
}

Result<int> run_recommend(Invocation& inv, const RecommendOptions& opt) {
  KDUMP_TRY_ASSIGN(auto overrides, parse_fact_options(opt.facts));
  KDUMP_TRY_ASSIGN(auto ctx, open_context(inv, opt.settings));
  SizeRequest request;
  KDUMP_TRY_ASSIGN(request.initramfs_bytes, parse_initramfs_size(opt.initramfs_size));
  KDUMP_TRY_ASSIGN(auto facts, gather_facts(ctx.fact_source(), overrides));
  use_next_boot_release(ctx, facts, overrides.kernel_release.has_value());
  KDUMP_TRY_ASSIGN(auto r, size_for_machine(ctx, facts, request));

  if (inv.global.json)
    print_json_report(*inv.out, recommendation_json(r, facts, ctx), "recommend", exit_ok);
  else if (!inv.global.quiet)
    print_text(*inv.out, *inv.err, r, facts, ctx, inv.global.verbose);
  return exit_ok;
}

}  // namespace

void add_recommend_verb(CLI::App& app, Invocation& inv) {
  auto opt = std::make_shared<RecommendOptions>();
  auto* sub = app.add_subcommand("recommend", "Size a crashkernel= value for this machine with a "
                                              "policy, and say why");
  add_fact_options(*sub, opt->facts, FactOptionSet::with_release);
  add_sizing_setting_options(*sub, opt->settings);
  sub->add_option("--initramfs-size", opt->initramfs_size,
                  "Size of the capture initramfs file (policies with a capture initramfs term: estimate); "
                  "wins over the file found or configured, whose unpacked size is then not used")
      ->type_name("SIZE");
  sub->callback([&inv, opt] { inv.run = [&inv, opt] { return run_recommend(inv, *opt); }; });
}

}  // namespace kdump::cli
