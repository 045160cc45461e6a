"""Disk full and damaged stores.

Disk full: the store lives on a small tmpfs (needs root: `mount -t tmpfs`; skipped otherwise).
Once the file system is full, `notify send` exits 74 with one clear line and leaves the store
as it was; notifyd keeps running through it and delivers everything, once, when space returns.

Damaged stores: a store file truncated or overwritten in various ways makes every command
(and notifyd) fail with exit 74 and one line, or work if SQLite does not notice; never a crash,
never exit 70.
"""

import errno
import json
import os
import random
import shutil
import subprocess
import sys
import time
import unittest

from rel_env import NOTIFY_BIN, NOTIFYD_BIN, NotifyTestCase, start_daemon, wait_for

TMPFS_SIZE = "2m"


def fill(path):
    """Writes zeros to `path` until the file system is full; returns the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    f.write(chunk[:size])
                    written += size
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return written


class DiskFullTest(NotifyTestCase):

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a tmpfs")
        # The store's own directory is the small file system (so the harness's store
        # helpers find it); the file provider writes elsewhere.
        self.mnt = os.path.dirname(self.env.db_path)
        os.makedirs(self.mnt)
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700",
                              "tmpfs", self.mnt], capture_output=True, text=True, timeout=30)
        if res.returncode != 0:
            self.skipTest("cannot mount a tmpfs: " + res.stderr.strip())
        self.addCleanup(self.unmount)
        self.db = self.env.db_path
        self.filler = os.path.join(self.mnt, "filler")
        self.out = self.env.path("delivered.jsonl")

    def unmount(self):
        if self.env.daemon is not None:  # it holds the store open
            proc = self.env.daemon
            self.env.daemon = None
            proc.kill()
            proc.wait(timeout=10)
        res = subprocess.run(["umount", self.mnt], capture_output=True, timeout=30)
        if res.returncode != 0:
            subprocess.run(["umount", "-l", self.mnt], timeout=30)

    def free(self):
        if os.path.exists(self.filler):
            os.remove(self.filler)

    # Regression: notifyd exited (74) on the first store error of a turn, and the results of
    # the sends it had finished were dropped, leaving their rows `sending` until the lease ran
    # out (and then sent again).
    def test_full_disk_send_exits_74_and_notifyd_keeps_running_and_resumes(self):
        self.env.write_config(f"daemon:\n  poll_interval: 1s\nproviders:\n  file:\n"
                              f"    type: file\n    path: {json.dumps(self.out)}\n")
        first = self.env.send(body="before")
        start_daemon(self, self.env)
        wait_for(lambda: self.env.status(first) == "sent", what="the first send to go out")
        # Due in a few seconds: the daemon meets them while the disk is full.
        later = [self.env.send("--in", "4s", body=f"later {i}") for i in range(10)]
        filled = fill(self.filler)
        # SQLite reuses the space of its WAL, so some sends may still fit; a large body makes
        # the store grow soon.
        body = "x" * 30000
        ok_ids, failure = [], None
        for i in range(200):
            res = self.env.run("send", "--channel", "email", "--to", "ops@example.com",
                               "--body", f"{body} {i}")
            if res.returncode != 0:
                failure = res
                break
            ok_ids.append(int(res.stdout))
        self.assertIsNotNone(failure, f"200 sends fit on a full disk ({filled} bytes filler)")
        line = self.assert_error_output(failure, 74)
        self.assertIn("full", line, "the error should say the disk is full")
        self.assertIn(self.db, line)
        sys.stderr.write(f"\n  {len(ok_ids)} sends fit after filling; then: {line}\n")
        # Nothing half-way: the failed send left no trace; more sends change nothing.
        self.assertEqual(self.env.count("body LIKE ?", (f"{body} {len(ok_ids)}",)), 0)
        for _ in range(3):
            self.assert_fails(74, "send", "--channel", "email", "--to", "ops@example.com",
                              "--body", body + " again", db=self.db)
        # Reading still works.
        self.assertEqual(len(self.env.json("ls", "--limit", "0")), 1 + len(later) + len(ok_ids))
        # The later ones fall due while the disk is full: notifyd keeps running.
        time.sleep(6)
        self.assertIsNone(self.env.daemon.poll(), "notifyd died on a full disk:\n"
                          + self.env.daemon_log()[-4000:])
        self.free()
        wanted = [first] + later + ok_ids
        wait_for(lambda: self.env.count("status = 'sent'") == len(wanted), timeout=60,
                 what="every notification sent once space returned; by status: "
                      + repr(self.env.sql("SELECT status, count(*) FROM notifications "
                                          "GROUP BY status"))
                      + "\nlog:\n" + self.env.daemon_log()[-4000:])
        self.assertIsNone(self.env.daemon.poll())
        self.assertEqual(self.env.stop_daemon(), 0, self.env.daemon_log()[-4000:])
        errors = [line for line in self.env.daemon_log().splitlines() if "store error" in line]
        sys.stderr.write(f"  notifyd logged: {errors[:1]}\n")
        delivered = [m["id"] for m in self.env.delivered(self.out)]
        self.assertEqual(sorted(delivered), sorted(wanted), "each delivered exactly once")
        self.assertEqual(self.env.sql("PRAGMA integrity_check"), [("ok",)])
        # And sending works again.
        self.env.send(body="after")


def checkpointed_store(env):
    """A store with 300 notifications (some sent), its WAL checkpointed into the main file;
    returns the main file's bytes."""
    batch = env.path("batch.ndjson")
    with open(batch, "w", encoding="utf-8") as f:
        for i in range(300):
            f.write(json.dumps({"channel": "email", "to": f"u{i}@example.com",
                                "body": f"body {i} " + "y" * 200}) + "\n")
    env.ok("import", batch)
    res = env.run("--once", binary=NOTIFYD_BIN)
    assert res.returncode == 0, res.stderr
    env.sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(env.db_path, "rb") as f:
        return f.read()


