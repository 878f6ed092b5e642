#include "util/unified_diff.hpp"

#include <dtl/dtl.hpp>

#include <vector>

namespace kdump {
namespace {

// Lines keep their '\n', so a last line without one differs from the same text with
// one, exactly as diff compares them.
std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find('\n', i);
    std::size_t end = j == std::string_view::npos ? text.size() : j + 1;
    lines.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return lines;
}

enum class Op { common, del, add };
struct Line {
  Op op;
  const std::string* text;
};

// "@@ -l,s +l,s @@" as GNU diff writes ranges: ",s" left out when s is 1, and l is the
// line before the range when s is 0.
std::string range(std::size_t start, std::size_t count) {
  std::size_t first = count == 0 ? start : start + 1;
  if (count == 1) return std::to_string(first);
  return std::to_string(first) + "," + std::to_string(count);
}

void print_line(std::string& out, char mark, const std::string& text) {
  out += mark;
  out += text;
  if (text.empty() || text.back() != '\n') out += "\n\\ No newline at end of file\n";
}

std::string label(std::string_view prefix, std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return std::string(prefix) + std::string(path);
}

}  // namespace

std::string unified_diff(std::string_view path, const std::optional<std::string>& before,
                         std::string_view after, unsigned context) {
  if (before && *before == after) return {};
  std::vector<std::string> a = split_lines(before ? std::string_view(*before) : std::string_view());
  std::vector<std::string> b = split_lines(after);

  // deletesFirst: within a change, "-" lines come before "+" lines, as diff prints them.
  dtl::Diff<std::string, std::vector<std::string>> d(a, b, /* deletesFirst= */ true);
  d.compose();
  std::vector<Line> script;
  std::size_t ia = 0, ib = 0;  // walk a and b alongside the script
  for (const auto& step : d.getSes().getSequence()) {
    switch (step.second.type) {
      case dtl::SES_COMMON: script.push_back({Op::common, &a[ia++]}); ++ib; break;
      case dtl::SES_DELETE: script.push_back({Op::del, &a[ia++]}); break;
      default: script.push_back({Op::add, &b[ib++]}); break;
    }
  }

  std::string out = (before ? label("--- a/", path) : std::string("--- /dev/null")) + "\n" +
                    label("+++ b/", path) + "\n";
  // Old/new line numbers (0-based) at each script position.
  std::vector<std::size_t> at_a(script.size() + 1), at_b(script.size() + 1);
  for (std::size_t i = 0; i < script.size(); ++i) {
    at_a[i + 1] = at_a[i] + (script[i].op != Op::add);
    at_b[i + 1] = at_b[i] + (script[i].op != Op::del);
  }

  std::size_t i = 0;
  const std::size_t n = script.size();
  while (i < n) {
    while (i < n && script[i].op == Op::common) ++i;
    if (i == n) break;
    // A hunk starts `context` lines before the first change and grows while the next
    // change is at most 2*context common lines away (then the contexts would touch).
    std::size_t start = i >= context ? i - context : 0;
    std::size_t end = i;  // one past the last change in the hunk
    for (;;) {
      while (end < n && script[end].op != Op::common) ++end;
      std::size_t next = end;
      while (next < n && script[next].op == Op::common) ++next;
      if (next < n && next - end <= 2 * context) {
        end = next;
        continue;
      }
      break;
    }
    std::size_t stop = std::min(n, end + context);
    out += "@@ -" + range(at_a[start], at_a[stop] - at_a[start]) + " +" +
           range(at_b[start], at_b[stop] - at_b[start]) + " @@\n";
    for (std::size_t k = start; k < stop; ++k)
      print_line(out, script[k].op == Op::common ? ' ' : script[k].op == Op::del ? '-' : '+',
                 *script[k].text);
    i = stop;
  }
  return out;
}

}  // namespace kdump
