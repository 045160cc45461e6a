"""The PostgreSQL store from the command line (issue 7): `notify --db postgresql://...` runs the
same session of commands (send, ls, show, stats, hold, release, cancel, retry, purge, schedule
add/ls/next/rm, dispatch --once) as on SQLite and prints the same output, times aside; the
store is chosen by --db, NOTIFY_DB or store.url; an unreachable server is exit 74 with one line
that never shows the URL's password, nor does `notify config show`; store.url beside
store.path is a config error (78).

Runs on the PostgreSQL of this process (tests/e2e/pg_cluster.py shared_cluster()), a database
per test; skipped where PostgreSQL 15 is not installed. Kept small: it runs in the sanitized
build too.
"""

import json
import os
import re
import unittest

from notify_env import NOTIFYD_BIN, NotifyTestCase
from pg_cluster import shared_cluster_or_skip

# A URL nothing listens on (port 1), with a password that must never be printed.
PASSWORD = "s3cret"
DEAD_URL = f"postgresql://notify:{PASSWORD}@127.0.0.1:1/x"

RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
AGE = re.compile(r'("oldest_due_age_seconds": )\d+')
OWNER = re.compile(r"\S+:\d+:[0-9a-f]{8}\b")  # a dispatcher: host:pid:random


def mask_times(text):
    """Times, ages in seconds (which depend on how long each session took) and dispatcher
    ids."""
    return OWNER.sub("<owner>", AGE.sub(r"\1<age>", RFC3339.sub("<time>", text)))


