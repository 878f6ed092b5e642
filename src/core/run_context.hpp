// The run context: what every verb stands on, built once per run before the verb acts.
//   - the root, opened once (every later read goes through this RootDir: the facts
//     step gets it in FactSource::dir, the backends and the apply step take it);
//   - the configuration file (/etc/kdump-setup.toml below the root, or --config),
//     read once for every verb, so a bad file stops every verb (exit 2, file:line:column);
//   - every setting resolved in one place, command line > configuration file >
//     built-in default, each with its origin ("--policy", "FILE:LINE",
//     "built-in default"). `recommend -v` prints exactly these lines, and `reserve`
//     uses exactly these values.
// The facts are gathered beside it (core/facts.hpp), with the verb's own overrides.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "core/config.hpp"
#include "core/facts.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"

namespace kdump {

// What the command line said about a setting; nullopt: not given.
struct SettingOverrides {
  std::optional<std::string> policy;             // --policy NAME
  std::optional<std::string> backend;            // --backend auto|grub2|bls|systemd-boot
  std::optional<std::string> kernel;             // --kernel all|default|RELEASE
  std::optional<bool> update;                    // --no-update: false
  std::optional<std::string> extra;              // --extra SIZE
  std::optional<std::string> luks;               // --luks auto|off|SIZE
  std::optional<std::string> capture_initramfs;  // --capture-initramfs PATH
};

// One setting as shown by `recommend --verbose` and in its JSON "settings".
struct SettingLine {
  std::string key, value, origin;
};

// Every setting a verb may use, resolved.
struct Settings {
  Setting<std::string> policy{std::string(default_policy_name)};
  Setting<std::string> backend{"auto"};
  Setting<std::string> kernel{"all"};
  Setting<bool> update{true};
  SizingSettings sizing;                      // extra (and per arch), luks
  Setting<std::string> capture_initramfs{""};  // empty: the kdump tools' places
  // The add-on signing key and certificate ([uki] in the configuration file only; empty:
  // the systemd-boot backend takes ukify's, /etc/kernel/uki.conf).
  Setting<std::string> uki_secureboot_private_key{""};
  Setting<std::string> uki_secureboot_certificate{""};

  KernelSelection kernel_selection() const;
  // Fixed order: policy, extra, extra.ARCH..., luks, backend, kernel, update,
  // capture_initramfs, then the configuration file's own policies.
  std::vector<SettingLine> describe(const Config& config) const;
};

// Resolves every setting: `cli` over `config` over the built-in defaults. Errors are
// ErrorKind::usage naming the option (an unknown --policy, a --kernel or --extra that
// cannot be one).
Result<Settings> resolve_settings(const Config& config, const SettingOverrides& cli);

struct RunContext {
  std::filesystem::path root_path;  // as given (--root), for messages
  RootDir root;
  Config config;
  Settings settings;

  // The policy the settings name (resolve_settings made sure it exists).
  const Policy& policy() const;
  // Where the facts step reads: this root, already open.
  FactSource fact_source(bool probe_block_devices = true) const;
};

// Opens the root, loads the configuration (`config_file`: --config, else
// /etc/kdump-setup.toml below the root) and resolves the settings.
Result<RunContext> open_run_context(const std::filesystem::path& root,
                                    const std::optional<std::string>& config_file,
                                    const SettingOverrides& cli);

}  // namespace kdump