class DamagedStoreTest(NotifyTestCase):

    def damage(self, pristine, how, rng):
        """Writes a damaged copy of `pristine` to the store path (no -wal, no -shm)."""
        for suffix in ("-wal", "-shm"):
            if os.path.exists(self.env.db_path + suffix):
                os.remove(self.env.db_path + suffix)
        data = bytearray(pristine)
        page = 4096
        if how == "garbage header":
            data[:100] = b"garbage!" * 12 + b"gbg!"
        elif how == "truncated to 100 bytes":
            data = data[:100]
        elif how == "truncated to one page":
            data = data[:page]
        elif how == "truncated to half":
            data = data[:len(data) // 2 // page * page]
        elif how == "truncated mid-page":
            data = data[:len(data) // 2 + 123]
        elif how == "random bytes in every page":
            for start in range(page, len(data), page):
                for _ in range(16):
                    data[start + rng.randrange(page)] = rng.randrange(256)
        elif how == "zeroed pages":
            mid = len(data) // page // 2 * page
            data[mid:mid + 4 * page] = bytes(4 * page)
        elif how == "page size field broken":
            data[16:18] = b"\x00\x03"
        else:
            raise ValueError(how)
        with open(self.env.db_path, "wb") as f:
            f.write(bytes(data))
        os.chmod(self.env.db_path, 0o600)

    def run_raw(self, binary, *args):
        """Runs a binary; stdout and stderr decoded as Latin-1 so any byte shows."""
        res = subprocess.run([binary, *args], capture_output=True, env=self.env.env,
                             cwd=self.env.root, stdin=subprocess.DEVNULL, timeout=60)
        return subprocess.CompletedProcess(res.args, res.returncode,
                                           res.stdout.decode("latin-1"),
                                           res.stderr.decode("latin-1"))

    def test_damaged_store_exits_74_never_crashes(self):
        pristine = checkpointed_store(self.env)
        self.assertGreater(len(pristine), 20 * 4096)
        rng = random.Random(9)
        # How SQLite must notice each damage: "always" for damage every command meets.
        cases = {
            "garbage header": True,
            "truncated to 100 bytes": True,
            "truncated to one page": True,
            "truncated to half": True,
            "truncated mid-page": True,
            "page size field broken": True,
            "random bytes in every page": False,
            "zeroed pages": False,
        }
        commands = [
            ("ls", "--limit", "0"),
            ("show", "150"),
            ("stats",),
            ("send", "--channel", "email", "--to", "ops@example.com", "--body", "new"),
            ("cancel", "299"),
            ("dispatch", "--once"),
            ("doctor",),
        ]
        outcomes = {}
        for how, always in cases.items():
            for args in commands + [("notifyd --once",)]:
                self.damage(pristine, how, rng)
                if args == ("notifyd --once",):
                    res = self.run_raw(NOTIFYD_BIN, "--once")
                    prog = "notifyd"
                else:
                    res = self.run_raw(NOTIFY_BIN, *args)
                    prog = "notify"
                what = f"{how}: {' '.join(args)}: exit {res.returncode}\n{res.stderr[-2000:]}"
                # Regression: SQLite's message about a damaged schema carried bytes of the
                # file (control characters, invalid UTF-8) into the error line.
                self.assertRegex(res.stderr, r"^[\x20-\x7e\n]*$", "unprintable bytes: " + what)
                outcomes[(how, args[0])] = res.returncode
                self.assertGreaterEqual(res.returncode, 0, "killed by a signal: " + what)
                self.assertNotIn(res.returncode, (70,), what)
                self.assertNotIn("runtime error", res.stderr, what)
                self.assertNotIn("Sanitizer", res.stderr, what)
                if args[0] == "doctor":
                    # doctor reports the damage as a failed check (exit 1).
                    self.assertIn(res.returncode, (0, 1), what)
                    if always:
                        self.assertEqual(res.returncode, 1, what)
                        self.assertIn("fail store", res.stdout, what)
                    continue
                if always:
                    self.assertEqual(res.returncode, 74, what)
                if res.returncode != 0:
                    self.assertIn(res.returncode, (1, 74), what)
                    line = self.assert_error_output(res, res.returncode, prog=prog)
                    if res.returncode == 74:
                        self.assertIn(self.env.db_path, line, what)
        sys.stderr.write("\n  exits: " + repr(sorted(outcomes.items())) + "\n")


if __name__ == "__main__":
    unittest.main()
