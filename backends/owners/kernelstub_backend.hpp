// kernelstub (Pop!_OS): the systemd-boot entry <ESP>/loader/entries/<OS>-current.conf,
// the kernel copy on the ESP and the NVRAM entry are all written by kernelstub from
// "user"."kernel_options" of /etc/kernelstub/configuration (kernelstub/config.py,
// application.py of pop-os/kernelstub). kdump-setup works through it: it edits that
// list and runs (or, under --root, lists) `kernelstub`, which rewrites the entries.
// Only a file exactly as kernelstub's save_config() writes it (json.dump, indent 2, no
// final newline, keys in their order) with "kernel_options" a list of strings is edited
// this way, so that the edit changes nothing else; any other file is refused with the
// command (core/owner_tools.hpp).
#pragma once

#include <optional>
#include <string>

#include "core/backend.hpp"

namespace kdump {

class KernelstubBackend final : public Backend {
public:
  std::string_view name() const override { return "kernelstub"; }
  Detection detect(const RootDir& root, const SystemFacts& facts) const override;
  Result<std::vector<ConfiguredValue>> configured(const RootDir& root,
                                                  const SystemFacts& facts) const override;
  Result<Plan> plan(const RootDir& root, const SystemFacts& facts,
                    const ReserveRequest& request) const override;
};

}  // namespace kdump
