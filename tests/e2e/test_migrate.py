"""notify migrate: a whole store, history included, copied into an empty one (SQLite to SQLite,
and SQLite to PostgreSQL and back), and what it refuses (a missing source, the same store twice,
a destination that holds rows, notifications a dispatcher is sending)."""

import json
import os
import re
import sqlite3
import stat
import time
import unittest

from notify_env import NotifyTestCase
from pg_cluster import shared_cluster_or_skip

# The tables notify migrate copies, as its --json names them.
TABLES = ("notifications", "attempts", "events", "attachments", "schedules", "schedule_fires",
          "rate_buckets", "users", "devices", "preferences")

IOS_TOKEN = "a" * 64


class MigrateBase(NotifyTestCase):
    """A source store with a bit of everything: sent, retrying, scheduled, held, cancelled and
    suppressed notifications, attachments, events, a fired and a paused schedule, users with a
    device, preferences and quiet hours."""

    def setUp(self):
        super().setUp()
        self.src = self.env.db_path
        env = self.env
        env.ok("user", "add", "alice", "--email", "alice@example.com", "--phone",
               "+14155550123", "--tz", "Europe/Berlin")
        env.ok("user", "add", "bob", "--email", "bob@example.com")
        env.ok("device", "add", "alice", "--platform", "ios", "--token", IOS_TOKEN)
        env.ok("prefs", "set", "alice", "--channel", "sms", "--opt-out")
        env.ok("prefs", "set", "alice", "--quiet-hours", "22:00-07:00")
        with open(env.path("report.csv"), "w", encoding="utf-8") as f:
            f.write("a,b\n1,2\n")
        self.ids = []
        self.ids.append(env.send("--attach", env.path("report.csv"), "--subject", "Report"))
        self.ids.append(env.send("--event-id", "nightly-1"))
        env.ok("dispatch", "--once")  # both sent (the attachment's bytes dropped)
        self.ids.append(env.send("--attach", env.path("report.csv"), "--in", "1h"))  # bytes kept
        self.ids.append(env.send("--in", "2h", "--priority", "high"))
        held = env.send("--in", "10m")
        env.ok("hold", held)
        cancelled = env.send()
        env.ok("cancel", cancelled)
        self.ids += [held, cancelled]
        for line in env.ok("send", "--user", "alice", "--body", "hi").split():
            self.ids.append(int(line))
        env.ok("schedule", "add", "daily", "--cron", "0 9 * * *", "--tz", "UTC", "--channel",
               "email", "--to", "ops@example.com", "--body", "daily")
        env.ok("schedule", "add", "weekly", "--cron", "0 9 * * 1", "--channel", "email", "--to",
               "ops@example.com", "--body", "weekly")
        env.ok("schedule", "pause", "weekly")
        # A fired slot of "daily", as the dispatcher records it.
        env.sql("INSERT INTO schedule_fires (schedule, slot_at, fired_at, ids) "
                "VALUES ('daily', 1700000000000, 1700000000001, '')")
        env.sql("INSERT INTO rate_buckets (key, tokens, updated_at) "
                "VALUES ('provider:file', 2.375, 1700000000000)")

    def migrate(self, *args, src=None, dst):
        return self.env.run("migrate", "--from", src or self.src, "--to", dst, *args)

    def table_rows(self, db):
        """Every row of every portable table of a SQLite store, in key order."""
        return {t: self.env.sql(f'SELECT * FROM "{t}" ORDER BY 1, 2', db=db) for t in TABLES}

    def view(self, db):
        """What the commands show of a store: every notification, stats, schedules, users,
        devices, preferences and the event log."""
        out = {"show": [self.env.json("--db", db, "show", i) for i in self.ids]}
        stats = self.env.json("--db", db, "stats")
        stats.pop("oldest_due_age_seconds", None)  # moves with the clock
        out["stats"] = stats
        out["schedules"] = self.env.ok("--db", db, "schedule", "ls")
        out["schedules_json"] = self.env.json("--db", db, "schedule", "ls")
        out["users"] = self.env.json("--db", db, "user", "ls")
        out["devices"] = self.env.json("--db", db, "device", "ls")
        out["prefs"] = self.env.json("--db", db, "prefs", "show", "alice")
        out["events"] = self.env.ok("--db", db, "--json", "events")
        return out


