// The ownership record (core/ownership.hpp) and the refresh decision (core/refresh.hpp):
// the TOML format both ways, refusals with line and column, the edit each verb adds to
// its plan, the reasons refresh stops for, and that the record and a boot file are
// written in one transaction: a failure at any system call leaves both old.
#include "core/ownership.hpp"
#include "core/refresh.hpp"
#include "core/apply.hpp"
#include "support/fault_sys_ops.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kdump {
namespace {

namespace fs = std::filesystem;

OwnershipState auto_state(std::string value = "1G-:384M") {
  OwnershipState s;
  s.owner = OwnershipState::Owner::auto_value;
  s.value = std::move(value);
  s.backend = "grub2";
  s.files = {"/etc/default/grub"};
  s.inputs = OwnershipInputs{"estimate", 17179869184, "6.1.0-28-amd64", "/var/lib/kdump/initrd.img-6.1.0-28-amd64",
                             3000000};
  return s;
}

TEST(Ownership, RenderThenParseGivesTheSameRecord) {
  OwnershipState s = auto_state();
  s.files.push_back("/boot/loader/entries/a \"quoted\\ name\".conf");
  auto back = parse_ownership(render_ownership(s), "state.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->owner, s.owner);
  EXPECT_EQ(back->value, s.value);
  EXPECT_EQ(back->backend, "grub2");
  EXPECT_EQ(back->files, s.files);
  ASSERT_TRUE(back->inputs);
  EXPECT_EQ(back->inputs->memory_bytes, 17179869184u);
  EXPECT_EQ(back->inputs->capture_initramfs, "/var/lib/kdump/initrd.img-6.1.0-28-amd64");
  EXPECT_EQ(back->inputs->capture_initramfs_bytes, 3000000u);
  EXPECT_NE(render_ownership(s).find("schema = 1\n"), std::string::npos);
  EXPECT_TRUE(back->substituted.empty());
  EXPECT_EQ(render_ownership(s).find("created_directories"), std::string::npos);
  // Schema 2: the directories kdump-setup created, only when there are some.
  s.created_directories = {"/etc/kernel", "/var/lib/kdump-setup"};
  const std::string two = render_ownership(s);
  EXPECT_NE(two.find("schema = 2\n"), std::string::npos);
  EXPECT_NE(two.find("created_directories = [\"/etc/kernel\", \"/var/lib/kdump-setup\"]\n"), std::string::npos);
  auto back2 = parse_ownership(two, "state.toml");
  ASSERT_TRUE(back2) << back2.error().message;
  EXPECT_EQ(back2->created_directories, s.created_directories);
}

// A schema 1 file (older kdump-setup) loads: it records no directory.
TEST(Ownership, SchemaOneFileStillLoads) {
  auto r = parse_ownership("schema = 1\nowner = \"admin\"\nvalue = \"1G\"\nbackend = \"bls\"\nfiles = []\n", "s");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->created_directories.empty());
}

TEST(Ownership, SubstitutedValuesSurviveTheRoundTrip) {
  OwnershipState s = auto_state();
  s.substituted.push_back({"/efi/EFI/Linux/arch-linux.efi", "192M", "/usr/lib/modules/6.12.1-arch1-1/v.efi.extra.d/a.addon.efi"});
  auto back = parse_ownership(render_ownership(s), "state.toml");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->substituted.size(), 1u);
  EXPECT_EQ(back->substituted[0].entry_path, "/efi/EFI/Linux/arch-linux.efi");
  EXPECT_EQ(back->substituted[0].value, "192M");
  EXPECT_EQ(back->substituted[0].source, s.substituted[0].source);
  ASSERT_TRUE(back->inputs);  // [[substituted]] after [inputs] leaves the table whole
  EXPECT_EQ(back->inputs->policy, s.inputs->policy);
  EXPECT_NE(render_ownership(s).find("schema = 2\n"), std::string::npos);  // a schema 2 key
}

struct Bad {
  const char* text;
  unsigned line, column;
  const char* says;
};

