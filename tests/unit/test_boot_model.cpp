// The boot model (backends/common/boot_model.hpp): for every golden tree, the entries,
// the entry that boots next and each entry's kernel command line (expected-model.txt in
// the case), the model "after a plan" equal to the model of the written tree, and for
// the GRUB trees the command lines checked against Debian's real grub-mkconfig.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <sstream>

#include "backends/bls/bls_backend.hpp"
#include "backends/common/boot_model.hpp"
#include "backends/common/boot_view.hpp"
#include "backends/grub2/grub2_backend.hpp"
#include "backends/systemd_boot/systemd_boot_backend.hpp"
#include "golden_support.hpp"
#include "grammar/cmdline_edit.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using namespace golden;  // NOLINT: the shared golden-test helpers

const fs::path kGoldenRoot = fs::path(KDUMP_SOURCE_DIR) / "golden";

std::string kind_name(BootEntry::Kind k) { return std::string(entry_kind_name(k)); }

// One loader's view as text: every entry, its command line, and the next boot.
std::string describe(const BootModel& m, BootLoader l) {
  std::ostringstream out;
  const auto& entries = m.entries(l);
  if (entries.empty()) return "";
  out << "[" << to_string(l) << "]\n";
  for (const auto& e : entries) {
    out << kind_name(e.kind) << " " << e.id << " (" << e.path << ", version " << e.version << ")\n";
    if (e.cmdline) out << "  cmdline: " << *e.cmdline << "\n";
    else out << "  cmdline unknown: " << e.cmdline_unknown << "\n";
  }
  std::string why;
  auto next = m.next_boot(l, &why);
  out << "next boot: " << (next ? entries[*next].id : std::string("(none)")) << " (" << why << ")\n";
  return out.str();
}

std::string describe(const BootModel& m) {
  std::string out;
  for (auto l : {BootLoader::grub, BootLoader::bls, BootLoader::sdboot}) out += describe(m, l);
  return out;
}

const Backend& backend_for(const std::string& kind) {
  static const Grub2Backend grub2;
  static const BlsBackend bls;
  static const SystemdBootBackend sdboot;
  if (kind == "grub2") return grub2;
  if (kind == "bls") return bls;
  return sdboot;
}

std::vector<fs::path> all_cases() {
  std::vector<fs::path> out;
  for (const char* k : {"grub2", "bls", "systemd-boot"})
    for (auto& c : golden::cases(kGoldenRoot / k)) out.push_back(c);
  return out;
}

class ModelGolden : public ::testing::TestWithParam<fs::path> {};

// The entries, the next boot and each command line, pinned per case; and after(plan)
// is the model of the tree the plan writes.
TEST_P(ModelGolden, EntriesNextBootCmdlinesAndAfterPlan) {
  const fs::path dir = GetParam();
  const std::string kind = dir.parent_path().filename().string();
  Scratch s(dir / "root");
  RootDir root = open_root(s.dir);
  BootModel model = model_of(root);
  golden::check(dir / "expected-model.txt", describe(model));

  const ReserveRequest req = request_from_args(read_file(dir / "args"));
  auto plan = backend_for(kind).plan(model, req);
  if (!plan) return;  // refusal cases
  auto after = model.after(*plan);
  ASSERT_TRUE(after) << after.error().message;
  apply_edits(s.dir, *plan);
  RootDir written = open_root(s.dir);
  EXPECT_EQ(describe(*after), describe(model_of(written))) << dir.filename();
}

INSTANTIATE_TEST_SUITE_P(Cases, ModelGolden, ::testing::ValuesIn(all_cases()), [](const auto& info) {
  return case_name(info.param.parent_path()) + "_" + case_name(info.param);
});

// The last crashkernel= of a command line (the one the kernel takes), or "".
std::string last_crashkernel(const std::string& cmdline) {
  std::string v;
  for (const auto& w : cmdline::crashkernel_words(cmdline, cmdline::Dialect::grub)) v = w.value;
  return v;
}

