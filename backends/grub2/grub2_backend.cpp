#include "backends/grub2/grub2_backend.hpp"

#include <fcntl.h>

#include <cstring>

#include <algorithm>
#include <map>
#include <set>

#include "backends/common/boot_model.hpp"
#include "backends/common/grub_defaults.hpp"
#include "backends/common/grub_defaults_plan.hpp"
#include "backends/common/grub_files.hpp"
#include "grammar/cmdline_edit.hpp"

namespace kdump {

namespace {

constexpr auto kGrub = cmdline::Dialect::grub;

}  // namespace

Detection Grub2Backend::detect(const BootModel& model) const {
  const BootFiles& root = model.files();
  Detection det;
  if (root.exists("/run/ostree-booted")) {
    det.reason = "/run/ostree-booted exists: kernel arguments of rpm-ostree/bootc systems are "
                 "changed with `rpm-ostree kargs`, not through GRUB's files";
    return det;
  }
  if (!root.exists(grub2::kMainFile)) {
    det.reason = std::string(grub2::kMainFile) + " does not exist";
    // A symlink loop or a dangling link is not "no GRUB": say what is there.
    if (auto r = root.read(grub2::kMainFile); !r && r.error().sys_errno != ENOENT)
      det.reason = std::string(grub2::kMainFile) + ": " + std::strerror(r.error().sys_errno);
    return det;
  }
  const auto& cfg = model.grub_cfg();
  if (!cfg) {
    det.reason = std::string(grub2::kMainFile) +
                 " exists, but no grub.cfg under /boot (/boot/grub/grub.cfg, /boot/grub2/grub.cfg, "
                 "/boot/efi/EFI/*/grub.cfg)";
    return det;
  }
  // GRUB reading BLS entries: the bls backend's job.
  if (const auto& vars = model.grub_vars()) {
    const auto& bls = vars->get("GRUB_ENABLE_BLSCFG");
    auto entries = root.list("/boot/loader/entries");
    const bool has_entries = entries && std::any_of(entries->begin(), entries->end(), [](const std::string& n) {
                               return n.ends_with(".conf");
                             });
    if (bls.set && bls.text() == "true" && has_entries) {
      det.reason = "GRUB_ENABLE_BLSCFG=true and /boot/loader/entries has entries: GRUB boots "
                   "BLS entries here (the bls backend edits them)";
      return det;
    }
  }
  det.applies = true;
  det.reason = std::string(grub2::kMainFile) + " and " + *cfg + " exist";
  return det;
}

Result<std::vector<ConfiguredValue>> Grub2Backend::configured(const BootModel& model) const {
  const auto& d = model.grub_defaults();
  if (!d) return fail(d.error());
  const auto& ev = *model.grub_vars();
  std::vector<ConfiguredValue> out;
  for (const auto& var : grub2::cmdline_variables()) {
    const auto& v = ev.get(var);
    const std::string text = v.text();
    for (const auto& w : cmdline::crashkernel_words(text, kGrub)) {
      auto o = v.origin_of(w.begin, w.end);
      ConfiguredValue c;
      c.file = o ? d->sources[o->source].path : std::string(grub2::kMainFile);
      c.where = var;
      c.value = w.value;
      out.push_back(std::move(c));
    }
  }
  return out;
}

Result<Plan> Grub2Backend::plan(const BootModel& model, const ReserveRequest& request) const {
  const BootFiles& root = model.files();
  Plan plan;
  plan.backend = "grub2";
  if (root.exists("/run/ostree-booted"))
    return fail(make_error(ErrorKind::unsupported,
                           "this is an rpm-ostree/bootc system (/run/ostree-booted): use "
                           "`rpm-ostree kargs`, GRUB's files are generated there"));
  if (request.kernel.kind == KernelSelection::Kind::release) {
    Error e = make_error(ErrorKind::usage, "the grub2 backend writes GRUB_CMDLINE_LINUX, which every "
                                           "kernel gets; it cannot choose kernel " +
                                               request.kernel.release);
    e.hints.push_back("use --kernel all, or the bls backend on systems with BLS entries");
    return fail(std::move(e));
  }
  if (request.kernel.kind == KernelSelection::Kind::default_entry)
    plan.notes.push_back("GRUB_CMDLINE_LINUX applies to every kernel, not only the default entry");

  auto edited = plan_grub_defaults(model, request, false);
  if (!edited) return fail(std::move(edited).error());
  plan.edits = std::move(edited->edits);
  plan.examined = std::move(edited->examined);
  plan.notes.insert(plan.notes.end(), edited->notes.begin(), edited->notes.end());
  plan.kept = std::move(edited->kept);

  if (plan.changes_anything()) {
    // Listed for every root; the apply step runs them only on the running system (under
    // --root, update-grub would write the host's grub.cfg).
    auto cmd = grub_regeneration_command(root, model.facts());
    if (cmd) {
      if (!root.is_host_root())
        plan.notes.push_back("--root: run " + cmd->argv.front() +
                             " inside that system (for example in a chroot) to regenerate its grub.cfg");
      plan.commands.push_back(std::move(*cmd));
    } else {
      plan.notes.push_back("no update-grub, grub-mkconfig or grub2-mkconfig found: regenerate "
                           "grub.cfg yourself");
    }
  }
  return plan;
}

}  // namespace kdump
