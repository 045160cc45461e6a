"""Every exit code of the contract that this build can produce, with the error shape:
stderr one line "notify: ..." (plus two-space hints), nothing on stdout, the store unchanged."""

import os
import sqlite3
import unittest

from notify_env import NotifyTestCase

SEND = ("send", "--channel", "email", "--to", "ops@example.com", "--body", "hello")


class ErrorTestBase(NotifyTestCase):

    def setUp(self):
        super().setUp()
        # A store with one row, so "unchanged" compares something real.
        self.existing = self.env.send()
        self.assertIsNotNone(self.env.dump_db())


class ExitZeroAndOneTest(ErrorTestBase):

    def test_exit_0(self):
        res = self.env.run(*SEND)
        self.assertEqual((res.returncode, res.stderr), (0, ""))

    def test_exit_1_show_missing(self):
        line = self.assert_fails(1, "show", self.existing + 1)
        self.assertIn(str(self.existing + 1), line)

    def test_exit_1_cancel_missing(self):
        line = self.assert_fails(1, "cancel", self.existing + 1)
        self.assertIn(f"no notification {self.existing + 1}", line)

    def test_exit_1_filter_with_no_rows(self):
        with self.assert_store_unchanged():
            res = self.env.run("ls", "--channel", "sms")
        self.assertEqual((res.returncode, res.stdout, res.stderr), (1, "", ""))


class UsageTest(ErrorTestBase):
    """Exit 64."""

    def test_unknown_flag(self):
        line = self.assert_fails(64, *SEND, "--bogus")
        self.assertIn("--bogus", line)

    def test_unknown_global_flag(self):
        self.assert_fails(64, "--frobnicate", "ls")

    def test_unknown_command_did_you_mean(self):
        line = self.assert_fails(64, "sned", "--to", "x")
        self.assertIn('"sned"', line)
        self.assertIn('did you mean "send"', line)

    def test_unknown_command_did_you_mean_after_global_option(self):
        line = self.assert_fails(64, "--db", self.env.db_path, "stast")
        self.assertIn('did you mean "stats"', line)

    def test_no_command(self):
        self.assert_fails(64)

    def test_missing_option_value(self):
        self.assert_fails(64, "send", "--to", "ops@example.com", "--body", "x", "--channel")

    def test_missing_to(self):
        line = self.assert_fails(64, "send", "--channel", "email", "--body", "x")
        self.assertIn("--to", line)

    def test_missing_channel(self):
        line = self.assert_fails(64, "send", "--to", "ops@example.com", "--body", "x")
        self.assertIn("--channel", line)

    def test_nothing_to_send(self):
        self.assert_fails(64, "send", "--channel", "email", "--to", "ops@example.com")

    def test_bad_times(self):
        for text in ("tomorrow", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z",
                     "2030-01-01 25:00", "2030-01-01T00:00:00", "", "12:00"):
            with self.subTest(at=text):
                line = self.assert_fails(64, *SEND, "--at", text)
                self.assertIn("--at", line)

    def test_bad_durations(self):
        for flag in ("--in", "--ttl"):
            for text in ("5x", "soon", "-5m", "0s", "", "1h30", "200y"):
                with self.subTest(flag=flag, duration=text):
                    line = self.assert_fails(64, *SEND, flag, text)
                    self.assertIn(flag, line)

    def test_bad_purge_duration(self):
        line = self.assert_fails(64, "purge", "--older-than", "soon")
        self.assertIn("--older-than", line)

    def test_at_and_in_together(self):
        self.assert_fails(64, *SEND, "--at", "2030-01-01T00:00:00Z", "--in", "5m")

    def test_bad_priority(self):
        line = self.assert_fails(64, *SEND, "--priority", "urgent")
        self.assertIn("urgent", line)

    def test_bad_data_pair(self):
        # A malformed KEY=VALUE is usage (64) or bad template data (65); either way nothing
        # is enqueued and the message names the pair.
        with self.assert_store_unchanged():
            res = self.env.run(*SEND, "--data", "no-equals-sign")
        self.assertIn(res.returncode, (64, 65), res.stderr)
        line = self.assert_error_output(res, res.returncode)
        self.assertIn("no-equals-sign", line)

    def test_empty_event_id(self):
        self.assert_fails(64, *SEND, "--event-id", "")

    def test_missing_ids(self):
        for verb in ("show", "cancel", "retry", "hold", "release"):
            with self.subTest(verb=verb):
                self.assert_fails(64, verb)

    def test_invalid_ids(self):
        for bad in ("abc", "0", "1.5", "12x", "99999999999999999999999"):
            with self.subTest(id=bad):
                line = self.assert_fails(64, "cancel", bad)
                self.assertIn(bad, line)

    def test_unknown_status_did_you_mean(self):
        line = self.assert_fails(64, "ls", "--status", "sen")
        self.assertIn('did you mean "sent"', line)

    def test_negative_limit(self):
        self.assert_fails(64, "ls", "--limit", "-1")

    # (Was a bug: the message printed DBL_MAX as a 300-digit number.)
    def test_negative_limit_message_is_readable(self):
        line = self.assert_fails(64, "ls", "--limit", "-1")
        self.assertLess(len(line), 200, line)

    def test_dispatch_without_once(self):
        self.assert_fails(64, "dispatch")

    def test_template_with_inline_content(self):
        self.assert_fails(64, "send", "--channel", "email", "--to", "ops@example.com",
                          "--template", "welcome", "--body", "x")