TEST(Ownership, RefusesWhatItCannotReadWithLineAndColumn) {
  const Bad cases[] = {
      {"schema = 1\nowner = \"auto\nvalue = \"1G\"\n", 2, 14, "control characters"},
      {"schema = 1\nowner = \"someone\"\nvalue = \"1G\"\n", 2, 9, "expected \"auto\" or \"admin\""},
      {"schema = 1\nowner = \"admin\"\nvalue = 12\n", 3, 9, "'value' must be a string"},
      {"schema = 1\nowner = \"admin\"\nvalue = \"12X\"\n", 3, 9, "is not a crashkernel= value"},
      {"schema = 1\nowner = \"admin\"\nvalue = \"1G\"\ncolour = \"red\"\n", 4, 10, "unknown key 'colour'"},
      {"schema = 3\nowner = \"admin\"\nvalue = \"1G\"\n", 1, 10, "schema 3 is newer"},
      {"schema = 2\nowner = \"admin\"\nvalue = \"1G\"\ncreated_directories = \"/etc/kernel\"\n", 4, 23,
       "'created_directories' must be an array of strings"},
      {"schema = 2\nowner = \"admin\"\nvalue = \"1G\"\ncreated_directories = [\"etc/kernel\"]\n", 4, 23,
       "not an absolute path below the root"},
      {"schema = 2\nowner = \"admin\"\nvalue = \"1G\"\ncreated_directories = [\"/etc/../..\"]\n", 4, 23,
       "not an absolute path below the root"},
      {"schema = 1\nowner = \"auto\"\nvalue = \"1G\"\n", 1, 1, "needs an [inputs] table"},
      {"schema = 1\nowner = \"auto\"\nvalue = \"1G\"\n[inputs]\npolicy = \"estimate\"\nmemory_bytes = -1\n", 6, 16,
       "non-negative"},
      {"owner = \"admin\"\nvalue = \"1G\"\n", 1, 1, "missing key 'schema'"},
      {"schema = 1\nowner = \"admin\"\nvalue = \"1G\"\nsubstituted = \"x\"\n", 4, 15, "array of tables"},
      {"schema = 1\nowner = \"admin\"\nvalue = \"1G\"\n[[substituted]]\nentry = \"/e\"\n", 4, 1, "missing key 'value'"},
  };
  for (const auto& c : cases) {
    auto r = parse_ownership(c.text, "/var/lib/kdump-setup/state.toml");
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().kind, ErrorKind::parse) << c.text;
    EXPECT_EQ(r.error().file, "/var/lib/kdump-setup/state.toml");
    EXPECT_EQ(r.error().line, c.line) << c.text << ": " << r.error().message;
    EXPECT_EQ(r.error().column, c.column) << c.text << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

Plan grub_plan() {
  Plan p;
  p.backend = "grub2";
  p.edits.push_back({"/etc/default/grub", "GRUB_CMDLINE_LINUX=\"\"\n", "GRUB_CMDLINE_LINUX=\"crashkernel=1G-:384M\"\n",
                     std::nullopt, "set", false, "", false});
  return p;
}

StateFile existing(const OwnershipState& s) {
  StateFile f;
  f.text = render_ownership(s);
  f.state = s;
  return f;
}

// remove --kernel RELEASE: the record stays for the other kernels, without the files
// and the directory the plan deletes; a recorded directory the plan leaves empty goes,
// one that was not recorded stays (a tree on disk, through RootDir).
TEST(Ownership, ForgetFilesKeepsTheRecordWithoutWhatTheKernelsRemovalDeletes) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/kdump-own-XXXXXX";
  const fs::path dir = mkdtemp(tmpl);
  for (const char* d : {"efi/EFI/Linux/a-6.9.efi.extra.d", "efi/EFI/Linux/b-7.0.efi.extra.d"})
    fs::create_directories(dir / d);
  auto root = RootDir::open(dir);
  ASSERT_TRUE(root) << root.error().message;
  OwnershipState s;
  s.value = "256M";
  s.backend = "systemd-boot";
  const std::string a = "/efi/EFI/Linux/a-6.9.efi.extra.d", b = "/efi/EFI/Linux/b-7.0.efi.extra.d";
  s.files = {a + "/kdump-setup-crashkernel.addon.efi", b + "/kdump-setup-crashkernel.addon.efi"};
  s.created_directories = {a, "/efi/EFI/Linux/gone.efi.extra.d"};
  for (const auto& f : s.files) std::ofstream(dir / f.substr(1)) << "MZ";
  Plan p;
  p.backend = "systemd-boot";
  FileEdit del;
  del.path = s.files[0];
  del.before = "MZ";
  del.remove = true;
  p.edits.push_back(del);
  add_ownership_edit(p, {OwnershipChange::Action::forget_files, existing(s), "", std::nullopt}, &*root);
  ASSERT_EQ(p.edits.size(), 3u);  // the add-on, the directory, the record
  EXPECT_TRUE(p.edits[1].directory && p.edits[1].remove);
  EXPECT_EQ(p.edits[1].path, a);
  auto back = parse_ownership(p.edits[2].after, "x");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->value, "256M");
  EXPECT_EQ(back->files, std::vector<std::string>{s.files[1]});
  EXPECT_TRUE(back->created_directories.empty());  // a deleted, the other already gone
  // b-7.0's directory was not recorded: clearing the record with its add-on deleted
  // leaves the (then empty) directory.
  Plan q;
  FileEdit del2 = del;
  del2.path = s.files[1];
  q.edits.push_back(del2);
  add_ownership_edit(q, {OwnershipChange::Action::clear, existing(s), "", std::nullopt}, &*root);
  for (const auto& e : q.edits) EXPECT_NE(e.path, b);
  fs::remove_all(dir);
}

