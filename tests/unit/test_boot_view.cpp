// backends/common/boot_view + core/next_boot_check on the real-world golden trees: every
// plan a backend makes for its golden case (reserve and the remove that follows) reaches
// the entry that boots next, or says that the next boot is unknown here; never a refusal
// of a plan that is right. And the loader the firmware names (LoaderInfo) wins over a
// --backend that writes another loader's files.
#include <gtest/gtest.h>

#include <filesystem>

#include "backends/bls/bls_backend.hpp"
#include "backends/common/boot_view.hpp"
#include "backends/grub2/grub2_backend.hpp"
#include "backends/systemd_boot/systemd_boot_backend.hpp"
#include "golden_support.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using namespace golden;  // NOLINT: the shared golden-test helpers

const fs::path kGoldenRoot = fs::path(KDUMP_SOURCE_DIR) / "golden";

const Backend& backend_for(const std::string& kind, BootLoader& loader) {
  static const Grub2Backend grub2;
  static const BlsBackend bls;
  static const SystemdBootBackend sdboot;
  loader = kind == "grub2" ? BootLoader::grub : kind == "bls" ? BootLoader::bls : BootLoader::sdboot;
  if (kind == "grub2") return grub2;
  if (kind == "bls") return bls;
  return sdboot;
}

NextBootReport judge(const BootModel& before, const Plan& plan, const ReserveRequest& req) {
  auto after = before.after(plan);
  EXPECT_TRUE(after);
  NextBootInput in;
  in.before = boot_view(before);
  in.after = boot_view(*after);
  in.request = req;
  in.arch = Arch::x86_64;
  in.memory = 8ull << 30;
  in.kept = plan.kept;
  return check_next_boot(in);
}

TEST(NextBootGolden, EveryGoldenPlanReachesOrSaysItCannotKnow) {
  int reached = 0, unknown = 0;
  for (const char* kind : {"grub2", "bls", "systemd-boot"})
    for (const auto& dir : cases(kGoldenRoot / kind)) {
      Scratch s(dir / "root");
      RootDir root = open_root(s.dir);
      BootModel model = model_of(root);
      BootLoader loader;
      const Backend& be = backend_for(kind, loader);
      model.set_active(loader);
      const ReserveRequest req = request_from_args(read_file(dir / "args"));
      auto plan = be.plan(model, req);
      if (!plan) continue;  // refused by the backend already (pinned in expected.txt)
      for (const auto& r : {req, remove_like(req)}) {
        auto p = r.action == req.action ? *plan : be.plan(model, r);
        if (!p) continue;
        auto rep = judge(model, *p, r);
        EXPECT_FALSE(rep.refused()) << dir << " (" << (r.action == ReserveRequest::Action::set ? "reserve" : "remove")
                                    << "): " << rep.message;
        (rep.verdict == NextBootVerdict::reaches ? reached : unknown) += 1;
        if (rep.verdict == NextBootVerdict::unknown) EXPECT_FALSE(rep.warnings.empty()) << dir;
      }
    }
  // Most trees carry a kernel or entries; those without say "unknown" with a warning.
  EXPECT_GE(reached, 60);
  EXPECT_GE(unknown, 1);
}

TEST(NextBootView, LoaderInfoNamesTheLoaderThatBoots) {
  Scratch s(kGoldenRoot / "systemd-boot" / "loader-heptasean-default-without-suffix" / "root");
  write_file(s.dir / "etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet\"\n");
  write_file(s.dir / "boot/grub/grub.cfg", "# generated\n");
  write_file(s.dir / "boot/vmlinuz-6.1.0-13-amd64", "");
  std::string info("\x06\x00\x00\x00", 4);
  for (char c : std::string("systemd-boot 254.5")) info += std::string{c, '\0'};
  info.append(2, '\0');
  write_file(s.dir / "sys/firmware/efi/efivars" / ("LoaderInfo-" + std::string(sdboot::kLoaderGuid)), info);
  FactSource src;
  src.root = s.dir;
  src.probe_block_devices = false;
  auto facts = gather_facts(src, {});
  ASSERT_TRUE(facts);
  RootDir root = open_root(s.dir);
  BootModel model = model_of(root, *facts);
  model.set_active(BootLoader::grub);  // --backend grub2
  ASSERT_EQ(firmware_loader(model), BootLoader::sdboot);
  BootView v = boot_view(model, firmware_loader(model));
  EXPECT_EQ(v.loader, "systemd-boot");
  EXPECT_NE(v.loader_note.find("LoaderInfo"), std::string::npos) << v.loader_note;
  ASSERT_TRUE(v.next);
  EXPECT_EQ(v.entries[*v.next].id, "arch-default.conf");
  EXPECT_TRUE(v.next_uncertain.empty());  // the EFI variables were read
  model.set_active(BootLoader::sdboot);
  EXPECT_EQ(firmware_loader(model), std::nullopt);
}

}  // namespace
}  // namespace kdump
