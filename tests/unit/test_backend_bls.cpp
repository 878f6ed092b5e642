// The BLS backend: golden trees (golden/bls/, layout in golden/README.md) and details.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "backends/bls/bls_backend.hpp"
#include "backends/registry.hpp"
#include "core/render_plan.hpp"
#include "grammar/cmdline_edit.hpp"
#include "grammar/grubenv.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(KDUMP_SOURCE_DIR) / "golden" / "bls";

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

bool updating() {
  const char* u = std::getenv("KDUMP_UPDATE_GOLDEN");
  return u && *u && std::string(u) != "0";
}

struct Scratch {
  fs::path dir;
  explicit Scratch(const fs::path& from) {
    char tmpl[] = "/tmp/kdump-bls-XXXXXX";
    dir = mkdtemp(tmpl);
    if (!from.empty()) fs::copy(from, dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

RootDir open_root(const fs::path& p) {
  auto r = RootDir::open(p);
  if (!r) throw std::runtime_error("cannot open root " + p.string());
  return std::move(*r);
}

// "reserve VALUE [--kernel SEL]" or "remove [--kernel SEL]".
ReserveRequest request_from_args(const std::string& args) {
  std::istringstream in(args);
  std::string verb;
  in >> verb;
  ReserveRequest r;
  r.action = verb == "remove" ? ReserveRequest::Action::remove : ReserveRequest::Action::set;
  if (r.action == ReserveRequest::Action::set) in >> r.value;
  std::string opt, sel;
  while (in >> opt >> sel) {
    if (opt != "--kernel") continue;
    if (sel == "all") r.kernel.kind = KernelSelection::Kind::all;
    else if (sel == "default") r.kernel.kind = KernelSelection::Kind::default_entry;
    else {
      r.kernel.kind = KernelSelection::Kind::release;
      r.kernel.release = sel;
    }
  }
  return r;
}

void apply_edits(const fs::path& root, const Plan& plan) {
  for (const auto& e : plan.edits)
    if (e.changes()) write_file(root / e.path.substr(1), e.after);
}

std::string error_line(const Error& e) {
  std::string s = "error";
  if (e.file) s += ": " + *e.file;
  if (e.line) s += ":" + std::to_string(*e.line);
  if (e.column) s += ":" + std::to_string(*e.column);
  s += ": " + e.message + "\n";
  for (const auto& h : e.hints) s += "hint: " + h + "\n";
  return s;
}

std::string summary(const Plan& plan) {
  std::string s;
  for (const auto& e : plan.edits)
    s += "edit " + e.path + (e.before ? "" : " (new file)") + (e.changes() ? "" : " (unchanged)") + ": " +
         e.reason + "\n";
  for (const auto& c : plan.commands) {
    s += "command:";
    for (const auto& a : c.argv) s += " " + a;
    s += "\n";
  }
  for (const auto& n : plan.notes) s += "note: " + n + "\n";
  return s;
}

void check_golden(const fs::path& file, const std::string& actual) {
  if (updating()) {
    if (actual.empty()) fs::remove(file);
    else write_file(file, actual);
    return;
  }
  const std::string expected = fs::exists(file) ? read_file(file) : std::string();
  EXPECT_EQ(actual, expected) << "golden file " << file << " differs (KDUMP_UPDATE_GOLDEN=1 rewrites it)";
}

std::vector<fs::path> golden_cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kGolden))
    if (e.is_directory() && fs::exists(e.path() / "args")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = read_file(e.path());
  return out;
}

ReserveRequest remove_like(const ReserveRequest& r) {
  ReserveRequest rm = r;
  rm.action = ReserveRequest::Action::remove;
  rm.value.clear();
  return rm;
}

class BlsGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(BlsGolden, PlanDiffIdempotenceRoundTrip) {
  const fs::path dir = GetParam();
  const ReserveRequest req = request_from_args(read_file(dir / "args"));
  Scratch s(dir / "root");
  const auto original = tree(s.dir);
  RootDir root = open_root(s.dir);
  BlsBackend be;
  SystemFacts facts;
  ASSERT_TRUE(be.detect(root, facts).applies) << be.detect(root, facts).reason;

  auto before_values = be.configured(root, facts);
  auto p = be.plan(root, facts, req);
  if (!p) {
    check_golden(dir / "expected.txt", error_line(p.error()));
    check_golden(dir / "expected.diff", "");
    EXPECT_EQ(tree(s.dir), original);
    return;
  }
  EXPECT_EQ(p->backend, "bls");
  EXPECT_TRUE(p->commands.empty());
  const std::string diff = render_plan_diff(*p);
  apply_edits(s.dir, *p);
  std::string text = summary(*p);
  // No entry may be left with an empty options line (GRUB's blscfg stops reading there).
  for (const auto& [path, bytes] : tree(s.dir)) {
    if (!path.starts_with("boot/loader/entries/")) continue;
    auto e = bls::Entry::parse(bytes);
    ASSERT_TRUE(e) << path;
    for (auto k : e->options_lines()) EXPECT_EQ(e->lines()[k].kind, bls::Line::Kind::key_value) << path;
  }
  if (fs::exists(s.dir / "boot/grub2/grubenv") && original.count("boot/grub2/grubenv") &&
      original.at("boot/grub2/grubenv").size() == grubenv::kBlockSize)
    EXPECT_EQ(fs::file_size(s.dir / "boot/grub2/grubenv"), grubenv::kBlockSize);
  auto after_values = be.configured(root, facts);
  ASSERT_TRUE(after_values);
  for (const auto& c : *after_values)
    text += "configured " + c.where + " in " + c.file + ": crashkernel=" + c.value + "\n";
  check_golden(dir / "expected.txt", text);
  check_golden(dir / "expected.diff", diff);