class MigrateSqliteTest(MigrateBase):

    def test_copies_every_row_into_a_new_file(self):
        dst = self.env.path("copy", "notify.db")
        before = self.view(self.src)
        res = self.migrate(dst=dst)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stderr, "", "no progress lines when stderr is not a terminal")
        counts = {t: len(rows) for t, rows in self.table_rows(self.src).items()}
        self.assertEqual(
            res.stdout,
            f"migrated {counts['notifications']} notifications, {counts['events']} events, "
            f"{counts['schedules']} schedules, {counts['users']} users from {self.src} to "
            f"{dst}\n")
        self.assertEqual(self.table_rows(dst), self.table_rows(self.src))
        self.assertEqual(self.view(dst), before)
        self.assertEqual(self.view(self.src), before, "the source changed")
        self.assertEqual(stat.S_IMODE(os.stat(dst).st_mode), 0o600)

    def test_attachment_bytes_and_real_values_survive(self):
        dst = self.env.path("copy.db")
        self.assertEqual(self.migrate(dst=dst).returncode, 0)
        rows = self.env.sql("SELECT notification_id, typeof(content), content FROM attachments "
                            "ORDER BY id", db=dst)
        self.assertEqual(rows, [(self.ids[0], "null", None),
                                (self.ids[2], "blob", b"a,b\n1,2\n")])
        self.assertEqual(self.env.sql("SELECT typeof(tokens), tokens FROM rate_buckets", db=dst),
                         [("real", 2.375)])

    def test_json_counts_every_table(self):
        dst = self.env.path("copy.db")
        res = self.migrate("--json", dst=dst)
        self.assertEqual(res.returncode, 0, res.stderr)
        counts = json.loads(res.stdout)
        self.assertEqual(list(counts), list(TABLES))
        self.assertEqual(counts, {t: len(rows) for t, rows in self.table_rows(dst).items()})
        self.assertGreater(counts["notifications"], 0)

    def test_the_copy_keeps_working(self):
        dst = self.env.path("copy.db")
        self.assertEqual(self.migrate(dst=dst).returncode, 0)
        largest = max(self.ids)
        new_id = int(self.env.ok("--db", dst, "send", "--channel", "email", "--to",
                                 "z@example.com", "--body", "after").strip())
        self.assertGreater(new_id, largest)
        # The copied event id still deduplicates.
        again = self.env.ok("--db", dst, "send", "--channel", "email", "--to", "ops@example.com",
                            "--body", "hello", "--event-id", "nightly-1")
        self.assertEqual(int(again.strip()), self.ids[1])
        self.env.ok("--db", dst, "release", self.ids[4])
        self.env.ok("--db", dst, "dispatch", "--once")
        self.assertEqual(self.env.json("--db", dst, "show", new_id)["status"], "sent")

    def test_missing_source_exits_74_and_creates_nothing(self):
        dst = self.env.path("copy.db")
        missing = self.env.path("nowhere", "notify.db")
        res = self.migrate(src=missing, dst=dst)
        line = self.assert_error_output(res, 74)
        self.assertIn(f"no store at {missing}", line)
        self.assertFalse(os.path.exists(missing))
        self.assertFalse(os.path.exists(dst))

    def test_same_location_exits_64(self):
        with self.assert_store_unchanged(self.src):
            for dst in (self.src, os.path.join(os.path.dirname(self.src), ".", "notify.db")):
                res = self.migrate(dst=dst)
                line = self.assert_error_output(res, 64)
                self.assertIn("same store", line)

    def test_a_destination_that_holds_rows_exits_65_unchanged(self):
        dst = self.env.path("busy.db")
        self.env.ok("--db", dst, "send", "--channel", "email", "--to", "x@example.com", "--body",
                    "mine")
        self.env.ok("--db", dst, "user", "add", "carol")
        line = self.assert_fails(65, "migrate", "--from", self.src, "--to", dst, db=dst)
        self.assertIn("not empty", line)
        self.assertIn("1 notification(s)", line)
        self.assertIn("1 user(s)", line)

    def test_a_second_migration_into_the_copy_is_refused(self):
        dst = self.env.path("copy.db")
        self.assertEqual(self.migrate(dst=dst).returncode, 0)
        self.assert_fails(65, "migrate", "--from", self.src, "--to", dst, db=dst)

    def test_an_existing_empty_store_is_a_valid_destination(self):
        dst = self.env.path("empty.db")
        self.env.ok("--db", dst, "stats")  # creates and migrates it
        res = self.migrate(dst=dst)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.table_rows(dst), self.table_rows(self.src))

    def test_rows_being_sent_are_refused_unless_forced(self):
        leased = self.ids[3]
        future = int(time.time() * 1000) + 600_000
        self.env.sql("UPDATE notifications SET status = 'sending', lease_owner = 'host:1', "
                     "lease_until = ? WHERE id = ?", (future, leased))
        dst = self.env.path("copy.db")
        res = self.migrate(dst=dst)
        line = self.assert_error_output(res, 75)
        self.assertIn("1 notification(s) being sent", line)
        self.assertIn("stop notifyd first", res.stderr)
        self.assertFalse(os.path.exists(dst), "a refused migration left a new store behind")
        res = self.migrate("--force", dst=dst)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.env.sql("SELECT status, lease_owner, lease_until FROM "
                                      "notifications WHERE id = ?", (leased,), db=dst),
                         [("sending", "host:1", future)])

    def test_rows_whose_lease_expired_are_copied_as_they_are(self):
        leased = self.ids[3]
        self.env.sql("UPDATE notifications SET status = 'sending', lease_owner = 'host:1', "
                     "lease_until = 1000 WHERE id = ?", (leased,))
        dst = self.env.path("copy.db")
        res = self.migrate(dst=dst)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.env.json("--db", dst, "show", leased)["status"], "sending")
        # The destination's dispatcher rescues it.
        self.env.ok("--db", dst, "dispatch", "--once")
        self.assertNotEqual(self.env.json("--db", dst, "show", leased)["status"], "sending")

    def test_a_failed_copy_keeps_nothing_in_the_destination(self):
        # An attempt whose notification does not exist (written with foreign keys off): the
        # copy fails on the foreign key, and the new store is not left behind.
        con = sqlite3.connect(self.src)
        try:
            con.execute("PRAGMA foreign_keys = OFF")
            con.execute("INSERT INTO attempts (notification_id, n, provider, started_at, "
                        "outcome) VALUES (999999, 1, 'file', 0, 'sent')")
            con.commit()
        finally:
            con.close()
        dst = self.env.path("copy.db")
        res = self.migrate(dst=dst)
        self.assertNotEqual(res.returncode, 0)
        self.assertEqual(res.stdout, "")
        self.assertFalse(os.path.exists(dst))
        # Into an existing empty store: it stays empty.
        self.env.ok("--db", dst, "stats")
        with self.assert_store_unchanged(dst):
            self.assertNotEqual(self.migrate(dst=dst).returncode, 0)

    def test_usage_errors_exit_64(self):
        self.assert_fails(64, "migrate", "--from", self.src)
        self.assert_fails(64, "migrate", "--to", self.env.path("x.db"))
        self.assert_fails(64, "migrate", "--from", "", "--to", self.env.path("x.db"))
        self.assertFalse(os.path.exists(self.env.path("x.db")))

    def test_ignores_db_and_config_store_settings(self):
        other = self.env.path("other.db")
        dst = self.env.path("copy.db")
        res = self.env.run("--db", other, "migrate", "--from", self.src, "--to", dst)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertFalse(os.path.exists(other))

    def test_help_has_an_example(self):
        text = self.env.ok("migrate", "--help")
        for flag in ("--from", "--to", "--force"):
            self.assertIn(flag, text)
        self.assertIn("notify migrate --from", text)


