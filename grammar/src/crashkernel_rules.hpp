// The crashkernel= grammar in Boost.Spirit X3. Private to grammar/src/crashkernel.cpp
// (the one translation unit that instantiates it). Each rule is named after the thing
// it expects; on an expectation failure that name is mapped to the kernel's message.
//
// Kernel syntax (Documentation/admin-guide/kernel-parameters.txt, kernel/crash_core.c
// parse_crashkernel_{simple,mem,suffix}()):
//   simple   := NUM [ "@" NUM ]
//   extended := entry { "," entry } [ "@" NUM ]       entry := NUM "-" [NUM] ":" NUM
//   suffixed := NUM ( ",high" | ",low" | ",cma" )
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>
#include <boost/optional.hpp>
#include <boost/spirit/home/x3.hpp>

#include <vector>

#include "grammar/crashkernel.hpp"
#include "grammar/memparse.hpp"
#include "value_parse.hpp"

namespace kdump::detail::ast {

struct Entry {
  Located start;
  boost::optional<Located> end;
  Located size;
};

struct RangeValue {
  std::vector<Entry> entries;
  boost::optional<Located> offset;
};

struct SimpleValue {
  Located size;
  boost::optional<Located> offset;
};

struct SuffixedValue {
  Located size;
  Suffix suffix = Suffix::none;
};

}  // namespace kdump::detail::ast

BOOST_FUSION_ADAPT_STRUCT(kdump::detail::ast::Entry, start, end, size)
BOOST_FUSION_ADAPT_STRUCT(kdump::detail::ast::RangeValue, entries, offset)
BOOST_FUSION_ADAPT_STRUCT(kdump::detail::ast::SimpleValue, size, offset)
BOOST_FUSION_ADAPT_STRUCT(kdump::detail::ast::SuffixedValue, size, suffix)

namespace kdump::detail::rules {

namespace x3 = boost::spirit::x3;

// The start of the text, so that numbers can record their offset.
struct text_begin_tag;

// A memparse() number (lib/cmdline.c): fails only when nothing was consumed.
struct memparse_parser : x3::parser<memparse_parser> {
  using attribute_type = Located;
  static bool const has_attribute = true;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx const&, Attr& attr) const {
    Memparsed m = memparse(std::string_view(first, static_cast<std::size_t>(last - first)));
    if (m.length == 0) return false;
    const char* begin = x3::get<text_begin_tag>(ctx);
    attr = Located{m.value, static_cast<std::size_t>(first - begin)};
    first += m.length;
    return true;
  }
};
inline memparse_parser const memnum{};

// Suffix keywords are case-sensitive in parse_crashkernel_suffix() (strncmp).
struct suffix_symbols : x3::symbols<Suffix> {
  suffix_symbols() { add(",high", Suffix::high)(",low", Suffix::low)(",cma", Suffix::cma); }
};
inline suffix_symbols const suffix_keyword;

// Rule names are the Expect keys (see expect_from_rule_name()).
x3::rule<class range_start, Located> const range_start = "range_start";
x3::rule<class dash> const dash = "dash";
x3::rule<class range_end, boost::optional<Located>> const range_end = "range_end";
x3::rule<class colon> const colon = "colon";
x3::rule<class range_size, Located> const range_size = "range_size";
x3::rule<class offset, Located> const offset = "offset";
x3::rule<class size, Located> const size = "size";
x3::rule<class suffix, Suffix> const suffix = "suffix";
x3::rule<class end> const end = "end";
x3::rule<class entry, ast::Entry> const entry = "entry";
x3::rule<class range_value, ast::RangeValue> const range_value = "range_value";
x3::rule<class simple_value, ast::SimpleValue> const simple_value = "simple_value";
x3::rule<class suffixed_value, ast::SuffixedValue> const suffixed_value = "suffixed_value";

auto const range_start_def = memnum;                    // "start" of "start-end:size"
auto const dash_def = x3::lit('-');                     // "-" between start and end
auto const range_end_def = &x3::lit(':') | memnum;      // an end, or none before ":" (open)
auto const colon_def = x3::lit(':');                    // ":" before the size
auto const range_size_def = memnum;                     // "size" of an entry
auto const offset_def = memnum;                         // "@offset"
auto const size_def = memnum;                           // size of the simple/suffixed form
auto const suffix_def = suffix_keyword;                 // ",high" | ",low" | ",cma"
auto const end_def = x3::eoi;                           // nothing may trail a written value
auto const entry_def = x3::eps > range_start > dash > range_end > colon > range_size;
auto const range_value_def = (entry % ',') >> -(x3::lit('@') > offset) > end;
auto const simple_value_def = x3::eps > size > -(x3::lit('@') > offset) > end;
auto const suffixed_value_def = x3::eps > size > suffix > end;

BOOST_SPIRIT_DEFINE(range_start, dash, range_end, colon, range_size, offset, size, suffix, end,
                    entry, range_value, simple_value, suffixed_value)

}  // namespace kdump::detail::rules
