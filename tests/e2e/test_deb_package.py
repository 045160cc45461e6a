"""cpack -G DEB on the test build: the .deb holds the installed files, marks the example config
as a conffile, runs the user-creating postinst, and depends on what dlopen hides from
dpkg-shlibdeps (libcurl4, libssl3) as well as what dpkg-shlibdeps finds. Installing it is
scripts/package-test.sh's job (root, a throwaway machine)."""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from notify_env import BUILD_DIR


def run(*args, cwd=None):
    res = subprocess.run(list(args), capture_output=True, text=True, timeout=600, cwd=cwd)
    if res.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {res.returncode}:\n{res.stdout}\n"
                             f"{res.stderr}")
    return res.stdout


class DebPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = os.path.join(BUILD_DIR, "CPackConfig.cmake")
        if not os.path.exists(config):
            raise unittest.SkipTest(f"no {config}")
        for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest(f"{tool} is absent (scripts/deps.sh --test: dpkg-dev)")
        cls.out = tempfile.mkdtemp(prefix="notify-deb-")
        run("cpack", "-G", "DEB", "--config", config, "-B", cls.out, cwd=cls.out)
        (cls.deb,) = glob.glob(os.path.join(cls.out, "*.deb"))
        cls.contents = run("dpkg-deb", "-c", cls.deb)
        cls.files = {line.split()[-1].lstrip(".") for line in cls.contents.splitlines()
                     if not line.startswith("d")}
        cls.control = run("dpkg-deb", "-f", cls.deb)
        cls.info_dir = os.path.join(cls.out, "control")
        run("dpkg-deb", "-e", cls.deb, cls.info_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def field(self, name):
        m = re.search(rf"(?m)^{name}: (.*)$", self.control)
        self.assertIsNotNone(m, f"no {name} in\n{self.control}")
        return m.group(1)

    def has_file(self, pattern):
        hits = [f for f in self.files if re.fullmatch(pattern, f)]
        self.assertEqual(len(hits), 1, f"{pattern}: {hits}\n{self.contents}")
        return hits[0]

    def test_files(self):
        for pattern in (r"/.*/bin/notify", r"/.*/bin/notifyd", r"/.*/lib/.*notify/notify_phone\.so",
                        r"/.*/share/man/man1/notify\.1", r"/.*/share/man/man8/notifyd\.8",
                        r"/.*/share/man/man5/notify-config\.5",
                        r"/.*/share/notify/templates/welcome\.yaml",
                        r"/.*/share/bash-completion/completions/notify",
                        r"/.*/share/zsh/vendor-completions/_notify",
                        r"/.*/share/fish/vendor_completions\.d/notify\.fish",
                        r"/.*/lib/systemd/system/notifyd\.service",
                        r"/.*/lib/sysusers\.d/notify\.conf", r"/.*etc/notify/config\.yaml"):
            with self.subTest(pattern=pattern):
                self.has_file(pattern)

    def test_control(self):
        self.assertEqual(self.field("Package"), "notify")
        self.assertTrue(self.field("Maintainer"))
        self.assertTrue(self.field("Description").startswith("notification queue CLI"))
        depends = [d.strip().split(" ")[0] for d in self.field("Depends").split(",")]
        for needed in ("libcurl4", "libssl3"):  # opened with dlopen
            self.assertIn(needed, depends)
        for found_by_shlibdeps in ("libsqlite3-0", "libstdc++6", "libsystemd0"):
            self.assertIn(found_by_shlibdeps, depends)

    def test_conffiles_and_maintainer_scripts(self):
        with open(os.path.join(self.info_dir, "conffiles"), encoding="utf-8") as f:
            conffiles = f.read().split()
        config = self.has_file(r"/.*etc/notify/config\.yaml")
        self.assertEqual(conffiles, [config])
        with open(os.path.join(self.info_dir, "postinst"), encoding="utf-8") as f:
            postinst = f.read()
        self.assertIn("systemd-sysusers", postinst)
        self.assertIn("adduser --system", postinst)
        sysusers = self.has_file(r"/.*/lib/sysusers\.d/notify\.conf")
        self.assertIn(sysusers, postinst)
        for script in ("postinst", "prerm", "postrm"):
            with self.subTest(script=script):
                path = os.path.join(self.info_dir, script)
                self.assertTrue(os.access(path, os.X_OK))
                run("sh", "-n", path)


if __name__ == "__main__":
    unittest.main()
