"""JSON shapes: CONTRACT.md "JSON of a notification" for send/ls/show, and stats --json."""

import os
import unittest

from notify_env import CONTRACT_FIELDS, NotifyTestCase, STATUSES

TIME_FIELDS = ("due_at", "created_at", "updated_at")
NULLABLE_STRINGS = ("user", "provider", "template", "event_id", "last_error")


class JsonTest(NotifyTestCase):

    def assert_notification(self, j):
        self.assertIsInstance(j, dict)
        for field in CONTRACT_FIELDS:
            self.assertIn(field, j)
        self.assertIsInstance(j["id"], int)
        self.assertNotIsInstance(j["id"], bool)
        self.assertIsInstance(j["attempts"], int)
        self.assertIn(j["status"], STATUSES)
        self.assertIn(j["priority"], ("high", "normal", "low"))
        self.assertIsInstance(j["channel"], str)
        self.assertIsInstance(j["to"], str)
        for field in TIME_FIELDS:
            self.assert_rfc3339(j[field], field)
        for field in NULLABLE_STRINGS:
            self.assertTrue(j[field] is None or isinstance(j[field], str), field)
        if j["sent_at"] is not None:
            self.assert_rfc3339(j["sent_at"], "sent_at")
        for key in j:
            self.assertRegex(key, r"^[a-z][a-z0-9_]*$", "snake_case field names")

    def test_send_json(self):
        j = self.env.json("send", "--channel", "email", "--to", "ops@example.com",
                          "--body", "b", "--user", "u7", "--event-id", "e1",
                          "--priority", "low", "--at", "2030-05-06T07:08:09Z")
        self.assertIsInstance(j, list)
        self.assertEqual(len(j), 1)
        n = j[0]
        self.assert_notification(n)
        self.assertEqual(self.env.ok("ls").split("\t")[0], str(n["id"]))
        self.assertEqual(
            {k: n[k] for k in ("status", "channel", "to", "user", "provider", "template",
                               "event_id", "priority", "due_at", "attempts", "last_error",
                               "sent_at")},
            {"status": "scheduled", "channel": "email", "to": "ops@example.com", "user": "u7",
             "provider": None, "template": None, "event_id": "e1", "priority": "low",
             "due_at": "2030-05-06T07:08:09Z", "attempts": 0, "last_error": None,
             "sent_at": None})

    def test_send_json_nulls(self):
        n = self.env.json("send", "--channel", "email", "--to", "a@example.com",
                          "--body", "x")[0]
        for field in ("user", "provider", "template", "event_id", "last_error", "sent_at"):
            self.assertIsNone(n[field], field)
        self.assertEqual(n["status"], "queued")

    def test_ls_json(self):
        a = self.env.send()
        b = self.env.send("--in", "1h", channel="sms", to="+14155550123")
        j = self.env.json("ls")
        self.assertIsInstance(j, list)
        self.assertEqual([n["id"] for n in j], [a, b])
        for n in j:
            self.assert_notification(n)
        self.assertEqual([n["status"] for n in j], ["queued", "scheduled"])

    def test_ls_json_filtered(self):
        self.env.send()
        b = self.env.send(channel="sms", to="+14155550123")
        self.assertEqual([n["id"] for n in self.env.json("ls", "--channel", "sms")], [b])

    def test_ls_json_nothing_matched(self):
        self.env.send()
        res = self.env.run("ls", "--status", "dead", "--json")
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stderr, "")
        self.assertIn(res.stdout.strip(), ("", "[]"))

    def test_show_json_of_a_sent_notification(self):
        nid = self.env.send("--subject", "S")
        self.env.ok("dispatch", "--once")
        j = self.env.show(nid)
        self.assert_notification(j)
        self.assertEqual(j["status"], "sent")
        self.assertEqual(j["provider"], "file")
        self.assertEqual(j["attempts"], 1)
        self.assert_rfc3339(j["sent_at"], "sent_at")
        self.assertIsInstance(j["attempts_log"], list)
        self.assertEqual(len(j["attempts_log"]), 1)
        attempt = j["attempts_log"][0]
        for field in ("n", "started_at", "finished_at", "outcome", "detail"):
            self.assertIn(field, attempt)
        self.assertEqual(attempt["n"], 1)
        self.assert_rfc3339(attempt["started_at"], "started_at")
        self.assert_rfc3339(attempt["finished_at"], "finished_at")
        self.assertIsInstance(attempt["outcome"], str)
        self.assertIsInstance(attempt["detail"], str)
        self.assertIsInstance(j["events"], list)
        self.assertGreaterEqual(len(j["events"]), 2)
        for event in j["events"]:
            self.assertEqual(set(event) & {"type", "at", "detail"}, {"type", "at", "detail"})
            self.assertIsInstance(event["type"], str)
            self.assert_rfc3339(event["at"], "event at")
        types = [e["type"] for e in j["events"]]
        self.assertEqual(types[0], "created")
        self.assertIn("sent", types)

    def test_show_json_of_a_fresh_notification(self):
        nid = self.env.send()
        j = self.env.show(nid)
        self.assert_notification(j)
        self.assertEqual(j["attempts_log"], [])
        self.assertEqual([e["type"] for e in j["events"]], ["created"])

    @unittest.skipUnless(os.path.exists("/usr/share/zoneinfo/Asia/Tokyo"), "no tzdata")
    def test_json_times_are_utc_even_with_local_tz(self):
        res = self.env.run("--json", "send", "--channel", "email", "--to", "a@example.com",
                           "--body", "x", "--at", "2030-07-01 12:00", env={"TZ": "Asia/Tokyo"})
        self.assertEqual(res.returncode, 0, res.stderr)
        import json
        n = json.loads(res.stdout)[0]
        self.assertEqual(n["due_at"], "2030-07-01T03:00:00Z")
        for field in TIME_FIELDS:
            self.assert_rfc3339(n[field], field)

    def test_stats_json(self):
        self.env.send()
        self.env.send()
        self.env.send("--in", "1h", channel="sms", to="+14155550123")
        c = self.env.send()
        self.env.ok("cancel", c)
        j = self.env.json("stats")
        self.assertEqual(j["total"], 4)
        self.assertEqual(set(j["by_status"]), set(STATUSES))
        self.assertEqual(j["by_status"]["queued"], 2)
        self.assertEqual(j["by_status"]["scheduled"], 1)
        self.assertEqual(j["by_status"]["cancelled"], 1)
        self.assertEqual(sum(j["by_status"].values()), 4)
        self.assertEqual(j["by_channel"]["email"], {"queued": 2, "cancelled": 1})
        self.assertEqual(j["by_channel"]["sms"], {"scheduled": 1})
        self.assertEqual(j["due_now"], 2)
        self.assertIsInstance(j["oldest_due_age_seconds"], int)
        self.assertGreaterEqual(j["oldest_due_age_seconds"], 0)

    def test_stats_json_empty(self):
        j = self.env.json("stats")
        self.assertEqual(j["total"], 0)
        self.assertEqual(j["due_now"], 0)
        self.assertIsNone(j["oldest_due_age_seconds"])
        self.assertEqual(set(j["by_status"].values()), {0})

    def test_dispatch_json(self):
        self.env.send()
        self.env.send("--in", "1h")
        j = self.env.json("dispatch", "--once")
        expected = {"claimed": 1, "sent": 1, "retrying": 0, "dead": 0, "rescued": 0,
                    "expired": 0}
        self.assertEqual({k: j.get(k) for k in expected}, expected)
        self.assertTrue(all(isinstance(v, int) for v in j.values()), j)

    def test_unicode_round_trip(self):
        body = "Grüße — 你好 🚀"
        n = self.env.json("send", "--channel", "email", "--to", "a@example.com",
                          "--body", body)[0]
        self.assertEqual(n["body"], body)
        self.assertEqual(self.env.show(n["id"])["body"], body)


if __name__ == "__main__":
    unittest.main()
