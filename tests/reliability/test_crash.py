"""Crash: notifyd is killed with SIGKILL at random moments while it dispatches a large batch to
a counting loopback webhook receiver, and restarted each time. Every notification must reach
the receiver at least once, none may be lost, a duplicate delivery is allowed only for a
notification that was in flight (status `sending`) at a kill, and at the end the store's
`sent` rows are exactly the receiver's unique deliveries.

Sizes: NOTIFY_REL_CRASH_KILLS and NOTIFY_REL_CRASH_NOTIFICATIONS (see rel_env.py); the seed of
the kill moments is printed and can be replayed with NOTIFY_REL_SEED.
"""

import collections
import json
import os
import random
import sys
import time
import unittest

from rel_env import (CountingHook, NotifyTestCase, kill_daemon, q, size, start_daemon,
                     wait_for)


class CrashTest(NotifyTestCase):

    def test_sigkill_at_random_moments_loses_nothing(self):
        kills = size("crash_kills")
        total = size("crash_notifications")
        seed = int(os.environ.get("NOTIFY_REL_SEED") or time.time_ns() % 1_000_000)
        rng = random.Random(seed)
        sys.stderr.write(f"\n  crash: {kills} kills, {total} notifications, "
                         f"NOTIFY_REL_SEED={seed}\n")
        started = time.monotonic()

        hook = CountingHook(self, self.env)
        self.env.write_config(
            "daemon:\n"
            "  shutdown_grace: 1s\n"
            "  batch: 128\n"
            "providers:\n"
            "  hook:\n"
            "    type: webhook\n"
            f"    url: {q(hook.url('ok'))}\n"
            "channels:\n"
            "  webhook: [hook]\n"
            "delivery:\n"
            "  concurrency: 8\n")
        batch = self.env.path("batch.ndjson")
        with open(batch, "w", encoding="utf-8") as f:
            for i in range(total):
                f.write(json.dumps({"channel": "webhook", "to": "https://example.com/crash",
                                    "body": f"crash {i}", "event_id": f"crash-{i}"}) + "\n")
        out = self.env.ok("import", batch)
        self.assertIn(f"imported {total} notifications", out)
        ids = [r[0] for r in self.env.sql("SELECT id FROM notifications ORDER BY id")]
        self.assertEqual(len(ids), total)

        # Kill when the receiver has seen a random number of deliveries (spread over the
        # whole run, so every kill lands mid-dispatch), plus a random few milliseconds.
        targets = sorted(rng.sample(range(1, total), kills))
        in_flight_at = collections.Counter()  # id -> kills it was `sending` at
        kill_log = []
        for n, target in enumerate(targets, 1):
            proc = start_daemon(self, self.env)
            wait_for(lambda: hook.refresh() >= target or proc.poll() is not None,
                     timeout=120, interval=0.01,
                     what=f"{target} deliveries before kill {n}; log:\n"
                          + self.env.daemon_log()[-4000:])
            self.assertIsNone(proc.poll(), "notifyd died by itself:\n"
                              + self.env.daemon_log()[-4000:])
            time.sleep(rng.uniform(0, 0.05))
            kill_daemon(self.env)
            sending = [r[0] for r in
                       self.env.sql("SELECT id FROM notifications WHERE status = 'sending'")]
            in_flight_at.update(sending)
            kill_log.append((n, hook.refresh(), len(sending)))

        # The last start rescues what the last kill left and sends the rest.
        start_daemon(self, self.env)
        wait_for(lambda: self.env.count("status = 'sent'") == total, timeout=600,
                 interval=0.5,
                 what=f"all {total} sent; by status: "
                      + repr(self.env.sql("SELECT status, count(*) FROM notifications "
                                          "GROUP BY status")))
        self.assertEqual(self.env.stop_daemon(), 0, self.env.daemon_log()[-4000:])
        hook.refresh()
        sys.stderr.write("  kills (n, deliveries seen, sending rows): " + repr(kill_log) + "\n")

        # Nothing lost: every notification reached the receiver, and nothing else did.
        delivered = collections.Counter(hook.ids)
        self.assertEqual(set(delivered) - set(ids), set(), "deliveries of unknown ids")
        lost = set(ids) - set(delivered)
        self.assertEqual(lost, set(), f"{len(lost)} notifications never delivered")
        # Duplicates only among what was in flight, and at most once more per kill.
        duplicates = {nid: c for nid, c in delivered.items() if c > 1}
        not_in_flight = {nid for nid in duplicates if nid not in in_flight_at}
        self.assertEqual(not_in_flight, set(), "duplicates that were not in flight at a kill")
        for nid, c in duplicates.items():
            self.assertLessEqual(c, 1 + in_flight_at[nid], f"{nid} delivered {c} times")
        # The store's sent rows equal the receiver's unique deliveries.
        sent = {r[0] for r in self.env.sql("SELECT id FROM notifications WHERE status = 'sent'")}
        self.assertEqual(sent, set(delivered))
        self.assertEqual(self.env.count("status = 'sending'"), 0)
        # Each row: exactly one `sent` attempt; a rescued attempt for each kill it was in
        # flight at; sent_at set.
        sent_attempts = dict(self.env.sql(
            "SELECT notification_id, count(*) FROM attempts WHERE outcome = 'sent' "
            "GROUP BY notification_id"))
        self.assertEqual({nid for nid in ids if sent_attempts.get(nid) != 1}, set(),
                         "rows without exactly one sent attempt")
        rescued = dict(self.env.sql(
            "SELECT notification_id, count(*) FROM attempts WHERE outcome = 'rescued' "
            "GROUP BY notification_id"))
        # (A kill can land before the restart's rescue commits: then a row is counted in
        # flight at two kills but rescued once.)
        for nid, c in in_flight_at.items():
            self.assertTrue(1 <= rescued.get(nid, 0) <= c,
                            f"{nid}: in flight at {c} kills, rescued {rescued.get(nid, 0)}")
        self.assertEqual(set(rescued) - set(in_flight_at), set(),
                         "rescued rows that were not in flight at a kill")
        self.assertEqual(self.env.count("sent_at IS NULL"), 0)
        self.assertEqual(self.env.sql("PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(hook.requests, len(hook.ids), "requests without a notification id")
        sys.stderr.write(f"  {len(in_flight_at)} rows were in flight at a kill, "
                         f"{len(duplicates)} delivered twice or more; "
                         f"{time.monotonic() - started:.1f}s\n")


if __name__ == "__main__":
    unittest.main()