class PostgresStoreTest(NotifyTestCase):

    def setUp(self):
        super().setUp()
        self.pg = shared_cluster_or_skip()
        self.url = self.pg.create_database()
        self.dbname = self.url.rsplit("/", 1)[1]

    def rows(self, query):
        return [line.split("|") for line in self.pg.psql(query, self.dbname).splitlines()]

    # --- the same session on both stores ----------------------------------------------------
    def session(self, db):
        """Runs one session of commands on store `db` (a path or URL); returns what each
        printed (times masked) and its exit code, in order."""
        steps = []

        def step(*args, input=None):
            res = self.env.run("--db", db, *args, input=input)
            steps.append((args, res.returncode, mask_times(res.stdout), res.stderr))
            return res

        def json_of(*args):
            res = step(*args, "--json")
            self.assertEqual(res.returncode, 0, f"{args}: {res.stderr}")
            return json.loads(res.stdout)

        for n in range(3):
            step("send", "--channel", "email", "--to", f"user{n}@example.com", "--subject",
                 f"s{n}", "--body", f"b{n}", "--event-id", f"ev-{n}")
        step("send", "--channel", "email", "--to", "user0@example.com", "--body", "again",
             "--event-id", "ev-0")  # dedup: the existing id, exit 0
        json_of("send", "--channel", "sms", "--to", "+14155550123", "--body", "later",
                "--in", "1h", "--priority", "high")
        step("ls")
        json_of("ls")
        step("ls", "--status", "scheduled")
        step("ls", "--status", "dead")  # nothing matched: exit 1
        json_of("show", "1")
        step("show", "999")  # exit 1
        json_of("stats")
        step("hold", "2")
        step("ls", "--status", "held")
        step("release", "2")
        step("cancel", "3")
        step("cancel", "3")  # the wrong state now: exit 1
        step("retry", "3")
        step("cancel", "3")
        step("schedule", "add", "daily", "--cron", "0 9 * * *", "--tz", "UTC", "--channel",
             "email", "--to", "ops@example.com", "--body", "daily report")
        step("schedule", "ls")
        json_of("schedule", "ls")
        step("schedule", "next", "daily", "-n", "3")
        step("dispatch", "--once")
        json_of("show", "1")
        json_of("ls", "--status", "sent")
        step("purge", "--older-than", "0s", "--status", "cancelled")
        step("purge", "--older-than", "0s")
        step("ls")
        json_of("stats")
        step("schedule", "rm", "daily")
        step("schedule", "ls")
        return steps

    def test_a_session_prints_the_same_on_postgresql_as_on_sqlite(self):
        sqlite = self.session(self.env.path("session.db"))
        delivered_sqlite = [{k: v for k, v in d.items() if k not in ("at", "sent_at")}
                            for d in self.env.delivered()]
        os.rename(self.env.delivered_path, self.env.path("sqlite.jsonl"))
        postgres = self.session(self.url)
        self.assertEqual(len(sqlite), len(postgres))
        for (args, code, out, err), (_, pg_code, pg_out, pg_err) in zip(sqlite, postgres):
            self.assertEqual((pg_code, pg_out), (code, out), f"notify {' '.join(args)}: "
                             f"PostgreSQL stderr {pg_err!r}, SQLite stderr {err!r}")
            self.assertEqual(pg_err.replace(self.url, "<db>"),
                             err.replace(self.env.path("session.db"), "<db>"),
                             f"notify {' '.join(args)}: stderr")
        # The session did what it says (checked once, on PostgreSQL's steps and rows).
        # (exit 1: ls of no dead rows, show of a missing id, a second cancel, schedule ls of
        # none)
        self.assertEqual([code for _, code, _, _ in postgres],
                         [0] * 8 + [1, 0, 1] + [0] * 5 + [1] + [0] * 14 + [1])
        self.assertEqual(postgres[3][2], "1\n", "the dedup send prints the existing id")
        # Sends run in parallel: the file's order is the order they finished.
        dispatched = sorted(self.env.delivered(), key=lambda d: d["id"])
        self.assertEqual([d["to"] for d in dispatched], ["user0@example.com", "user1@example.com"])
        self.assertEqual([{k: v for k, v in d.items() if k not in ("at", "sent_at")}
                          for d in dispatched],
                         sorted(delivered_sqlite, key=lambda d: d["id"]))
        self.assertEqual(self.rows("SELECT name FROM schedules"), [])
        # Purged: 1 cancelled, then the sent ones; the scheduled sms stays.
        self.assertEqual(self.rows("SELECT id, status FROM notifications ORDER BY id"),
                         [["4", "scheduled"]])

    # --- dispatch ---------------------------------------------------------------------------
    def test_dispatch_once_delivers_and_records(self):
        ids = [self.env.send("--db", self.url, to=f"u{n}@example.com") for n in range(3)]
        self.assertEqual(ids, [1, 2, 3])
        self.env.ok("--db", self.url, "dispatch", "--once")
        self.assertEqual(sorted(d["to"] for d in self.env.delivered()),
                         ["u0@example.com", "u1@example.com", "u2@example.com"])
        for nid in ids:
            shown = self.env.json("--db", self.url, "show", nid)
            self.assertEqual(shown["status"], "sent")
            self.assertEqual([a["outcome"] for a in shown["attempts_log"]], ["sent"])
            self.assert_rfc3339(shown["sent_at"])
        self.assertEqual(self.rows("SELECT count(*) FROM notifications WHERE status = 'sent'"),
                         [["3"]])
        # Nothing left: a second pass sends nothing more.
        self.env.ok("--db", self.url, "dispatch", "--once")
        self.assertEqual(len(self.env.delivered()), 3)

    def test_notifyd_once_delivers(self):
        self.env.send("--db", self.url, to="d@example.com")
        res = self.env.run("--db", self.url, "--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual([d["to"] for d in self.env.delivered()], ["d@example.com"])
        self.assertEqual(self.rows("SELECT owner FROM instances"), [],
                         "notifyd --once left its registration behind")

    def test_events_follow_prints_every_event_once_in_seq_order(self):
        ids = [self.env.send("--db", self.url, to=f"u{n}@example.com") for n in range(2)]
        self.env.ok("--db", self.url, "dispatch", "--once")
        res = self.env.run("--db", self.url, "--json", "events", "--follow", "--limit", "6")
        self.assertEqual(res.returncode, 0, res.stderr)
        events = [json.loads(line) for line in res.stdout.splitlines()]
        for nid in ids:
            self.assertEqual([e["type"] for e in events if e["id"] == nid],
                             ["created", "claimed", "sent"], events)
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, sorted(set(seqs)))

    # --- choosing the store -----------------------------------------------------------------
    def test_store_url_in_the_config_file(self):
        self.env.write_config(f"store:\n  url: {json.dumps(self.url)}\n")
        nid = self.env.send(to="cfg@example.com")
        self.assertEqual(self.rows(f"SELECT recipient FROM notifications WHERE id = {nid}"),
                         [["cfg@example.com"]])
        self.assertIn(f"store.url = {self.url}  # {self.env.config_path}",
                      self.env.ok("config", "show"))
        self.assertFalse(self.env.dump_db(), "a SQLite store was created beside")

    def test_notify_db_in_the_environment(self):
        env = {"NOTIFY_DB": self.url}
        self.assertEqual(self.env.ok("send", "--channel", "email", "--to", "env@example.com",
                                     "--body", "x", env=env), "1\n")
        self.assertEqual(self.rows("SELECT recipient FROM notifications"), [["env@example.com"]])
        self.assertIn(f"store.url = {self.url}  # env NOTIFY_DB",
                      self.env.ok("config", "show", env=env))

    def test_store_url_beside_store_path_is_a_config_error(self):
        self.env.write_config(f"store:\n  url: {json.dumps(self.url)}\n"
                              f"  path: {json.dumps(self.env.path('x.db'))}\n")
        for args in (("ls",), ("config", "check")):
            first = self.assert_fails(78, *args)
            self.assertIn("store.url and store.path are both set", first)

    # --- errors and secrets -----------------------------------------------------------------
    def test_an_unreachable_server_is_exit_74_without_the_password(self):
        for args, env in ((("--db", DEAD_URL, "ls"), None),
                          (("--db", DEAD_URL, "send", "--channel", "email", "--to",
                            "a@example.com", "--body", "x"), None),
                          (("stats",), {"NOTIFY_DB": DEAD_URL})):
            res = self.env.run(*args, env=env)
            first = self.assert_error_output(res, 74)
            self.assertNotIn(PASSWORD, res.stderr + res.stdout, args)
            self.assertIn("127.0.0.1:1", first)
        res = self.env.run("--db", DEAD_URL, "--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 74, res.stderr)
        self.assertNotIn(PASSWORD, res.stderr + res.stdout)
        self.assertTrue(res.stderr.startswith("notifyd: "), res.stderr)

    def test_config_show_masks_the_password(self):
        out = self.env.ok("--db", DEAD_URL, "config", "show")  # needs no connection
        self.assertNotIn(PASSWORD, out)
        self.assertIn("store.url = postgresql://notify:***@127.0.0.1:1/x  # --db", out)
        self.env.write_config(f"store:\n  url: {json.dumps(DEAD_URL)}\n")
        out = self.env.ok("config", "show")
        self.assertNotIn(PASSWORD, out)
        self.assertIn("store.url = postgresql://notify:***@127.0.0.1:1/x", out)
        # A password inside the URL is a secret: a config others may read is refused.
        self.env.write_config(f"store:\n  url: {json.dumps(DEAD_URL)}\n", mode=0o644)
        res = self.env.run("config", "show")
        line = self.assert_error_output(res, 78)
        self.assertIn("holds secrets (store.url)", line)
        self.assertNotIn(PASSWORD, res.stderr + res.stdout)


if __name__ == "__main__":
    unittest.main()
