"""notify events (the event log, JSON lines, --follow) and notify stats queue shape."""

import json
import subprocess
import time
import unittest

from notify_env import NOTIFY_BIN, NotifyTestCase


class EventsTest(NotifyTestCase):

    def test_events_in_order_with_filters(self):
        a = self.env.send()
        b = self.env.send("--in", "1h")
        self.env.ok("dispatch", "--once")
        lines = [json.loads(l) for l in self.env.ok("--json", "events").splitlines()]
        self.assertEqual([(e["id"], e["type"]) for e in lines],
                         [(a, "created"), (b, "created"), (a, "claimed"), (a, "sent")])
        seqs = [e["seq"] for e in lines]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(set(lines[0]), {"seq", "id", "channel", "type", "at", "detail"})
        sent = self.env.ok("events", "--type", "sent").splitlines()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0].split("\t")[1:4], [str(a), "email", "sent"])
        only_b = self.env.ok("events", "--id", b).splitlines()
        self.assertEqual(len(only_b), 1)
        self.assertEqual(len(self.env.ok("events", "--limit", "2").splitlines()), 2)
        self.assertEqual(len(self.env.ok("events", "--since", "1m").splitlines()), 4)
        res = self.env.run("events", "--since", "2000-01-01T00:00:00Z", "--type", "dead")
        self.assertEqual(res.returncode, 1)
        self.assert_fails(64, "events", "--type", "sendt")
        self.assert_fails(64, "events", "--since", "yesterday")

    def test_detail_that_is_not_utf8_does_not_crash_json_lines(self):
        # Regression: a push service's junk receipt (bytes that are not UTF-8) in an event's
        # detail made `notify events --json` exit 70 ("invalid UTF-8 byte").
        nid = self.env.send()
        self.env.sql("INSERT INTO events (notification_id, type, at, detail) "
                     "VALUES (?, 'sent', 0, CAST(X'6f6b20fffec32821' AS TEXT))", (nid,))
        res = self.env.run("--json", "events")
        self.assertEqual(res.returncode, 0, res.stderr)
        last = json.loads(res.stdout.splitlines()[-1])
        self.assertEqual(last["detail"], "ok \ufffd\ufffd\ufffd(!")

    def test_follow_streams_new_events(self):
        self.env.send()
        proc = subprocess.Popen([NOTIFY_BIN, "--json", "events", "--follow"],
                                stdout=subprocess.PIPE, text=True, env=self.env.env,
                                cwd=self.env.root)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        first = json.loads(proc.stdout.readline())
        self.assertEqual(first["type"], "created")
        second_id = self.env.send()
        line = json.loads(proc.stdout.readline())
        self.assertEqual((line["id"], line["type"]), (second_id, "created"))


class StatsShapeTest(NotifyTestCase):

    def test_shape_counts_waiting_rows_by_how_long_past_due(self):
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3 * 3600))
        self.env.send()
        self.env.send(channel="sms", to="+14155550123", *["--at", stamp])
        self.env.send("--in", "1h")  # not due: not waiting
        stats = self.env.json("stats")
        buckets = stats["waiting_by_age"]["buckets"]
        self.assertEqual(buckets[0], "1m")
        self.assertEqual(buckets[-1], "16h+")
        email = stats["waiting_by_age"]["by_channel"]["email"]
        sms = stats["waiting_by_age"]["by_channel"]["sms"]
        self.assertEqual(email[0], 1)
        self.assertEqual(sum(email), 1)
        self.assertEqual(sms[buckets.index("4h")], 1, "3 hours past due is under 4h")
        shape = self.env.ok("stats", "--shape").splitlines()
        self.assertEqual(shape[0].split(), ["T"] + buckets)
        total = shape[1].split()
        self.assertEqual(total[:3], ["TOTAL", "2", "1"])
        self.env.ok("dispatch", "--once")
        stats = self.env.json("stats")
        self.assertEqual(stats["sent_in_window"], 2)
        self.assertEqual(stats["waiting_by_age"]["by_channel"], {})
        plain = self.env.ok("stats")
        self.assertIn("sent_per_minute 0.4\n", plain)


class StatsEngagementTest(NotifyTestCase):
    """Open and click rates per template; the opened/clicked events come from notifyd's
    tracking endpoint, inserted here directly."""

    def add_event(self, nid, kind, at_ms):
        self.env.sql("INSERT INTO events (notification_id, type, at, detail) VALUES (?, ?, ?, '')",
                     (nid, kind, at_ms))

    def test_open_and_click_rates_per_template_over_the_window(self):
        ids = [self.env.send(body=f"b{i}") for i in range(5)]
        self.env.ok("dispatch", "--once")
        for nid in ids[:4]:
            self.env.sql("UPDATE notifications SET template = 'welcome' WHERE id = ?", (nid,))
        now = int(time.time() * 1000)
        self.add_event(ids[0], "opened", now)
        self.add_event(ids[0], "opened", now)  # opened twice counts once
        self.add_event(ids[0], "clicked", now)
        self.add_event(ids[1], "opened", now)
        self.add_event(ids[4], "clicked", now)
        stats = self.env.json("stats")
        eng = stats["engagement"]
        self.assertEqual(eng["window_seconds"], 86400)
        self.assertEqual(eng["by_template"], [
            {"template": None, "sent": 1, "opened": 0, "clicked": 1, "open_rate": 0.0,
             "click_rate": 1.0},
            {"template": "welcome", "sent": 4, "opened": 2, "clicked": 1, "open_rate": 0.5,
             "click_rate": 0.25},
        ])
        plain = self.env.ok("stats").splitlines()
        self.assertIn("engagement_window 1d", plain)
        self.assertIn("template welcome sent 4 opened 2 clicked 1 open_rate 50.0% "
                      "click_rate 25.0%", plain)
        self.assertIn("template - sent 1 opened 0 clicked 1 open_rate 0.0% click_rate 100.0%",
                      plain)
        # Sent two hours ago: outside a 1h window, inside the default 24h one. The sent time is
        # the finish of the attempt that sent (its `sent` event carries the same instant).
        self.env.sql("UPDATE events SET at = at - 7200000 WHERE type = 'sent' AND "
                     "notification_id = ?", (ids[0],))
        self.env.sql("UPDATE attempts SET finished_at = finished_at - 7200000 WHERE "
                     "outcome = 'sent' AND notification_id = ?", (ids[0],))
        eng = self.env.json("stats", "--window", "1h")["engagement"]
        self.assertEqual(eng["window_seconds"], 3600)
        self.assertEqual(eng["by_template"][1],
                         {"template": "welcome", "sent": 3, "opened": 1, "clicked": 0,
                          "open_rate": 1 / 3, "click_rate": 0.0})

    def test_nothing_sent_no_rows_and_bad_window_is_usage(self):
        self.env.send("--in", "1h")
        self.assertEqual(self.env.json("stats")["engagement"]["by_template"], [])
        self.assertNotIn("template ", self.env.ok("stats"))
        self.assert_fails(64, "stats", "--window", "soon")
        self.assert_fails(64, "stats", "--window", "0s")


if __name__ == "__main__":
    unittest.main()
