// notifyd: the scheduler daemon.
#include <iostream>

#include "daemon/run.hpp"

int main(int argc, char** argv) {
    return notify::daemon::run(argc, argv, std::cout, std::cerr);
}
