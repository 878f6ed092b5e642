// Signing kdump-setup's systemd-stub add-on for Secure Boot with the key the admin signs
// UKIs with. systemd-stub loads an add-on through the firmware's LoadImage, so under
// Secure Boot its Authenticode signature must be accepted by db or shim's MOK list
// (systemd-stub(7) "Companion files"); an unsigned one is skipped at boot.
//
// Where the key comes from, first found wins:
//   1. kdump-setup's configuration: [uki] secureboot_private_key, secureboot_certificate
//      (core/config.hpp; absolute paths below --root);
//   2. ukify's configuration as kernel-install's 60-ukify.install passes it,
//      /etc/kernel/uki.conf: section [UKI], SecureBootPrivateKey=, SecureBootCertificate=
//      (ukify 257 CONFIG_ITEMS config_key 'UKI/SecureBootPrivateKey' ...; read with
//      Python's configparser: delimiter '=', keys case-sensitive, '#' and ';' comments,
//      a later assignment wins). SecureBootSigningTool= may name sbsign or
//      systemd-sbsign (the same PE/COFF signature); pesign (an NSS database, no key file)
//      is refused.
// Signing is what ukify's SbSign does: `sbsign --key KEY --cert CERT IN --output OUT`
// (sbsigntool). The key and certificate are read through RootDir and handed to sbsign in
// a private temporary directory, so nothing outside --root is read.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/root_dir.hpp"
#include "util/runner.hpp"

namespace kdump::uki {

struct KeySetting {
  std::string path;    // absolute, below the root; empty: not set
  std::string origin;  // "/etc/kernel/uki.conf:3", "/etc/kdump-setup.toml:7"
};

struct UkiConf {
  KeySetting key, cert;
  std::string signing_tool;  // SecureBootSigningTool=, empty when unset
  std::string signing_tool_origin;
};

// Parses ukify's configuration text. ErrorKind::parse with FILE:LINE:COLUMN for a line
// that is neither a section header, a comment, blank, a continuation nor KEY=VALUE.
Result<UkiConf> parse_uki_conf(std::string_view text, std::string_view file);

struct SigningKeys {
  KeySetting key, cert;
};

// The key and certificate to sign with: kdump-setup's settings (either one set: both must
// be), else uki.conf's (`conf`: nullopt when the file does not exist). ErrorKind::unsupported
// (exit 3) naming exactly what is missing, or the signing tool that kdump-setup cannot use.
Result<SigningKeys> choose_signing_keys(const KeySetting& config_key, const KeySetting& config_cert,
                                        const std::optional<UkiConf>& conf, std::string_view conf_file);

// Signs the PE image `pe` with sbsign (found in PATH) and returns the signed bytes.
// ErrorKind::io/unsafe_path reading the key or certificate, ErrorKind::command when sbsign
// cannot run or fails (its output in the message).
Result<std::string> sbsign(const RootDir& root, Runner& runner, const SigningKeys& keys, std::string_view pe);

}  // namespace kdump::uki
