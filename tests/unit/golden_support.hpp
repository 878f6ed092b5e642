// What the backend golden tests share (golden/README.md: a case is a directory with
// `args`, a `root` tree and the expected.txt / expected.diff the run must produce).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/common/boot_model.hpp"
#include "core/backend.hpp"
#include "core/ownership.hpp"
#include "core/plan.hpp"
#include "util/root_dir.hpp"

namespace kdump::golden {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& text);  // makes the directories

// A scratch directory (a copy of `from`, when given), removed at the end.
struct Scratch {
  fs::path dir;
  explicit Scratch(const fs::path& from = {});
  ~Scratch();
  Scratch(Scratch&& o) noexcept : dir(std::move(o.dir)) { o.dir.clear(); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch& operator=(Scratch&&) = delete;
};

RootDir open_root(const fs::path& p);  // throws: a test tree that cannot be opened is a bug

// The boot model of a tree (throws when it cannot be loaded: a test bug).
BootModel model_of(const RootDir& root, const SystemFacts& facts = {});

// Case directories (those with an `args` file) below `dir`, sorted.
std::vector<fs::path> cases(const fs::path& dir);

// A gtest-safe name for a case directory ("rhel8-mixed" -> "rhel8_mixed").
std::string case_name(const fs::path& dir);

// Every regular file of a tree: relative path -> bytes.
std::map<std::string, std::string> tree(const fs::path& root);
// tree() plus every directory ("PATH/" -> "(directory)"): the round trip gives back
// directories as they were too.
std::map<std::string, std::string> tree_with_dirs(const fs::path& root);
bool mentions_crashkernel(const std::map<std::string, std::string>& files);

// Every file of corpus/<kind>/ for each kind is the bytes of some file of some case.
void expect_corpus_covered(const fs::path& golden_dir, const fs::path& corpus,
                           const std::vector<std::string>& kinds);

// Compares with the golden file (absent = empty); KDUMP_UPDATE_GOLDEN=1 rewrites it.
void check(const fs::path& file, const std::string& actual);

// "reserve VALUE [--kernel all|default|RELEASE]" or "remove [--kernel SEL]".
ReserveRequest request_from_args(const std::string& args);
ReserveRequest remove_like(const ReserveRequest& r);  // the same selection, removing

// Writes the plan's changed files into the tree at `root`, as the apply step would.
void apply_edits(const fs::path& root, const Plan& plan);

// The round trip every golden case is put through, from a fresh copy of its root:
// reserve (the case's value, or 256M for a `remove` case, with the case's --kernel
// selection) -> the same reserve again plans no change -> remove. The tree must then be
// the original byte for byte (no file left over, none missing), unless the case has a
// `no-roundtrip` file (it sets crashkernel= itself, a value remove cannot give back):
// then it must be what `remove` alone makes of it. Nothing to check when reserve is
// refused. gtest failures name the case and the file.
void check_round_trip(const fs::path& case_dir, const Backend& be, const SystemFacts& facts = {});

// "error: FILE:LINE:COLUMN: message" and one "hint: ..." line per hint.
std::string error_line(const Error& e);

// One line per edit, command and note; `root` in notes reads "<root>" (the scratch
// directory's name changes from run to run).
std::string summary(const Plan& plan, const fs::path& root = {});

// Debian's real grub-mkconfig on a scratch tree: its etc/default and boot are
// bind-mounted over the host's in a private mount namespace (unshare -m), so the host's
// /etc/grub.d scripts (10_linux) generate the menu; the generated grub.cfg, or nullopt
// (`log` has its stderr). can_run_real_mkconfig says why it cannot run here.
std::optional<std::string> real_mkconfig(const fs::path& tree, std::string& log);
bool can_run_real_mkconfig(std::string& why);

}  // namespace kdump::golden
