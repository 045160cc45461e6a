"""notify dispatch --once with the built-in file provider and configured file providers."""

import concurrent.futures
import os
import unittest

from notify_env import NotifyTestCase

REPORT_KEYS = ("claimed", "sent", "retrying", "dead", "rescued", "expired")


def parse_report(text):
    """'claimed N sent N retrying N dead N rescued N expired N' (extra 'key N' pairs are
    allowed) -> dict; None when the line does not have that shape."""
    if not text.endswith("\n") or text.count("\n") != 1:
        return None
    words = text.split()
    if len(words) % 2 or not all(w.isdigit() for w in words[1::2]):
        return None
    report = {k: int(v) for k, v in zip(words[0::2], words[1::2])}
    if not all(k in report for k in REPORT_KEYS):
        return None
    return report

class DispatchTest(NotifyTestCase):

    def dispatch(self):
        res = self.env.run("dispatch", "--once")
        self.assertEqual(res.returncode, 0, res.stderr)
        report = parse_report(res.stdout)
        self.assertIsNotNone(report, res.stdout)
        return report, res.stderr

    def broken_config(self, extra_channels=""):
        """A `broken` file provider whose path goes through a regular file (open fails with
        ENOTDIR) and a `good` one."""
        blocker = self.env.path("blocker")
        with open(blocker, "w") as f:
            f.write("not a directory\n")
        self.good_path = self.env.path("good.jsonl")
        self.broken_path = os.path.join(blocker, "sub", "out.jsonl")
        self.env.write_config(
            "providers:\n"
            "  broken:\n    type: file\n"
            f"    path: {self.broken_path}\n"
            "  good:\n    type: file\n"
            f"    path: {self.good_path}\n"
            "channels:\n"
            "  email: [broken]\n"
            "  webhook: [broken, good]\n"
            "  sms: [good]\n" + extra_channels)

    def test_delivers_due_rows_to_default_file(self):
        a = self.env.send("--subject", "S1", body="B1", to="a@example.com")
        b = self.env.send("--data", "k=v", "--user", "u1", body="B2", channel="sms",
                          to="+14155550123")
        report, _ = self.dispatch()
        self.assertEqual((report["claimed"], report["sent"]), (2, 2))
        # Two channels, two lanes sending at once: the file's order is not promised.
        lines = sorted(self.env.delivered(), key=lambda m: m["id"])
        self.assertEqual([m["id"] for m in lines], [a, b])
        self.assertEqual((lines[0]["channel"], lines[0]["to"], lines[0]["subject"],
                          lines[0]["body"]), ("email", "a@example.com", "S1", "B1"))
        self.assertEqual((lines[1]["to"], lines[1]["data"], lines[1]["user"]),
                         ("+14155550123", {"k": "v"}, "u1"))
        self.assertEqual((self.env.status(a), self.env.status(b)), ("sent", "sent"))
        self.assertEqual(self.env.show(a)["provider"], "file")

    def test_second_pass_sends_nothing_again(self):
        self.env.send()
        self.dispatch()
        report, _ = self.dispatch()
        self.assertEqual(report["claimed"], 0)
        self.assertEqual(len(self.env.delivered()), 1)

    def test_leaves_scheduled_rows(self):
        now = self.env.send(body="now")
        later = self.env.send("--in", "1h", body="later")
        report, _ = self.dispatch()
        self.assertEqual(report["sent"], 1)
        self.assertEqual([m["id"] for m in self.env.delivered()], [now])
        self.assertEqual(self.env.status(later), "scheduled")

    def test_past_at_is_due(self):
        nid = self.env.send("--at", "2001-01-01T00:00:00Z")
        self.dispatch()
        self.assertEqual(self.env.status(nid), "sent")

    def test_ttl_expiry_suppresses(self):
        expired = self.env.send("--at", "2001-01-01T00:00:00Z", "--ttl", "1m", body="stale")
        fresh = self.env.send("--ttl", "1h", body="fresh")
        report, _ = self.dispatch()
        self.assertEqual(report["expired"], 1)
        self.assertEqual(report["sent"], 1)
        self.assertEqual([m["id"] for m in self.env.delivered()], [fresh])
        j = self.env.show(expired)
        self.assertEqual(j["status"], "suppressed")
        self.assertIsNotNone(j["last_error"])
        self.assertIn("TTL", j["last_error"])
        self.assertIsNone(j["sent_at"])
        self.assertEqual(self.env.status(fresh), "sent")

    def test_priority_order(self):
        # One send at a time, so delivery order is claim order (with more, sends overlap).
        self.env.write_config("delivery:\n  concurrency: 1\n")
        low = self.env.send("--priority", "low", body="low")
        normal = self.env.send(body="normal")
        high = self.env.send("--priority", "high", body="high")
        high2 = self.env.send("--priority", "high", body="high2")
        self.dispatch()
        self.assertEqual([m["id"] for m in self.env.delivered()], [high, high2, normal, low])
        self.assertEqual([m["priority"] for m in self.env.delivered()],
                         ["high", "high", "normal", "low"])

    def test_priority_order_across_batches(self):
        # One send at a time, so delivery order is claim order.
        self.env.write_config("daemon:\n  batch: 2\ndelivery:\n  concurrency: 1\n")
        lows = [self.env.send("--priority", "low", body=f"l{i}") for i in range(3)]
        highs = [self.env.send("--priority", "high", body=f"h{i}") for i in range(3)]
        report, _ = self.dispatch()
        self.assertEqual(report["sent"], 6)
        self.assertEqual([m["id"] for m in self.env.delivered()], highs + lows)

    def test_dedup_with_event_id(self):
        first = self.env.send("--event-id", "deploy-42")
        again = self.env.ok("send", "--channel", "email", "--to", "ops@example.com",
                            "--body", "hello", "--event-id", "deploy-42")
        self.assertEqual(again, f"{first}\n")
        self.dispatch()
        # Sent recently: still a duplicate.
        again = self.env.ok("send", "--channel", "email", "--to", "ops@example.com",
                            "--body", "hello", "--event-id", "deploy-42")
        self.assertEqual(again, f"{first}\n")
        self.dispatch()
        self.assertEqual(self.env.count(), 1)
        delivered = self.env.delivered()
        self.assertEqual([m["id"] for m in delivered], [first])
        self.assertEqual(delivered[0]["event_id"], "deploy-42")

    def test_failing_provider_retries(self):
        self.broken_config()
        nid = self.env.send()
        report, _ = self.dispatch()
        self.assertEqual((report["claimed"], report["sent"], report["retrying"]), (1, 0, 1))
        j = self.env.show(nid)
        self.assertEqual(j["status"], "retrying")
        self.assertEqual(j["attempts"], 1)
        self.assertIsNotNone(j["last_error"])
        self.assertIn(self.broken_path, j["last_error"])
        self.assertEqual(len(j["attempts_log"]), 1)
        attempt = j["attempts_log"][0]
        self.assertEqual(attempt["n"], 1)
        self.assertNotEqual(attempt["outcome"], "sent")
        self.assertIn("cannot open", attempt["detail"])
        self.assertEqual(self.env.delivered(self.good_path), [])
        self.assertGreater(j["due_at"], j["updated_at"])  # next attempt later
        # Not due yet: a second pass does not try again.
        report, _ = self.dispatch()
        self.assertEqual(report["claimed"], 0)
        # retry makes it due now; it fails again and is recorded as attempt 2.
        self.env.ok("retry", nid)
        self.dispatch()
        j = self.env.show(nid)
        self.assertEqual((j["status"], j["attempts"]), ("retrying", 2))
        self.assertEqual([a["n"] for a in j["attempts_log"]], [1, 2])

    def test_failover_to_second_provider(self):
        self.broken_config()
        nid = self.env.send(channel="webhook", to="http://127.0.0.1:9/hook")
        report, _ = self.dispatch()
        self.assertEqual(report["sent"], 1)
        j = self.env.show(nid)
        self.assertEqual(j["status"], "sent")
        self.assertEqual(j["provider"], "good")
        self.assertEqual([m["id"] for m in self.env.delivered(self.good_path)], [nid])
        self.assertEqual(self.env.delivered(), [])  # not the default file

    def test_failing_then_fixed_config_delivers(self):
        self.broken_config()
        nid = self.env.send()
        self.dispatch()
        self.env.write_config("providers:\n  broken:\n    type: file\n"
                              f"    path: {self.env.path('fixed.jsonl')}\n"
                              "channels:\n  email: [broken]\n")
        self.env.ok("retry", nid)
        self.dispatch()
        self.assertEqual(self.env.status(nid), "sent")
        self.assertEqual([m["id"] for m in self.env.delivered(self.env.path("fixed.jsonl"))],
                         [nid])

    def test_held_and_cancelled_not_delivered(self):
        h, c, s = self.env.send(), self.env.send(), self.env.send()
        self.env.ok("hold", h)
        self.env.ok("cancel", c)
        self.dispatch()
        self.assertEqual([m["id"] for m in self.env.delivered()], [s])

    def test_concurrent_dispatchers_deliver_each_once(self):
        ids = [self.env.send(body=f"n{i}") for i in range(60)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: self.env.run("dispatch", "--once"), range(4)))
        # Either a dispatcher runs, or it refuses because another one holds the store
        # (exit 75, safe to retry). Never is a row delivered twice.
        for res in results:
            if res.returncode != 0:
                self.assert_error_output(res, 75)
        ran = [r for r in results if r.returncode == 0]
        self.assertTrue(ran, "no dispatcher ran")
        self.dispatch()  # whatever a refused dispatcher left
        delivered = [m["id"] for m in self.env.delivered()]
        self.assertEqual(sorted(delivered), ids)
        self.assertEqual(self.env.count("status = 'sent'"), 60)
        self.assertEqual(self.env.sql("SELECT count(*) FROM attempts"), [(60,)])


if __name__ == "__main__":
    unittest.main()
