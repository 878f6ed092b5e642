#pragma once

namespace kdump::cli {

// The whole program: parse argv, run the verb, print, return the exit code.
int main(int argc, char** argv) noexcept;

}  // namespace kdump::cli
