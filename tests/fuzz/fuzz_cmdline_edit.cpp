// libFuzzer: the command-line token editor (grammar/cmdline_edit.hpp) must never crash,
// must keep word spans inside the text, and must keep its documented round trip:
// remove(set(line, x)) == line for every line without a crashkernel= word of ours.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "grammar/cmdline_edit.hpp"

namespace c = kdump::cmdline;

static void check(const std::string& line, c::Dialect d) {
  for (const auto& w : c::split_words(line, d))
    if (w.begin > w.end || w.end > line.size()) std::abort();
  for (const auto& w : c::crashkernel_words(line, d))
    if (w.begin > w.end || w.end > line.size()) std::abort();
  for (const auto& l : c::look_alikes(line, d)) {
    if (l.offset > line.size()) std::abort();
    (void)c::describe(l);
  }
  const bool unterminated = c::unterminated_quote(line, d).has_value();
  const bool ours = !c::crashkernel_words(line, d).empty();
  for (const char* value : {"256M", "1G-4G:192M,4G-:384M", "512M,high", "128M,low", "64M,cma"}) {
    auto set = c::set_crashkernel(line, value, d);
    if (unterminated) continue;  // refused or not, it must not crash
    if (!set) continue;
    if (c::crashkernel_words(set->text, d).empty()) std::abort();  // the value is written
    auto again = c::set_crashkernel(set->text, value, d);            // idempotent
    if (!again || again->changed || again->text != set->text) std::abort();
    if (!ours) {
      auto back = c::remove_crashkernel(set->text, d);
      if (!back || back->text != line) std::abort();
    }
    (void)c::remove_replaced(set->text, c::kind_of_value(value), d);
  }
  auto removed = c::remove_crashkernel(line, d);
  if (removed && !c::crashkernel_words(removed->text, d).empty()) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  check(line, c::Dialect::kernel);
  check(line, c::Dialect::grub);
  return 0;
}
