"""notify doctor: every check is provoked here and must be reported (and a healthy setup exits
0). Doctor is read-only: it never creates, migrates or locks the store."""

import fcntl
import json
import os
import shutil
import subprocess
import time
import unittest

from notify_env import NOTIFY_BIN, NotifyTestCase, wait_for

STATUSES = {"ok", "warn", "fail"}
CHECKS = {"config", "providers", "store", "store_permissions", "schema", "pragmas",
          "stuck_leases", "backlog", "oldest_due", "clock_skew", "daemon", "disk_space"}


def now_ms():
    return int(time.time() * 1000)


class DoctorTest(NotifyTestCase):

    def doctor(self, *args, env=None):
        """Runs `notify --json doctor ARGS`; returns (exit code, {check: [entries]}, stderr)."""
        res = self.env.run("--json", "doctor", *args, env=env)
        checks = json.loads(res.stdout)
        self.assertIsInstance(checks, list)
        by_name = {}
        for c in checks:
            self.assertEqual(set(c), {"check", "status", "detail"}, c)
            self.assertIn(c["status"], STATUSES, c)
            by_name.setdefault(c["check"], []).append(c)
        return res.returncode, by_name, res.stderr

    def status_of(self, checks, name):
        self.assertIn(name, checks, checks)
        return checks[name][0]["status"]

    def make_store(self):
        nid = self.env.send()
        self.env.ok("dispatch", "--once")
        return nid

    # --- healthy --------------------------------------------------------------------------
    def test_healthy_setup_exits_zero_and_prints_nothing(self):
        self.make_store()
        self.env.start_daemon()
        wait_for(lambda: self.doctor()[1]["daemon"][0]["status"] == "ok", timeout=30,
                 what="notifyd to hold the store")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 0, checks)
        self.assertTrue(CHECKS <= set(checks), set(checks))
        for name, entries in checks.items():
            expected = {"ok", "warn"} if name == "disk_space" else {"ok"}
            self.assertIn(entries[0]["status"], expected, entries)
        self.assertIn("holds the store, wake-up socket bound", checks["daemon"][0]["detail"])
        res = self.env.run("doctor")
        self.assertEqual(res.returncode, 0, res)
        self.assertEqual(res.stderr, "")
        for line in res.stdout.splitlines():
            self.assertTrue(line.startswith("warn disk_space: "), res.stdout)
        every = self.env.ok("doctor", "--all").splitlines()
        self.assertIn("ok schema: schema version", "\n".join(every))

    def test_missing_store_warns_and_is_not_created(self):
        code, checks, _ = self.doctor()
        self.assertEqual(code, 0)
        self.assertEqual(self.status_of(checks, "store"), "warn")
        self.assertIn("does not exist yet", checks["store"][0]["detail"])
        self.assertFalse(os.path.exists(self.env.db_path))
        self.assertFalse(os.path.exists(self.env.db_path + ".lock"))

    def test_doctor_leaves_the_store_unchanged(self):
        self.make_store()
        self.env.sql("PRAGMA user_version = 4")  # an older schema is not migrated by doctor
        with self.assert_store_unchanged():
            code, checks, _ = self.doctor()
        self.assertEqual(code, 0)
        self.assertEqual(self.status_of(checks, "schema"), "warn")
        self.assertIn("migrated on the next use", checks["schema"][0]["detail"])

    def test_strict_fails_on_warnings(self):
        res = self.env.run("doctor", "--strict")  # no store, no daemon: warnings only
        self.assertEqual(res.returncode, 1)
        self.assertIn("warn store: ", res.stdout)
        self.assertIn("warn daemon: ", res.stdout)
        self.assertRegex(res.stderr, r"^notify: 0 check\(s\) failed, \d+ warning\(s\)\n$")

    # --- config ---------------------------------------------------------------------------
    def test_config_that_does_not_parse_fails(self):
        self.env.write_config("store:\n  pathh: /tmp/x.db\n")
        res = self.env.run("doctor")
        self.assertEqual(res.returncode, 1)
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 1, res.stdout)
        self.assertTrue(lines[0].startswith("fail config: "), lines)
        self.assertIn("pathh", lines[0])
        self.assertEqual(res.stderr, "notify: 1 check(s) failed, 0 warning(s)\n")

    def test_invalid_provider_fails(self):
        self.env.write_config("providers:\n  hook:\n    type: webhook\n    url: ftp://x\n"
                              "channels:\n  webhook: [hook]\n")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "config"), "ok")
        self.assertEqual(self.status_of(checks, "providers"), "fail")
        self.assertIn("providers.hook.url: \"ftp://x\" is not an http(s) URL",
                      checks["providers"][0]["detail"])

    def smtp_config(self, password):
        return ("providers:\n"
                "  mail:\n"
                "    type: smtp\n"
                "    url: smtp://127.0.0.1:2525\n"
                "    from: ops@example.com\n"
                "    starttls: required\n"
                "    username: ops\n"
                f"    password: {password}\n"
                "channels:\n"
                "  email: [mail]\n")

    def test_every_unresolved_reference_is_reported_without_values(self):
        self.env.write_config(self.smtp_config("${env:NOTIFY_TEST_UNSET}") +
                              "alerts:\n  command: [/bin/echo, '${file:missing.txt}']\n")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "config"), "fail")
        secrets = checks["secrets"]
        self.assertEqual([s["status"] for s in secrets], ["fail", "fail"], secrets)
        self.assertIn(":8: providers.mail.password: environment variable NOTIFY_TEST_UNSET is "
                      "not set", secrets[0]["detail"])
        self.assertIn("alerts.command[1]: cannot read secret file", secrets[1]["detail"])
        self.assertIn("missing.txt", secrets[1]["detail"])

    def test_resolved_reference_is_ok_and_its_value_never_printed(self):
        self.env.write_config(self.smtp_config("${env:SMTP_PASSWORD}"))
        env = {"SMTP_PASSWORD": "hunter2-very-secret"}
        res = self.env.run("--json", "doctor", env=env)
        self.assertNotIn("hunter2", res.stdout + res.stderr)
        checks = {c["check"]: c for c in json.loads(res.stdout)}
        self.assertEqual(checks["secrets"]["status"], "ok")
        self.assertIn("${env:SMTP_PASSWORD} resolves", checks["secrets"]["detail"])

    def test_secret_file_readable_by_others_warns(self):
        self.env.write_config(self.smtp_config("${file:smtp.pass}"))
        secret = os.path.join(os.path.dirname(self.env.config_path), "smtp.pass")
        with open(secret, "w", encoding="utf-8") as f:
            f.write("hunter2-very-secret\n")
        os.chmod(secret, 0o644)
        code, checks, _ = self.doctor()
        self.assertEqual(code, 0)
        self.assertEqual(self.status_of(checks, "secrets"), "warn")
        self.assertIn("readable by group or others", checks["secrets"][0]["detail"])
        os.chmod(secret, 0o600)
        self.assertEqual(self.status_of(self.doctor()[1], "secrets"), "ok")

    def test_config_with_literal_secrets_readable_by_others_fails(self):
        # config loading refuses such a file (exit 78); doctor names the keys to move.
        path = self.env.write_config(self.smtp_config("hunter2-very-secret"))
        os.chmod(path, 0o644)
        res = self.env.run("doctor")
        self.assertEqual(res.returncode, 1)
        self.assertNotIn("hunter2", res.stdout + res.stderr)
        self.assertIn("fail config: config file " + path + " holds secrets "
                      "(providers.mail.password) and is readable by group or others", res.stdout)
        self.assertIn("fail config_permissions: " + path + " holds secrets "
                      "(providers.mail.password) and has mode 0644", res.stdout)
        os.chmod(path, 0o600)
        self.assertEqual(self.status_of(self.doctor()[1], "config_permissions"), "ok")

    # --- store ----------------------------------------------------------------------------
    def test_file_that_is_not_a_store_fails(self):
        os.makedirs(os.path.dirname(self.env.db_path))
        with open(self.env.db_path, "w", encoding="utf-8") as f:
            f.write("not a database at all, just text that is long enough " * 20)
        os.chmod(self.env.db_path, 0o600)
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "store"), "fail")
        self.assertNotIn("schema", checks)

    def test_newer_schema_fails(self):
        self.make_store()
        self.env.sql("PRAGMA user_version = 99")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "schema"), "fail")
        self.assertIn("schema version 99", checks["schema"][0]["detail"])

    def test_journal_mode_not_wal_fails_and_normal_durability_warns(self):
        self.make_store()
        self.env.sql("PRAGMA journal_mode = DELETE")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "pragmas"), "fail")
        self.assertIn("journal_mode=delete", checks["pragmas"][0]["detail"])
        self.env.ok("ls")  # notify puts it back into WAL
        self.env.write_config("store:\n  durability: normal\n")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 0)
        self.assertEqual(self.status_of(checks, "pragmas"), "warn")
        self.assertIn("synchronous=NORMAL", checks["pragmas"][0]["detail"])

    def test_store_readable_by_others_warns(self):
        self.make_store()
        os.chmod(self.env.db_path, 0o644)
        code, checks, _ = self.doctor()
        self.assertEqual(code, 0)
        self.assertEqual(self.status_of(checks, "store_permissions"), "warn")
        self.assertIn("mode 0644", checks["store_permissions"][0]["detail"])

    # --- queue ----------------------------------------------------------------------------
    def test_expired_lease_is_a_stuck_lease(self):
        nid = self.env.send()
        self.env.sql("UPDATE notifications SET status = 'sending', lease_owner = 'gone:1:x', "
                     "lease_until = ?, attempts = 1 WHERE id = ?", (now_ms() - 600_000, nid))
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "stuck_leases"), "fail")
        self.assertIn("1 notifications are 'sending' with an expired lease (the oldest expired "
                      "10m", checks["stuck_leases"][0]["detail"])
        self.env.ok("dispatch", "--once")  # rescues and sends it
        self.assertEqual(self.status_of(self.doctor()[1], "stuck_leases"), "ok")

    def test_backlog_and_oldest_due_against_thresholds(self):
        hour_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        for _ in range(3):
            self.env.send("--at", hour_ago)
        code, checks, _ = self.doctor()  # defaults: 1000 rows, 15m
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "backlog"), "ok")
        self.assertEqual(self.status_of(checks, "oldest_due"), "fail")
        self.assertIn("has waited 1h", checks["oldest_due"][0]["detail"])
        self.assertIn("default threshold 15m", checks["oldest_due"][0]["detail"])
        self.env.write_config("alerts:\n  backlog: 2\n  oldest_due: 2h\n")
        code, checks, _ = self.doctor()
        self.assertEqual(code, 1)
        self.assertEqual(self.status_of(checks, "backlog"), "fail")
        self.assertIn("3 notifications due and unclaimed (alerts.backlog 2)",
                      checks["backlog"][0]["detail"])
        self.assertEqual(self.status_of(checks, "oldest_due"), "ok")

    def test_event_in_the_future_is_clock_skew(self):
        self.make_store()
        self.env.sql("UPDATE events SET at = ? WHERE id = (SELECT max(id) FROM events)",
                     (now_ms() + 3_600_000,))
        code, checks, _ = self.doctor()
        self.assertEqual(code, 0)
        self.assertEqual(self.status_of(checks, "clock_skew"), "warn")
        self.assertIn("in the future", checks["clock_skew"][0]["detail"])

    # --- daemon ---------------------------------------------------------------------------
    def test_daemon_detection(self):
        self.make_store()
        code, checks, _ = self.doctor()
        self.assertEqual(self.status_of(checks, "daemon"), "warn")
        self.assertIn("no dispatcher holds", checks["daemon"][0]["detail"])
        # The lock held without the wake-up socket: a `dispatch --once`-like holder.
        with open(self.env.db_path + ".lock", "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock.truncate(0)
            lock.write("4242\n")
            lock.flush()
            checks = self.doctor()[1]
            self.assertEqual(self.status_of(checks, "daemon"), "warn")
            self.assertIn("dispatcher pid 4242 holds the store but no wake-up socket",
                          checks["daemon"][0]["detail"])
        proc = self.env.start_daemon()
        checks = wait_for(lambda: (lambda c: c if c["daemon"][0]["status"] == "ok" else None)(
            self.doctor()[1]), timeout=30, what="notifyd to hold the store")
        self.assertIn(f"dispatcher pid {proc.pid} holds the store",
                      checks["daemon"][0]["detail"])
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- disk -----------------------------------------------------------------------------
    def run_on_small_fs(self, size):
        """notify --json doctor with the store on a fresh tmpfs of `size` (own mount
        namespace); skips when mounts are not allowed here."""
        unshare = shutil.which("unshare")
        if unshare is None:
            self.skipTest("no unshare")
        mnt = self.env.path("small-" + size)
        os.makedirs(mnt)
        script = ('mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99\n'
                  'exec "$3" --db "$2/notify.db" --json doctor\n')
        flags = ["-m"] if os.geteuid() == 0 else ["-r", "-m"]
        res = subprocess.run([unshare, *flags, "sh", "-c", script, "sh", size, mnt, NOTIFY_BIN],
                             capture_output=True, text=True, env=self.env.env, timeout=60)
        if res.returncode == 99 or (res.returncode != 0 and not res.stdout):
            self.skipTest("cannot mount a tmpfs here: " + res.stderr.strip())
        return res.returncode, {c["check"]: c for c in json.loads(res.stdout)}

    def test_low_disk_space_warns_then_fails(self):
        code, checks = self.run_on_small_fs("64m")
        self.assertEqual(code, 0, checks)
        self.assertEqual(checks["disk_space"]["status"], "warn", checks)
        self.assertRegex(checks["disk_space"]["detail"], r"^6\d MiB free \(")
        code, checks = self.run_on_small_fs("8m")
        self.assertEqual(code, 1, checks)
        self.assertEqual(checks["disk_space"]["status"], "fail", checks)


if __name__ == "__main__":
    unittest.main()
