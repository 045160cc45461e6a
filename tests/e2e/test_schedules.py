"""Cron schedules end to end: `notify schedule add|ls|next|pause|resume|rm`, a schedule firing
through the real notifyd (once per slot, across a restart), and the catch-up policies after
downtime with `notify dispatch --once`."""

import datetime
import json
import signal
import time
import unittest

from notify_env import RFC3339_UTC, NotifyTestCase, parse_time, wait_for

SEND = ("--channel", "email", "--to", "ops@example.com", "--body", "tick")


def minute_floor(epoch_seconds):
    return int(epoch_seconds // 60) * 60


def rfc3339(epoch_seconds):
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class ScheduleTestCase(NotifyTestCase):

    def add(self, name, cron, *extra):
        return self.env.ok("schedule", "add", name, "--cron", cron, *extra, *SEND)

    def schedules(self):
        res = self.env.run("schedule", "ls", "--json")
        self.assertIn(res.returncode, (0, 1), res.stderr)
        return {s["name"]: s for s in json.loads(res.stdout or "[]")}

    def fired(self, name):
        """Notifications enqueued by schedule `name` (event id schedule:NAME:SLOT)."""
        res = self.env.run("ls", "--json", "--limit", "10000")
        self.assertIn(res.returncode, (0, 1), res.stderr)
        rows = json.loads(res.stdout or "[]")
        prefix = f"schedule:{name}:"
        return [r for r in rows if (r["event_id"] or "").startswith(prefix)]

    def slot_of(self, row, name):
        return row["event_id"][len(f"schedule:{name}:"):]

    def set_next_at(self, name, epoch_seconds):
        # The only direct write to the store in these tests: to get a next_at in the past
        # without waiting through real downtime, move it back as if the dispatcher had been
        # down since then. Everything else goes through `notify`.
        self.env.sql("UPDATE schedules SET next_at = ? WHERE name = ?",
                     (int(epoch_seconds * 1000), name))

    def dispatch_once(self):
        res = self.env.run("dispatch", "--once")
        self.assertEqual(res.returncode, 0, res.stderr)
        return res


class ScheduleCommandsTest(ScheduleTestCase):

    def test_add_next_ls_pause_resume_rm(self):
        before = time.time()
        out = self.add("tick", "* * * * *")
        name, next_at = out.rstrip("\n").split("\t")
        self.assertEqual(name, "tick")
        self.assertRegex(next_at, RFC3339_UTC)

        lines = self.env.ok("schedule", "next", "tick", "-n", "3").splitlines()
        self.assertEqual(len(lines), 3, lines)
        times = []
        for line in lines:
            self.assertRegex(line, RFC3339_UTC)
            self.assertTrue(line.endswith(":00Z"), f"{line} is not minute-aligned")
            times.append(parse_time(line))
        self.assertGreater(times[0], before - 1)
        self.assertLessEqual(times[0], time.time() + 60)
        self.assertEqual([b - a for a, b in zip(times, times[1:])], [60, 60])
        # `next` counts from its own now: a minute boundary passed since `add` moves it one slot.
        self.assertIn(times[0] - parse_time(next_at), (0, 60))

        # Plain ls: NAME STATE CRON TZ NEXT LAST CATCH_UP, tab-separated, one a line.
        ls = self.env.ok("schedule", "ls").splitlines()
        self.assertEqual(len(ls), 1, ls)
        cols = ls[0].split("\t")
        self.assertEqual(cols, ["tick", "active", "* * * * *", "UTC", next_at, "-", "one"])

        self.assertEqual(self.env.ok("schedule", "pause", "tick"), "tick\n")
        self.assertEqual(self.env.ok("schedule", "ls").split("\t")[1], "paused")
        self.assertTrue(self.schedules()["tick"]["paused"])
        before_resume = time.time()
        self.assertEqual(self.env.ok("schedule", "resume", "tick"), "tick\n")
        self.assertEqual(self.env.ok("schedule", "ls").split("\t")[1], "active")
        sc = self.schedules()["tick"]
        self.assertFalse(sc["paused"])
        # Resumed from the slot after the resume, not from one missed while paused (the clock
        # may pass that slot before this line runs: judge it against the resume's time).
        self.assertGreater(parse_time(sc["next_at"]), before_resume - 1)

        self.assertEqual(self.env.ok("schedule", "rm", "tick"), "tick\n")
        res = self.env.run("schedule", "ls")
        self.assertEqual((res.returncode, res.stdout), (1, ""))

    def test_missing_name_exits_1(self):
        self.add("present", "0 * * * *")
        for cmd in ("rm", "pause", "resume", "next"):
            with self.subTest(cmd=cmd):
                line = self.assert_fails(1, "schedule", cmd, "absent")
                self.assertIn('"absent"', line)
        # rm of several names where one is missing removes none.
        self.assert_fails(1, "schedule", "rm", "present", "absent")
        self.assertIn("present", self.schedules())

    def test_bad_cron_exits_64_naming_the_field(self):
        self.env.ok("send", *SEND)  # the store exists: assert_fails checks it is unchanged
        for cron, field in (("61 * * * *", "minute"), ("* 25 * * *", "hour"),
                            ("* * 0 * *", "day-of-month"), ("* * * 13 *", "month"),
                            ("* * * * 9", "day-of-week")):
            with self.subTest(cron=cron):
                line = self.assert_fails(64, "schedule", "add", "bad", "--cron", cron, *SEND)
                self.assertIn(field, line)
        self.assert_fails(64, "schedule", "add", "bad", "--cron", "* * * *", *SEND)

    def test_unknown_zone_exits_64(self):
        self.env.ok("send", *SEND)
        line = self.assert_fails(64, "schedule", "add", "mars", "--cron", "* * * * *",
                                 "--tz", "Mars/Base", *SEND)
        self.assertIn("Mars/Base", line)

    def test_duplicate_name_exits_65(self):
        self.add("dup", "* * * * *")
        line = self.assert_fails(65, "schedule", "add", "dup", "--cron", "0 7 * * *", *SEND)
        self.assertIn("dup", line)
        self.assertEqual(self.schedules()["dup"]["cron"], "* * * * *")


class ScheduleFiresThroughDaemonTest(ScheduleTestCase):

    def start(self):
        before = self.env.daemon_log().count("started:")
        proc = self.env.start_daemon()
        wait_for(lambda: self.env.daemon_log().count("started:") > before
                 or proc.poll() is not None, timeout=30, what="notifyd to start")
        self.assertIsNone(proc.poll(), "notifyd exited early:\n" + self.env.daemon_log())

    def test_slow_every_minute_schedule_fires_once_per_slot_across_restart(self):
        # Slow by nature: waits for the next minute boundary (<= 60 s). The only end-to-end
        # proof that a cron slot fires through notifyd.
        self.add("tick", "* * * * *")
        slot_expected = self.schedules()["tick"]["next_at"]
        self.start()
        rows = wait_for(lambda: [r for r in self.fired("tick") if r["status"] == "sent"],
                        timeout=90, interval=0.25,
                        what="the schedule to fire and be sent; log:\n" + self.env.daemon_log())
        self.assertEqual(len(rows), 1, rows)
        slot = self.slot_of(rows[0], "tick")
        self.assertEqual(slot, slot_expected)
        self.assertGreaterEqual(parse_time(rows[0]["created_at"]), parse_time(slot))
        sc = self.schedules()["tick"]
        self.assertEqual(sc["last_slot"], slot)
        self.assertEqual(parse_time(sc["next_at"]), parse_time(slot) + 60)

        # Restart within the same minute: the slot does not fire again.
        self.assertEqual(self.env.stop_daemon(), 0)
        self.start()
        time.sleep(2)  # past the daemon's startup pass and one maintenance interval (1 s)
        same_minute = time.time() < parse_time(slot) + 60
        rows = self.fired("tick")
        self.assertEqual(len([r for r in rows if self.slot_of(r, "tick") == slot]), 1, rows)
        if same_minute:
            self.assertEqual(len(rows), 1, rows)
        # Whatever else fired belongs to a later slot, each exactly once.
        slots = [self.slot_of(r, "tick") for r in rows]
        self.assertEqual(len(slots), len(set(slots)), slots)
        self.assertEqual(self.env.stop_daemon(signal.SIGTERM), 0)


class ScheduleCatchUpTest(ScheduleTestCase):

    def test_catch_up_one_fires_the_latest_missed_slot_only(self):
        self.add("tick", "* * * * *")
        self.set_next_at("tick", minute_floor(time.time()) - 600)
        started = time.time()
        lo = minute_floor(started)
        self.dispatch_once()
        hi = minute_floor(time.time())
        rows = self.fired("tick")
        self.assertEqual(len(rows), 1, rows)
        self.assertIn(self.slot_of(rows[0], "tick"), {rfc3339(lo), rfc3339(hi)})
        self.assertEqual(rows[0]["status"], "sent")
        # The next slot follows the pass (judged against its start: the clock may pass that
        # slot before this line runs).
        self.assertGreater(parse_time(self.schedules()["tick"]["next_at"]), started - 1)
        # A second pass does not fire that slot again (a later minute's slot may fire).
        first = self.slot_of(rows[0], "tick")
        self.dispatch_once()
        slots = [self.slot_of(r, "tick") for r in self.fired("tick")]
        self.assertEqual(slots.count(first), 1, slots)
        self.assertEqual(len(slots), len(set(slots)), slots)

    def test_catch_up_none_drops_missed_slots(self):
        # A daily slot 5 minutes ago (later than the 60 s on-time tolerance): dropped.
        missed = minute_floor(time.time()) - 300
        t = datetime.datetime.fromtimestamp(missed, datetime.timezone.utc)
        self.add("daily", f"{t.minute} {t.hour} * * *", "--tz", "UTC", "--catch-up", "none")
        self.set_next_at("daily", missed)
        self.dispatch_once()
        self.assertEqual(self.fired("daily"), [])
        next_at = parse_time(self.schedules()["daily"]["next_at"])
        self.assertGreater(next_at, time.time())
        self.assertEqual(next_at, missed + 86400)

    def test_catch_up_none_every_minute_does_not_replay(self):
        # Every minute, next_at 10 minutes back: the 9+ older slots are dropped. The slot of
        # the current minute is at most 60 s late, which the scheduler counts as on time
        # (k_on_time_tolerance, under every policy), so it may fire once.
        self.add("tick", "* * * * *", "--catch-up", "none")
        self.set_next_at("tick", minute_floor(time.time()) - 600)
        started = time.time()
        self.dispatch_once()
        rows = self.fired("tick")
        self.assertLessEqual(len(rows), 1, rows)
        for r in rows:
            self.assertGreater(parse_time(self.slot_of(r, "tick")), started - 61)
        self.assertGreater(parse_time(self.schedules()["tick"]["next_at"]), started - 1)

    def test_catch_up_none_daily_versus_one_daily(self):
        # The same 5-minute-old daily slot under catch_up one is replayed once.
        missed = minute_floor(time.time()) - 300
        t = datetime.datetime.fromtimestamp(missed, datetime.timezone.utc)
        self.add("daily", f"{t.minute} {t.hour} * * *", "--tz", "UTC")
        self.set_next_at("daily", missed)
        self.dispatch_once()
        rows = self.fired("daily")
        self.assertEqual([self.slot_of(r, "daily") for r in rows], [rfc3339(missed)])
        self.assertEqual(parse_time(self.schedules()["daily"]["next_at"]), missed + 86400)

    def test_catch_up_all_replays_every_missed_slot_once(self):
        self.add("tick", "* * * * *", "--catch-up", "all")
        start = minute_floor(time.time()) - 300
        self.set_next_at("tick", start)
        lo = minute_floor(time.time())
        self.dispatch_once()
        hi = minute_floor(time.time())
        rows = self.fired("tick")
        slots = sorted(parse_time(self.slot_of(r, "tick")) for r in rows)
        # Slots start, start+60, ..., up to the current minute: 6 (7 if a minute boundary
        # passed during the pass).
        self.assertGreaterEqual(len(slots), (lo - start) // 60 + 1, slots)
        self.assertLessEqual(len(slots), (hi - start) // 60 + 1, slots)
        self.assertIn(len(slots), (6, 7))
        self.assertEqual(slots, [start + 60 * i for i in range(len(slots))])
        self.assertTrue(all(r["status"] == "sent" for r in rows), rows)
        # Running again replays nothing already fired.
        self.dispatch_once()
        again = sorted(parse_time(self.slot_of(r, "tick")) for r in self.fired("tick"))
        self.assertEqual(len(again), len(set(again)))
        self.assertEqual(again[:len(slots)], slots)


if __name__ == "__main__":
    unittest.main()
