// The --json envelope and error object (cli/json_report.hpp), and that the real app
// prints exactly one object on stdout when the command line does not parse.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "cli/app.hpp"
#include "cli/json_report.hpp"

namespace {

using kdump::cli::error_json;
using kdump::cli::print_json_error;
using kdump::cli::print_json_report;

TEST(CliJsonReport, ErrorObjectHasEveryKeyNullWhenAbsent) {
  kdump::Error e = kdump::make_error(kdump::ErrorKind::parse, "unterminated double quote");
  e.file = "/etc/default/grub";
  e.line = 6;
  e.column = 21;
  e.hints = {"close the quote"};
  auto j = error_json(e);
  EXPECT_EQ(j["kind"], "parse");
  EXPECT_EQ(j["file"], "/etc/default/grub");
  EXPECT_EQ(j["line"], 6);
  EXPECT_EQ(j["column"], 21);
  EXPECT_EQ(j["hints"].size(), 1u);
  auto bare = error_json(kdump::make_error(kdump::ErrorKind::lock, "held"));
  EXPECT_EQ(bare["kind"], "lock");
  EXPECT_TRUE(bare["file"].is_null());
  EXPECT_TRUE(bare["line"].is_null());
  EXPECT_TRUE(bare["column"].is_null());
  EXPECT_TRUE(bare["hints"].is_array());
}

TEST(CliJsonReport, EnvelopeAndExitMeaning) {
  std::ostringstream out;
  print_json_report(out, {{"status", "ok"}}, "verify", 1);
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["schema_version"], kdump::cli::json_schema_version);
  EXPECT_EQ(j["verb"], "verify");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["exit_meaning"], "not-ok");
  std::ostringstream err_out;
  print_json_error(err_out, kdump::make_error(kdump::ErrorKind::config, "bad key"), std::nullopt,
                   {{"backend", "grub2"}});
  auto e = nlohmann::json::parse(err_out.str());
  EXPECT_TRUE(e["verb"].is_null());
  EXPECT_EQ(e["exit_code"], 2);
  EXPECT_EQ(e["exit_meaning"], "bad-input");
  EXPECT_EQ(e["error"]["kind"], "config");
  EXPECT_EQ(e["backend"], "grub2");  // what the verb said before it failed stays
}

TEST(CliJsonReport, UnparsableCommandLineStillGivesOneObject) {
  std::ostringstream out, err;
  char prog[] = "kdump-setup", json[] = "--json", verb[] = "verify", bogus[] = "--bogus";
  char* argv[] = {prog, json, verb, bogus, nullptr};
  EXPECT_EQ(kdump::cli::run(4, argv, out, err), 2);
  auto j = nlohmann::json::parse(out.str());  // throws on a second value
  EXPECT_EQ(j["verb"], "verify");
  EXPECT_EQ(j["error"]["kind"], "usage");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("--bogus"), std::string::npos);
  EXPECT_NE(err.str().find("--bogus"), std::string::npos);
}

}  // namespace