// After a successful `reserve V` plan the entry that boots next carries V (for every
// backend and selection the golden cases use); after `remove` it carries none.
TEST(BootModelAfterPlan, NextBootGetsTheValue) {
  int checked = 0;
  for (const auto& dir : all_cases()) {
    const std::string kind = dir.parent_path().filename().string();
    Scratch s(dir / "root");
    RootDir root = open_root(s.dir);
    BootModel model = model_of(root);
    const Backend& be = backend_for(kind);
    ASSERT_TRUE(be.detect(model).applies) << dir;
    model.set_active(kind == "grub2" ? BootLoader::grub : kind == "bls" ? BootLoader::bls : BootLoader::sdboot);
    const ReserveRequest req = request_from_args(read_file(dir / "args"));
    auto plan = be.plan(model, req);
    if (!plan) continue;
    auto after = model.after(*plan);
    ASSERT_TRUE(after);
    const BootEntry* next = after->next_boot();
    if (!next || !next->cmdline) continue;  // no kernel in the tree, or unknown (said why)
    if (req.kernel.kind == KernelSelection::Kind::release && next->version != req.kernel.release) continue;
    const std::string got = last_crashkernel(*next->cmdline);
    if (req.action == ReserveRequest::Action::set)
      EXPECT_EQ(got, req.value) << dir << ": " << next->id << ": " << *next->cmdline;
    else if (!got.empty()) {
      // Only a package's value stays (docs/contract.md), and the plan says so.
      const bool said = std::any_of(plan->notes.begin(), plan->notes.end(), [&](const std::string& n) {
        return n.starts_with("crashkernel=" + got + " stays in ");
      });
      EXPECT_TRUE(said) << dir << ": " << next->id << ": " << *next->cmdline;
    }
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

// --- Debian's real grub-mkconfig --------------------------------------------------------

struct GeneratedEntry {
  std::string title;
  std::vector<std::string> words;  // of the linux line, after the kernel, root=... and ro
};

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& w : cmdline::split_words(text, cmdline::Dialect::grub)) out.emplace_back(w.text);
  return out;
}

// menuentry titles and their linux lines, in grub.cfg order.
std::vector<GeneratedEntry> generated_entries(const std::string& cfg) {
  std::vector<GeneratedEntry> out;
  std::istringstream in(cfg);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    std::string_view l(line);
    l.remove_prefix(first);
    if (l.starts_with("menuentry '")) {
      const auto end = l.find('\'', 11);
      out.push_back({std::string(l.substr(11, end - 11)), {}});
    } else if (l.starts_with("linux\t") && !out.empty()) {
      auto w = words_of(l.substr(6));
      // The kernel path, then 10_linux's root=DEVICE and ro.
      std::vector<std::string> args;
      bool root_seen = false, ro_seen = false;
      for (std::size_t i = 1; i < w.size(); ++i) {
        if (!root_seen && w[i].starts_with("root=")) { root_seen = true; continue; }
        if (root_seen && !ro_seen && w[i] == "ro") { ro_seen = true; continue; }
        args.push_back(w[i]);
      }
      out.back().words = std::move(args);
    }
  }
  return out;
}

// The generated entry the model's entry stands for: the first menuentry for the simple
// one, else the one whose title ends with ", <title>".
const GeneratedEntry* match(const std::vector<GeneratedEntry>& gen, const BootEntry& e) {
  if (e.kind == BootEntry::Kind::grub_simple) return gen.empty() ? nullptr : &gen.front();
  for (const auto& g : gen)
    if (g.title.ends_with(", " + e.title)) return &g;
  return nullptr;
}