class DataTest(ErrorTestBase):
    """Exit 65."""

    def test_invalid_email(self):
        for bad in ("bad", "a@b", "@example.com", "a@", "a..b@example.com", "a b@example.com",
                    "a@-example.com"):
            with self.subTest(to=bad):
                line = self.assert_fails(65, "send", "--channel", "email", "--to", bad,
                                         "--body", "x")
                self.assertIn("email", line)

    def test_invalid_phone(self):
        for bad in ("12345", "+0123456789", "+1234", "+1415555012345678", "+1415abc0123"):
            with self.subTest(to=bad):
                line = self.assert_fails(65, "send", "--channel", "sms", "--to", bad,
                                         "--body", "x")
                self.assertIn("phone", line)

    def test_national_phone_without_default_region_hints_at_the_key(self):
        res = self.env.run("send", "--channel", "sms", "--to", "(415) 555-0123", "--body", "x")
        self.assert_error_output(res, 65)
        self.assertIn("no default region", res.stderr)
        self.assertIn("audience.default_region", res.stderr)

    def test_empty_recipient(self):
        self.assert_fails(65, "send", "--channel", "email", "--to", "", "--body", "x")

    def test_unknown_channel_did_you_mean(self):
        line = self.assert_fails(65, "send", "--channel", "emial", "--to", "ops@example.com",
                                 "--body", "x")
        self.assertIn('"emial"', line)
        self.assertIn('did you mean "email"', line)

    def test_bad_data_json(self):
        for bad in ("{x", "[1, 2]", '"text"', "42", ""):
            with self.subTest(data_json=bad):
                line = self.assert_fails(65, *SEND, "--data-json", bad)
                self.assertIn("--data-json", line)

    def test_data_file_not_an_object(self):
        path = self.env.path("list.json")
        with open(path, "w") as f:
            f.write("[1, 2, 3]")
        self.assert_fails(65, *SEND, "--data-file", path)

    def test_data_file_not_json(self):
        path = self.env.path("broken.json")
        with open(path, "w") as f:
            f.write("{not json")
        self.assert_fails(65, *SEND, "--data-file", path)


