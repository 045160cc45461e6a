"""`cmake --install` into a DESTDIR: every file lands where the GNU layout puts it, and the
staged binaries work from there (send, ls, notifyd --once), finding their own templates and phone
module beside them rather than the build tree's."""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from notify_env import BUILD_DIR, SOURCE_DIR, NotifyEnv

TEMPLATE_FILES = sorted(
    os.path.relpath(p, os.path.join(SOURCE_DIR, "templates"))
    for p in glob.glob(os.path.join(SOURCE_DIR, "templates", "**", "*"), recursive=True)
    if p.endswith((".yaml", ".mustache")))


def cache_value(name):
    with open(os.path.join(BUILD_DIR, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(re.escape(name) + r":\w+=(.*)$", line.rstrip("\n"))
            if m:
                return m.group(1)
    raise AssertionError(f"{name} not in {BUILD_DIR}/CMakeCache.txt")


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(BUILD_DIR, "CMakeCache.txt")):
            raise unittest.SkipTest(f"no configured build in {BUILD_DIR}")
        cls.destdir = tempfile.mkdtemp(prefix="notify-install-")
        res = subprocess.run(["cmake", "--install", BUILD_DIR],
                             env=dict(os.environ, DESTDIR=cls.destdir),
                             capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            shutil.rmtree(cls.destdir, ignore_errors=True)
            raise AssertionError(f"cmake --install failed:\n{res.stdout}\n{res.stderr}")
        cls.prefix = cls.destdir + cache_value("CMAKE_INSTALL_PREFIX")
        cls.notify = os.path.join(cls.prefix, "bin", "notify")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.destdir, ignore_errors=True)

    def setUp(self):
        self.env = NotifyEnv(self)

    def run_installed(self, *args, env=None, check=True):
        res = self.env.run(*args, binary=self.notify, env=env)
        if check:
            self.assertEqual(res.returncode, 0, f"notify {args}: {res.stderr}")
        return res

    def staged(self, *parts):
        return os.path.join(self.prefix, *parts)

    def find_one(self, suffix):
        """The one staged file whose path ends with `suffix` (for the paths GNUInstallDirs
        may move, like etc/ beside or outside the prefix)."""
        hits = [os.path.join(d, f) for d, _, files in os.walk(self.destdir) for f in files
                if os.path.join(d, f).endswith(suffix)]
        self.assertEqual(len(hits), 1, f"expected one staged file ending in {suffix}: {hits}")
        return hits[0]

    def test_binaries_run_from_the_staging_dir(self):
        self.assertTrue(os.access(self.staged("bin", "notifyd"), os.X_OK))
        self.assertRegex(self.run_installed("--version").stdout, r"^notify \d+\.\d+\.\d+\n$")
        db = self.env.path("store.db")
        nid = self.run_installed("--db", db, "send", "--channel", "email", "--to",
                                 "ops@example.com", "--body", "installed").stdout.strip()
        self.assertRegex(nid, r"^\d+$")
        listing = self.run_installed("--db", db, "ls").stdout
        self.assertIn(nid, listing.split())
        self.assertIn("ops@example.com", listing)
        res = self.env.run("--db", db, "--once", binary=self.staged("bin", "notifyd"))
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.run_installed("--db", db, "ls", "--status", "sent").stdout.split()[0],
                         nid)

    def test_staged_templates_are_the_shipped_ones(self):
        installed = self.staged("share", "notify", "templates")
        found = sorted(os.path.relpath(os.path.join(d, f), installed)
                       for d, _, files in os.walk(installed) for f in files)
        self.assertEqual(found, TEMPLATE_FILES)
        entries = json.loads(self.run_installed("template", "ls", "--json").stdout)
        welcome = [e for e in entries if e["name"] == "welcome"]
        self.assertEqual(len(welcome), 1)
        self.assertEqual(welcome[0]["source"], "shipped")
        self.assertTrue(welcome[0]["path"].startswith(installed + "/"), welcome[0]["path"])

    def test_staged_phone_module_is_the_one_loaded(self):
        modules = glob.glob(os.path.join(self.prefix, "lib*", "**", "notify", "notify_phone.so"),
                            recursive=True)
        self.assertEqual(len(modules), 1, modules)
        res = self.run_installed("--db", self.env.path("store.db"), "send", "--channel", "sms",
                                 "--to", "+1 415 555 0123", "--body", "x",
                                 env={"LD_DEBUG": "files"})
        loaded = re.findall(r"file=(\S*notify_phone\.so)", res.stderr)
        self.assertTrue(loaded, "notify_phone.so was not loaded")
        self.assertEqual(os.path.realpath(loaded[0]), os.path.realpath(modules[0]))

    def test_man_pages(self):
        for section, page in (("1", "notify.1"), ("5", "notify-config.5"),
                              ("7", "notify-providers.7"), ("8", "notifyd.8")):
            with self.subTest(page=page):
                path = self.staged("share", "man", "man" + section, page)
                with open(path, encoding="utf-8") as f, \
                        open(os.path.join(SOURCE_DIR, "man", page), encoding="utf-8") as g:
                    self.assertEqual(f.read(), g.read())

    def test_completions_are_what_the_installed_notify_prints(self):
        for shell, parts in (("bash", ("bash-completion", "completions", "notify")),
                             ("zsh", ("zsh", "vendor-completions", "_notify")),
                             ("fish", ("fish", "vendor_completions.d", "notify.fish"))):
            with self.subTest(shell=shell):
                with open(self.staged("share", *parts), encoding="utf-8") as f:
                    self.assertEqual(f.read(), self.run_installed("completion", shell).stdout)

    def test_systemd_unit_and_sysusers(self):
        with open(self.staged("lib", "systemd", "system", "notifyd.service"),
                  encoding="utf-8") as f:
            unit = f.read()
        bindir = cache_value("CMAKE_INSTALL_PREFIX").rstrip("/") + "/bin"
        self.assertIn(f"\nExecStart={bindir}/notifyd --config ", unit)
        self.assertIn("\nType=notify\n", unit)
        with open(self.staged("lib", "sysusers.d", "notify.conf"), encoding="utf-8") as f:
            self.assertRegex(f.read(), r"(?m)^u notify ")

    def test_example_config_is_valid_and_points_at_var_lib(self):
        config = self.find_one(os.path.join("etc", "notify", "config.yaml"))
        with open(config, encoding="utf-8") as f:
            text = f.read()
        self.assertRegex(text, r"(?m)^  path: /var/lib/notify/notify\.db")
        with open(self.staged("lib", "systemd", "system", "notifyd.service"),
                  encoding="utf-8") as f:
            self.assertIn(f"--config {config[len(self.destdir):]} ", f.read())
        res = self.run_installed("--config", config, "config", "check")
        self.assertEqual(res.stderr, "")
        shown = self.run_installed("--config", config, "config", "show").stdout
        self.assertIn("/var/lib/notify/notify.db", shown)


if __name__ == "__main__":
    unittest.main()
