#pragma once

#include <ostream>

namespace kdump::cli {

// The whole program: parse argv, run the verb, print, return the exit code.
int main(int argc, char** argv) noexcept;

// The same, printing to the given streams (tests run the CLI in-process).
int run(int argc, char** argv, std::ostream& out, std::ostream& err) noexcept;

}  // namespace kdump::cli