TEST(Ownership, EachVerbsEdit) {
  using A = OwnershipChange::Action;
  {  // reserve auto, no record yet: created, with the plan's backend and files
    Plan p = grub_plan();
    add_ownership_edit(p, {A::record_auto, {}, "1G-:384M", auto_state().inputs});
    ASSERT_EQ(p.edits.size(), 2u);
    const FileEdit& e = p.edits.back();
    EXPECT_EQ(e.path, "/var/lib/kdump-setup/state.toml");
    EXPECT_FALSE(e.before);
    auto s = parse_ownership(e.after, "x");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->owner, OwnershipState::Owner::auto_value);
    EXPECT_EQ(s->files, std::vector<std::string>{"/etc/default/grub"});
  }
  {  // reserve EXPR without a record: none is created
    Plan p = grub_plan();
    add_ownership_edit(p, {A::record_admin, {}, "512M", std::nullopt});
    EXPECT_EQ(p.edits.size(), 1u);
  }
  {  // reserve EXPR over an auto record: it becomes the admin's
    Plan p = grub_plan();
    add_ownership_edit(p, {A::record_admin, existing(auto_state()), "512M", std::nullopt});
    ASSERT_EQ(p.edits.size(), 2u);
    auto s = parse_ownership(p.edits.back().after, "x");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->owner, OwnershipState::Owner::admin);
    EXPECT_EQ(s->value, "512M");
    EXPECT_FALSE(s->inputs);
  }
  {  // remove: the file is deleted; without one, nothing
    Plan p = grub_plan();
    add_ownership_edit(p, {A::clear, existing(auto_state()), "", std::nullopt});
    ASSERT_EQ(p.edits.size(), 2u);
    EXPECT_TRUE(p.edits.back().remove);
    Plan q = grub_plan();
    add_ownership_edit(q, {A::clear, {}, "", std::nullopt});
    EXPECT_EQ(q.edits.size(), 1u);
  }
  {  // the same record again: no edit
    Plan p = grub_plan();
    OwnershipState s = auto_state();
    add_ownership_edit(p, {A::record_auto, existing(s), s.value, s.inputs});
    EXPECT_EQ(p.edits.size(), 1u);
  }
}

