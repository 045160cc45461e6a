"""Users, devices and preferences end to end: fan-out, opt-outs at enqueue and at dispatch,
quiet hours, invalid device tokens, user removal, and bulk import."""

import datetime
import json
import os
import unittest

from notify_env import NotifyTestCase

IOS_TOKEN = "0123456789abcdef" * 4
IMPORT_LINES = int(os.environ.get("NOTIFY_E2E_IMPORT_LINES", "100000"))


def dispatch_report(env):
    res = env.run("dispatch", "--once", "--json")
    if res.returncode != 0:
        raise AssertionError(res.stderr)
    return json.loads(res.stdout)


class AudienceTest(NotifyTestCase):

    def add_alice(self, *extra):
        self.env.ok("user", "add", "alice", "--email", "alice@example.com", "--phone",
                    "+14155550123", "--locale", "de", "--tz", "Europe/Berlin", *extra)
        self.env.ok("device", "add", "alice", "--platform", "ios", "--token", IOS_TOKEN)

    def ids(self, out):
        return [int(line) for line in out.split()]

    def test_send_to_a_user_fans_out_to_every_channel_in_their_locale(self):
        self.add_alice()
        ids = self.ids(self.env.ok("send", "--user", "alice", "--template", "welcome",
                                   "--data-json", json.dumps({
                                       "name": "Alice", "app_name": "Acme",
                                       "login_url": "https://app.example.com/login"})))
        self.assertEqual(len(ids), 3)
        rows = {self.env.show(i)["channel"]: self.env.show(i) for i in ids}
        self.assertEqual(sorted(rows), ["email", "push", "sms"])
        self.assertEqual(rows["email"]["to"], "alice@example.com")
        self.assertEqual(rows["sms"]["to"], "+14155550123")
        self.assertEqual(rows["push"]["to"], IOS_TOKEN)
        for row in rows.values():
            self.assertEqual(row["user"], "alice")
            self.assertEqual(row["template"], "welcome")
        report = dispatch_report(self.env)
        self.assertEqual(report["sent"], 3, report)
        delivered = {d["channel"]: d for d in self.env.delivered()}
        self.assertIn("Willkommen", json.dumps(delivered["email"], ensure_ascii=False),
                      "the user's locale (de) picks the German variant")
        # Only one channel with --channel.
        only = self.ids(self.env.ok("send", "--user", "alice", "--channel", "sms", "--body",
                                    "x"))
        self.assertEqual(self.env.show(only[0])["channel"], "sms")

    def test_opt_out_at_enqueue_is_recorded_as_suppressed(self):
        self.add_alice()
        self.env.ok("prefs", "set", "alice", "--channel", "sms", "--opt-out")
        ids = self.ids(self.env.ok("send", "--user", "alice", "--body", "news"))
        by_channel = {self.env.show(i)["channel"]: self.env.show(i) for i in ids}
        self.assertEqual(by_channel["sms"]["status"], "suppressed")
        self.assertIn("opted out", by_channel["sms"]["last_error"])
        self.assertEqual(by_channel["email"]["status"], "queued")
        listed = self.env.json("ls", "--user", "alice", "--status", "suppressed")
        self.assertEqual([r["id"] for r in listed], [by_channel["sms"]["id"]])
        report = dispatch_report(self.env)
        self.assertEqual(report["sent"], 2, report)
        self.assertEqual(self.env.status(by_channel["sms"]["id"]), "suppressed")

    def test_opt_out_after_enqueue_suppresses_at_dispatch(self):
        self.add_alice()
        ids = self.ids(self.env.ok("send", "--user", "alice", "--category", "marketing",
                                   "--body", "sale"))
        self.env.ok("prefs", "set", "alice", "--category", "marketing", "--opt-out")
        report = dispatch_report(self.env)
        self.assertEqual(report["suppressed"], 3, report)
        self.assertEqual(report["sent"], 0, report)
        for i in ids:
            n = self.env.show(i)
            self.assertEqual(n["status"], "suppressed")
            self.assertEqual(n["last_error"],
                             "opted out: user alice opted out of marketing on every channel")
            self.assertEqual(n["category"], "marketing")
        self.assertEqual(self.env.delivered(), [])

    def test_critical_category_cannot_be_opted_out(self):
        self.add_alice()
        first = self.assert_fails(65, "prefs", "set", "alice", "--category", "security",
                                  "--opt-out")
        self.assertIn("critical", first)
        self.env.ok("prefs", "set", "alice", "--opt-out")  # everything
        ids = self.ids(self.env.ok("send", "--user", "alice", "--category", "security",
                                   "--body", "new login"))
        self.assertEqual({self.env.status(i) for i in ids}, {"queued"})
        self.assertEqual(dispatch_report(self.env)["sent"], 3)

    def test_quiet_hours_delay_to_their_end(self):
        self.env.ok("user", "add", "bob", "--email", "bob@example.com", "--tz", "UTC")
        now = datetime.datetime.now(datetime.timezone.utc)
        start = (now - datetime.timedelta(hours=1)).strftime("%H:%M")
        end_time = now + datetime.timedelta(hours=2)
        self.env.ok("prefs", "set", "bob", "--quiet-hours",
                    start + "-" + end_time.strftime("%H:%M"))
        nid = self.ids(self.env.ok("send", "--user", "bob", "--category", "marketing",
                                   "--body", "hi"))[0]
        report = dispatch_report(self.env)
        self.assertEqual(report["deferred"], 1, report)
        n = self.env.show(nid)
        self.assertEqual(n["status"], "scheduled")
        self.assertEqual(n["due_at"], end_time.strftime("%Y-%m-%dT%H:%M:00Z"))
        self.assertIn("quiet hours", n["last_error"])
        self.assertEqual(n["attempts"], 0, "a delay is not an attempt")
        # transactional ignores quiet hours by default.
        tid = self.ids(self.env.ok("send", "--user", "bob", "--category", "transactional",
                                   "--body", "receipt"))[0]
        dispatch_report(self.env)
        self.assertEqual(self.env.status(tid), "sent")

    def test_a_token_the_provider_rejects_is_marked_invalid_and_skipped(self):
        self.env.write_config(
            "providers:\n"
            "  gone:\n"
            "    type: exec\n"
            "    command: [/bin/sh, -c, 'cat >/dev/null; exit 67']\n"
            "channels:\n"
            "  email: [file]\n"
            "  sms: [file]\n"
            "  push: [gone]\n")
        self.add_alice()
        ids = self.ids(self.env.ok("send", "--user", "alice", "--body", "x"))
        self.assertEqual(len(ids), 3)
        dispatch_report(self.env)
        devices = self.env.json("device", "ls", "--user", "alice")
        self.assertIsNotNone(devices[0]["invalidated_at"])
        ids = self.ids(self.env.ok("send", "--user", "alice", "--body", "again"))
        self.assertEqual(sorted(self.env.show(i)["channel"] for i in ids), ["email", "sms"])
        self.env.ok("device", "add", "alice", "--platform", "ios", "--token", IOS_TOKEN)
        self.assertIsNone(self.env.json("device", "ls")[0]["invalidated_at"],
                          "registering again makes it valid")

    def test_removing_a_user_keeps_anonymised_history(self):
        self.add_alice()
        self.env.ok("send", "--user", "alice", "--body", "now")
        dispatch_report(self.env)
        later = self.ids(self.env.ok("send", "--user", "alice", "--body", "later", "--in",
                                     "1h"))
        out = self.env.ok("user", "rm", "alice")
        self.assertIn("3 pending notifications suppressed", out)
        for n in self.env.json("ls"):
            self.assertEqual(n["to"], "(removed)")
            self.assertIsNone(n["user"])
        for i in later:
            self.assertEqual(self.env.show(i)["last_error"], "user removed")
        res = self.env.run("device", "ls", "--json")
        self.assertEqual((res.returncode, json.loads(res.stdout)), (1, []), "[] and exit 1, as ls")
        self.assert_fails(1, "user", "show", "alice")

    def test_bad_input_changes_nothing(self):
        self.add_alice()
        self.assert_fails(65, "user", "add", "bob", "--email", "bob@")
        self.assert_fails(65, "user", "add", "alice")
        self.assert_fails(65, "user", "add", "carol", "--tz", "Mars/Olympus")
        self.assert_fails(64, "user", "add", "has space")
        self.assert_fails(1, "user", "set", "nobody", "--name", "x")
        self.assert_fails(65, "send", "--user", "nobody", "--body", "x")
        self.assert_fails(65, "send", "--user", "alice", "--category", "marketting",
                          "--body", "x")
        self.assert_fails(65, "send", "--user", "alice", "--channel", "slack", "--body", "x")
        self.assert_fails(64, "device", "add", "alice", "--platform", "blackberry", "--token",
                          IOS_TOKEN)
        self.assert_fails(1, "device", "add", "nobody", "--platform", "ios", "--token",
                          IOS_TOKEN)
        self.assert_fails(64, "prefs", "set", "alice", "--quiet-hours", "25:00-07:00")
        self.assert_fails(64, "prefs", "set", "alice")
        self.assert_fails(1, "device", "rm", "999")

    def test_show_and_prefs_json(self):
        self.add_alice("--name", "Alice")
        self.env.ok("prefs", "set", "alice", "--channel", "email", "--category", "marketing",
                    "--opt-out")
        self.env.ok("prefs", "set", "alice", "--quiet-hours", "22:00-07:00")
        user = self.env.json("user", "show", "alice")
        self.assertEqual(user["name"], "Alice")
        self.assertEqual(user["quiet_hours"], "22:00-07:00")
        self.assertEqual(len(user["devices"]), 1)
        self.assertEqual(user["preferences"][0]["category"], "marketing")
        prefs = self.env.json("prefs", "show", "alice")
        rows = {(r["channel"], r["category"]): r for r in prefs["channels"]}
        self.assertFalse(rows[("email", "marketing")]["receives"])
        self.assertEqual(rows[("email", "marketing")]["decided_by"], "email/marketing")
        self.assertTrue(rows[("sms", "marketing")]["receives"])
        self.assertEqual(rows[("email", "security")]["decided_by"], "critical")
        self.env.ok("prefs", "set", "alice", "--channel", "email", "--category", "marketing",
                    "--clear")
        prefs = self.env.json("prefs", "show", "alice")
        self.assertTrue(all(r["receives"] for r in prefs["channels"]))


