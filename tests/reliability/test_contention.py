"""Contention: writers running `notify send` concurrently (8 x 5,000 in the full form),
notifyd dispatching, and an operator loop of retry / cancel / hold / release / ls, all at
once on one store. Nothing may be lost, no command may surface an error (a verb refused
because the row moved on, exit 1 "... applies to ...", is the only allowed failure), and every
row must be in a legal state.

Sizes: NOTIFY_REL_WRITERS and NOTIFY_REL_SENDS_PER_WRITER (see rel_env.py).
"""

import collections
import concurrent.futures
import json
import random
import re
import sys
import threading
import time
import unittest

from rel_env import STATUSES, NotifyTestCase, size, start_daemon, wait_for

# The one failure an operator verb may meet under contention: the row is no longer in a state
# the verb applies to (sent or claimed meanwhile). `ls` exits 1, silently, when no row matches.
REFUSAL = re.compile(r"^notify: (no notification \d+|"
                     r"\d+ is [a-z]+; (cancel|hold|release|retry) applies to .*)$")


class ContentionTest(NotifyTestCase):

    def test_writers_dispatcher_and_operator_at_once(self):
        writers = size("writers")
        per_writer = size("sends_per_writer")
        total = writers * per_writer
        sys.stderr.write(f"\n  contention: {writers} writers x {per_writer} sends\n")
        started = time.monotonic()
        self.env.write_config("delivery:\n  concurrency: 4\n")
        self.env.ok("stats")  # creates the store
        start_daemon(self, self.env)

        stop = threading.Event()
        operator_log = []  # (verb, ids, returncode, stdout, stderr)
        rng = random.Random(1)

        def run(*args):
            res = self.env.run(*args)
            operator_log.append((args[0], args[1:], res.returncode, res.stdout, res.stderr))
            return res

        def ids_in(status, limit=20):
            res = run("ls", "--status", status, "--limit", str(limit), "--json")
            if res.returncode != 0:
                return []
            return [r["id"] for r in json.loads(res.stdout)]

        def operator():
            while not stop.is_set():
                verb = rng.choice(["hold", "cancel", "release", "retry", "ls"])
                if verb == "ls":
                    run("ls", "--limit", "50")
                    continue
                source = {"hold": rng.choice(["scheduled", "queued"]),
                          "cancel": rng.choice(["scheduled", "queued"]), "release": "held",
                          "retry": "cancelled"}[verb]
                ids = ids_in(source)
                if ids:
                    picked = rng.sample(ids, min(len(ids), rng.randint(1, 3)))
                    run(verb, *picked)

        def writer(w):
            results = []
            for i in range(per_writer):
                # Every fourth is due 3 s later, so the operator finds rows to act on.
                later = ("--in", "3s") if i % 4 == 3 else ()
                res = self.env.run("send", "--channel", "email", "--to", f"w{w}@example.com",
                                   "--body", f"w{w}-n{i}", *later)
                results.append((w, i, res.returncode, res.stdout, res.stderr))
            return results

        op_thread = threading.Thread(target=operator, daemon=True)
        op_thread.start()
        try:
            with concurrent.futures.ThreadPoolExecutor(writers) as pool:
                results = [r for chunk in pool.map(writer, range(writers)) for r in chunk]
        finally:
            stop.set()
            op_thread.join(timeout=120)
        send_seconds = time.monotonic() - started

        # No error surfaced to a writer; each printed exactly one new id.
        failures = [r for r in results if r[2] != 0 or r[4] != ""]
        self.assertEqual(failures[:5], [], f"{len(failures)} sends failed or wrote to stderr")
        ids = [int(r[3]) for r in results]
        self.assertEqual(len(set(ids)), total, "ids must be distinct")
        # The operator met only refusals of rows that had moved on.
        surfaced = []
        for verb, args, code, out, err in operator_log:
            if code == 0 and err == "":
                continue
            if verb == "ls" and code == 1 and out.strip() in ("", "[]") and err == "":
                continue  # no rows with that status at the moment
            lines = err.splitlines()
            if (code == 1 and lines and all(REFUSAL.match(line) for line in lines
                                            if not line.startswith("  "))):
                continue
            surfaced.append((verb, args, code, err))
        self.assertEqual(surfaced[:5], [], f"{len(surfaced)} operator commands surfaced errors")
        verbs = collections.Counter((v, c) for v, _, c, _, _ in operator_log)
        sys.stderr.write(f"  operator commands (verb, exit): {dict(verbs)}\n")

        # Let everything settle: release what is held, then wait until every row is sent or
        # cancelled.
        held = [str(r[0]) for r in self.env.sql("SELECT id FROM notifications "
                                                "WHERE status = 'held'")]
        if held:
            self.env.ok("release", *held)
        wait_for(lambda: self.env.count("status NOT IN ('sent', 'cancelled')") == 0,
                 timeout=300, interval=0.5,
                 what="every row sent or cancelled: " + repr(self.env.sql(
                     "SELECT status, count(*) FROM notifications GROUP BY status")))
        self.assertEqual(self.env.stop_daemon(), 0, self.env.daemon_log()[-4000:])

        # Nothing lost: every printed id is stored with what its writer sent.
        rows = {r[0]: r[1:] for r in self.env.sql(
            "SELECT id, recipient, body, status, sent_at, attempts, lease_owner "
            "FROM notifications")}
        self.assertEqual(len(rows), total)
        for w, i, _, out, _ in results:
            row = rows.get(int(out))
            self.assertIsNotNone(row, f"id {out.strip()} printed but not stored")
            self.assertEqual(row[:2], (f"w{w}@example.com", f"w{w}-n{i}"))
        # Legal states.
        self.assert_legal_states(rows)
        # Sent rows were delivered exactly once; cancelled ones never.
        delivered = collections.Counter(m["id"] for m in self.env.delivered())
        sent = {nid for nid, r in rows.items() if r[2] == "sent"}
        self.assertEqual(set(delivered), sent, "deliveries differ from the sent rows")
        self.assertEqual([nid for nid, c in delivered.items() if c > 1], [],
                         "delivered more than once without a crash")
        self.assertEqual(self.env.sql("PRAGMA integrity_check"), [("ok",)])
        cancelled = total - len(sent)
        sys.stderr.write(f"  sends: {send_seconds:.1f}s; {len(sent)} sent, {cancelled} "
                         f"cancelled; total {time.monotonic() - started:.1f}s\n")

    def assert_legal_states(self, rows):
        for nid, (_, _, status, sent_at, attempts, lease_owner) in rows.items():
            self.assertIn(status, STATUSES, nid)
            self.assertEqual(status == "sent", sent_at is not None, f"{nid}: {status} {sent_at}")
            self.assertEqual(status == "sending", lease_owner is not None, nid)
            self.assertGreaterEqual(attempts, 0, nid)
        sent_attempts = dict(self.env.sql(
            "SELECT notification_id, count(*) FROM attempts WHERE outcome = 'sent' "
            "GROUP BY notification_id"))
        for nid, row in rows.items():
            self.assertEqual(sent_attempts.get(nid, 0), 1 if row[2] == "sent" else 0,
                             f"{nid} ({row[2]}): sent attempts")
        # Every row's first event is its creation, and a cancelled row's last event is the
        # operator's cancel.
        first = dict(self.env.sql(
            "SELECT notification_id, type FROM events WHERE id IN "
            "(SELECT min(id) FROM events GROUP BY notification_id)"))
        last = dict(self.env.sql(
            "SELECT notification_id, type FROM events WHERE id IN "
            "(SELECT max(id) FROM events GROUP BY notification_id)"))
        for nid, row in rows.items():
            self.assertEqual(first.get(nid), "created", nid)
            if row[2] == "cancelled":
                self.assertEqual(last.get(nid), "cancelled", nid)


if __name__ == "__main__":
    unittest.main()