// Every GRUB entry of the model, before and after the golden case's plan, has the words
// grub-mkconfig puts on its linux line; every normal and recovery entry grub-mkconfig
// generates is in the model (init-* entries depend on the host's /lib, not the tree).
TEST(BootModelRealMkconfig, CmdlinesAreGrubMkconfigs) {
  std::string why;
  if (!can_run_real_mkconfig(why)) GTEST_SKIP() << why;
  int compared = 0;
  for (const auto& dir : golden::cases(kGoldenRoot / "grub2")) {
    if (fs::exists(dir / "no-mkconfig")) continue;
    Scratch s(dir / "root");
    RootDir root = open_root(s.dir);
    BootModel before = model_of(root);
    const ReserveRequest req = request_from_args(read_file(dir / "args"));
    auto plan = Grub2Backend().plan(before, req);
    std::vector<std::pair<std::string, BootModel>> states;
    states.emplace_back("before", before);
    if (plan) {
      auto after = before.after(*plan);
      ASSERT_TRUE(after);
      states.emplace_back("after", std::move(*after));
    }
    for (auto& [when, model] : states) {
      if (when == "after") apply_edits(s.dir, *plan);
      std::string log;
      auto cfg = real_mkconfig(s.dir, log);
      const auto& entries = model.entries(BootLoader::grub);
      if (!cfg) {
        // Shell code that fails under grub-mkconfig: the model must not claim to know.
        for (const auto& e : entries) EXPECT_FALSE(e.cmdline) << dir.filename() << ": " << e.id << "\n" << log;
        continue;
      }
      const auto gen = generated_entries(*cfg);
      ASSERT_FALSE(entries.empty()) << dir.filename();
      for (const auto& e : entries) {
        const GeneratedEntry* g = match(gen, e);
        ASSERT_NE(g, nullptr) << dir.filename() << " " << when << ": no menuentry for " << e.id << "\n" << *cfg;
        if (!e.cmdline) continue;  // shell code kdump-setup does not run (said in cmdline_unknown)
        EXPECT_EQ(words_of(*e.cmdline), g->words) << dir.filename() << " " << when << ": " << e.id;
        ++compared;
      }
      std::size_t non_init = 0;
      for (const auto& g : gen)
        if (g.title.find(") (") == std::string::npos && !g.title.ends_with("(sysvinit)") &&
            !g.title.ends_with("(systemd)") && !g.title.ends_with("(upstart)"))
          ++non_init;
      EXPECT_EQ(non_init, entries.size()) << dir.filename() << " " << when << "\n" << *cfg;
    }
  }
  EXPECT_GE(compared, 100);
}

// --- the default-entry rules ------------------------------------------------------------------

void efivar(const fs::path& root, const std::string& name, const std::string& utf8) {
  std::string bytes("\x06\x00\x00\x00", 4);
  for (char c : utf8) {
    bytes.push_back(c);
    bytes.push_back('\0');
  }
  bytes.append(2, '\0');
  write_file(root / "sys/firmware/efi/efivars" / (name + "-" + std::string(sdboot::kLoaderGuid)), bytes);
}

SystemFacts facts_of(const fs::path& dir) {
  FactSource src;
  src.root = dir;
  src.probe_block_devices = false;
  auto f = gather_facts(src, {});
  if (!f) throw std::runtime_error(f.error().message);
  return *f;
}

// systemd-boot: LoaderEntryOneShot > LoaderEntryDefault > loader.conf default > first.
TEST(BootModelSdboot, OneShotThenEfiDefaultThenLoaderConfThenFirst) {
  Scratch s;
  write_file(s.dir / "efi/loader/entries/a.conf", "title A\nversion 1\nlinux /vmlinuz-1\noptions root=/dev/sda1 a\n");
  write_file(s.dir / "efi/loader/entries/b.conf", "title B\nversion 2\nlinux /vmlinuz-2\noptions root=/dev/sda1\noptions b\n");
  write_file(s.dir / "efi/loader/entries/c.conf", "title C\nversion 3\nlinux /vmlinuz-3\noptions root=/dev/sda1 c\n");
  fs::create_directories(s.dir / "sys/firmware/efi/efivars");
  const auto next = [&]() {
    RootDir root = open_root(s.dir);
    BootModel m = model_of(root, facts_of(s.dir));
    auto k = m.next_boot(BootLoader::sdboot);
    return k ? m.entries(BootLoader::sdboot)[*k].id : std::string();
  };
  EXPECT_EQ(next(), "c.conf");  // newest version first
  write_file(s.dir / "efi/loader/loader.conf", "timeout 3\ndefault a*\n");
  EXPECT_EQ(next(), "a.conf");
  efivar(s.dir, "LoaderEntryDefault", "b.conf");
  EXPECT_EQ(next(), "b.conf");
  efivar(s.dir, "LoaderEntryOneShot", "c.conf");
  EXPECT_EQ(next(), "c.conf");

  efivar(s.dir, "LoaderEntrySelected", "a.conf");
  RootDir root = open_root(s.dir);
  BootModel m = model_of(root, facts_of(s.dir));
  const auto& e = m.entries(BootLoader::sdboot);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(m.booted_sdboot_entry(), std::optional<std::size_t>(2));  // this boot: a.conf
  EXPECT_EQ(e[1].id, "b.conf");
  EXPECT_EQ(e[1].cmdline, "root=/dev/sda1 b");  // every options line, joined
}

