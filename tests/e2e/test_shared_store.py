"""A store shared with a group (notify(1) SYSTEM-WIDE STORE): in a setgid, group-writable
directory, a member creates and uses the store with mode 0660 and the directory's group; a user
outside the group gets exit 74 and a hint naming the group. Runs the real notify as user nobody
(setpriv) with and without the group, so it needs root; elsewhere files stay 0600 (see
test_cli_send and reliability.test_secrets)."""

import grp
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from notify_env import NOTIFY_BIN, NotifyTestCase

NOBODY = 65534


def reachable_by_others(path):
    """True if every directory on the way to `path` lets other users through, and `path` is
    readable and executable by them."""
    path = os.path.abspath(path)
    if not os.stat(path).st_mode & stat.S_IROTH or not os.stat(path).st_mode & stat.S_IXOTH:
        return False
    parent = os.path.dirname(path)
    while parent != os.path.dirname(parent):
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(parent)
    return True


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"),
                     "needs root and setpriv to run notify as another user")
class SharedStoreTest(NotifyTestCase):

    def setUp(self):
        super().setUp()
        if not reachable_by_others(NOTIFY_BIN):
            self.skipTest(f"{NOTIFY_BIN} is not reachable by other users")
        self.gid = grp.getgrnam("users").gr_gid
        self.base = tempfile.mkdtemp(prefix="notify-shared-")
        self.addCleanup(shutil.rmtree, self.base, True)
        os.chmod(self.base, 0o755)
        self.home = os.path.join(self.base, "home")  # nobody's HOME: no config of its own
        os.makedirs(self.home)
        os.chmod(self.home, 0o777)
        self.config = os.path.join(self.base, "config.yaml")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write("# no settings: the built-in defaults\n")
        os.chmod(self.config, 0o644)
        self.shared = os.path.join(self.base, "shared")
        os.makedirs(self.shared)
        os.chown(self.shared, 0, self.gid)
        os.chmod(self.shared, 0o2770)
        self.db = os.path.join(self.shared, "notify.db")

    def as_nobody(self, *args, member):
        groups = ["--groups", str(self.gid)] if member else ["--clear-groups"]
        env = {k: v for k, v in self.env.env.items()
               if k not in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
        env["HOME"] = self.home
        env["NOTIFY_CONFIG"] = self.config  # never /etc/notify/config.yaml of the machine
        return subprocess.run(
            ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), *groups, NOTIFY_BIN,
             "--db", self.db, *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)

    def test_a_member_creates_and_uses_the_store_with_the_group(self):
        res = self.as_nobody("send", "--channel", "email", "--to", "a@example.com", "--body",
                             "x", member=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        new_id = res.stdout.strip()
        st = os.stat(self.db)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual((st.st_uid, st.st_gid), (NOBODY, self.gid))
        for suffix in ("-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                wal = os.stat(self.db + suffix)
                self.assertEqual(wal.st_gid, self.gid, suffix)
                self.assertEqual(stat.S_IMODE(wal.st_mode) & 0o060, 0o060, suffix)
        res = self.as_nobody("ls", member=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn(new_id, res.stdout)

    def test_a_user_outside_the_group_is_refused_with_a_hint(self):
        self.assertEqual(self.as_nobody("send", "--channel", "email", "--to", "a@example.com",
                                        "--body", "x", member=True).returncode, 0)
        os.chmod(self.db, 0o660)
        with self.assert_store_unchanged(self.db):
            res = self.as_nobody("ls", member=False)
        # nobody still owns the file, but without the group it cannot enter the directory.
        first = self.assert_error_output(res, 74)
        self.assertEqual(first, f"notify: cannot open store {self.db}: Permission denied")
        self.assertIn(f"{self.shared} is for members of group users", res.stderr)
        self.assertIn("usermod -aG users USER", res.stderr)

    def test_a_directory_that_is_not_setgid_keeps_new_stores_private(self):
        os.chmod(self.shared, 0o0770)
        res = self.as_nobody("send", "--channel", "email", "--to", "a@example.com", "--body",
                             "x", member=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.db).st_mode), 0o600)


if __name__ == "__main__":
    unittest.main()
