// The configuration file: /etc/kdump-setup.toml under the root, or --config FILE.
// Format: docs/kdump-setup.toml.5.md. Every setting keeps its origin ("FILE:LINE" or
// "built-in default") so `recommend --verbose` can say where each came from. Unknown
// keys and bad values are ErrorKind::config errors with file, line and column (exit 2).
// toml++ is used only in this module (docs/contract.md §2).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.hpp"
#include "core/sizing.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"

namespace kdump {

template <typename T>
struct Setting {
  T value{};
  std::string origin = "built-in default";
};

constexpr std::string_view default_config_path = "/etc/kdump-setup.toml";

struct Config {
  std::optional<std::string> file;  // the file read, as shown to the user; nullopt: none

  Setting<std::string> policy{std::string(default_policy_name)};
  SizingSettings sizing;
  Setting<std::string> backend{"auto"};  // auto | grub2 | bls | systemd-boot
  Setting<std::string> kernel{"all"};    // all | default | a kernel release
  Setting<bool> update{true};            // run the regeneration commands (--no-update: false)
  // The capture initramfs to size for, an absolute path below the root ("{release}" =
  // the target kernel release); empty: look in the kdump tools' places
  // (core/facts.hpp find_capture_initramfs).
  Setting<std::string> capture_initramfs{""};
  // [uki] secureboot_private_key / secureboot_certificate: what signs kdump-setup's UKI
  // add-on under Secure Boot (absolute paths below the root); empty: /etc/kernel/uki.conf.
  Setting<std::string> uki_secureboot_private_key{""};
  Setting<std::string> uki_secureboot_certificate{""};

  // Built-in policies as the file modified them, then the file's own, in file order.
  std::vector<Policy> policies = builtin_policies();

  const Policy* find_policy(std::string_view name) const;
};

// Parses a configuration text; `shown_path` names it in origins and errors.
Result<Config> parse_config(std::string_view text, std::string_view shown_path);

// Reads the configuration: `explicit_file` (--config, a path on this machine; it must
// exist) or /etc/kdump-setup.toml inside `root` (absent: the built-in defaults).
Result<Config> load_config(const RootDir& root, const std::optional<std::string>& explicit_file);
Result<Config> load_config(const std::filesystem::path& root,
                           const std::optional<std::string>& explicit_file);

// The capture_initramfs setting, when set, replaces the capture initramfs the facts
// found in the kdump tools' places (read below the source's root for the facts' kernel
// release). Errors: the file cannot be read, or "{release}" without a kernel release.
Result<Ok> apply_capture_initramfs(const Setting<std::string>& setting, const FactSource& source,
                                   SystemFacts& facts);

// Resolves the policy to use: `requested` (--policy) or the configured one. Errors name
// the known policies (ErrorKind::usage for --policy, config for the file's setting).
Result<const Policy*> select_policy(const Config& config, const std::optional<std::string>& requested);

}  // namespace kdump
