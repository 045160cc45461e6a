"""Scale-out (issue 7): several notifyd instances on one PostgreSQL store dispatch a large batch
to a counting loopback webhook receiver (tests/fakes/http_hook.py). Every notification must
reach the receiver at least once, none may be lost (all `sent` in `notify stats --json`), and a
notification delivered more than once must carry a `rescued` attempt: the only duplicates
allowed are those of leases the others took over. Around that:
- the plain run, whose work must be spread over the instances;
- kill -9 of one instance mid-run: its rows in flight are rescued by the others within
  store.instance_timeout plus a few seconds (the lease is much longer, so the heartbeat does
  it, not the lease), and finished by them;
- PostgreSQL restarted (pg_ctl restart), stopped for a few seconds, and killed (kill -9, crash
  recovery) mid-run: no daemon exits, delivery resumes after each, nothing lost;
- the LISTEN connections ended by the server (pg_terminate_backend) or frozen (SIGSTOP of
  their backends, root only): a new notification is still delivered within the poll interval,
  and the listener reconnects.

Each test class runs a PostgreSQL 15 of its own (tests/e2e/pg_cluster.py), since tests restart
it; each test has a database of its own. Sizes: NOTIFY_REL_SCALE=small (CI) or full, or
NOTIFY_REL_SCALE_OUT_NOTIFICATIONS / NOTIFY_REL_SCALE_OUT_INSTANCES on their own.
"""

import collections
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

from rel_env import (NOTIFYD_BIN, CountingHook, NotifyTestCase, q, scale, wait_for)

try:
    from pg_cluster import PgCluster, PgClusterError
except ImportError as e:  # pragma: no cover - the harness is in tests/e2e
    raise unittest.SkipTest(f"pg_cluster.py unavailable: {e}")

# name: (environment variable, small, full)
SIZES = {
    "notifications": ("NOTIFY_REL_SCALE_OUT_NOTIFICATIONS", 4000, 50000),
    "instances": ("NOTIFY_REL_SCALE_OUT_INSTANCES", 4, 4),
}

INSTANCE_TIMEOUT = 3  # seconds: store.instance_timeout
LEASE = 60  # seconds: daemon.lease, far above INSTANCE_TIMEOUT + RESCUE_SLACK
RESCUE_SLACK = 5  # seconds a rescue may take beyond INSTANCE_TIMEOUT (heartbeat, maintenance)
POLL = 1  # seconds: daemon.poll_interval of the batch tests
IMPORT_LINES = 10000  # lines per `notify import`
STUCK = 20  # seconds a claimed row may stay `sending` (sends take milliseconds)
DRAIN_TIMEOUT = {"small": 300, "full": 1800}  # seconds to wait for the whole batch to be sent

OWNER_OF_CLAIM = re.compile(r"^attempt \d+ by (\S+)")


def size(name):
    var, small, full = SIZES[name]
    if os.environ.get(var):
        return int(os.environ[var])
    return full if scale() == "full" else small


def note(text):
    sys.stderr.write(f"\n  {text.rstrip()}\n")
    sys.stderr.flush()


