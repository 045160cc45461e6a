"""Digests end to end: a burst in a digested category becomes one message per user and channel,
the merged notifications are suppressed with the digest's id, other channels are untouched."""

import datetime
import json
import unittest

from notify_env import NotifyTestCase

DIGEST_CONFIG = """\
categories:
  orders:
    digest: {window: 1h, channels: [email]}
"""


def dispatch_report(env):
    res = env.run("dispatch", "--once", "--json")
    if res.returncode != 0:
        raise AssertionError(res.stderr)
    return json.loads(res.stdout)


class DigestTest(NotifyTestCase):

    def setUp(self):
        super().setUp()
        self.env.write_config(DIGEST_CONFIG)
        self.env.ok("user", "add", "alice", "--name", "Alice", "--email", "alice@example.com",
                    "--phone", "+14155550123")

    def send_orders(self, count, *extra):
        by_channel = {"email": [], "sms": []}
        for i in range(count):
            out = self.env.ok("send", "--user", "alice", "--category", "orders", "--subject",
                              f"Order {i} shipped", "--body", f"Order {i} shipped\nThanks",
                              "--data", f"url=https://shop.example.com/orders/{i}", *extra)
            for nid in (int(line) for line in out.split()):
                by_channel[self.env.show(nid)["channel"]].append(nid)
        return by_channel

    def test_a_burst_becomes_one_email_and_the_items_are_suppressed(self):
        ids = self.send_orders(20, "--at", "2020-01-01T00:30:00Z")
        self.assertEqual(len(ids["email"]), 20)
        self.assertEqual(len(ids["sms"]), 20)
        first = self.env.show(ids["email"][0])
        self.assertEqual(first["due_at"], "2020-01-01T01:00:00Z", "moved to the window's end")
        self.assertEqual(self.env.show(ids["sms"][0])["due_at"], "2020-01-01T00:30:00Z")

        report = dispatch_report(self.env)
        self.assertEqual(report["sent"], 21, report)
        delivered = self.env.delivered()
        emails = [d for d in delivered if d["channel"] == "email"]
        sms = [d for d in delivered if d["channel"] == "sms"]
        self.assertEqual(len(emails), 1, emails)
        self.assertEqual(len(sms), 20)
        text = json.dumps(emails[0])
        self.assertIn("20 updates", text)
        self.assertIn("Hello Alice", text)
        for i in range(20):
            self.assertIn(f"Order {i} shipped", text)
            self.assertIn(f"https://shop.example.com/orders/{i}", text)

        digest_ids = set()
        for nid in ids["email"]:
            n = self.env.show(nid)
            self.assertEqual(n["status"], "suppressed")
            self.assertRegex(n["last_error"], r"^merged into digest \d+$")
            digest_ids.add(int(n["last_error"].rsplit(" ", 1)[1]))
        self.assertEqual(len(digest_ids), 1)
        digest = self.env.show(digest_ids.pop())
        self.assertEqual(digest["status"], "sent")
        self.assertEqual(digest["user"], "alice")
        self.assertEqual(digest["to"], "alice@example.com")
        self.assertEqual(digest["template"], "digest")
        self.assertEqual(digest["event_id"], "digest:alice:email:orders:2020-01-01T01:00:00Z")
        for nid in ids["sms"]:
            self.assertEqual(self.env.status(nid), "sent")
        suppressed = self.env.json("ls", "--status", "suppressed")
        self.assertEqual(sorted(r["id"] for r in suppressed), sorted(ids["email"]))
        shown = self.env.ok("show", ids["email"][0])
        self.assertIn("merged into digest", shown)

    def test_an_item_due_now_waits_for_the_end_of_its_window(self):
        ids = self.send_orders(1)
        email = self.env.show(ids["email"][0])
        self.assertEqual(email["status"], "scheduled")
        due = datetime.datetime.fromisoformat(email["due_at"].replace("Z", "+00:00"))
        self.assertEqual((due.minute, due.second), (0, 0), "the end of a 1h window")
        created = [e for e in email["events"] if e["type"] == "created"]
        self.assertIn("digest of category orders on email", created[0]["detail"])
        self.assertEqual(self.env.status(ids["sms"][0]), "queued")
        report = dispatch_report(self.env)
        self.assertEqual(report["sent"], 1, report)
        self.assertEqual(self.env.status(ids["email"][0]), "scheduled")

    def test_a_digest_that_cannot_render_sends_the_items_one_by_one(self):
        self.env.write_config(DIGEST_CONFIG.replace("channels: [email]",
                                                    "channels: [email], template: no-such"))
        ids = self.send_orders(3, "--at", "2020-01-01T00:30:00Z")
        report = dispatch_report(self.env)
        self.assertEqual(report["sent"], 6, report)
        for nid in ids["email"]:
            self.assertEqual(self.env.status(nid), "sent")

    def test_digest_config_is_shown_and_checked(self):
        shown = self.env.ok("config", "show")
        self.assertIn("categories.orders.digest.window", shown)
        self.env.write_config("categories:\n  orders:\n    digest: {window: 1h, cron: '@daily'}\n")
        res = self.env.run("config", "show")
        self.assertEqual(res.returncode, 78, res.stderr)
        self.assertIn("config.yaml:3: categories.orders.digest: give exactly one of window and "
                      "cron", res.stderr)


if __name__ == "__main__":
    unittest.main()
