"""notify send: what it prints and what it stores (CONTRACT.md "Enqueue")."""

import os
import stat
import time
import unittest

from notify_env import NotifyTestCase, parse_time


class SendTest(NotifyTestCase):

    def test_prints_one_id_and_stores_a_queued_row(self):
        out = self.env.ok("send", "--channel", "email", "--to", "ops@example.com",
                          "--subject", "Backup", "--body", "done")
        self.assertRegex(out, r"^[1-9][0-9]*\n$")
        nid = int(out)
        rows = self.env.sql("SELECT status, channel, recipient, subject, body FROM notifications "
                            "WHERE id = ?", (nid,))
        self.assertEqual(rows, [("queued", "email", "ops@example.com", "Backup", "done")])

    def test_ids_are_new_each_time(self):
        ids = [self.env.send(body=f"n{i}") for i in range(3)]
        self.assertEqual(len(set(ids)), 3)
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(self.env.count(), 3)

    def test_store_created_on_first_use_with_mode_0600(self):
        self.assertFalse(os.path.exists(self.env.db_path))
        self.env.send()
        mode = stat.S_IMODE(os.stat(self.env.db_path).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))

    def test_db_flag_and_env_choose_the_store(self):
        flag_db = self.env.path("flag.db")
        env_db = self.env.path("env.db")
        self.env.ok("--db", flag_db, "send", "--channel", "email", "--to", "a@example.com",
                    "--body", "x")
        self.env.ok("send", "--channel", "email", "--to", "b@example.com", "--body", "y",
                    env={"NOTIFY_DB": env_db})
        self.assertFalse(os.path.exists(self.env.db_path))
        self.assertEqual(self.env.sql("SELECT recipient FROM notifications", db=flag_db),
                         [("a@example.com",)])
        self.assertEqual(self.env.sql("SELECT recipient FROM notifications", db=env_db),
                         [("b@example.com",)])

    def test_store_path_from_config(self):
        db = self.env.path("configured.db")
        self.env.write_config(f"store:\n  path: {db}\n")
        self.env.send()
        self.assertTrue(os.path.exists(db))
        self.assertFalse(os.path.exists(self.env.db_path))

    def test_in_duration_makes_it_scheduled(self):
        before = time.time()
        nid = self.env.send("--in", "1h30m")
        after = time.time()
        j = self.env.show(nid)
        self.assertEqual(j["status"], "scheduled")
        due = parse_time(j["due_at"])
        self.assertGreaterEqual(due, int(before) + 5400 - 1)
        self.assertLessEqual(due, after + 5400 + 1)

    def test_in_days(self):
        nid = self.env.send("--in", "1d")
        j = self.env.show(nid)
        self.assertAlmostEqual(parse_time(j["due_at"]) - parse_time(j["created_at"]), 86400,
                               delta=2)

    def test_at_rfc3339(self):
        nid = self.env.send("--at", "2030-01-02T03:04:05Z")
        self.assertEqual(self.env.show(nid)["due_at"], "2030-01-02T03:04:05Z")

    def test_at_rfc3339_with_offset_is_stored_in_utc(self):
        nid = self.env.send("--at", "2030-01-02T03:04:05+02:00")
        self.assertEqual(self.env.show(nid)["due_at"], "2030-01-02T01:04:05Z")

    @unittest.skipUnless(os.path.exists("/usr/share/zoneinfo/Europe/Berlin"), "no tzdata")
    def test_at_local_time_uses_tz(self):
        nid = self.env.send("--at", "2030-01-02 03:04")
        self.assertEqual(self.env.show(nid)["due_at"], "2030-01-02T03:04:00Z")
        res = self.env.run("send", "--channel", "email", "--to", "a@example.com", "--body", "x",
                           "--at", "2030-07-02 03:04:05", env={"TZ": "Europe/Berlin"})
        self.assertEqual(res.returncode, 0, res.stderr)
        # CEST is UTC+2 in July.
        self.assertEqual(self.env.show(int(res.stdout))["due_at"], "2030-07-02T01:04:05Z")

    def test_default_is_due_now(self):
        nid = self.env.send()
        j = self.env.show(nid)
        self.assertEqual(j["status"], "queued")
        self.assertLessEqual(abs(parse_time(j["due_at"]) - time.time()), 60)

    def test_body_from_stdin(self):
        text = "line one\nline two ü\n"
        nid = self.env.send(body="-", input=text)
        self.assertEqual(self.env.show(nid)["body"], text)

    def test_title_only_is_enough_content(self):
        nid = self.env.send("--title", "Ping", channel="push", to="a" * 64, body=None)
        j = self.env.show(nid)
        self.assertEqual((j["title"], j["body"]), ("Ping", None))

    def test_data_pairs_json_and_file_merge(self):
        data_file = self.env.path("data.json")
        with open(data_file, "w") as f:
            f.write('{"a": "from-file", "b": "from-file", "n": 1}')
        nid = self.env.send("--data-file", data_file, "--data-json", '{"b": "from-json", "c": [1]}',
                            "--data", "c=from-pair", "--data", "d=x=y")
        self.assertEqual(self.env.show(nid)["data"],
                         {"a": "from-file", "b": "from-json", "c": "from-pair", "d": "x=y", "n": 1})

    def test_priority_user_and_ttl_recorded(self):
        nid = self.env.send("--priority", "high", "--user", "u-42", "--ttl", "10m",
                            "--at", "2030-01-01T00:00:00Z")
        j = self.env.show(nid)
        self.assertEqual(j["priority"], "high")
        self.assertEqual(j["user"], "u-42")
        self.assertEqual(j["expires_at"], "2030-01-01T00:10:00Z")

    def test_default_priority_is_normal(self):
        self.assertEqual(self.env.show(self.env.send())["priority"], "normal")

    def test_recipients_are_normalised(self):
        phone = self.env.send(channel="sms", to="+1 (415) 555-0123")
        mail = self.env.send(channel="email", to="Ops@Example.COM")
        self.assertEqual(self.env.show(phone)["to"], "+14155550123")
        self.assertEqual(self.env.show(mail)["to"], "Ops@example.com")

    def test_national_numbers_use_the_configured_default_region(self):
        self.env.write_config("audience:\n  default_region: DE\n")
        phone = self.env.send(channel="sms", to="030 123456")
        self.assertEqual(self.env.show(phone)["to"], "+4930123456")
        other = self.env.send(channel="sms", to="+1 (415) 555-0123")
        self.assertEqual(self.env.show(other)["to"], "+14155550123")

    def test_idn_email_domains_are_stored_as_a_labels(self):
        mail = self.env.send(channel="email", to="info@b\u00fccher.example")
        self.assertEqual(self.env.show(mail)["to"], "info@xn--bcher-kva.example")

    def test_event_id_dedups(self):
        first = self.env.send("--event-id", "nightly-2030-01-01")
        again = self.env.ok("send", "--channel", "email", "--to", "ops@example.com",
                            "--body", "other", "--event-id", "nightly-2030-01-01")
        self.assertEqual(again, f"{first}\n")
        self.assertEqual(self.env.count(), 1)
        self.assertEqual(self.env.show(first)["body"], "hello")
        other = self.env.send("--event-id", "nightly-2030-01-02")
        self.assertNotEqual(other, first)
        self.assertEqual(self.env.count(), 2)

    def test_event_id_dedup_json_marks_duplicate(self):
        first = self.env.json("send", "--channel", "email", "--to", "a@example.com",
                              "--body", "x", "--event-id", "k")
        second = self.env.json("send", "--channel", "email", "--to", "a@example.com",
                               "--body", "x", "--event-id", "k")
        self.assertEqual([r["id"] for r in first], [r["id"] for r in second])
        self.assertEqual([r.get("event_id") for r in second], ["k"])
        self.assertEqual(self.env.count(), 1)

    def test_every_default_channel_accepts_a_send(self):
        cases = {"email": "a@example.com", "sms": "+14155550123", "push": "f" * 64,
                 "webhook": "https://127.0.0.1:8080/in", "slack": "https://hooks.example.com/services/T0/B0/x"}
        for channel, to in cases.items():
            with self.subTest(channel=channel):
                res = self.env.run("send", "--channel", channel, "--to", to, "--body", "x")
                self.assertEqual(res.returncode, 0, res.stderr)
                self.assertEqual(res.stderr, "")

    def test_send_is_quiet_on_stderr(self):
        res = self.env.run("send", "--channel", "email", "--to", "a@example.com", "--body", "x")
        self.assertEqual((res.returncode, res.stderr), (0, ""))

    def test_version_and_help(self):
        self.assertRegex(self.env.ok("--version"), r"^notify \d+\.\d+\.\d+")
        help_text = self.env.ok("--help")
        for command in ("send", "ls", "show", "cancel", "retry", "hold", "release", "purge",
                        "stats", "dispatch"):
            self.assertIn(command, help_text)
        self.assertIn("--at", self.env.ok("send", "--help"))


if __name__ == "__main__":
    unittest.main()