class ImportTest(NotifyTestCase):

    def write_lines(self, lines):
        path = self.env.path("in.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            for line in lines:
                f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
        return path

    def test_import_many_lines_in_one_go(self):
        path = self.write_lines(
            {"channel": "email", "to": f"u{i}@example.com", "body": f"hello {i}",
             "event_id": f"e{i}"} for i in range(IMPORT_LINES))
        summary = self.env.json("import", path)
        self.assertEqual(summary["enqueued"], IMPORT_LINES)
        self.assertEqual(summary["rejected"], [])
        self.assertEqual(self.env.count(), IMPORT_LINES)
        # Again: every event id is a duplicate, nothing new.
        again = self.env.json("import", path)
        self.assertEqual((again["enqueued"], again["duplicates"]), (0, IMPORT_LINES))
        self.assertEqual(self.env.count(), IMPORT_LINES)

    def test_a_bad_line_rejects_the_whole_file(self):
        self.env.ok("user", "add", "alice", "--email", "alice@example.com")
        path = self.write_lines([
            {"user": "alice", "template": "welcome", "data": {
                "name": "A", "app_name": "Acme", "login_url": "https://x.example"}},
            {"channel": "email", "to": "not-an-address", "body": "x"},
            "{broken json",
            {"channel": "email", "to": "b@example.com", "body": "x", "colour": "red"},
            {"channel": "sms", "to": "+14155550123", "body": "-"},
        ])
        with self.assert_store_unchanged():
            res = self.env.run("import", path)
        first = self.assert_error_output(res, 65)
        self.assertEqual(first, "notify: 3 of 5 lines rejected; nothing was enqueued")
        self.assertIn("line 2: invalid email address", res.stderr)
        self.assertIn("line 3: not valid JSON", res.stderr)
        self.assertIn('line 4: unknown field "colour"', res.stderr)

        with open(path, encoding="utf-8") as f:
            res = self.env.run("import", "--partial", "-", input=f.read())
        self.assertEqual(res.returncode, 65, res.stderr)
        self.assertIn("imported 2 notifications from 2 lines", res.stdout)
        bodies = sorted((n["channel"], n["to"]) for n in self.env.json("ls"))
        self.assertEqual(bodies, [("email", "alice@example.com"), ("sms", "+14155550123")])
        sms = [n for n in self.env.json("ls") if n["channel"] == "sms"][0]
        self.assertEqual(self.env.show(sms["id"]).get("body", "-"), "-",
                         "a body of '-' in a line is literal, not stdin")

    def test_a_bad_line_after_the_first_chunk_still_rejects_the_whole_file(self):
        # import streams its lines into the store's transaction 10,000 at a time: a bad line
        # after some chunks went in must still leave the store as it was, and lines that
        # read the audience (user fan-out) must work inside that transaction.
        self.env.ok("user", "add", "alice", "--email", "alice@example.com")
        good = [{"user": "alice", "channel": "email", "body": f"u{i}"} if i % 2 else
                {"channel": "email", "to": f"u{i}@example.com", "body": f"b{i}"}
                for i in range(10_050)]
        path = self.write_lines(good + [{"channel": "email", "to": "nope", "body": "x"}])
        with self.assert_store_unchanged():
            res = self.env.run("import", path)
        self.assertEqual(self.assert_error_output(res, 65),
                         "notify: 1 of 10051 lines rejected; nothing was enqueued")
        self.assertIn("line 10051: invalid email address", res.stderr)

        summary = self.env.json("import", self.write_lines(good))
        self.assertEqual((summary["enqueued"], summary["rejected"]), (10_050, []))
        self.assertEqual(self.env.count("user_id = 'alice'"), 10_050 // 2)
        self.assertEqual(self.env.count(), 10_050)


if __name__ == "__main__":
    unittest.main()