class Fleet:
    """Several notifyd processes on one environment (one config), each logging to its own file.
    Killed by the test's cleanup if still running."""

    def __init__(self, testcase, env):
        self.testcase = testcase
        self.env = env
        self.procs = []
        self.owners = []
        self._logs = []
        testcase.addCleanup(self.kill_all)

    def log_path(self, i):
        return self.env.path(f"notifyd-{i}.log")

    def log(self, i):
        with open(self.log_path(i), encoding="utf-8", errors="replace") as f:
            return f.read()

    def all_logs(self, tail=3000):
        return "".join(f"\n--- notifyd {i} ({self.owners[i] if i < len(self.owners) else '?'})"
                       f" exit {p.poll()}:\n{self.log(i)[-tail:]}"
                       for i, p in enumerate(self.procs))

    def start(self, count):
        """Starts `count` instances; returns once each has logged its "started" line."""
        for _ in range(count):
            i = len(self.procs)
            log = open(self.log_path(i), "ab")
            self._logs.append(log)
            self.procs.append(subprocess.Popen([NOTIFYD_BIN], stdin=subprocess.DEVNULL,
                                               stdout=log, stderr=subprocess.STDOUT,
                                               env=self.env.env, cwd=self.env.root))
        for i in range(len(self.owners), len(self.procs)):
            started = wait_for(lambda: re.search(r"started: .* owner (\S+)", self.log(i))
                               or self.procs[i].poll() is not None,
                               timeout=30, what=f"notifyd {i} to start")
            self.testcase.assertIsNone(self.procs[i].poll(),
                                       f"notifyd {i} exited early:\n{self.log(i)}")
            self.owners.append(started.group(1))

    def assert_all_running(self, what=""):
        dead = [i for i, p in enumerate(self.procs) if p.poll() is not None]
        self.testcase.assertEqual(dead, [], f"notifyd exited {what}:{self.all_logs()}")

    def kill(self, i):
        """kill -9 instance i and reap it."""
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait(timeout=30)

    def stop_all(self, timeout=60):
        """SIGTERM to every running instance; returns {index: exit code} of those."""
        running = [i for i, p in enumerate(self.procs) if p.poll() is None]
        for i in running:
            self.procs[i].send_signal(signal.SIGTERM)
        codes = {}
        for i in running:
            try:
                codes[i] = self.procs[i].wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.procs[i].kill()
                self.procs[i].wait(timeout=30)
                codes[i] = "hung"
        return codes

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
        for log in self._logs:
            log.close()
        self._logs = []


class PgTestCase(NotifyTestCase):
    """A PostgreSQL of this class's own (started once, stopped after the last test); each test
    gets a database of its own and writes the config naming it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.pg = PgCluster().start()
        except PgClusterError as e:
            raise unittest.SkipTest(f"no PostgreSQL for the tests: {e}")

    @classmethod
    def tearDownClass(cls):
        cls.pg.close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        if not self.pg.is_running():  # a test that failed while the server was down
            self.pg.start()
        self.url = self.pg.create_database()
        self.dbname = self.url.rsplit("/", 1)[1]

    def sql(self, query):
        """Rows of a query on the test's database, each a list of strings."""
        out = self.pg.psql(query, self.dbname)
        return [line.split("|") for line in out.splitlines() if line]

    def scalar(self, query):
        return int(self.sql(query)[0][0])

    def write_config(self, hook, poll=POLL, lease=LEASE, batch=128, concurrency=8,
                     instance_timeout=INSTANCE_TIMEOUT, mode="ok"):
        self.env.write_config(
            "store:\n"
            f"  url: {q(self.url)}\n"
            f"  instance_timeout: {instance_timeout}s\n"
            "daemon:\n"
            f"  poll_interval: {poll}s\n"
            f"  lease: {lease}s\n"
            f"  batch: {batch}\n"
            "  shutdown_grace: 2s\n"
            "providers:\n"
            "  hook:\n"
            "    type: webhook\n"
            f"    url: {q(hook.url(mode))}\n"
            "channels:\n"
            "  webhook: [hook]\n"
            "delivery:\n"
            f"  concurrency: {concurrency}\n")


