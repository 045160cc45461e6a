"""packaging/notifyd.service: systemd-analyze verify accepts it (ExecStart pointed at the
build's notifyd, the config at the example config), and it keeps the settings notifyd relies
on: Type=notify with a watchdog, reload by SIGHUP, its own user and state directory, hardening
that systemd-analyze security rates "OK" (exposure 2.5 at most)."""

import os
import re
import shutil
import subprocess
import unittest

from notify_env import BUILD_DIR, NOTIFYD_BIN, SOURCE_DIR, NotifyEnv

UNIT = os.path.join(BUILD_DIR, "packaging", "notifyd.service")


def settings(text):
    """{key: [values]} of the unit's assignments."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(UNIT):
            self.skipTest(f"not configured: {UNIT}")
        with open(UNIT, encoding="utf-8") as f:
            self.text = f.read()
        self.settings = settings(self.text)
        self.env = NotifyEnv(self)

    def write_verifiable_unit(self):
        """The unit with ExecStart on the build's notifyd and the source's example config."""
        config = os.path.join(SOURCE_DIR, "packaging", "config.yaml")
        (exec_start,) = self.settings["ExecStart"]
        rest = re.sub(r"--config \S+", f"--config {config}", exec_start.split(" ", 1)[1])
        text = self.text.replace("ExecStart=" + exec_start, f"ExecStart={NOTIFYD_BIN} {rest}")
        unit = self.env.path("notifyd.service")
        with open(unit, "w", encoding="utf-8") as f:
            f.write(text)
        return unit

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is absent (Debian: apt-get install systemd)")
        unit = self.write_verifiable_unit()
        res = subprocess.run([analyze, "verify", "--man=no", unit], capture_output=True,
                             text=True, timeout=120, cwd=self.env.root)
        complaints = [line for line in res.stderr.splitlines()
                      if "notifyd.service" in line or "Unknown" in line]
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(complaints, [], res.stderr)

    def test_exposure_stays_low(self):
        """systemd-analyze security rates the sandbox; 1.7 when this was written ("OK")."""
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is absent (Debian: apt-get install systemd)")
        res = subprocess.run([analyze, "security", "--offline=true", "--man=no",
                              self.write_verifiable_unit()],
                             capture_output=True, text=True, timeout=120, cwd=self.env.root)
        m = re.search(r"Overall exposure level for notifyd\.service: ([\d.]+)", res.stdout)
        if m is None:
            self.skipTest(f"this systemd-analyze cannot rate a unit file offline: {res.stderr}")
        self.assertLessEqual(float(m.group(1)), 2.5, res.stdout)

    def test_notifyd_speaks_the_protocol_it_declares(self):
        self.assertEqual(self.settings["Type"], ["notify"])
        # notifyd pings every half of WATCHDOG_USEC (daemon/systemd_notify.cpp).
        self.assertEqual(len(self.settings["WatchdogSec"]), 1)
        self.assertEqual(self.settings["Restart"], ["on-failure"])
        self.assertEqual(self.settings["ExecReload"], ["/bin/kill -HUP $MAINPID"])

    def test_runs_as_notify_with_its_state_directory(self):
        self.assertEqual(self.settings["User"], ["notify"])
        self.assertEqual(self.settings["Group"], ["notify"])
        self.assertEqual(self.settings["StateDirectory"], ["notify"])
        self.assertEqual(self.settings["StateDirectoryMode"], ["2770"])
        (exec_start,) = self.settings["ExecStart"]
        self.assertRegex(exec_start, r"^/\S+/notifyd --config /\S+/notify/config\.yaml "
                                     r"--db /var/lib/notify/notify\.db$")

    def test_hardening(self):
        for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                           ("ProtectHome", "yes"), ("PrivateTmp", "yes")):
            with self.subTest(key=key):
                self.assertEqual(self.settings.get(key), [value])
        families = self.settings["RestrictAddressFamilies"][0].split()
        for family in ("AF_INET", "AF_INET6", "AF_UNIX"):  # providers, listener, journald
            self.assertIn(family, families)
        # Nothing that forbids what notifyd does: no IP filter, no network namespace.
        for key in ("PrivateNetwork", "IPAddressDeny"):
            self.assertNotIn(key, self.settings)


if __name__ == "__main__":
    unittest.main()
