#include "golden_support.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace kdump::golden {

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

Scratch::Scratch(const fs::path& from) {
  char tmpl[] = "/tmp/kdump-golden-XXXXXX";
  dir = mkdtemp(tmpl);
  if (!from.empty()) fs::copy(from, dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

Scratch::~Scratch() {
  if (dir.empty()) return;  // moved from
  std::error_code ec;
  fs::remove_all(dir, ec);
}

BootModel model_of(const RootDir& root, const SystemFacts& facts) {
  auto m = BootModel::load(root, facts);
  if (!m) throw std::runtime_error("cannot load the boot model of " + root.path().string() + ": " + m.error().message);
  return std::move(*m);
}

RootDir open_root(const fs::path& p) {
  auto r = RootDir::open(p);
  if (!r) throw std::runtime_error("cannot open root " + p.string() + ": " + r.error().message);
  return std::move(*r);
}

std::vector<fs::path> cases(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && fs::exists(e.path() / "args")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string case_name(const fs::path& dir) {
  std::string n = dir.filename().string();
  for (auto& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = read_file(e.path());
  return out;
}

std::map<std::string, std::string> tree_with_dirs(const fs::path& root) {
  auto out = tree(root);
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_directory() && !e.is_symlink()) out[fs::relative(e.path(), root).string() + "/"] = "(directory)";
  return out;
}

bool mentions_crashkernel(const std::map<std::string, std::string>& files) {
  for (const auto& [path, bytes] : files)
    if (bytes.find("crashkernel=") != std::string::npos) return true;
  return false;
}

void expect_corpus_covered(const fs::path& golden_dir, const fs::path& corpus,
                           const std::vector<std::string>& kinds) {
  std::set<std::string> inputs;
  for (const auto& c : cases(golden_dir))
    for (const auto& [path, bytes] : tree(c / "root")) inputs.insert(bytes);
  for (const auto& kind : kinds)
    for (const auto& e : fs::directory_iterator(corpus / kind))
      EXPECT_TRUE(inputs.count(read_file(e.path()))) << e.path() << " is not copied into any case";
}

static bool updating() {
  const char* u = std::getenv("KDUMP_UPDATE_GOLDEN");
  return u && *u && std::string(u) != "0";
}

void check(const fs::path& file, const std::string& actual) {
  if (updating()) {
    if (actual.empty()) fs::remove(file);
    else write_file(file, actual);
    return;
  }
  const std::string expected = fs::exists(file) ? read_file(file) : std::string();
  EXPECT_EQ(actual, expected) << "golden file " << file
                              << " differs (KDUMP_UPDATE_GOLDEN=1 rewrites it; review the diff)";
}

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

ReserveRequest remove_like(const ReserveRequest& r) {
  ReserveRequest rm = r;
  rm.action = ReserveRequest::Action::remove;
  rm.value.clear();
  return rm;
}

void apply_edits(const fs::path& root, const Plan& plan) {
  for (const auto& e : plan.edits) {
    if (!e.changes()) continue;
    if (e.remove) fs::remove(root / e.path.substr(1));
    else write_file(root / e.path.substr(1), e.after);
  }
}

void check_round_trip(const fs::path& case_dir, const Backend& be, const SystemFacts& facts) {
  SCOPED_TRACE("round trip of " + case_dir.filename().string());
  ReserveRequest set = request_from_args(read_file(case_dir / "args"));
  if (set.action != ReserveRequest::Action::set) {
    set.action = ReserveRequest::Action::set;
    set.value = "256M";
  }
  Scratch s(case_dir / "root");
  const auto original = tree_with_dirs(s.dir);
  RootDir root = open_root(s.dir);
  // As the CLI plans (cli/edit_verbs.cpp): the backend's plan, then the state file's edit
  // and the directories it records (core/ownership.hpp), on the tree as it is now.
  auto with_record = [&](const RootDir& r, Result<Plan> p, const ReserveRequest& req) {
    if (!p) return p;
    auto state = load_state_file(r);
    if (!state) return Result<Plan>(fail(std::move(state).error()));
    using A = OwnershipChange::Action;
    const A a = req.action == ReserveRequest::Action::set              ? A::record_admin
                : req.kernel.kind == KernelSelection::Kind::release ? A::forget_files
                                                                       : A::clear;
    add_ownership_edit(*p, {a, std::move(*state), req.value, std::nullopt}, &r);
    return p;
  };
  auto p = with_record(root, be.plan(model_of(root, facts), set), set);
  if (!p) return;  // refused: the case itself checks that nothing changed
  apply_edits(s.dir, *p);
  auto again = with_record(root, be.plan(model_of(root, facts), set), set);
  ASSERT_TRUE(again) << again.error().message;
  for (const auto& e : again->edits) EXPECT_FALSE(e.changes()) << "reserve twice changes " << e.path;
  auto back = with_record(root, be.plan(model_of(root, facts), remove_like(set)), remove_like(set));
  auto expected = original;
  if (fs::exists(case_dir / "no-roundtrip")) {
    Scratch only(case_dir / "root");
    RootDir oroot = open_root(only.dir);
    auto direct = with_record(oroot, be.plan(model_of(oroot, facts), remove_like(set)), remove_like(set));
    ASSERT_EQ(direct.has_value(), back.has_value()) << "remove alone and remove after reserve differ";
    if (!direct) {  // refused both ways (the case says why)
      EXPECT_EQ(direct.error().message, back.error().message);
      return;
    }
    apply_edits(only.dir, *direct);
    expected = tree_with_dirs(only.dir);
  }
  ASSERT_TRUE(back) << back.error().message;
  apply_edits(s.dir, *back);
  const auto now = tree_with_dirs(s.dir);
  for (const auto& [path, bytes] : expected) {
    auto it = now.find(path);
    if (it == now.end()) ADD_FAILURE() << path << " is gone";
    else EXPECT_EQ(it->second, bytes) << path;
  }
  for (const auto& [path, bytes] : now)
    if (!expected.count(path)) ADD_FAILURE() << path << " is left over:\n" << bytes;
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

std::string summary(const Plan& plan, const fs::path& root) {
  std::string s;
  for (const auto& e : plan.edits)
    s += "edit " + e.path + (e.before ? "" : " (new file)") + (e.changes() ? "" : " (unchanged)") + ": " +
         e.reason + "\n";
  for (const auto& c : plan.commands) {
    s += "command:";
    for (const auto& a : c.argv) s += " " + a;
    s += "\n";
  }
  const std::string rp = root.string();
  for (const auto& n : plan.notes) {
    std::string t = n;
    if (!rp.empty())
      for (std::size_t at; (at = t.find(rp)) != std::string::npos;) t.replace(at, rp.size(), "<root>");
    s += "note: " + t + "\n";
  }
  return s;
}

namespace {

// Runs argv (no shell); returns the exit status.
int run(const std::vector<std::string>& argv) {
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, a[0], nullptr, nullptr, a.data(), environ) != 0) return -1;
  int st = 0;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

// grub-mkconfig reads /etc/default/grub, /etc/default/grub.d and /boot of the host: in a
// private mount namespace (unshare -m, propagation private) the scratch tree's
// etc/default and boot are bind-mounted over them, so the host's files are untouched and
// the host's /etc/grub.d scripts (Debian's 10_linux) generate the menu.
std::optional<std::string> real_mkconfig(const fs::path& tree, std::string& log) {
  const fs::path out = tree / "grub.cfg.generated";
  const fs::path err = tree / "grub-mkconfig.log";
  fs::create_directories(tree / "etc/default");
  fs::create_directories(tree / "boot/grub");
  const int rc = run({"unshare", "-m", "--propagation", "private", "sh", "-c",
                      "mount --bind \"$1/etc/default\" /etc/default && mount --bind \"$1/boot\" /boot && "
                      "exec /usr/sbin/grub-mkconfig -o \"$2\" 2>\"$3\"",
                      "sh", tree.string(), out.string(), err.string()});
  log = read_file(err);
  if (rc != 0) return std::nullopt;
  return read_file(out);
}

bool can_run_real_mkconfig(std::string& why) {
  if (geteuid() != 0) {
    why = "not root (unshare -m and bind mounts need CAP_SYS_ADMIN)";
    return false;
  }
  if (!fs::exists("/usr/sbin/grub-mkconfig") || !fs::exists("/etc/grub.d/10_linux")) {
    why = "Debian's grub-mkconfig (grub-common / grub2-common) is not installed";
    return false;
  }
  if (run({"unshare", "-m", "--propagation", "private", "true"}) != 0) {
    why = "unshare -m is not permitted here";
    return false;
  }
  return true;
}

}  // namespace kdump::golden
