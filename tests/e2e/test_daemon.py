"""notifyd end to end: dispatching, signals, --once, --version, exit codes."""

import signal
import unittest

from notify_env import NOTIFYD_BIN, NotifyTestCase, wait_for


class DaemonTest(NotifyTestCase):

    def run_daemon(self, *args):
        return self.env.run(*args, binary=NOTIFYD_BIN)

    def start(self, *args):
        proc = self.env.start_daemon(*args)
        wait_for(lambda: "started" in self.env.daemon_log() or proc.poll() is not None,
                 timeout=30, what="notifyd to start")
        self.assertIsNone(proc.poll(), "notifyd exited early:\n" + self.env.daemon_log())
        return proc

    def wait_status(self, nid, status, timeout=30):
        return wait_for(lambda: self.env.status(nid) == status, timeout=timeout,
                        what=f"notification {nid} to be {status}; log:\n"
                             + self.env.daemon_log())

    def test_sends_a_notification_when_due(self):
        self.start()
        nid = self.env.send("--in", "8s")
        # 8 s leaves room for a slow (sanitized, loaded) `notify show` to see it still waiting.
        self.assertEqual(self.env.status(nid), "scheduled")
        self.wait_status(nid, "sent", timeout=40)
        sent = self.env.show(nid)
        self.assertGreaterEqual(sent["sent_at"], sent["due_at"])
        self.assertEqual([m["id"] for m in self.env.delivered()], [nid])
        self.assertEqual(self.env.stop_daemon(), 0)
        self.assertIn("stopping", self.env.daemon_log())

    def test_sends_rows_due_at_start(self):
        ids = [self.env.send(body=f"b{i}") for i in range(5)]
        self.start()
        for nid in ids:
            self.wait_status(nid, "sent")
        self.assertEqual(sorted(m["id"] for m in self.env.delivered()), ids)
        self.assertEqual(self.env.stop_daemon(), 0)

    def test_sigterm_exits_0(self):
        self.start()
        self.assertEqual(self.env.stop_daemon(signal.SIGTERM), 0)
        self.assertIn("stopping", self.env.daemon_log())

    def test_sigint_exits_0(self):
        self.start()
        self.assertEqual(self.env.stop_daemon(signal.SIGINT), 0)

    def test_sighup_with_broken_config_keeps_running(self):
        # The daemon reads its own config file; the CLI keeps the built-in defaults.
        daemon_config = self.env.write_config("daemon:\n  batch: 64\n",
                                              path=self.env.path("notifyd.yaml"))
        self.start("--config", daemon_config)
        self.env.write_config("store:\n  pathh: /nonexistent\n", path=daemon_config)
        self.env.signal_daemon(signal.SIGHUP)
        wait_for(lambda: "reload failed" in self.env.daemon_log(), timeout=30,
                 what="the reload failure in the log:\n" + self.env.daemon_log())
        self.assertIsNone(self.env.daemon.poll(), "notifyd died on a bad reload")
        # It still dispatches with the previous configuration.
        nid = self.env.send()
        self.wait_status(nid, "sent")
        # A second SIGHUP with the config still broken: still running.
        self.env.signal_daemon(signal.SIGHUP)
        wait_for(lambda: self.env.daemon_log().count("reload failed") >= 2, timeout=30,
                 what="the second reload failure")
        self.assertIsNone(self.env.daemon.poll(), "notifyd died on a bad reload")
        self.assertEqual(self.env.stop_daemon(), 0)

    def test_sighup_reloads_channels(self):
        self.start()
        first = self.env.send()
        self.wait_status(first, "sent")
        other = self.env.path("after-reload.jsonl")
        self.env.write_config("providers:\n  other:\n    type: file\n"
                              f"    path: {other}\n"
                              "channels:\n  email: [other]\n")
        self.env.signal_daemon(signal.SIGHUP)
        wait_for(lambda: "reloaded" in self.env.daemon_log(), timeout=30,
                 what="the reload in the log:\n" + self.env.daemon_log())
        second = self.env.send()
        self.wait_status(second, "sent")
        self.assertEqual([m["id"] for m in self.env.delivered(other)], [second])
        self.assertEqual([m["id"] for m in self.env.delivered()], [first])
        self.assertEqual(self.env.stop_daemon(), 0)

    def test_once(self):
        a, b = self.env.send(), self.env.send()
        later = self.env.send("--in", "1h")
        res = self.run_daemon("--once")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout, "")
        self.assertEqual(sorted(m["id"] for m in self.env.delivered()), [a, b])
        self.assertEqual(self.env.status(later), "scheduled")

    def test_once_with_db_flag(self):
        db = self.env.path("other.db")
        self.env.ok("--db", db, "send", "--channel", "email", "--to", "a@example.com",
                    "--body", "x")
        res = self.run_daemon("--once", "--db", db)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.env.sql("SELECT status FROM notifications", db=db), [("sent",)])

    def test_version(self):
        res = self.run_daemon("--version")
        self.assertEqual(res.returncode, 0)
        self.assertRegex(res.stdout, r"^notifyd \d+\.\d+\.\d+\n$")

    def test_bad_flag_exits_64(self):
        res = self.run_daemon("--bogus")
        self.assert_error_output(res, 64, prog="notifyd")
        self.assertIn("--bogus", res.stderr)

    def test_config_error_exits_78(self):
        path = self.env.write_config("daemon:\n  poll_intervall: 1s\n")
        res = self.run_daemon("--once")
        self.assert_error_output(res, 78, prog="notifyd")
        self.assertIn(f"{path}:2", res.stderr)
        self.assertIn('did you mean "poll_interval"', res.stderr)

    def test_missing_config_flag_exits_78(self):
        res = self.run_daemon("--config", self.env.path("missing.yaml"))
        self.assert_error_output(res, 78, prog="notifyd")

    def test_corrupt_store_exits_74(self):
        path = self.env.path("bad.db")
        with open(path, "wb") as f:
            f.write(b"not a database at all\n" * 100)
        res = self.run_daemon("--once", "--db", path)
        self.assertEqual(res.returncode, 74, res.stderr)
        self.assertIn("notifyd: ", res.stderr)


if __name__ == "__main__":
    unittest.main()
