#include "backends/registry.hpp"

#include "backends/bls/bls_backend.hpp"
#include "backends/grub2/grub2_backend.hpp"
#include "backends/systemd_boot/systemd_boot_backend.hpp"

namespace kdump {

std::vector<std::unique_ptr<Backend>> all_backends() {
  std::vector<std::unique_ptr<Backend>> b;
  b.push_back(std::make_unique<SystemdBootBackend>());  // before bls: same entry format, no GRUB
  b.push_back(std::make_unique<BlsBackend>());  // before grub2: Fedora has /etc/default/grub too
  b.push_back(std::make_unique<Grub2Backend>());
  return b;
}

Result<const Backend*> choose_backend(const std::vector<std::unique_ptr<Backend>>& backends,
                                      const std::string& requested, BootModel& model,
                                      std::string* reason) {
  std::vector<std::string> reasons;
  for (const auto& b : backends) {
    if (requested != "auto" && b->name() != requested) continue;
    Detection d = b->detect(model);
    if (d.applies) {
      if (reason) *reason = d.reason;
      const auto n = b->name();
      model.set_active(n == "grub2" ? BootLoader::grub : n == "bls" ? BootLoader::bls : BootLoader::sdboot);
      return b.get();
    }
    reasons.push_back(std::string(b->name()) + ": " + d.reason);
  }
  if (reasons.empty())
    return fail(make_error(ErrorKind::usage, "--backend: unknown backend '" + requested + "'"));
  Error e = make_error(ErrorKind::unsupported,
                       requested == "auto" ? "no supported boot loader found in " + model.files().root_path()
                                           : "the " + requested + " backend does not apply to " +
                                                 model.files().root_path());
  e.hints = reasons;
  return fail(e);
}

}  // namespace kdump