  // The same run again changes nothing.
  auto again = be.plan(root, facts, req);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changes_anything()) << render_plan_diff(*again);

  if (req.action != ReserveRequest::Action::set || fs::exists(dir / "no-roundtrip")) return;
  // reserve then remove == remove alone; == the original bytes when nothing was set.
  auto back = be.plan(root, facts, remove_like(req));
  ASSERT_TRUE(back) << back.error().message;
  apply_edits(s.dir, *back);
  const auto after_rt = tree(s.dir);
  Scratch only(dir / "root");
  RootDir oroot = open_root(only.dir);
  auto direct = be.plan(oroot, facts, remove_like(req));
  ASSERT_TRUE(direct) << direct.error().message;
  apply_edits(only.dir, *direct);
  EXPECT_EQ(after_rt, tree(only.dir));
  if (before_values && before_values->empty()) {
    bool any = false;
    for (const auto& [path, bytes] : original) any = any || bytes.find("crashkernel=") != std::string::npos;
    if (!any) EXPECT_EQ(after_rt, original);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, BlsGolden, ::testing::ValuesIn(golden_cases()), [](const auto& info) {
  std::string n = info.param.filename().string();
  for (auto& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

TEST(BlsGoldenSet, EveryCorpusFileHasACase) {
  std::vector<std::string> inputs;
  for (const auto& c : golden_cases())
    for (const auto& [p, bytes] : tree(c / "root")) inputs.push_back(bytes);
  const fs::path corpus = fs::path(KDUMP_SHARED_DIR) / "corpus";
  for (const auto* kind : {"bls", "grubenv", "kernel-cmdline"})
    for (const auto& f : fs::directory_iterator(corpus / kind)) {
      const std::string bytes = read_file(f.path());
      EXPECT_NE(std::find(inputs.begin(), inputs.end(), bytes), inputs.end()) << f.path();
    }
}

TEST(BlsNames, EntryIdDropsConfAndBootCounter) {
  EXPECT_EQ(bls::entry_id("abc-6.5.conf"), "abc-6.5");
  EXPECT_EQ(bls::entry_id("abc-6.5+3.conf"), "abc-6.5");
  EXPECT_EQ(bls::entry_id("abc-6.5+0-2.conf"), "abc-6.5");
  EXPECT_EQ(bls::entry_id("abc-6.5+x.conf"), "abc-6.5+x");
}

TEST(BlsNames, VercmpLikeRpm) {
  EXPECT_GT(bls::vercmp("6.5.6-300.fc39", "6.0.12-100.fc35"), 0);
  EXPECT_LT(bls::vercmp("5.14.14-200.fc34.x86_64.0~custom", "5.14.14-200.fc34.x86_64.0"), 0);
  EXPECT_EQ(bls::vercmp("1.0", "1.0"), 0);
  EXPECT_GT(bls::vercmp("1.10", "1.9"), 0);
  EXPECT_GT(bls::vercmp("1.0a", "1.0"), 0);
}

TEST(BlsDetect, NeedsGrubWithBlsSupport) {
  Scratch s(fs::path{});
  write_file(s.dir / "boot/loader/entries/a.conf", "title a\nlinux /v\noptions ro\n");
  RootDir root = open_root(s.dir);
  BlsBackend be;
  EXPECT_FALSE(be.detect(root, {}).applies);
  write_file(s.dir / "etc/default/grub", "GRUB_ENABLE_BLSCFG=\"false\"\n");
  EXPECT_FALSE(be.detect(root, {}).applies);
  write_file(s.dir / "etc/default/grub", "GRUB_ENABLE_BLSCFG=true\n");
  EXPECT_TRUE(be.detect(root, {}).applies);
  fs::remove(s.dir / "etc/default/grub");
  write_file(s.dir / "boot/grub2/grub.cfg", "insmod blscfg\nblscfg\n");
  EXPECT_TRUE(be.detect(root, {}).applies);
}

TEST(BlsDetect, ChosenBeforeGrub2OnFedora) {
  RootDir root = open_root(kGolden / "fedora39" / "root");
  auto all = all_backends();
  auto b = choose_backend(all, "auto", root, {});
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->name(), "bls");
}

TEST(BlsConfigured, DefaultEntryWithKernelopts) {
  RootDir root = open_root(kGolden / "rhel83-aws-kernelopts" / "root");
  auto c = BlsBackend{}.configured(root, {});
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].value, "auto");
  EXPECT_EQ((*c)[0].file, "/boot/grub2/grubenv");
}

TEST(BlsPlan, EditedEntryChangedMeanwhileIsStale) {
  // The plan carries the stamps the apply step checks.
  RootDir root = open_root(kGolden / "fedora39" / "root");
  ReserveRequest r;
  r.value = "256M";
  auto p = BlsBackend{}.plan(root, {}, r);
  ASSERT_TRUE(p);
  for (const auto& e : p->edits) {
    ASSERT_TRUE(e.stamp) << e.path;
    EXPECT_EQ(e.stamp->size, e.before->size()) << e.path;
  }
}

}  // namespace
}  // namespace kdump
