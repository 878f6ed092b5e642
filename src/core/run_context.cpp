#include "core/run_context.hpp"

#include <cassert>

#include "grammar/memparse.hpp"

namespace kdump {
namespace {

Error option_error(const std::string& option, const std::string& message, std::string hint) {
  Error e = make_error(ErrorKind::usage, option + ": " + message);
  if (!hint.empty()) e.hints.push_back(std::move(hint));
  return e;
}

std::string policy_names(const Config& config) {
  std::string names;
  for (const auto& p : config.policies) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

Result<Setting<std::string>> resolve_policy(const Config& config, const std::optional<std::string>& cli) {
  if (!cli) return config.policy;
  if (!config.find_policy(*cli))
    return fail(option_error("--policy", "unknown policy '" + *cli + "'", "known policies: " + policy_names(config)));
  return Setting<std::string>{*cli, "--policy"};
}

// The configuration file's rule for `kernel` (core/config.cpp), for --kernel.
Result<Setting<std::string>> resolve_kernel(const Config& config, const std::optional<std::string>& cli) {
  if (!cli) return config.kernel;
  if (cli->empty() || cli->find_first_of(" \t\n/") != std::string::npos)
    return fail(option_error("--kernel", "'" + *cli + "' is not all, default or a kernel release",
                             "write --kernel all, --kernel default or --kernel 6.1.0-28-amd64"));
  return Setting<std::string>{*cli, "--kernel"};
}

Result<SizingSettings> resolve_sizing(const Config& config, const SettingOverrides& cli) {
  SizingSettings s = config.sizing;
  if (cli.extra) {
    auto bytes = parse_size_argument(*cli.extra);
    if (!bytes)
      return fail(option_error("--extra", "'" + *cli.extra + "' is not a size", "write it as 64M, 1G or bytes"));
    s.extra = SizeSetting{*bytes, "--extra"};
  }
  if (cli.luks) {
    LuksSetting l;
    l.origin = "--luks";
    if (*cli.luks == "auto") {
      l.mode = LuksMode::automatic;
    } else if (*cli.luks == "off") {
      l.mode = LuksMode::off;
    } else if (auto bytes = parse_size_argument(*cli.luks)) {
      l.mode = LuksMode::fixed;
      l.bytes = *bytes;
    } else {
      return fail(option_error("--luks", "expected auto, off or a size such as 1G, not '" + *cli.luks + "'", ""));
    }
    s.luks = l;
  }
  return s;
}

Result<Setting<std::string>> resolve_capture_initramfs(const Config& config, const std::optional<std::string>& cli) {
  if (!cli) return config.capture_initramfs;
  if (cli->empty() || cli->front() != '/' || cli->find('\n') != std::string::npos)
    return fail(option_error("--capture-initramfs", "expected an absolute path such as "
                                                    "/var/lib/kdump/initrd.img-{release}, not '" + *cli + "'",
                             ""));
  return Setting<std::string>{*cli, "--capture-initramfs"};
}

std::string size_text(std::uint64_t b) { return b ? format_size(b) : "0"; }

}  // namespace

KernelSelection Settings::kernel_selection() const {
  KernelSelection k;
  if (kernel.value == "all") {
    k.kind = KernelSelection::Kind::all;
  } else if (kernel.value == "default") {
    k.kind = KernelSelection::Kind::default_entry;
  } else {
    k.kind = KernelSelection::Kind::release;
    k.release = kernel.value;
  }
  return k;
}

std::vector<SettingLine> Settings::describe(const Config& config) const {
  std::vector<SettingLine> out;
  out.push_back({"policy", policy.value, policy.origin});
  out.push_back({"extra", size_text(sizing.extra.bytes), sizing.extra.origin});
  for (const auto& [a, s] : sizing.arch_extra)
    out.push_back({"extra." + std::string(arch_name(a)), size_text(s.bytes), s.origin});
  std::string luks = sizing.luks.mode == LuksMode::automatic ? "auto"
                     : sizing.luks.mode == LuksMode::off     ? "off"
                                                             : size_text(sizing.luks.bytes);
  out.push_back({"luks", luks, sizing.luks.origin});
  out.push_back({"backend", backend.value, backend.origin});
  out.push_back({"kernel", kernel.value, kernel.origin});
  out.push_back({"update", update.value ? "true" : "false", update.origin});
  out.push_back({"capture_initramfs",
                 capture_initramfs.value.empty() ? "(the kdump tools' places)" : capture_initramfs.value,
                 capture_initramfs.origin});
  for (const auto* k : {&uki_secureboot_private_key, &uki_secureboot_certificate})
    if (!k->value.empty())
      out.push_back({k == &uki_secureboot_private_key ? "uki.secureboot_private_key" : "uki.secureboot_certificate",
                     k->value, k->origin});
  for (const auto& p : config.policies)
    if (p.origin != "built-in") out.push_back({"policies." + p.name, p.description, p.origin});
  return out;
}

Result<Settings> resolve_settings(const Config& config, const SettingOverrides& cli) {
  Settings s;
  KDUMP_TRY_ASSIGN(s.policy, resolve_policy(config, cli.policy));
  s.backend = cli.backend ? Setting<std::string>{*cli.backend, "--backend"} : config.backend;
  KDUMP_TRY_ASSIGN(s.kernel, resolve_kernel(config, cli.kernel));
  s.update = cli.update ? Setting<bool>{*cli.update, "--no-update"} : config.update;
  KDUMP_TRY_ASSIGN(s.sizing, resolve_sizing(config, cli));
  KDUMP_TRY_ASSIGN(s.capture_initramfs, resolve_capture_initramfs(config, cli.capture_initramfs));
  s.uki_secureboot_private_key = config.uki_secureboot_private_key;
  s.uki_secureboot_certificate = config.uki_secureboot_certificate;
  return s;
}

const Policy& RunContext::policy() const {
  const Policy* p = config.find_policy(settings.policy.value);
  assert(p);  // resolve_settings and the configuration parser checked the name
  return *p;
}

FactSource RunContext::fact_source(bool probe_block_devices) const {
  FactSource s;
  s.root = root_path;
  s.probe_block_devices = probe_block_devices;
  s.dir = &root;
  return s;
}

Result<RunContext> open_run_context(const std::filesystem::path& root,
                                    const std::optional<std::string>& config_file,
                                    const SettingOverrides& cli) {
  KDUMP_TRY_ASSIGN(auto dir, RootDir::open(root));
  KDUMP_TRY_ASSIGN(auto config, load_config(dir, config_file));
  KDUMP_TRY_ASSIGN(auto settings, resolve_settings(config, cli));
  return RunContext{root, std::move(dir), std::move(config), std::move(settings)};
}

}  // namespace kdump