TEST(Refresh, StopsWhereTheValueIsNotItsOwn) {
  std::vector<ConfiguredValue> same{{"/etc/default/grub", "GRUB_CMDLINE_LINUX", "1G-:384M", true}};
  std::vector<ConfiguredValue> edited{{"/etc/default/grub", "GRUB_CMDLINE_LINUX", "768M", true}};
  EXPECT_EQ(check_ownership({}, same).stop, RefreshReason::no_state);
  OwnershipState admin = auto_state();
  admin.owner = OwnershipState::Owner::admin;
  EXPECT_EQ(check_ownership(existing(admin), same).stop, RefreshReason::not_owned);
  auto hand = check_ownership(existing(auto_state()), edited);
  EXPECT_EQ(hand.stop, RefreshReason::admin_edited);
  EXPECT_NE(hand.message.find("says crashkernel=768M"), std::string::npos) << hand.message;
  EXPECT_EQ(check_ownership(existing(auto_state()), {}).stop, RefreshReason::admin_edited);
  auto go = check_ownership(existing(auto_state()), same);
  EXPECT_FALSE(go.stop);
  EXPECT_EQ(go.recorded, "1G-:384M");

  // A vendor add-on that reserve auto installed on a UKI is its own value, in that entry only.
  OwnershipState sub = auto_state();
  sub.substituted.push_back({"/efi/EFI/Linux/a.efi", "192M", "/usr/lib/modules/x/a.efi.extra.d/v.addon.efi"});
  std::vector<ConfiguredValue> uki{{"/efi/EFI/Linux/a.efi", "unified kernel image", "192M", true}};
  EXPECT_FALSE(check_ownership(existing(sub), uki).stop);
  std::vector<ConfiguredValue> other{{"/efi/EFI/Linux/b.efi", "unified kernel image", "192M", true}};
  EXPECT_EQ(check_ownership(existing(sub), other).stop, RefreshReason::admin_edited);

  EXPECT_EQ(refresh_outcome("1G-:384M", "1G-:384M", false), RefreshReason::unchanged);
  EXPECT_EQ(refresh_outcome("1G-:384M", "1G-:384M", true), RefreshReason::completed);
  EXPECT_EQ(refresh_outcome("1G-:384M", "1G-:256M", true), RefreshReason::updated);
  EXPECT_EQ(refresh_reason_name(RefreshReason::admin_edited), "admin-edited");
  EXPECT_EQ(refresh_reason_name(RefreshReason::no_state), "no-state");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class RecordingRunner : public Runner {
public:
  Result<RunOutcome> run(const std::vector<std::string>&, const RunOptions&) override { return RunOutcome{}; }
};

// The record and the boot file in one plan: a failure at any system call of the write
// path leaves the boot file old and no record; a clean run writes both.
TEST(Ownership, RecordAndBootFileAreOneTransaction) {
  const std::string old_grub = "GRUB_CMDLINE_LINUX=\"\"\n";
  unsigned points = 0;
  for (unsigned n = 1;; ++n) {
    fs::path dir = fs::temp_directory_path() / ("kdump-own-" + std::to_string(::getpid()) + "-" + std::to_string(n));
    fs::remove_all(dir);
    fs::create_directories(dir / "etc/default");
    std::ofstream(dir / "etc/default/grub", std::ios::binary) << old_grub;
    auto root = RootDir::open(dir);
    ASSERT_TRUE(root);
    auto state = load_state_file(*root);
    ASSERT_TRUE(state);
    EXPECT_FALSE(state->text);
    Plan p = grub_plan();
    add_ownership_edit(p, {OwnershipChange::Action::record_auto, *state, "1G-:384M", auto_state().inputs});
    FaultSysOps f;
    f.fail_nth(n, EIO);
    ApplyOptions o;
    o.sys = &f;
    RecordingRunner runner;
    auto r = apply_plan(p, *root, runner, o);
    const bool state_there = fs::exists(dir / "var/lib/kdump-setup/state.toml");
    const std::string grub = slurp(dir / "etc/default/grub");
    if (!f.fault_fired() || r) {
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_TRUE(state_there) << "call " << n;
      EXPECT_NE(grub, old_grub) << "call " << n;
      auto back = load_state_file(*root);
      ASSERT_TRUE(back);
      EXPECT_EQ(back->state->value, "1G-:384M");
    } else {
      ++points;
      EXPECT_FALSE(state_there) << "call " << n << ": " << r.error().message;
      EXPECT_EQ(grub, old_grub) << "call " << n << ": " << r.error().message;
      EXPECT_FALSE(fs::exists(dir / "var/lib/kdump-setup")) << "call " << n << ": created directory left";
    }
    fs::remove_all(dir);
    if (!f.fault_fired()) break;
  }
  EXPECT_GT(points, 10u);
}

}  // namespace
}  // namespace kdump
