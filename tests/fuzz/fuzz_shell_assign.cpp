// libFuzzer: the /etc/default/grub shell-subset parser (grammar/shell_assign.hpp) must
// never crash, keep every span inside the text, and an accepted edit must parse again
// with the new value in place (an edit never makes the file unreadable).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "grammar/shell_assign.hpp"

namespace s = kdump::shell;

static bool inside(const s::Span& sp, std::size_t n) { return sp.begin <= sp.end && sp.end <= n; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto doc = s::parse(text, "fuzz/grub");
  if (!doc) {
    if (doc.error().file != "fuzz/grub") std::abort();
    return 0;
  }
  const std::size_t n = text.size();
  for (const auto& st : doc->statements()) {
    if (const auto* c = std::get_if<s::Construct>(&st)) {
      if (!inside(c->span, n)) std::abort();
      (void)c->describe();
      continue;
    }
    const auto& a = std::get<s::Assignment>(st);
    if (!inside(a.statement, n) || !inside(a.value, n) || !inside(a.name_span, n)) std::abort();
    for (const auto& seg : a.segments)
      if (!inside(seg.outer, n) || !inside(seg.inner, n)) std::abort();
    (void)doc->position(a.value.begin);
    (void)s::literal_text(a.pieces);
    (void)a.has_complex_expansion();
    (void)s::editable_inner(*doc, a);
    for (const char* v : {"quiet crashkernel=256M", "", "a b"}) {
      auto edited = s::replace_value(*doc, a, v);
      if (!edited) continue;
      auto again = s::parse(*edited, "fuzz/grub");
      if (!again) std::abort();
      if (again->statements().size() != doc->statements().size()) std::abort();
    }
  }
  return 0;
}
