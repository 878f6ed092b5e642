// describe_surface(): the lines tests/cli/surface.sh reads, on a small app and on the
// real one (through kdump::cli::run with the hidden --list-surface).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cli/app.hpp"
#include "cli/surface.hpp"

namespace {

TEST(CliSurface, ListsVerbsOptionsValuesAndSkipsHidden) {
  CLI::App app{"t", "t"};
  std::string root, backend, value;
  bool json = false, secret = false;
  app.add_option("--root", root, "")->type_name("DIR");
  app.add_flag("-j,--json", json, "");
  app.add_flag("--secret", secret, "")->group("");
  auto* sub = app.add_subcommand("reserve", "r");
  sub->add_option("VALUE", value, "");
  sub->add_option("--backend", backend, "")->check(CLI::IsMember({"auto", "grub2"}))->type_name("auto|grub2");
  app.add_subcommand("hidden", "")->group("");
  std::string s = kdump::cli::describe_surface(app);
  EXPECT_NE(s.find("option - --root DIR\n"), std::string::npos) << s;
  EXPECT_NE(s.find("option - -j\noption - --json\n"), std::string::npos) << s;
  EXPECT_NE(s.find("verb reserve\n"), std::string::npos) << s;
  EXPECT_NE(s.find("positional reserve VALUE\n"), std::string::npos) << s;
  // the validator's ":{auto,grub2}" that CLI11 appends to the type name is cut off
  EXPECT_NE(s.find("option reserve --backend auto|grub2\n"), std::string::npos) << s;
  EXPECT_EQ(s.find("secret"), std::string::npos) << s;
  EXPECT_EQ(s.find("hidden"), std::string::npos) << s;
}

TEST(CliSurface, HiddenFlagOfTheRealAppIsNotInHelp) {
  std::ostringstream out, err;
  char prog[] = "kdump-setup", flag[] = "--list-surface", help[] = "--help";
  char* list_argv[] = {prog, flag, nullptr};
  EXPECT_EQ(kdump::cli::run(2, list_argv, out, err), 0);
  EXPECT_NE(out.str().find("verb reserve\n"), std::string::npos);
  EXPECT_NE(out.str().find("option reserve --kernel all|default|RELEASE\n"), std::string::npos);
  EXPECT_EQ(out.str().find("list-surface"), std::string::npos);
  std::ostringstream hout, herr;
  char* help_argv[] = {prog, help, nullptr};
  kdump::cli::run(2, help_argv, hout, herr);
  EXPECT_EQ(hout.str().find("list-surface"), std::string::npos);
  EXPECT_NE(hout.str().find("reserve"), std::string::npos);
}

}  // namespace
