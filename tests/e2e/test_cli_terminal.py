"""Issue #8: on a terminal, listings print an aligned table under a header with relative times
and coloured statuses (not with NO_COLOR or TERM=dumb); piped, the pinned TAB-separated lines
are unchanged; --jsonl prints the --json array's elements one a line."""

import datetime
import json
import os
import re
import subprocess
import time

from notify_env import NOTIFY_BIN, TIMEOUT, NotifyTestCase

IOS_TOKEN = "0123456789abcdef" * 4
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def rfc3339(seconds_from_now):
    t = datetime.datetime.fromtimestamp(time.time() + seconds_from_now, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class TerminalOutputTest(NotifyTestCase):

    def setUp(self):
        super().setUp()
        self.env.write_config("providers:\n  out:\n    type: file\n"
                              f"    path: {self.env.path('delivered.jsonl')}\n"
                              "channels:\n  email: [out]\n")
        self.env.ok("send", "--channel", "email", "--to", "a@example.com", "--body", "now")
        self.env.ok("send", "--channel", "email", "--to", "somebody.longer@example.com",
                    "--body", "later", "--in", "2h")
        self.env.ok("send", "--channel", "email", "--to", "b@example.com", "--body", "held",
                    "--at", rfc3339(-3 * 3600))
        self.env.ok("hold", "3")

    def tty(self, *args, env=None):
        """Runs notify with stdout on a pseudo-terminal; returns (exit code, output)."""
        full_env = dict(self.env.env)
        full_env.update(env or {})
        master, slave = os.openpty()
        proc = subprocess.Popen([NOTIFY_BIN, *args], stdout=slave, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=full_env, cwd=self.env.root)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        proc.communicate(timeout=TIMEOUT)
        return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n")

    def assert_aligned(self, text, headers):
        lines = ESCAPE.sub("", text).rstrip("\n").split("\n")
        self.assertEqual(lines[0].split(), headers)
        starts = [lines[0].index(h) for h in headers]
        for line in lines[1:]:
            for start in starts[1:]:
                self.assertEqual(line[start - 2:start], "  ", f"column at {start}: {line!r}")
                self.assertNotEqual(line[start], " ", f"column at {start}: {line!r}")
        return lines

    # --- terminal form ------------------------------------------------------------------
    def test_ls_on_a_terminal_aligns_under_a_header_with_relative_times(self):
        code, out = self.tty("ls")
        self.assertEqual(code, 0)
        lines = self.assert_aligned(
            out, ["ID", "STATUS", "CHANNEL", "TO", "DUE", "ATTEMPTS", "LAST_ERROR"])
        self.assertEqual(len(lines), 4)
        self.assertNotIn("\t", out)
        self.assertRegex(lines[1], r"  (just now|\d+s ago)  ")  # a slow host may take >10s
        self.assertIn("in 2h", lines[2])
        self.assertIn("3h ago", lines[3])

    def test_statuses_are_coloured_unless_no_color_or_dumb_terminal(self):
        _, out = self.tty("ls")
        self.assertIn("\x1b[33mheld\x1b[0m", out)
        _, out = self.tty("ls", env={"NO_COLOR": ""})  # empty: no-color.org says colour on
        self.assertIn("\x1b[", out)
        for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
            code, out = self.tty("ls", env=env)
            self.assertEqual(code, 0)
            self.assertNotIn("\x1b", out, env)
            self.assertIn("held", out)

    def test_every_listing_prints_a_header_on_a_terminal(self):
        self.env.ok("user", "add", "alice", "--email", "alice@example.com", "--tz", "UTC")
        self.env.ok("device", "add", "alice", "--platform", "ios", "--token", IOS_TOKEN)
        self.env.ok("schedule", "add", "nightly", "--cron", "0 3 * * *", "--tz", "UTC",
                    "--channel", "email", "--to", "ops@example.com", "--body", "x")
        expected = {
            ("schedule", "ls"): ["NAME", "STATE", "CRON", "TZ", "NEXT", "LAST", "CATCH_UP"],
            ("schedule", "next", "nightly", "-n", "2"): ["AT", "WHEN"],
            ("provider", "ls"): ["NAME", "TYPE", "CHANNELS", "ORIGIN"],
            ("user", "ls"): ["ID", "EMAIL", "PHONE", "LOCALE", "TZ"],
            ("device", "ls"): ["ID", "USER", "PLATFORM", "STATE", "APP", "TOKEN"],
            ("events",): ["AT", "ID", "CHANNEL", "TYPE", "DETAIL"],
        }
        for args, headers in expected.items():
            code, out = self.tty(*args)
            self.assertEqual(code, 0, args)
            self.assert_aligned(out, headers)
        _, out = self.tty("template", "ls")
        self.assertEqual(ESCAPE.sub("", out).split("\n")[0].split(),
                         ["NAME", "DESCRIPTION", "LOCALES", "SOURCE"])
        _, out = self.tty("schedule", "next", "nightly", "-n", "1", env={"NO_COLOR": "1"})
        self.assertRegex(out.split("\n")[1], r"^\d{4}-\d\d-\d\dT03:00:00Z  in \d+[mh]$")

    # --- piped form: the pinned plain lines ---------------------------------------------
    def test_piped_listings_print_the_pinned_tab_separated_lines(self):
        self.env.ok("user", "add", "alice", "--email", "alice@example.com", "--tz", "UTC")
        self.env.ok("device", "add", "alice", "--platform", "ios", "--token", IOS_TOKEN)
        self.env.ok("schedule", "add", "nightly", "--cron", "0 3 * * *", "--tz", "UTC",
                    "--channel", "email", "--to", "ops@example.com", "--body", "x")

        def dash(v):
            return "-" if v is None else v

        rows = {
            ("ls",): [[n["id"], n["status"], n["channel"], n["to"], n["due_at"], n["attempts"],
                       dash(n["last_error"])] for n in self.env.json("ls")],
            ("schedule", "ls"): [
                [s["name"], "paused" if s["paused"] else "active", s["cron"], s["tz"],
                 dash(s["next_at"]), dash(s["last_slot"]), s["catch_up"]]
                for s in self.env.json("schedule", "ls")],
            ("schedule", "next", "nightly", "-n", "3"): [
                [t] for t in self.env.json("schedule", "next", "nightly", "-n", "3")],
            ("user", "ls"): [[u["id"], dash(u["email"]), dash(u["phone"]), dash(u["locale"]),
                              dash(u["tz"])] for u in self.env.json("user", "ls")],
            ("device", "ls"): [
                [d["id"], d["user"], d["platform"],
                 "invalid" if d["invalidated_at"] else "valid", dash(d["app"]), d["token"]]
                for d in self.env.json("device", "ls")],
            ("provider", "ls"): [
                [p["name"], p["type"], ",".join(p["channels"]) or "-", p["origin"]]
                for p in self.env.json("provider", "ls")],
            ("template", "ls"): [
                [t["name"], t["description"], ",".join(t["locales"]) or "-", t["source"]]
                for t in self.env.json("template", "ls")],
        }
        events = [json.loads(line) for line in self.env.ok("--json", "events").splitlines()]
        rows[("events",)] = [[e["at"], e["id"], e["channel"], e["type"], e["detail"]]
                             for e in events]
        for args, expected in rows.items():
            self.assertTrue(expected, args)
            lines = "".join("\t".join(str(f) for f in row) + "\n" for row in expected)
            self.assertEqual(self.env.ok(*args), lines, args)
            # No colour piped, whatever the environment says.
            self.assertEqual(self.env.ok(*args, env={"TERM": "xterm-256color"}), lines, args)

    # --- --jsonl ------------------------------------------------------------------------
    def test_jsonl_prints_the_json_arrays_elements_one_a_line(self):
        self.env.ok("user", "add", "alice", "--email", "alice@example.com")
        self.env.ok("device", "add", "alice", "--platform", "ios", "--token", IOS_TOKEN)
        self.env.ok("schedule", "add", "nightly", "--cron", "0 3 * * *",
                    "--channel", "email", "--to", "ops@example.com", "--body", "x")
        for args in (("ls",), ("ls", "--status", "held"), ("schedule", "ls"),
                     ("schedule", "next", "nightly", "-n", "3"), ("template", "ls"),
                     ("provider", "ls"), ("user", "ls"), ("device", "ls")):
            array = self.env.json(*args)
            self.assertIsInstance(array, list, args)
            self.assertTrue(array, args)
            out = self.env.ok("--jsonl", *args)
            self.assertTrue(out.endswith("\n"), args)
            lines = out[:-1].split("\n")
            self.assertNotIn("", lines, args)
            self.assertEqual([json.loads(line) for line in lines], array, args)
            self.assertFalse(any(line.startswith(" ") for line in lines), args)
        # events: already JSON lines with --json; --jsonl prints the same.
        self.assertEqual(self.env.ok("events", "--jsonl"), self.env.ok("events", "--json"))

    def test_jsonl_on_an_empty_listing_prints_nothing_and_exits_1(self):
        res = self.env.run("--jsonl", "ls", "--status", "dead")
        self.assertEqual((res.returncode, res.stdout), (1, ""))

    def test_jsonl_elsewhere_is_json(self):
        self.assertEqual(json.loads(self.env.ok("--jsonl", "show", "1")),
                         json.loads(self.env.ok("--json", "show", "1")))

    def test_json_and_jsonl_together_is_a_usage_error(self):
        for args in (("--json", "--jsonl", "ls"), ("ls", "--jsonl", "--json"),
                     ("--jsonl", "stats", "--json")):
            res = self.env.run(*args)
            self.assert_error_output(res, 64)
            self.assertEqual(res.stderr.count("\n"), 1, args)
            self.assertIn("--jsonl", res.stderr)
