"""notifyd speaks the systemd notify protocol (Type=notify): READY=1 once it dispatches,
WATCHDOG=1 keep-alives when WATCHDOG_USEC is set, STOPPING=1 on SIGTERM."""

import os
import socket
import time
import unittest

from notify_env import NotifyTestCase, wait_for


class SystemdNotifyTest(NotifyTestCase):
    def setUp(self):
        super().setUp()
        self.sock_path = self.env.path("notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.sock_path)
        self.sock.settimeout(0.2)
        self.addCleanup(self.sock.close)
        self.messages = []

    def receive(self):
        try:
            while True:
                self.messages.append(self.sock.recv(4096).decode())
        except socket.timeout:
            pass
        return "\n".join(self.messages)

    def test_ready_watchdog_and_stopping(self):
        self.env.start_daemon(env={"NOTIFY_SOCKET": self.sock_path, "WATCHDOG_USEC": "400000"})
        wait_for(lambda: "READY=1" in self.receive(), timeout=20, what="READY=1")
        self.assertIn("STATUS=dispatching from " + self.env.db_path, self.receive())
        # The keep-alive comes at least every half interval (200 ms) even when idle.
        before = self.receive().count("WATCHDOG=1")
        time.sleep(1.0)
        self.assertGreaterEqual(self.receive().count("WATCHDOG=1") - before, 2)
        self.assertEqual(self.env.stop_daemon(), 0)
        self.assertIn("STOPPING=1", self.receive())

    def test_without_notify_socket_nothing_is_required(self):
        self.env.start_daemon()
        nid = self.env.send()
        wait_for(lambda: self.env.status(nid) == "sent", timeout=20, what="sent")
        self.assertEqual(self.env.stop_daemon(), 0)


if __name__ == "__main__":
    unittest.main()
