// The GRUB2 backend (docs/kdump-setup.8.md, FILES): crashkernel= goes into GRUB_CMDLINE_LINUX, which
// grub-mkconfig puts on every Linux entry, recovery entries included
// (GRUB_CMDLINE_LINUX_DEFAULT reaches only the normal ones: grub-mkconfig's 10_linux).
//
// The edit of /etc/default/grub and its drop-ins is backends/common/grub_defaults_plan
// (shared with the bls backend); this backend adds the grub.cfg regeneration command
// (update-grub, grub-mkconfig -o CFG), which the apply step runs only on the running
// system (under --root it would regenerate the host's grub.cfg).
#pragma once

#include <optional>
#include <string>

#include "core/backend.hpp"

namespace kdump {

class Grub2Backend : public Backend {
public:
  std::string_view name() const override { return "grub2"; }
  Detection detect(const BootModel& model) const override;
  Result<std::vector<ConfiguredValue>> configured(const BootModel& model) const override;
  Result<Plan> plan(const BootModel& model, const ReserveRequest& request) const override;
};

}  // namespace kdump
