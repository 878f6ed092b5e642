// The interface every boot-loader backend implements (backends/<name>/). core defines
// it; backends/ implements it; cli/ is the only place that knows every backend.
// plan() is read-only: it returns a Plan and never writes.
//
// Every method takes the boot model (backends/common/boot_model.hpp), loaded once per
// run from the facts and the boot files: the backends are siblings that read the tree
// only through it. core sees the model as an opaque type and only passes it along.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.hpp"
#include "core/uki_signing.hpp"
#include "util/result.hpp"

namespace kdump {

class BootModel;  // backends/common/boot_model.hpp

// Which kernels/entries to touch: "all", "default", or one release.
struct KernelSelection {
  enum class Kind { all, default_entry, release };
  Kind kind = Kind::all;
  std::string release;  // when kind == release
};

struct ReserveRequest {
  enum class Action { set, remove };
  Action action = Action::set;
  std::string value;          // the crashkernel= value to write (already validated)
  KernelSelection kernel;
  bool no_update = false;     // list regeneration commands instead of running them
  // Secure Boot on a UKI boot (core/uki_signing.hpp): the key and certificate of
  // kdump-setup's configuration ([uki]; empty: the backend reads /etc/kernel/uki.conf),
  // and what signs an add-on with them (the CLI runs sbsign; unset: nothing can sign).
  uki::KeySetting uki_key, uki_cert;
  // `reserve auto`: the policy's figure for this machine (bytes); a UKI backend may then
  // pick the distribution's signed add-on that meets it.
  std::optional<std::uint64_t> policy_bytes;
  std::function<Result<std::string>(const uki::SigningKeys&, std::string_view)> sign_addon;
};

// Does this backend apply to the tree, and why (shown with -v and in status).
struct Detection {
  bool applies = false;
  std::string reason;         // "/etc/default/grub and /boot/grub/grub.cfg exist"
};

// A crashkernel= value as configured in one place (file + where in it).
struct ConfiguredValue {
  std::string file;           // "/etc/default/grub"
  std::string where;          // "GRUB_CMDLINE_LINUX", "options (entry foo.conf)"
  std::string value;          // text after "crashkernel=", as written
  // true: the entry booted next carries it. false: configured elsewhere (another
  // entry, what future kernels inherit) - it counts for --if-unset, not for verify.
  bool next_boot = true;
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  virtual Detection detect(const BootModel& model) const = 0;
  // The crashkernel= values the next boot will carry, per file.
  virtual Result<std::vector<ConfiguredValue>> configured(const BootModel& model) const = 0;
  virtual Result<Plan> plan(const BootModel& model, const ReserveRequest& request) const = 0;
};

}  // namespace kdump