// A UKI that is not a PE image: its command line is unknown, and says at which byte.
TEST(BootModelSdboot, UkiNotAPeImage) {
  Scratch s(kGoldenRoot / "systemd-boot" / "uki-only" / "root");
  RootDir root = open_root(s.dir);
  BootModel m = model_of(root);
  const auto& e = m.entries(BootLoader::sdboot);
  auto uki = std::find_if(e.begin(), e.end(), [](const BootEntry& x) { return x.kind == BootEntry::Kind::uki; });
  ASSERT_NE(uki, e.end());
  EXPECT_FALSE(uki->cmdline);
  EXPECT_NE(uki->cmdline_unknown.find("byte offset"), std::string::npos) << uki->cmdline_unknown;
}

// GRUB: GRUB_DEFAULT numbers, "N>M" paths and saved_entry titles; recovery entries get
// GRUB_CMDLINE_LINUX only.
TEST(BootModelGrub, DefaultsAndRecovery) {
  Scratch s;
  write_file(s.dir / "boot/vmlinuz-6.1.0-1-amd64", "");
  write_file(s.dir / "boot/vmlinuz-6.1.0-2-amd64", "");
  write_file(s.dir / "boot/grub/grub.cfg", "# generated\n" + std::string(300, '#') + "\n");
  const auto next = [&](const std::string& grub, const std::string& env = "") {
    write_file(s.dir / "etc/default/grub", grub);
    if (!env.empty()) write_file(s.dir / "boot/grub/grubenv", env);
    RootDir root = open_root(s.dir);
    BootModel m = model_of(root);
    auto k = m.next_boot(BootLoader::grub);
    return k ? m.entries(BootLoader::grub)[*k].id : std::string();
  };
  const std::string base = "GRUB_CMDLINE_LINUX=\"root=/dev/vda1 crashkernel=256M\"\nGRUB_CMDLINE_LINUX_DEFAULT=quiet\n";
  EXPECT_EQ(next(base), "simple");
  EXPECT_EQ(next(base + "GRUB_DEFAULT=\"1>2\"\n"), "advanced-6.1.0-1-amd64");
  EXPECT_EQ(next(base + "GRUB_DEFAULT=\"1>1\"\n"), "recovery-6.1.0-2-amd64");
  std::string env = "# GRUB Environment Block\nsaved_entry=Advanced options for Debian GNU/Linux>Debian GNU/Linux, "
                    "with Linux 6.1.0-1-amd64\n";
  env += std::string(1024 - env.size(), '#');
  EXPECT_EQ(next(base + "GRUB_DEFAULT=saved\n", env), "advanced-6.1.0-1-amd64");

  RootDir root = open_root(s.dir);
  BootModel m = model_of(root);
  for (const auto& e : m.entries(BootLoader::grub)) {
    if (e.kind == BootEntry::Kind::grub_recovery) EXPECT_EQ(e.cmdline, "single root=/dev/vda1 crashkernel=256M");
    else EXPECT_EQ(e.cmdline, "root=/dev/vda1 crashkernel=256M quiet");
  }
}

}  // namespace
}  // namespace kdump