class IoTest(ErrorTestBase):
    """Exit 74."""

    def test_unreadable_data_file(self):
        missing = self.env.path("no-such-file.json")
        line = self.assert_fails(74, *SEND, "--data-file", missing)
        self.assertIn(missing, line)

    # Regression: `notify send ... --data-file /tmp` (a directory) exits 70 with
    # "notify: internal error: basic_filebuf::underflow error reading the file: Is a
    # directory" instead of 74 "--data-file: cannot read /tmp". The ifstream opens a
    # directory fine and the read throws std::ios_base::failure.
    def test_data_file_is_a_directory(self):
        directory = self.env.path("a-directory")
        os.mkdir(directory)
        line = self.assert_fails(74, *SEND, "--data-file", directory)
        self.assertNotIn("internal error", line)

    def corrupt(self, content):
        path = self.env.path("corrupt.db")
        with open(path, "wb") as f:
            f.write(content)
        return path

    def test_corrupt_db_garbage(self):
        path = self.corrupt(os.urandom(3) + b"this is not a database" * 400)
        for args in (SEND, ("ls",), ("stats",), ("cancel", "1")):
            with self.subTest(args=args[0]):
                line = self.assert_fails(74, "--db", path, *args, db=path)
                self.assertIn(path, line)

    def test_corrupt_db_at_default_path(self):
        with open(self.env.db_path, "wb") as f:
            f.write(b"garbage\n" * 1000)
        for name in ("notify.db-wal", "notify.db-shm"):
            p = os.path.join(os.path.dirname(self.env.db_path), name)
            if os.path.exists(p):
                os.unlink(p)
        self.assert_fails(74, *SEND)

    def test_corrupt_db_truncated_sqlite_header(self):
        with open(self.env.db_path, "rb") as f:
            head = f.read(100)
        path = self.corrupt(head + b"\xff" * 5000)
        self.assert_fails(74, "--db", path, *SEND, db=path)

    def test_db_is_a_directory(self):
        path = self.env.path("dir.db")
        os.mkdir(path)
        self.assert_fails(74, "--db", path, *SEND, db=path)
        self.assertEqual(os.listdir(path), [])

    def test_db_in_a_path_through_a_regular_file(self):
        blocker = self.env.path("blocker")
        with open(blocker, "w") as f:
            f.write("x")
        self.assert_fails(74, "--db", os.path.join(blocker, "sub", "notify.db"), *SEND)

    def test_sqlite_db_of_another_application(self):
        path = self.env.path("other.db")
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t (x)")
        con.execute("INSERT INTO t VALUES (1)")
        con.commit()
        con.close()
        line = self.assert_fails(74, "--db", path, *SEND, db=path)
        self.assertIn("not a notify store", line)

    def test_store_from_a_newer_version(self):
        self.env.sql("PRAGMA user_version = 999")
        line = self.assert_fails(74, *SEND)
        self.assertIn("999", line)


class TempFailTest(ErrorTestBase):
    """Exit 75: the store locked past the busy timeout."""

    def test_store_locked_past_busy_timeout(self):
        self.env.write_config("store:\n  busy_timeout: 200ms\n")
        with self.env.hold_write_lock():
            for args in (SEND, ("cancel", str(self.existing)), ("purge", "--older-than", "1s"),
                         ("hold", "-")):
                with self.subTest(args=args[0]):
                    line = self.assert_fails(75, *args, input=f"{self.existing}\n")
                    self.assertIn("locked", line)
        # Once the lock is gone the same command works.
        self.env.ok(*SEND)
        self.assertEqual(self.env.count(), 2)