class MigratePostgresTest(MigrateBase):

    def setUp(self):
        super().setUp()
        self.pg = shared_cluster_or_skip()

    def test_round_trip_through_postgresql(self):
        url = self.pg.create_database()
        before = self.view(self.src)
        res = self.migrate("--json", dst=url)
        self.assertEqual(res.returncode, 0, res.stderr)
        counts = json.loads(res.stdout)
        expected = {t: len(rows) for t, rows in self.table_rows(self.src).items()}
        self.assertEqual(counts, expected)
        back = self.env.path("back.db")
        res = self.migrate(src=url, dst=back)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertRegex(res.stdout, r"^migrated \d+ notifications, \d+ events, 2 schedules, "
                                     r"2 users from postgresql://\S+ to " + re.escape(back) + "\n$")
        self.assertEqual(self.table_rows(back), self.table_rows(self.src))
        self.assertEqual(self.view(back), before)

    def test_the_database_serves_the_copy_and_new_ids_follow_the_copied_ones(self):
        url = self.pg.create_database()
        before = self.view(self.src)
        self.assertEqual(self.migrate(dst=url).returncode, 0)
        self.assertEqual(self.view(url), before)
        new_id = int(self.env.ok("--db", url, "send", "--channel", "email", "--to",
                                 "z@example.com", "--body", "after").strip())
        self.assertGreater(new_id, max(self.ids))
        again = self.env.ok("--db", url, "send", "--channel", "email", "--to", "ops@example.com",
                            "--body", "hello", "--event-id", "nightly-1")
        self.assertEqual(int(again.strip()), self.ids[1])

    def test_a_database_that_holds_rows_exits_65(self):
        url = self.pg.create_database()
        self.assertEqual(self.migrate(dst=url).returncode, 0)
        res = self.migrate(dst=url)
        line = self.assert_error_output(res, 65)
        self.assertIn("not empty", line)

    def test_same_url_exits_64(self):
        url = self.pg.create_database()
        res = self.env.run("migrate", "--from", url, "--to", url)
        self.assert_error_output(res, 64)

    def test_the_summary_hides_the_password(self):
        url = self.pg.create_database()
        with_password = url.replace("postgresql://notify@", "postgresql://notify:s3cret@")
        res = self.migrate(dst=with_password)
        self.assertEqual(res.returncode, 0, res.stderr)  # trust authentication ignores it
        self.assertNotIn("s3cret", res.stdout + res.stderr)


if __name__ == "__main__":
    unittest.main()
