// Strict parse of values we are asked to write, canonical formatting, round trip.
#include <gtest/gtest.h>

#include <random>

#include "grammar/crashkernel.hpp"

namespace kdump {
namespace {

TEST(ParseCrashkernel, Forms) {
  auto simple = parse_crashkernel("256M");
  ASSERT_TRUE(simple);
  EXPECT_EQ(std::get<std::uint64_t>(simple->amount), 256 * MiB);
  EXPECT_FALSE(simple->offset);

  auto offset = parse_crashkernel("256M@16M");
  ASSERT_TRUE(offset);
  EXPECT_EQ(offset->offset, 16 * MiB);

  auto table = parse_crashkernel("512M-2G:64M,2G-:128M@16M");
  ASSERT_TRUE(table);
  const auto& rows = std::get<std::vector<RangeSize>>(table->amount);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (RangeSize{MemRange{512 * MiB, 2 * GiB}, 64 * MiB}));
  EXPECT_EQ(rows[1], (RangeSize{MemRange{2 * GiB, std::nullopt}, 128 * MiB}));
  EXPECT_EQ(table->offset, 16 * MiB);

  auto high = parse_crashkernel("1G,high");
  ASSERT_TRUE(high);
  EXPECT_EQ(high->suffix, Suffix::high);
  EXPECT_EQ(parse_crashkernel("72M,low")->suffix, Suffix::low);
  EXPECT_EQ(parse_crashkernel("64M,cma")->suffix, Suffix::cma);
}

struct Reject {
  const char* text;
  const char* message;
  std::size_t offset;
};

class StrictRejects : public ::testing::TestWithParam<Reject> {};

TEST_P(StrictRejects, MessageAndOffset) {
  const Reject& r = GetParam();
  auto p = parse_crashkernel(r.text);
  ASSERT_FALSE(p) << r.text;
  EXPECT_EQ(p.error().message, r.message) << r.text;
  EXPECT_EQ(p.error().offset, r.offset) << r.text;
}

INSTANTIATE_TEST_SUITE_P(
    Values, StrictRejects,
    ::testing::Values(
        Reject{"", "crashkernel: memory value expected", 0},
        Reject{"auto", "crashkernel: memory value expected", 0},
        Reject{"256MB", "crashkernel: unrecognized char: B", 4},
        Reject{"256M@", "crashkernel: Memory value expected after '@'", 5},
        Reject{"256M@1Gjunk", "crashkernel: unrecognized char: j", 7},
        Reject{"2G-1G:64M", "crashkernel: end <= start", 3},
        Reject{"1G-2G:64M,2G-1G:1M", "crashkernel: end <= start", 13},
        Reject{"2G:64M", "crashkernel: '-' expected", 2},
        Reject{"2G-3Gx:64M", "crashkernel: ':' expected", 5},
        Reject{"2G-:", "crashkernel: Memory value expected", 4},
        Reject{"2G-:256MB", "crashkernel: unrecognized char: B", 8},
        Reject{"2G-:256M,", "crashkernel: Memory value expected", 9},
        Reject{"1G-:256M,high", "crashkernel: Memory value expected", 9},
        Reject{"256M,HIGH", "crashkernel: unrecognized char: ,", 4},
        Reject{"256M,high,low", "crashkernel: unrecognized char: ,", 9},
        Reject{"256M,foo", "crashkernel: unrecognized char: ,", 4}));

TEST(FormatSize, LargestExactUnit) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(30), "30");
  EXPECT_EQ(format_size(4096), "4K");
  EXPECT_EQ(format_size(160 * MiB), "160M");
  EXPECT_EQ(format_size(2 * GiB), "2G");
  EXPECT_EQ(format_size(1536 * MiB), "1536M");
  EXPECT_EQ(format_size(64 * TiB), "64T");
  EXPECT_EQ(human_size(2146954240), "2047.5 MiB");
  EXPECT_EQ(human_size(2 * GiB), "2 GiB");
  EXPECT_EQ(human_size(30), "30 bytes");
}

TEST(FormatCrashkernel, Canonical) {
  EXPECT_EQ(format_crashkernel(*parse_crashkernel("0x10000000")), "256M");
  EXPECT_EQ(format_crashkernel(*parse_crashkernel("2048m-0x100000000:0400m,4g-:192M")),
            "2G-4G:256M,4G-:192M");
  EXPECT_EQ(format_crashkernel(*parse_crashkernel("1G,high")), "1G,high");
  EXPECT_EQ(format_crashkernel(*parse_crashkernel("256M@16M")), "256M@16M");
}

// format(parse(x)) parses back to the same value, over generated values.
TEST(FormatCrashkernel, RoundTripProperty) {
  std::mt19937_64 rng(20261122);
  auto size = [&] {
    std::uint64_t unit = 1ull << (10 * (rng() % 5));
    return (rng() % 4096) * unit + (rng() % 8 == 0 ? rng() % 1000 : 0);
  };
  for (int i = 0; i < 5000; ++i) {
    CrashkernelSpec spec;
    switch (rng() % 3) {
      case 0:
        spec.amount = size();
        if (rng() % 2) spec.offset = size();
        break;
      case 1: {
        std::vector<RangeSize> rows;
        std::uint64_t start = rng() % 4 * GiB;
        for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n) {
          std::uint64_t end = start + 1 + rng() % (64 * GiB);
          rows.push_back({{start, n == 1 && rng() % 2 ? std::nullopt : std::optional(end)}, size()});
          start = end;
        }
        spec.amount = rows;
        if (rng() % 3 == 0) spec.offset = size();
        break;
      }
      default:
        spec.amount = size();
        spec.suffix = std::array{Suffix::high, Suffix::low, Suffix::cma}[rng() % 3];
    }
    std::string text = format_crashkernel(spec);
    auto back = parse_crashkernel(text);
    ASSERT_TRUE(back) << text << ": " << back.error().message;
    EXPECT_EQ(*back, spec) << text;
    EXPECT_EQ(format_crashkernel(*back), text);
  }
}

TEST(ParseSizeArgument, WholeTextOnly) {
  EXPECT_EQ(parse_size_argument("16G"), 16 * GiB);
  EXPECT_EQ(parse_size_argument("2048M"), 2 * GiB);
  EXPECT_EQ(parse_size_argument("17179869184"), 16 * GiB);
  EXPECT_FALSE(parse_size_argument("16GB"));
  EXPECT_FALSE(parse_size_argument(""));
  EXPECT_FALSE(parse_size_argument("17179869184G"));  // wraps: refuse, not 0
}

}  // namespace
}  // namespace kdump
