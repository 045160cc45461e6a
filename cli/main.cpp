// notify: the command-line toolkit.
#include <unistd.h>

#include <iostream>

#include "cli/run.hpp"

int main(int argc, char** argv) {
    return notify::cli::run(argc, argv, std::cout, std::cerr, std::cin, ::isatty(STDOUT_FILENO));
}
