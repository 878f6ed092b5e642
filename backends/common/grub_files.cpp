#include "backends/common/grub_files.hpp"

namespace kdump {
namespace {

bool is_stub(const BootFiles& files, const std::string& path) {
  auto t = files.read_text(path, 1u << 20);
  return t && t->size() < 256 && t->find("configfile") != std::string::npos;
}

}  // namespace

std::optional<std::string> grub_cfg_path(const BootFiles& files, const SystemFacts& facts) {
  std::optional<std::string> efi;
  if (auto dirs = files.list("/boot/efi/EFI")) {
    for (const auto& v : *dirs) {
      const std::string p = "/boot/efi/EFI/" + v + "/grub.cfg";
      if (files.exists(p) && !is_stub(files, p)) {
        efi = p;
        break;
      }
    }
  }
  const bool uefi = facts.firmware && facts.firmware->value == Firmware::uefi;
  if (efi && uefi) return efi;
  for (const char* p : {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"})
    if (files.exists(p) && !is_stub(files, p)) return std::string(p);
  return efi;
}

std::optional<Command> grub_regeneration_command(const BootFiles& files, const SystemFacts& facts) {
  auto cfg = grub_cfg_path(files, facts);
  if (!cfg) return std::nullopt;
  Command c;
  c.reason = "regenerate " + *cfg + " from /etc/default/grub";
  if (*cfg == "/boot/grub/grub.cfg") {
    for (const char* p : {"/usr/sbin/update-grub", "/sbin/update-grub"})
      if (files.exists(p)) {
        c.argv = {p};
        return c;
      }
  }
  for (const char* p : {"/usr/sbin/grub-mkconfig", "/sbin/grub-mkconfig", "/usr/bin/grub-mkconfig",
                        "/usr/sbin/grub2-mkconfig", "/sbin/grub2-mkconfig", "/usr/bin/grub2-mkconfig"})
    if (files.exists(p)) {
      c.argv = {p, "-o", *cfg};
      return c;
    }
  return std::nullopt;
}

}  // namespace kdump
