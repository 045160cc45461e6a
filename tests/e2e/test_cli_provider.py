"""notify provider ls | test: listing configured providers and one synchronous test send,
with the contract's exit codes (0 sent, 65 invalid recipient, 69 refused, 1 unknown name)."""

import json
import os
import stat
import unittest

from notify_env import NotifyTestCase


class ProviderCommandTest(NotifyTestCase):
    def write_plugin(self, name, exit_code, stderr_line=""):
        path = self.env.path(name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\ncat > /dev/null\n")
            if stderr_line:
                f.write(f"echo '{stderr_line}' >&2\n")
            if exit_code == 0:
                f.write("echo '{\"id\": \"receipt-7\"}'\n")
            f.write(f"exit {exit_code}\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        return path

    def test_ls_shows_defaults_and_routes(self):
        out = self.env.ok("provider", "ls")
        lines = [line.split("\t") for line in out.splitlines()]
        self.assertIn(["file", "file", "email,sms,push,webhook,slack", "default"], lines)
        self.assertIn(["log", "log", "-", "default"], lines)
        data = self.env.json("provider", "ls", "--json")
        self.assertEqual({p["name"] for p in data}, {"file", "log"})

    def test_test_send_prints_the_receipt_and_touches_no_store(self):
        ok = self.write_plugin("ok.sh", 0)
        self.env.write_config(f"providers:\n  pager:\n    type: exec\n    command: [{ok}]\n"
                              "channels:\n  pager: [pager]\n")
        out = self.env.ok("provider", "test", "pager", "--to", "oncall")
        self.assertEqual(out, "sent\treceipt-7\n")
        self.assertFalse(os.path.exists(self.env.db_path))

    def test_refusals_map_to_exit_codes(self):
        busy = self.write_plugin("busy.sh", 75, "gateway busy")
        bad = self.write_plugin("bad.sh", 67, "no such pager")
        self.env.write_config(f"providers:\n  busy:\n    type: exec\n    command: [{busy}]\n"
                              f"  bad:\n    type: exec\n    command: [{bad}]\n")
        res = self.env.run("provider", "test", "busy", "--to", "oncall")
        self.assertEqual(res.returncode, 69)
        self.assertIn("busy: transient: exit 75: gateway busy", res.stderr)
        res = self.env.run("provider", "test", "bad", "--to", "oncall", "--json")
        self.assertEqual(res.returncode, 65)
        self.assertEqual(json.loads(res.stdout)["result"], "invalid_recipient")

    def test_unknown_provider_and_bad_recipient(self):
        res = self.env.run("provider", "test", "fiel", "--to", "a@example.com")
        self.assertEqual(res.returncode, 1)
        self.assertIn('did you mean "file"', res.stderr)
        res = self.env.run("provider", "test", "file", "--to", "not-an-address")
        self.assertEqual(res.returncode, 65)
        self.assertIn("invalid email address", res.stderr)


if __name__ == "__main__":
    unittest.main()