class ScaleOutTest(PgTestCase):

    # --- helpers --------------------------------------------------------------------------
    def setUp(self):
        super().setUp()
        self.hook = CountingHook(self, self.env)
        self.write_config(self.hook)
        self.fleet = Fleet(self, self.env)
        self.total = size("notifications")

    def enqueue(self, tag):
        """Enqueues self.total webhook notifications with `notify import`, in files of
        IMPORT_LINES lines (one transaction each; ImportTest covers a single big file); returns
        their ids."""
        started = time.monotonic()
        for first in range(0, self.total, IMPORT_LINES):
            lines = range(first, min(first + IMPORT_LINES, self.total))
            batch = self.env.path(f"batch-{first}.ndjson")
            with open(batch, "w", encoding="utf-8") as f:
                for i in lines:
                    f.write(json.dumps({"channel": "webhook", "to": "https://example.com/scale",
                                        "body": f"{tag} {i}", "event_id": f"{tag}-{i}"}) + "\n")
            out = self.env.ok("import", batch)
            self.assertIn(f"imported {len(lines)} notifications", out)
        note(f"import of {self.total}: {time.monotonic() - started:.1f}s")
        ids = [int(r[0]) for r in self.sql("SELECT id FROM notifications ORDER BY id")]
        self.assertEqual(len(ids), self.total)
        return ids

    def sent_count(self):
        return self.scalar("SELECT count(*) FROM notifications WHERE status = 'sent'")

    def by_status(self):
        return dict(self.sql("SELECT status, count(*) FROM notifications GROUP BY status"))

    def wait_delivered(self, at_least, timeout=120):
        """Waits until the receiver has seen `at_least` deliveries, every instance running."""
        def seen():
            self.fleet.assert_all_running(f"before {at_least} deliveries")
            return self.hook.refresh() >= at_least
        wait_for(seen, timeout=timeout, interval=0.02,
                 what=f"{at_least} deliveries (seen {self.hook.refresh()})")

    def wait_all_sent(self, started, during=None):
        """Waits until all are sent, calling during() (if given) at each look; returns the
        seconds since `started`."""
        def done():
            if during:
                during()
            return self.sent_count() == self.total
        wait_for(done, timeout=DRAIN_TIMEOUT[scale()], interval=0.25,
                 what=f"all {self.total} sent; by status {self.by_status()};"
                      f"{self.fleet.all_logs()}")
        took = time.monotonic() - started
        self.hook.refresh()
        return took

    def stop_fleet(self):
        codes = self.fleet.stop_all()
        self.assertEqual(set(codes.values()), {0}, f"exit codes {codes}{self.fleet.all_logs()}")

    def rescued_attempts(self):
        """{id: [detail of each rescued attempt]}."""
        found = collections.defaultdict(list)
        for nid, detail in self.sql("SELECT notification_id, detail FROM attempts WHERE "
                                    "outcome = 'rescued' ORDER BY notification_id, n"):
            found[int(nid)].append(detail)
        return found

    def claims_by_owner(self):
        """{owner: claimed events}, from the events' detail "attempt N by OWNER"."""
        owners = collections.Counter()
        for (detail,) in self.sql("SELECT detail FROM events WHERE type = 'claimed'"):
            m = OWNER_OF_CLAIM.match(detail)
            self.assertIsNotNone(m, f"claimed event detail {detail!r}")
            owners[m.group(1)] += 1
        return owners

    def verify(self, ids, took, what, since="the first import began"):
        """The checks every batch test ends with; returns (duplicates, rescued) for more."""
        delivered = collections.Counter(self.hook.ids)
        self.assertEqual(self.hook.requests, len(self.hook.ids), "requests without an id")
        self.assertEqual(set(delivered) - set(ids), set(), "deliveries of unknown ids")
        lost = set(ids) - set(delivered)
        self.assertEqual(len(lost), 0, f"{len(lost)} never delivered, e.g. {sorted(lost)[:10]}")
        # notify stats --json: everything sent, nothing anywhere else.
        stats = self.env.json("stats")
        self.assertEqual(stats["total"], self.total)
        self.assertEqual({s: n for s, n in stats["by_status"].items() if n},
                         {"sent": self.total}, "notify stats --json by_status")
        # A duplicate only for a rescued lease, at most once more per rescue.
        rescued = self.rescued_attempts()
        duplicates = {nid: c for nid, c in delivered.items() if c > 1}
        unexplained = sorted(nid for nid in duplicates if nid not in rescued)
        self.assertEqual(unexplained, [], "duplicates without a rescued attempt")
        for nid, c in duplicates.items():
            self.assertLessEqual(c, 1 + len(rescued[nid]), f"{nid} delivered {c} times")
        # Exactly one `sent` attempt per row, sent_at set.
        self.assertEqual(self.sql("SELECT notification_id, count(*) FROM attempts WHERE "
                                  "outcome = 'sent' GROUP BY notification_id "
                                  "HAVING count(*) <> 1 LIMIT 10"), [],
                         "rows without exactly one sent attempt")
        self.assertEqual(self.scalar("SELECT count(DISTINCT notification_id) FROM attempts "
                                     "WHERE outcome = 'sent'"), self.total)
        self.assertEqual(self.scalar("SELECT count(*) FROM notifications WHERE sent_at IS "
                                     "NULL"), 0)
        # The CLI shows a rescued row the same way: a rescued attempt and event.
        if rescued:
            nid = min(duplicates) if duplicates else min(rescued)
            shown = self.env.show(nid)
            self.assertEqual(shown["status"], "sent")
            self.assertIn("rescued", [a["outcome"] for a in shown["attempts_log"]])
            self.assertIn("rescued", [e["type"] for e in shown["events"]])
            self.assertEqual([a["outcome"] for a in shown["attempts_log"]][-1], "sent")
        # The work was spread over the instances.
        owners = self.claims_by_owner()
        self.assertEqual(set(owners) - set(self.fleet.owners), set(), "claims by strangers")
        self.assertGreater(len(owners), 1, f"one instance did all the work: {owners}")
        share = ", ".join(f"{owners[o]}" for o in self.fleet.owners)
        note(f"{what}: {self.total} sent by {len(self.fleet.owners)} instances {took:.1f}s "
             f"after {since} "
             f"({self.total / took:.0f}/s); claims per instance {share}; "
             f"{len(rescued)} rescued, {len(duplicates)} delivered twice or more, "
             f"{sum(delivered.values())} deliveries")
        return duplicates, rescued

    # --- tests ----------------------------------------------------------------------------
    def test_instances_share_a_batch_without_loss_or_duplicates(self):
        # The batch is in the store before the instances start: the time is dispatch alone.
        ids = self.enqueue("plain")
        started = time.monotonic()
        self.fleet.start(size("instances"))
        took = self.wait_all_sent(started)
        self.fleet.assert_all_running("during the run")
        self.stop_fleet()
        duplicates, rescued = self.verify(ids, took, "plain run", since="they started")
        # Nobody died: nothing to rescue, nothing sent twice.
        self.assertEqual(dict(rescued), {}, "rescues with every instance alive")
        self.assertEqual(duplicates, {})
        # A stopped instance unregisters.
        self.assertEqual(self.sql("SELECT owner FROM instances"), [])

    def test_kill_9_of_one_instance_its_rows_are_rescued_by_the_others(self):
        self.fleet.start(size("instances"))
        started = time.monotonic()
        ids = self.enqueue("kill")
        self.wait_delivered(self.total // 4)
        # The victim: the instance holding the most rows in flight right now.
        holding = dict(self.sql("SELECT lease_owner, count(*) FROM notifications WHERE "
                                "status = 'sending' GROUP BY lease_owner"))
        self.assertTrue(holding, "nothing in flight a quarter into the run")
        victim_owner = max(holding, key=lambda o: int(holding[o]))
        victim = self.fleet.owners.index(victim_owner)
        self.fleet.kill(victim)
        killed_at = time.monotonic()
        in_flight = {int(r[0]) for r in self.sql(
            "SELECT id FROM notifications WHERE status = 'sending' AND "
            f"lease_owner = '{victim_owner}'")}
        self.assertTrue(in_flight, f"instance {victim} held nothing when killed")
        # Rescued within the instance timeout and a few seconds (the lease is far longer).
        wait_for(lambda: self.scalar("SELECT count(*) FROM notifications WHERE status = "
                                     f"'sending' AND lease_owner = '{victim_owner}'") == 0,
                 timeout=INSTANCE_TIMEOUT + RESCUE_SLACK, interval=0.1,
                 what=f"the {len(in_flight)} rows of the killed instance to be rescued;"
                      f"{self.fleet.all_logs()}")
        rescue_took = time.monotonic() - killed_at
        self.assertLess(rescue_took, LEASE / 2, "rescued by lease expiry, not by heartbeat")
        took = self.wait_all_sent(started)
        for i, p in enumerate(self.fleet.procs):
            if i != victim:
                self.assertIsNone(p.poll(), f"survivor {i} exited:{self.fleet.all_logs()}")
        self.stop_fleet()
        duplicates, rescued = self.verify(ids, took, "kill -9 of one of them")
        # Exactly the victim's rows were rescued, each naming it, and finished by the others.
        self.assertEqual(set(rescued), in_flight)
        for nid, details in rescued.items():
            self.assertEqual(len(details), 1, f"{nid} rescued {len(details)} times: {details}")
            self.assertIn(f"by {victim_owner} did not finish", details[0])
        late_claims = self.sql("SELECT DISTINCT e.detail FROM events e WHERE e.type = "
                               "'claimed' AND e.notification_id IN (SELECT notification_id "
                               "FROM attempts WHERE outcome = 'rescued') AND e.id > (SELECT "
                               "max(r.id) FROM events r WHERE r.notification_id = "
                               "e.notification_id AND r.type = 'rescued')")
        finishers = {OWNER_OF_CLAIM.match(d).group(1) for (d,) in late_claims}
        self.assertTrue(finishers, "no claims after the rescues")
        self.assertNotIn(victim_owner, finishers)
        # The dead instance stays registered (it could not say goodbye) until it is forgotten.
        self.assertEqual([r[0] for r in self.sql("SELECT owner FROM instances")], [victim_owner])
        note(f"kill -9 of instance {victim} holding {len(in_flight)} rows: rescued after "
             f"{rescue_took:.1f}s (instance_timeout {INSTANCE_TIMEOUT}s)")

    def test_postgresql_restarted_stopped_and_killed_mid_run(self):
        self.fleet.start(size("instances"))
        started = time.monotonic()
        ids = self.enqueue("restart")
        outages = (("restart", self.pg.restart),
                   ("stop, 3s down, start", lambda: (self.pg.stop(), time.sleep(3),
                                                      self.pg.start())),
                   ("kill -9, start", lambda: (self.pg.kill(), self.pg.start())))
        for n, (what, outage) in enumerate(outages, 1):
            self.wait_delivered(self.total * n // (len(outages) + 1), timeout=180)
            began = time.monotonic()
            outage()
            self.fleet.assert_all_running(f"after PostgreSQL's {what}")
            back = time.monotonic()
            before = self.hook.refresh()
            self.wait_delivered(before + 1, timeout=60)
            note(f"PostgreSQL {what}: {back - began:.1f}s, deliveries again "
                 f"{time.monotonic() - back:.1f}s later")
        # Rows claimed by a live instance are its to send: none may sit `sending` long after
        # the server is back (claimed a while ago yet neither sent nor released), waiting
        # for its lease to run out.
        stuck = {}

        def watch():
            for nid, owner, age in self.sql(
                    "SELECT id, lease_owner, notify_now_ms() - updated_at FROM notifications "
                    f"WHERE status = 'sending' AND updated_at < notify_now_ms() - {STUCK * 1000}"):
                stuck[int(nid)] = (owner, int(age) / 1000)
        took = self.wait_all_sent(started, during=watch)
        self.fleet.assert_all_running("after PostgreSQL came back")
        # Each instance is connected again (its heartbeat is fresh) before it is stopped.
        owners = ", ".join(f"'{o}'" for o in self.fleet.owners)
        wait_for(lambda: self.scalar(f"SELECT count(*) FROM instances WHERE owner IN ({owners}) "
                                     "AND seen_at > notify_now_ms() - 1000")
                 == len(self.fleet.owners), timeout=60,
                 what="every instance to heartbeat again;" + self.fleet.all_logs())
        self.assertEqual(stuck, {}, f"rows left `sending` over {STUCK}s by a live instance "
                         "(id: owner, seconds since the claim when last seen), sent only once "
                         f"their lease ({LEASE}s) ran out;{self.fleet.all_logs()}")
        self.stop_fleet()
        for i in range(len(self.fleet.procs)):
            log = self.fleet.log(i)
            self.assertRegex(log, r"store error, will retry", f"notifyd {i}:\n{log[-3000:]}")
            self.assertIn("store usable again", log, f"notifyd {i}:\n{log[-3000:]}")
            self.assertIn("wake-up listener reconnected", log, f"notifyd {i}:\n{log[-3000:]}")
        self.verify(ids, took, "PostgreSQL restarted, stopped 3s and killed")


class ImportTest(PgTestCase):
    """One `notify import` of 20,000 lines with event ids (one transaction) into a PostgreSQL
    with Debian's stock lock table (max_connections 100, max_locks_per_transaction 64): the
    import must not hold a lock per line (an advisory lock per event id ran out of shared
    memory past ~13,000 lines there), and an import that fails must say so in one line, not
    crash."""

    LINES = 20000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pg.psql("ALTER SYSTEM SET max_connections = 100", "postgres")
        cls.pg.psql("ALTER SYSTEM SET max_locks_per_transaction = 64", "postgres")
        cls.pg.restart()

    def test_one_import_with_event_ids_on_a_stock_server(self):
        self.env.write_config(f"store:\n  url: {q(self.url)}\n")
        batch = self.env.path("batch.ndjson")
        with open(batch, "w", encoding="utf-8") as f:
            for i in range(self.LINES):
                f.write(json.dumps({"channel": "webhook", "to": "https://example.com/import",
                                    "body": f"import {i}", "event_id": f"import-{i}"}) + "\n")
        started = time.monotonic()
        res = self.env.run("import", batch, timeout=600)
        took = time.monotonic() - started
        with open(self.pg.log_path, encoding="utf-8", errors="replace") as f:
            server_log = f.read()[-2000:]
        self.assertGreaterEqual(res.returncode, 0, f"notify import crashed; server log:\n"
                                f"{server_log}")
        self.assertEqual(res.returncode, 0, f"stderr {res.stderr!r}; server log:\n{server_log}")
        self.assertEqual(res.stdout, f"imported {self.LINES} notifications from {self.LINES} "
                                     "lines (0 duplicates, 0 rejected)\n")
        self.assertEqual(self.scalar("SELECT count(DISTINCT event_id) FROM notifications"),
                         self.LINES)
        # Again: every line is a duplicate of a row enqueued before.
        res = self.env.run("import", batch, timeout=600)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn(f"({self.LINES} duplicates, 0 rejected)", res.stdout)
        self.assertEqual(self.scalar("SELECT count(*) FROM notifications"), self.LINES)
        note(f"import of {self.LINES} lines: {took:.1f}s")


class ShutdownTest(PgTestCase):
    """SIGTERM while the store is down and sends are in flight: notifyd cannot record or
    release what it holds, yet it stops cleanly (exit 0); another instance started once the
    server is back rescues those rows and sends them."""

    def test_sigterm_while_the_store_is_down(self):
        hook = CountingHook(self, self.env)
        self.write_config(hook, mode="slow")  # 3 s a request
        fleet = Fleet(self, self.env)
        fleet.start(1)
        ids = [self.env.send(channel="webhook", to="https://example.com/stop", body=f"s{n}")
               for n in range(3)]
        wait_for(lambda: hook.refresh() == 3, timeout=10, what="3 sends in flight")
        self.pg.stop()
        fleet.procs[0].send_signal(signal.SIGTERM)
        try:
            code = fleet.procs[0].wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = "still running 30s after SIGTERM"
        self.pg.start()
        self.assertEqual(code, 0, fleet.all_logs())
        log = fleet.log(0)
        self.assertNotRegex(log, r"(?m)^notifyd: ", "a fatal error line")
        # The next instance rescues the rows the stopped one could not record, and sends them.
        fleet.start(1)
        wait_for(lambda: all(self.env.status(nid) == "sent" for nid in ids), timeout=60,
                 what="the rows to be rescued and sent;" + fleet.all_logs())
        self.assertEqual(set(fleet.stop_all().values()), {0}, fleet.all_logs())
        for nid in ids:
            self.assertIn("rescued", [a["outcome"] for a in self.env.show(nid)["attempts_log"]])


class ListenerTest(PgTestCase):
    """The LISTEN/NOTIFY wake-up. An idle notifyd sleeps until its next heartbeat or poll: with
    store.instance_timeout 30s (a heartbeat every 5s) and daemon.poll_interval 5s, a
    notification sent just after it woke waits ~5s unless a NOTIFY wakes it. Every wake-up
    refreshes instances.seen_at (each claim does), which tells the test when one happened."""

    POLL = 5  # seconds: daemon.poll_interval, and the heartbeat interval

    def setUp(self):
        super().setUp()
        self.hook = CountingHook(self, self.env)
        self.write_config(self.hook, poll=self.POLL, instance_timeout=6 * self.POLL)
        self.fleet = Fleet(self, self.env)
        self.sent = 0

    def listeners(self):
        return [int(r[0]) for r in self.sql(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'notifyd-listen' AND "
            "datname = current_database()")]

    def seen_at(self, owner):
        rows = self.sql(f"SELECT seen_at FROM instances WHERE owner = '{owner}'")
        return rows[0][0] if rows else None

    def send_after_a_wake(self, owner):
        """Waits until `owner` has just woken (its seen_at moves), sends one notification and
        returns the seconds until the receiver has it (at most the poll interval and 2 s)."""
        before = self.seen_at(owner)
        wait_for(lambda: self.seen_at(owner) != before, timeout=2 * self.POLL, interval=0.02,
                 what=f"{owner} to wake")
        self.sent += 1
        self.env.send(channel="webhook", to="https://example.com/listen",
                      body=f"listen {self.sent}")
        started = time.monotonic()
        wait_for(lambda: self.hook.refresh() >= self.sent, timeout=self.POLL + 2,
                 interval=0.02,
                 what=f"delivery {self.sent} within the poll interval;{self.fleet.all_logs()}")
        return time.monotonic() - started

    def assert_woken_by_notify(self, owner, what):
        took = self.send_after_a_wake(owner)
        self.assertLess(took, self.POLL / 2,
                        f"{what}: delivered after {took:.2f}s, by polling, not by NOTIFY")
        return took

    def finish(self):
        self.fleet.assert_all_running()
        self.assertEqual(set(self.fleet.stop_all().values()), {0}, self.fleet.all_logs())
        self.assertEqual(sorted(self.hook.ids), sorted(set(self.hook.ids)), "duplicates")

    def test_notify_wakes_an_idle_instance_at_once(self):
        self.fleet.start(1)
        wait_for(lambda: len(self.listeners()) == 1, timeout=10, what="the listener")
        took = [self.assert_woken_by_notify(self.fleet.owners[0], f"send {n}")
                for n in range(3)]
        self.finish()
        note(f"NOTIFY wake-up: delivered {', '.join(f'{t:.2f}' for t in took)}s after send")

    def test_terminated_listener_connections_reconnect(self):
        self.fleet.start(2)
        wait_for(lambda: len(self.listeners()) == 2, timeout=10, what="2 listeners")
        terminated = self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              "application_name = 'notifyd-listen' AND "
                              "datname = current_database()")
        self.assertEqual(terminated, [["t"], ["t"]])
        took = self.send_after_a_wake(self.fleet.owners[0])
        self.assertLessEqual(took, self.POLL + 0.5)
        for i in range(2):
            wait_for(lambda: "wake-up listener reconnected" in self.fleet.log(i), timeout=10,
                     what=f"notifyd {i} to log the listener's reconnection:\n{self.fleet.log(i)}")
            self.assertIn("wake-up listener lost its connection", self.fleet.log(i))
        wait_for(lambda: len(self.listeners()) == 2, timeout=10, what="2 listeners again")
        # The new listeners are woken by NOTIFY again.
        again = [self.assert_woken_by_notify(owner, "after the reconnection")
                 for owner in self.fleet.owners]
        self.finish()
        note(f"after pg_terminate_backend: delivered in {took:.2f}s; after the reconnection "
             f"{', '.join(f'{t:.2f}' for t in again)}s")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to stop PostgreSQL's backends")
    def test_frozen_listener_connection_is_replaced(self):
        # A backend that stops answering (SIGSTOP) keeps its TCP connection up: no error, no
        # NOTIFY, TCP keepalives answered by the kernel. Delivery must go on by polling, and
        # the listener health check must notice and replace the connection.
        self.fleet.start(1)
        owner = self.fleet.owners[0]
        wait_for(lambda: len(self.listeners()) == 1, timeout=10, what="the listener")
        frozen = self.listeners()
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            took = self.send_after_a_wake(owner)  # asserts: within the poll interval
            note(f"frozen listener: delivered in {took:.2f}s (by polling)")
            wait_for(lambda: self.env.status(self.sent) == "sent", timeout=self.POLL + 2,
                     what="the delivery recorded;" + self.fleet.all_logs())
            self.fleet.assert_all_running("with a frozen listener")
            wait_for(lambda: "wake-up listener reconnected" in self.fleet.log(0), timeout=30,
                     what="the frozen listener to be replaced;" + self.fleet.all_logs())
            # Not stalled by the health check either: polling and NOTIFY both work.
            again = self.assert_woken_by_notify(owner, "after the replacement")
        finally:
            for pid in frozen:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        self.finish()
        note(f"frozen listener: after the replacement delivered in {again:.2f}s")


if __name__ == "__main__":
    unittest.main()
