"""8 concurrent senders x 500 `notify send` processes into one store."""

import concurrent.futures
import os
import sys
import time
import unittest

from notify_env import NotifyTestCase

# The issue asks for 8 concurrent senders x 500 sends. Overridable for slow (sanitizer)
# builds; the elapsed time is printed on stderr either way.
WORKERS = int(os.environ.get("NOTIFY_E2E_SENDERS", "8"))
PER_WORKER = int(os.environ.get("NOTIFY_E2E_SENDS_PER_SENDER", "500"))


class ConcurrencyTest(NotifyTestCase):

    def test_concurrent_senders(self):
        # Store created up front so every worker opens an existing store (the first-use
        # migration race is covered by test_concurrent_first_use below).
        self.env.ok("stats")

        def worker(w):
            results = []
            for i in range(PER_WORKER):
                res = self.env.run("send", "--channel", "email", "--to",
                                   f"w{w}@example.com", "--body", f"w{w}-n{i}")
                results.append((w, i, res.returncode, res.stdout, res.stderr))
            return results

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            results = [r for chunk in pool.map(worker, range(WORKERS)) for r in chunk]
        elapsed = time.monotonic() - started
        sys.stderr.write(f"\n{WORKERS * PER_WORKER} sends by {WORKERS} concurrent senders: "
                         f"{elapsed:.1f}s\n")

        failures = [r for r in results if r[2] != 0 or r[4] != ""]
        self.assertEqual(failures[:5], [], f"{len(failures)} sends failed or wrote to stderr")
        ids = []
        for w, i, _, out, _ in results:
            self.assertRegex(out, r"^[1-9][0-9]*\n$", f"worker {w} send {i}")
            ids.append(int(out))
        self.assertEqual(len(ids), WORKERS * PER_WORKER)
        self.assertEqual(len(set(ids)), WORKERS * PER_WORKER, "ids must be distinct")

        rows = self.env.sql("SELECT id, recipient, body, status FROM notifications")
        self.assertEqual(len(rows), WORKERS * PER_WORKER)
        by_id = {r[0]: r for r in rows}
        for w, i, _, out, _ in results:
            row = by_id.get(int(out))
            self.assertIsNotNone(row, f"id {out.strip()} printed but not stored")
            self.assertEqual(row[1:], (f"w{w}@example.com", f"w{w}-n{i}", "queued"))
        self.assertEqual(self.env.json("stats")["total"], WORKERS * PER_WORKER)

    def test_concurrent_first_use(self):
        """Many processes creating and migrating the same new store at once."""
        def one(i):
            return self.env.run("send", "--channel", "email", "--to", "a@example.com",
                                "--body", f"first-{i}")

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(one, range(16)))
        for res in results:
            self.assertEqual((res.returncode, res.stderr), (0, ""))
        ids = {int(r.stdout) for r in results}
        self.assertEqual(len(ids), 16)
        self.assertEqual(self.env.count(), 16)


if __name__ == "__main__":
    unittest.main()