class ConfigTest(ErrorTestBase):
    """Exit 78."""

    def test_unknown_key_with_file_line_and_did_you_mean(self):
        path = self.env.write_config("store:\n  busy_timeout: 1s\n  pathh: /tmp/x.db\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn(f"{path}:3", line)
        self.assertIn('"pathh"', line)
        self.assertIn('did you mean "path"', line)

    def test_unknown_default_region(self):
        path = self.env.write_config("audience:\n  default_region: us\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn(f"{path}:2", line)
        self.assertIn('audience.default_region: "us" is not a known region', line)
        self.assertIn('did you mean "US"', line)

    def test_unknown_top_level_key(self):
        path = self.env.write_config("provider:\n  x:\n    type: log\n")
        line = self.assert_fails(78, "ls")
        self.assertIn(f"{path}:1", line)
        self.assertIn('did you mean "providers"', line)

    def test_missing_secret_file(self):
        secret = "/nonexistent/notify-e2e/secret"
        path = self.env.write_config(
            f"providers:\n  out:\n    type: file\n    path: ${{file:{secret}}}\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn(f"{path}:4", line)
        self.assertIn(secret, line)

    def test_secret_value_not_leaked_in_errors(self):
        secret_file = self.env.path("secret")
        with open(secret_file, "w") as f:
            f.write("hunter2-s3cr3t\n")
        for yaml_text in (
                f"store:\n  busy_timeout: ${{file:{secret_file}}}\n",
                f"store:\n  durability: ${{file:{secret_file}}}\n",
                f"daemon:\n  batch: ${{file:{secret_file}}}\n",
                f"daemon:\n  poll_interval: ${{file:{secret_file}}}\n"):
            with self.subTest(config=yaml_text.split(":")[0:2]):
                self.env.write_config(yaml_text)
                res = self.env.run(*SEND)
                self.assert_error_output(res, 78)
                self.assertNotIn("hunter2", res.stderr)

    # Regression: a provider option whose value is a secret reference is echoed in the error:
    # `providers: {lg: {type: log, level: ${file:/path/secret}}}` fails with
    # `providers.lg.level: "hunter2-s3cr3t" is not one of info, warn, error` -- the secret's
    # content on stderr (and so in logs/journald). Other keys print ******** instead.
    def test_secret_value_not_leaked_in_provider_option_error(self):
        secret_file = self.env.path("secret")
        with open(secret_file, "w") as f:
            f.write("hunter2-s3cr3t\n")
        self.env.write_config(
            f"providers:\n  lg:\n    type: log\n    level: ${{file:{secret_file}}}\n")
        res = self.env.run(*SEND)
        self.assert_error_output(res, 78)
        self.assertNotIn("hunter2", res.stderr)

    def test_unset_env_reference(self):
        path = self.env.write_config(
            "providers:\n  out:\n    type: file\n    path: ${env:NOTIFY_E2E_UNSET}\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn(f"{path}:4", line)
        self.assertIn("NOTIFY_E2E_UNSET", line)

    def test_env_reference_resolves_when_set(self):
        out = self.env.path("via-env.jsonl")
        self.env.write_config(
            "providers:\n  out:\n    type: file\n    path: ${env:NOTIFY_E2E_OUT}\n"
            "channels:\n  email: [out]\n")
        env = {"NOTIFY_E2E_OUT": out}
        self.env.ok(*SEND, env=env)
        self.env.ok("dispatch", "--once", env=env)
        self.assertEqual(len(self.env.delivered(out)), 2)

    def test_config_flag_missing_file(self):
        missing = self.env.path("nope.yaml")
        line = self.assert_fails(78, "--config", missing, *SEND)
        self.assertIn(missing, line)

    def test_notify_config_env_missing_file(self):
        missing = self.env.path("nope.yaml")
        self.assert_fails(78, *SEND, env={"NOTIFY_CONFIG": missing})

    def test_yaml_syntax_error(self):
        path = self.env.write_config("store:\n  path: [unclosed\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn(path, line)

    def test_channel_naming_undefined_provider(self):
        self.env.write_config("channels:\n  email: [nosuch]\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn("nosuch", line)

    def test_unknown_provider_type(self):
        self.env.write_config("providers:\n  x:\n    type: fiel\n")
        line = self.assert_fails(78, *SEND)
        self.assertIn('did you mean "file"', line)

    def test_bad_value_shapes(self):
        for yaml_text in ("store:\n  busy_timeout: forever\n", "store:\n  durability: maybe\n",
                          "daemon:\n  batch: 0\n", "store: [1, 2]\n"):
            with self.subTest(config=yaml_text):
                self.env.write_config(yaml_text)
                self.assert_fails(78, *SEND)

    def test_config_error_shape_for_every_command(self):
        self.env.write_config("stor:\n  path: x\n")
        for args in (SEND, ("ls",), ("show", "1"), ("cancel", "1"), ("stats",),
                     ("purge", "--older-than", "1d"), ("dispatch", "--once")):
            with self.subTest(args=args[0]):
                self.assert_fails(78, *args)


if __name__ == "__main__":
    unittest.main()
