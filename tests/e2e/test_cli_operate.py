"""Inspect and operate: ls, show, cancel, retry, hold, release, purge, stats."""

import unittest

from notify_env import NotifyTestCase, STATUSES


class OperateTest(NotifyTestCase):

    def ls_ids(self, *args):
        res = self.env.run("ls", *args)
        self.assertIn(res.returncode, (0, 1), res.stderr)
        return [int(line.split("\t")[0]) for line in res.stdout.splitlines()]

    # --- ls -------------------------------------------------------------------------------
    def test_ls_plain_lines(self):
        a = self.env.send(channel="email", to="a@example.com")
        b = self.env.send("--in", "1h", channel="sms", to="+14155550123")
        out = self.env.ok("ls")
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        fields = [line.split("\t") for line in lines]
        self.assertEqual([len(f) for f in fields], [7, 7])
        self.assertEqual(fields[0][:4], [str(a), "queued", "email", "a@example.com"])
        self.assertEqual(fields[1][:4], [str(b), "scheduled", "sms", "+14155550123"])
        self.assertEqual((fields[0][5], fields[0][6]), ("0", "-"))

    def test_ls_alias_list(self):
        self.env.send()
        self.assertEqual(self.env.ok("list"), self.env.ok("ls"))

    def test_ls_filters(self):
        a = self.env.send(channel="email", to="a@example.com")
        b = self.env.send("--user", "u1", channel="sms", to="+14155550123")
        c = self.env.send("--in", "2h", "--user", "u1")
        self.assertEqual(self.ls_ids("--status", "queued"), [a, b])
        self.assertEqual(self.ls_ids("--status", "scheduled"), [c])
        self.assertEqual(self.ls_ids("--channel", "sms"), [b])
        self.assertEqual(self.ls_ids("--user", "u1"), [b, c])
        self.assertEqual(self.ls_ids("--limit", "2"), [a, b])
        self.assertEqual(self.ls_ids("--user", "u1", "--channel", "email"), [c])

    def test_ls_nothing_matched_exits_1_silently(self):
        self.env.send()
        res = self.env.run("ls", "--status", "dead")
        self.assertEqual((res.returncode, res.stdout, res.stderr), (1, "", ""))

    def test_ls_empty_store_exits_1(self):
        res = self.env.run("ls")
        self.assertEqual((res.returncode, res.stdout), (1, ""))

    # --- show -----------------------------------------------------------------------------
    def test_show_plain(self):
        nid = self.env.send("--subject", "Disk", body="full", to="a@example.com")
        out = self.env.ok("show", nid)
        self.assertIn(f"id: {nid}\n", out)
        self.assertIn("status: queued\n", out)
        self.assertIn("to: a@example.com\n", out)
        self.assertIn("subject: Disk\n", out)
        self.assertIn("body: full\n", out)
        self.assertIn("events:\n", out)

    def test_show_several_ids_json_is_array(self):
        a, b = self.env.send(), self.env.send()
        j = self.env.json("show", a, b)
        self.assertEqual([x["id"] for x in j], [a, b])

    def test_show_missing_id_exits_1(self):
        a = self.env.send()
        res = self.env.run("show", a + 100)
        self.assertEqual(res.returncode, 1)
        self.assertIn(str(a + 100), res.stderr)
        self.assertTrue(res.stderr.startswith("notify: "), res.stderr)

    # --- cancel / hold / release / retry ----------------------------------------------------
    def test_cancel(self):
        a, b = self.env.send(), self.env.send()
        self.assertEqual(self.env.ok("cancel", a), f"{a}\n")
        self.assertEqual(self.env.status(a), "cancelled")
        self.assertEqual(self.env.status(b), "queued")
        self.assertIn("cancelled", [e["type"] for e in self.env.show(a)["events"]])

    def test_cancel_scheduled_retrying_held(self):
        s = self.env.send("--in", "1h")
        h = self.env.send()
        self.env.ok("hold", h)
        self.env.ok("cancel", s, h)
        self.assertEqual((self.env.status(s), self.env.status(h)), ("cancelled", "cancelled"))

    def test_cancelled_is_not_dispatched(self):
        a, b = self.env.send(body="keep"), self.env.send(body="drop")
        self.env.ok("cancel", b)
        self.env.ok("dispatch", "--once")
        self.assertEqual([m["id"] for m in self.env.delivered()], [a])

    def test_cancel_sent_is_refused(self):
        a = self.env.send()
        self.env.ok("dispatch", "--once")
        self.assertEqual(self.env.status(a), "sent")
        with self.assert_store_unchanged():
            res = self.env.run("cancel", a)
        self.assertEqual(res.returncode, 1)
        self.assertIn("sent", res.stderr)
        self.assertEqual(res.stdout, "")

    def test_hold_and_release(self):
        a = self.env.send()
        self.assertEqual(self.env.ok("hold", a), f"{a}\n")
        self.assertEqual(self.env.status(a), "held")
        self.env.ok("dispatch", "--once")
        self.assertEqual(self.env.status(a), "held")
        self.assertEqual(self.env.delivered(), [])
        self.assertEqual(self.env.ok("release", a), f"{a}\n")
        self.assertEqual(self.env.status(a), "queued")
        self.env.ok("dispatch", "--once")
        self.assertEqual(self.env.status(a), "sent")
        self.assertEqual([m["id"] for m in self.env.delivered()], [a])

    def test_release_of_scheduled_returns_to_scheduled(self):
        a = self.env.send("--in", "1h")
        self.env.ok("hold", a)
        self.env.ok("release", a)
        self.assertEqual(self.env.status(a), "scheduled")

    def test_release_not_held_is_refused(self):
        a = self.env.send()
        self.assert_fails(1, "release", a)

    def test_retry_cancelled_makes_it_due_now(self):
        a = self.env.send("--in", "1h")
        self.env.ok("cancel", a)
        self.assertEqual(self.env.ok("retry", a), f"{a}\n")
        self.assertEqual(self.env.status(a), "queued")
        self.env.ok("dispatch", "--once")
        self.assertEqual(self.env.status(a), "sent")

    def test_retry_scheduled_makes_it_due_now(self):
        a = self.env.send("--in", "1d")
        self.env.ok("retry", a)
        self.env.ok("dispatch", "--once")
        self.assertEqual(self.env.status(a), "sent")

    def test_retry_held_is_refused_with_hint(self):
        a = self.env.send()
        self.env.ok("hold", a)
        line = self.assert_fails(1, "retry", a)
        self.assertIn("release", line)

    def test_retry_sent_is_refused(self):
        a = self.env.send()
        self.env.ok("dispatch", "--once")
        self.assert_fails(1, "retry", a)

    def test_verbs_json(self):
        a, b = self.env.send(), self.env.send()
        j = self.env.json("hold", a, b)
        self.assertEqual([(x["id"], x["status"]) for x in j], [(a, "held"), (b, "held")])

    # --- ids on stdin ---------------------------------------------------------------------
    def test_ids_from_ls_on_stdin(self):
        a, b = self.env.send(), self.env.send()
        c = self.env.send("--in", "1h")
        queued = self.env.ok("ls", "--status", "queued")
        self.assertEqual(self.env.ok("cancel", "-", input=queued), f"{a}\n{b}\n")
        self.assertEqual([self.env.status(x) for x in (a, b, c)],
                         ["cancelled", "cancelled", "scheduled"])

    def test_stdin_skips_header_comments_and_blank_lines(self):
        a, b = self.env.send(), self.env.send()
        text = f"ID\tSTATUS\n# a comment\n\n  {a} queued\n{b}\n"
        self.assertEqual(self.env.ok("hold", "-", input=text), f"{a}\n{b}\n")

    def test_stdin_mixed_with_arguments(self):
        a, b, c = self.env.send(), self.env.send(), self.env.send()
        self.env.ok("hold", a, "-", input=f"{b}\n")
        self.assertEqual([self.env.status(x) for x in (a, b, c)], ["held", "held", "queued"])

    def test_stdin_bad_line_is_usage_error_naming_the_line(self):
        a = self.env.send()
        line = self.assert_fails(64, "cancel", "-", input=f"{a}\nbogus\n")
        self.assertIn("line 2", line)
        self.assertEqual(self.env.status(a), "queued")

    def test_stdin_empty_matches_nothing(self):
        # `notify ls --status dead | notify retry -` with no dead rows: nothing matched.
        self.env.send()
        line = self.assert_fails(1, "cancel", "-", input="")
        self.assertIn("stdin", line)
        self.assert_fails(1, "cancel", "-", input="ID\tSTATUS\n# nothing\n")

    def test_no_ids_at_all_is_usage_error(self):
        self.env.send()
        self.assert_fails(64, "cancel")

    # --- all or nothing -------------------------------------------------------------------
    def test_all_or_nothing_missing_id(self):
        a, b = self.env.send(), self.env.send()
        missing = b + 1000
        line = self.assert_fails(1, "cancel", a, b, missing)
        self.assertIn(str(missing), line)
        self.assertEqual((self.env.status(a), self.env.status(b)), ("queued", "queued"))

    def test_all_or_nothing_wrong_state(self):
        a = self.env.send()
        self.env.ok("dispatch", "--once")
        b = self.env.send()
        line = self.assert_fails(1, "hold", b, a)
        self.assertIn(str(a), line)
        self.assertEqual(self.env.status(b), "queued")

    def test_all_or_nothing_via_stdin(self):
        a, b = self.env.send(), self.env.send()
        self.assert_fails(1, "hold", "-", input=f"{a}\n{b}\n{b + 50}\n")
        self.assertEqual((self.env.status(a), self.env.status(b)), ("queued", "queued"))

    def test_several_missing_ids_all_named(self):
        a = self.env.send()
        with self.assert_store_unchanged():
            res = self.env.run("cancel", a, a + 10, a + 20)
        self.assertEqual((res.returncode, res.stdout), (1, ""))
        self.assertIn(str(a + 10), res.stderr)
        self.assertIn(str(a + 20), res.stderr)
        self.assertEqual(self.env.status(a), "queued")

    def test_same_id_twice_acts_once(self):
        a = self.env.send()
        self.env.ok("cancel", a, a)
        events = [e["type"] for e in self.env.show(a)["events"]]
        self.assertEqual(events.count("cancelled"), 1)

    # --- purge ----------------------------------------------------------------------------
    def age(self, nid, days):
        self.env.sql("UPDATE notifications SET updated_at = updated_at - ? WHERE id = ?",
                     (days * 86400 * 1000, nid))

    def test_purge_older_than(self):
        old_sent, new_sent, old_cancelled = (self.env.send() for _ in range(3))
        self.env.ok("cancel", old_cancelled)
        self.env.ok("dispatch", "--once")  # sends old_sent and new_sent
        old_queued = self.env.send()
        for nid in (old_sent, old_cancelled, old_queued):
            self.age(nid, 10)
        self.assertEqual(self.env.ok("purge", "--older-than", "7d"), "2\n")
        remaining = set(self.ls_ids())
        self.assertNotIn(old_sent, remaining)
        self.assertNotIn(old_cancelled, remaining)
        self.assertIn(new_sent, remaining)
        self.assertIn(old_queued, remaining)  # not finished: never purged
        # attempts and events of purged rows go too
        self.assertEqual(self.env.sql("SELECT count(*) FROM events WHERE notification_id IN "
                                      "(?, ?)", (old_sent, old_cancelled)), [(0,)])
        self.assertEqual(self.env.ok("purge", "--older-than", "7d"), "0\n")

    def test_purge_by_status(self):
        s, c = self.env.send(), self.env.send()
        self.env.ok("cancel", c)
        self.env.ok("dispatch", "--once")
        self.age(s, 3)
        self.age(c, 3)
        self.assertEqual(self.env.json("purge", "--older-than", "1d", "--status", "cancelled"),
                         {"purged": 1})
        self.assertEqual(self.ls_ids(), [s])

    def test_purge_refuses_unfinished_status(self):
        self.env.send()
        self.assert_fails(64, "purge", "--older-than", "1d", "--status", "queued")

    def test_purge_requires_older_than(self):
        self.env.send()
        self.assert_fails(64, "purge")

    # --- stats ----------------------------------------------------------------------------
    def test_stats_plain(self):
        self.env.send(channel="email", to="a@example.com")
        self.env.send(channel="email", to="a@example.com")
        self.env.send("--in", "1h", channel="sms", to="+14155550123")
        c = self.env.send()
        self.env.ok("cancel", c)
        lines = self.env.ok("stats").splitlines()
        self.assertEqual([ln.split()[1] for ln in lines if ln.startswith("status ")],
                         list(STATUSES))
        self.assertIn("status queued 2", lines)
        self.assertIn("status scheduled 1", lines)
        self.assertIn("status cancelled 1", lines)
        self.assertIn("status sent 0", lines)
        self.assertIn("channel email queued 2", lines)
        self.assertIn("channel sms scheduled 1", lines)
        self.assertIn("total 4", lines)
        self.assertIn("due_now 2", lines)
        self.assertTrue(any(ln.startswith("oldest_due_age ") for ln in lines), lines)

    def test_stats_empty_store(self):
        lines = self.env.ok("stats").splitlines()
        self.assertIn("total 0", lines)
        self.assertIn("due_now 0", lines)
        self.assertIn("oldest_due_age -", lines)

    def test_stats_oldest_due_age(self):
        nid = self.env.send()
        self.env.sql("UPDATE notifications SET due_at = due_at - 3600000 WHERE id = ?", (nid,))
        j = self.env.json("stats")
        self.assertGreaterEqual(j["oldest_due_age_seconds"], 3600)
        self.assertLess(j["oldest_due_age_seconds"], 3600 + 120)


if __name__ == "__main__":
    unittest.main()
