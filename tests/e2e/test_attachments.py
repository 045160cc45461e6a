"""notify send --attach: files read at enqueue, kept in the store until sent, limits and
errors (README "Attachments"). Delivery through real providers is in
test_providers_daemon.py."""

import base64
import json
import os
import unittest

from notify_env import NOTIFYD_BIN, NotifyTestCase


class AttachTest(NotifyTestCase):

    def write(self, name, data):
        path = self.env.path(name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_files_are_stored_and_shown_by_name_type_and_size(self):
        pdf = self.write("q3.pdf", b"%PDF-1.7\n\x00\xff" * 10)
        csv = self.write("rows.CSV", b"a,b\n1,2\n")
        nid = self.env.send("--subject", "Q3", "--attach", pdf, "--attach", csv)
        shown = self.env.show(nid)
        self.assertEqual(shown["attachments"], [
            {"filename": "q3.pdf", "content_type": "application/pdf", "size": 110,
             "stored": True},
            {"filename": "rows.CSV", "content_type": "text/csv", "size": 8, "stored": True},
        ])
        rows = self.env.sql("SELECT filename, content FROM attachments WHERE notification_id = ? "
                            "ORDER BY id", (nid,))
        self.assertEqual(rows, [("q3.pdf", b"%PDF-1.7\n\x00\xff" * 10),
                                ("rows.CSV", b"a,b\n1,2\n")])
        plain = self.env.ok("show", nid)
        self.assertIn("attachment: q3.pdf (application/pdf, 110 bytes)\n", plain)

    def test_relative_path_and_unknown_extension(self):
        self.write("blob.xyz", b"\x01\x02")
        nid = self.env.send("--attach", "blob.xyz")  # relative to the current directory
        self.assertEqual(self.env.show(nid)["attachments"][0]["content_type"],
                         "application/octet-stream")

    def test_bytes_dropped_after_sending_metadata_stays(self):
        pdf = self.write("q3.pdf", b"%PDF" + bytes(range(256)))
        nid = self.env.send("--subject", "Q3", "--attach", pdf)
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        shown = self.env.show(nid)
        self.assertEqual(shown["status"], "sent")
        self.assertEqual(shown["attachments"], [
            {"filename": "q3.pdf", "content_type": "application/pdf", "size": 260,
             "stored": False}])
        self.assertEqual(self.env.sql("SELECT count(*) FROM attachments WHERE content IS NOT "
                                      "NULL"), [(0,)])
        self.assertIn("(application/pdf, 260 bytes, dropped after sending)",
                      self.env.ok("show", nid))
        # The file provider records what was attached, not the bytes.
        delivered = self.env.delivered()
        self.assertEqual(delivered[0]["attachments"], [
            {"filename": "q3.pdf", "content_type": "application/pdf", "size": 260}])

    def test_purge_deletes_the_attachments(self):
        nid = self.env.send("--attach", self.write("a.txt", b"x"))
        self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(self.env.status(nid), "sent")
        self.env.sql("UPDATE notifications SET updated_at = 0")
        self.env.ok("purge", "--older-than", "1d")
        self.assertEqual(self.env.sql("SELECT count(*) FROM attachments"), [(0,)])

    def test_missing_file_is_an_io_error_and_writes_nothing(self):
        self.env.send()  # the store exists
        line = self.assert_fails(74, "send", "--channel", "email", "--to", "a@example.com",
                                 "--body", "x", "--attach", self.env.path("nope.pdf"))
        self.assertIn("--attach: cannot read", line)
        self.assertIn("nope.pdf", line)
        line = self.assert_fails(74, "send", "--channel", "email", "--to", "a@example.com",
                                 "--body", "x", "--attach", self.env.root)
        self.assertIn("is a directory", line)

    def test_unreadable_file_is_an_io_error(self):
        if os.geteuid() == 0:
            self.skipTest("root reads every file")
        path = self.write("secret.pdf", b"x")
        os.chmod(path, 0)
        self.env.send()
        self.assert_fails(74, "send", "--channel", "email", "--to", "a@example.com", "--body",
                          "x", "--attach", path)

    def test_over_the_cap_is_a_data_error_with_a_hint(self):
        self.env.write_config("delivery:\n  attachment_max_bytes: 1000\n")
        self.env.send()
        a = self.write("a.bin", b"a" * 600)
        b = self.write("b.bin", b"b" * 600)
        self.env.send("--attach", a)  # 600 fits
        with self.assert_store_unchanged():
            res = self.env.run("send", "--channel", "email", "--to", "a@example.com", "--body",
                               "x", "--attach", a, "--attach", b)
        line = self.assert_error_output(res, 65)
        self.assertEqual(line, f"notify: --attach: {b} brings the attachments to 1200 bytes "
                               "(1.2 KiB), over the limit of 1000 bytes")
        self.assertIn("delivery.attachment_max_bytes", res.stderr)

    def test_default_cap_is_ten_mib_and_shown_by_config_show(self):
        shown = self.env.ok("config", "show")
        self.assertIn("delivery.attachment_max_bytes = 10485760  # default\n", shown)
        big = self.write("big.bin", b"\0" * (10 * 1024 * 1024 + 1))
        self.env.send()
        self.assert_fails(65, "send", "--channel", "email", "--to", "a@example.com", "--body",
                          "x", "--attach", big)

    def test_cap_zero_turns_attachments_off(self):
        self.env.write_config("delivery:\n  attachment_max_bytes: 0\n")
        self.env.send()
        line = self.assert_fails(65, "send", "--channel", "email", "--to", "a@example.com",
                                 "--body", "x", "--attach", self.write("a.txt", b"x"))
        self.assertIn("attachments are turned off", line)

    def test_non_email_channel_is_a_usage_error(self):
        self.env.send()
        line = self.assert_fails(64, "send", "--channel", "sms", "--to", "+14155550123",
                                 "--body", "x", "--attach", self.write("a.txt", b"x"))
        self.assertEqual(line, "notify: --attach applies to the email channel, not sms")

    def test_schedules_take_no_attachments(self):
        res = self.env.run("schedule", "add", "nightly", "--cron", "@daily", "--channel",
                           "email", "--to", "a@example.com", "--body", "x", "--attach", "a.txt")
        self.assert_error_output(res, 64)

    def test_preview_renders_the_attachment_and_enqueues_nothing(self):
        path = self.write("a.txt", b"hello")
        out = self.env.json("preview", "--channel", "email", "--to", "a@example.com", "--body",
                            "x", "--attach", path)
        payload = json.loads(out[0]["payload"])
        self.assertEqual(payload["attachments"], [
            {"filename": "a.txt", "content_type": "text/plain", "size": 5}])
        self.assertFalse(os.path.exists(self.env.db_path))

    def test_import_lines_take_an_attach_array(self):
        self.write("a.pdf", b"%PDF-a")
        self.write("b.png", b"\x89PNG")
        lines = [
            {"channel": "email", "to": "a@example.com", "body": "x",
             "attach": ["a.pdf", "b.png"]},
            {"channel": "email", "to": "b@example.com", "body": "y"},
        ]
        path = self.write("in.ndjson", "\n".join(json.dumps(x) for x in lines).encode())
        summary = self.env.json("import", path)
        self.assertEqual(summary["enqueued"], 2)
        rows = self.env.sql("SELECT n.recipient, a.filename, a.content_type, a.content FROM "
                            "attachments a JOIN notifications n ON n.id = a.notification_id "
                            "ORDER BY a.id")
        self.assertEqual(rows, [("a@example.com", "a.pdf", "application/pdf", b"%PDF-a"),
                                ("a@example.com", "b.png", "image/png", b"\x89PNG")])

    def test_import_attach_must_be_an_array_of_paths(self):
        path = self.write("in.ndjson", json.dumps(
            {"channel": "email", "to": "a@example.com", "body": "x", "attach": "a.pdf"}).encode())
        self.env.send()
        res = self.env.run("import", path)
        self.assertEqual(res.returncode, 65, res.stderr)
        self.assertIn("field \"attach\" must be an array of file paths", res.stderr)

    def test_a_notification_with_files_is_never_merged_into_a_digest(self):
        self.env.write_config("categories:\n  orders:\n    digest: {window: 1h, channels: "
                              "[email]}\n")
        self.env.ok("user", "add", "alice", "--email", "alice@example.com")
        path = self.write("invoice.pdf", b"%PDF-invoice")
        ids = []
        for i, extra in enumerate([[], ["--attach", path], []]):
            ids.append(int(self.env.ok("send", "--user", "alice", "--channel", "email",
                                       "--category", "orders", "--subject", f"Order {i}",
                                       "--body", "x", "--data", f"url=https://shop.example/{i}",
                                       "--at", "2020-01-01T00:30:00Z", *extra)))
        res = self.env.run("dispatch", "--once")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.env.status(ids[1]), "sent")
        self.assertEqual([self.env.status(i) for i in (ids[0], ids[2])],
                         ["suppressed", "suppressed"])  # merged into the digest
        with_files = [d for d in self.env.delivered() if "attachments" in d]
        self.assertEqual(len(self.env.delivered()), 2)
        self.assertEqual(with_files[0]["subject"], "Order 1")
        self.assertEqual(with_files[0]["attachments"][0]["filename"], "invoice.pdf")

    def test_exec_provider_gets_the_bytes_in_base64(self):
        script = self.write("provider.sh", b"#!/bin/sh\ncat > \"$0.in\"\n")
        os.chmod(script, 0o755)
        self.env.write_config(f"providers:\n  script:\n    type: exec\n    command: [{script}]\n"
                              "channels:\n  email: [script]\n")
        nid = self.env.send("--attach", self.write("a.bin", b"\x00\x01\xfe\xff"))
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(self.env.status(nid), "sent")
        with open(script + ".in", encoding="utf-8") as f:
            got = json.loads(f.read())
        self.assertEqual(got["attachments"], [
            {"filename": "a.bin", "content_type": "application/octet-stream", "size": 4,
             "content": base64.b64encode(b"\x00\x01\xfe\xff").decode()}])


if __name__ == "__main__":
    unittest.main()
