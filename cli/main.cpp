// notify: the command-line toolkit.
#include <iostream>

#include <unistd.h>

#include "cli/run.hpp"

int main(int argc, char** argv) {
    return notify::cli::run(argc, argv, std::cout, std::cerr, std::cin, ::isatty(STDOUT_FILENO));
}
