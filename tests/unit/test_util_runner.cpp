// ProcessRunner: argv goes to the program as it is (no shell), output is captured,
// failures are values.
#include "util/runner.hpp"

#include <csignal>

#include <gtest/gtest.h>

namespace kdump {
namespace {

TEST(Runner, ArgumentsReachTheProgramWithoutShellInterpretation) {
  ProcessRunner r;
  auto out = r.run({"printf", "%s|", "a b", "$HOME", "*", "; touch /tmp/kdump-pwned", "`id`",
                    "$(id)", "'\"", ""});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->succeeded());
  EXPECT_EQ(out->output, "a b|$HOME|*|; touch /tmp/kdump-pwned|`id`|$(id)|'\"||");
  EXPECT_EQ(::access("/tmp/kdump-pwned", F_OK), -1);
}

TEST(Runner, CapturesStdoutAndStderr) {
  ProcessRunner r;
  auto out = r.run({"sh", "-c", "echo out; echo err >&2; echo out2"});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->output, "out\nerr\nout2\n");
  EXPECT_EQ(out->argv, (std::vector<std::string>{"sh", "-c", "echo out; echo err >&2; echo out2"}));
}

TEST(Runner, ExitStatusIsAValue) {
  ProcessRunner r;
  auto out = r.run({"sh", "-c", "echo failing; exit 7"});
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->succeeded());
  EXPECT_EQ(out->exit_status, 7);
  EXPECT_FALSE(out->term_signal);
  EXPECT_EQ(out->output, "failing\n");
}

TEST(Runner, SignalIsReported) {
  ProcessRunner r;
  auto out = r.run({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->succeeded());
  ASSERT_TRUE(out->term_signal);
  EXPECT_EQ(*out->term_signal, SIGTERM);
}

TEST(Runner, MissingProgramIsACommandError) {
  ProcessRunner r;
  auto out = r.run({"kdump-setup-no-such-program", "x"});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::command);
  EXPECT_EQ(out.error().sys_errno, ENOENT);
  EXPECT_NE(out.error().message.find("kdump-setup-no-such-program"), std::string::npos);
  EXPECT_FALSE(r.run({}));
}

TEST(Runner, StdinIsDevNull) {
  ProcessRunner r;
  auto out = r.run({"cat"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->succeeded());
  EXPECT_EQ(out->output, "");
}

TEST(Runner, TimeoutKills) {
  ProcessRunner r;
  RunOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto out = r.run({"sleep", "30"}, o);
  ASSERT_TRUE(out);
  ASSERT_TRUE(out->term_signal);
  EXPECT_EQ(*out->term_signal, SIGKILL);
}

TEST(Runner, OutputLimit) {
  ProcessRunner r;
  RunOptions o;
  o.output_limit = 10;
  auto out = r.run({"printf", "0123456789abcdef"}, o);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->output.substr(0, 10), "0123456789");
  EXPECT_NE(out->output.find("6 more bytes"), std::string::npos);
}

TEST(Runner, FormatArgvQuotesForDisplay) {
  EXPECT_EQ(format_argv({"grub-mkconfig", "-o", "/boot/grub/grub.cfg"}),
            "grub-mkconfig -o /boot/grub/grub.cfg");
  EXPECT_EQ(format_argv({"echo", "a b", "it's", ""}), "echo 'a b' 'it'\\''s' ''");
}

}  // namespace
}  // namespace kdump
