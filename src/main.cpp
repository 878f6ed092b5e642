#include "cli/app.hpp"

int main(int argc, char** argv) { return kdump::cli::main(argc, argv); }
