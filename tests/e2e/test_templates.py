"""Templates end to end: send --template renders per channel into the delivered message,
missing data is refused with 65 and nothing stored, and `notify template ls|show|check` on the
shipped templates and on a broken user template directory."""

import json
import os
import re
import unittest

from notify_env import NotifyTestCase, SOURCE_DIR

SHIPPED = os.path.join(SOURCE_DIR, "templates")
SHIPPED_NAMES = ("alert", "digest", "login-alert", "order-shipped", "password-reset",
                 "payment-failed", "weekly-digest", "welcome")

WELCOME_DATA = ["--data", "name=<Al & Bo>", "--data", "app_name=Acme",
                "--data", "login_url=https://app.example.com/login"]


class TemplateSendTest(NotifyTestCase):

    def deliver(self):
        self.env.ok("dispatch", "--once")
        return self.env.delivered()

    def test_email_renders_subject_text_and_escaped_html(self):
        nid = self.env.send("--template", "welcome", *WELCOME_DATA, body=None)
        shown = self.env.show(nid)
        self.assertEqual(shown["template"], "welcome")
        [m] = self.deliver()
        self.assertEqual(m["id"], nid)
        self.assertEqual(m["template"], "welcome")
        self.assertEqual(m["subject"], "Welcome to Acme, <Al & Bo>!")
        self.assertIn("Hello <Al & Bo>,", m["body"])
        self.assertIn("https://app.example.com/login", m["body"])
        self.assertIn("please do not reply", m["body"])  # the footer partial
        self.assertIn("<p>Hello &lt;Al &amp; Bo&gt;,</p>", m["data"]["html"])
        self.assertNotIn("name", m["data"])  # the template data is not stored

    def test_sms_is_plain_text(self):
        self.env.send("--template", "welcome", *WELCOME_DATA, channel="sms",
                      to="+14155550123", body=None)
        [m] = self.deliver()
        self.assertEqual(m["body"],
                         "Welcome to Acme, <Al & Bo>! Sign in at https://app.example.com/login")
        self.assertIsNone(m["subject"])

    def test_push_has_title_body_and_data(self):
        self.env.send("--template", "order-shipped", "--data-json",
                      json.dumps({"name": "Al", "order_id": "A-7", "carrier": "UPS",
                                  "tracking_url": "https://t.example/A-7", "items": []}),
                      channel="push", to="a1b2c3d4e5f6", body=None)
        [m] = self.deliver()
        self.assertEqual(m["title"], "Order A-7 shipped")
        self.assertEqual(m["body"], "On its way with UPS.")  # {{#eta}} skipped
        self.assertEqual(m["data"], {"screen": "order", "order_id": "A-7"})

    def test_locale_variant_with_fallback(self):
        first_id = self.env.send("--template", "welcome", "--locale", "de_AT", *WELCOME_DATA,
                                 channel="sms", to="+14155550123", body=None)
        self.env.send("--template", "alert", "--locale", "de-AT", "--data-json",
                      json.dumps({"service": "api", "severity": "warning", "summary": "slow",
                                  "dashboard_url": "https://d", "started_at": "07:00"}),
                      channel="sms", to="+14155550123", body=None)
        # Sends run in parallel: match the delivered lines by id, not by file order.
        lines = self.deliver()
        first = next(m for m in lines if m["id"] == first_id)
        second = next(m for m in lines if m["id"] != first_id)
        self.assertTrue(first["body"].startswith("Willkommen bei Acme, <Al & Bo>!"), first["body"])
        self.assertEqual(second["body"], "[warning] api: slow https://d")  # no de variant

    def test_preview_shows_the_rendered_payload(self):
        out = self.env.json("preview", "--template", "welcome", *WELCOME_DATA, "--channel",
                            "email", "--to", "a@example.com")
        payload = json.loads(out[0]["payload"])
        self.assertEqual(payload["subject"], "Welcome to Acme, <Al & Bo>!")
        self.assertFalse(os.path.exists(self.env.db_path))

    def test_missing_data_is_65_and_the_store_is_unchanged(self):
        self.env.send()  # the store exists, with one row
        line = self.assert_fails(65, "send", "--template", "welcome", "--channel", "email",
                                 "--to", "a@example.com", "--data", "name=Al")
        self.assertEqual(line, 'notify: template "welcome" email.subject: missing variable '
                               '"app_name"')
        self.assertEqual(self.env.count(), 1)

    def test_unknown_template_suggests(self):
        line = self.assert_fails(65, "send", "--template", "welcom", "--channel", "email",
                                 "--to", "a@example.com")
        self.assertEqual(line, 'notify: --template: no template named "welcom" '
                               '(did you mean "welcome"?)')

    def test_sms_too_long_is_65(self):
        line = self.assert_fails(65, "send", "--template", "alert", "--channel", "sms",
                                 "--to", "+14155550123", "--data-json",
                                 json.dumps({"service": "api", "severity": "x",
                                             "summary": "€" * 800, "dashboard_url": "d",
                                             "started_at": "t"}))
        # "[x] api: " is 11 septets ([ and ] count double), 800 euro signs 1600, " d" 2.
        self.assertRegex(line, r"sms\.body: 11 SMS segments \(GSM-7, 1613 septets\); at most 10$")

    def test_template_excludes_inline_content(self):
        self.assert_fails(64, "send", "--template", "welcome", "--body", "x", "--channel",
                          "email", "--to", "a@example.com")
        self.assert_fails(64, "send", "--locale", "de", "--body", "x", "--channel", "email",
                          "--to", "a@example.com")

    def test_user_templates_shadow_shipped_ones(self):
        user_dir = os.path.join(self.env.config_home, "notify", "templates")
        os.makedirs(user_dir)
        with open(os.path.join(user_dir, "welcome.yaml"), "w", encoding="utf-8") as f:
            f.write('description: Ours\nchannels:\n  default:\n    body: "Yo {{name}}"\n')
        self.env.send("--template", "welcome", "--data", "name=Al", body=None)
        [m] = self.deliver()
        self.assertEqual(m["body"], "Yo Al")
        ls = self.env.ok("template", "ls")
        self.assertIn("welcome\tOurs\t-\tuser\n", ls)


class TemplateCommandTest(NotifyTestCase):

    def test_ls_lists_the_shipped_templates(self):
        out = self.env.ok("template", "ls")
        rows = [line.split("\t") for line in out.splitlines()]
        self.assertEqual(tuple(r[0] for r in rows), SHIPPED_NAMES)
        for r in rows:
            self.assertEqual(len(r), 4, r)
            self.assertEqual(r[3], "shipped")
            self.assertTrue(r[1], r)
        self.assertIn(["welcome", "Greets a new user after sign-up", "de", "shipped"], rows)
        as_json = self.env.json("template", "ls")
        by_name = {t["name"]: t for t in as_json}
        self.assertEqual({n: by_name[n]["category"] for n in SHIPPED_NAMES}, {
            "alert": "ops", "digest": "digest", "login-alert": "security",
            "order-shipped": "transactional", "password-reset": "security",
            "payment-failed": "transactional", "weekly-digest": "marketing",
            "welcome": "transactional"})
        self.assertEqual(by_name["welcome"]["locales"], ["de"])
        # Every shipped template but the ops alert comes in English and German.
        self.assertEqual({t["name"] for t in as_json if t["locales"] == ["de"]},
                         set(SHIPPED_NAMES) - {"alert"})
        self.assertTrue(all(t["valid"] for t in as_json))

    def test_show_prints_the_resolved_file_and_its_parts(self):
        out = self.env.ok("template", "show", "welcome", "--locale", "de-AT")
        first, parts = out.splitlines()[:2]
        self.assertEqual(first, f"# welcome (de): {SHIPPED}/welcome.de.yaml (shipped)")
        self.assertTrue(parts.startswith("# parts: email (subject, text, html); sms (body)"), parts)
        with open(os.path.join(SHIPPED, "welcome.de.yaml"), encoding="utf-8") as f:
            self.assertTrue(out.endswith(f.read()))
        j = self.env.json("template", "show", "order-shipped")
        self.assertIsNone(j["locale"])
        self.assertEqual(j["category"], "transactional")
        self.assertIn("order_id", j["sample"])
        self.assertEqual(j["channels"]["push"]["data"]["order_id"], "{{order_id}}")
        line = self.assert_fails(1, "template", "show", "welcom")
        self.assertEqual(line, 'notify: no template named "welcom" (did you mean "welcome"?)')

    def test_check_passes_on_the_shipped_templates(self):
        out = self.env.ok("template", "check")
        self.assertRegex(out, r"^templates ok: 8 templates, \d+ files\n$")
        self.assertEqual(self.env.ok("template", "check", "welcome", "alert"),
                         "templates ok: 2 templates, 3 files\n")
        j = self.env.json("template", "check")
        self.assertTrue(j["ok"])
        self.assertEqual(j["problems"], [])

    def test_check_fails_on_a_broken_user_dir_with_file_and_line(self):
        user_dir = self.env.path("tpl")
        os.makedirs(user_dir)
        self.env.write_config(f"templates:\n  dir: {user_dir}\n")
        files = {
            "broken.yaml": "description: x\nchannels:\n  sms:\n    body: a: b\n",
            "nosample.yaml": "description: x\nchannels:\n  emial:\n    subject: s\n"
                             "  sms:\n    body: \"Hi {{name}}\"\n",
        }
        for name, text in files.items():
            with open(os.path.join(user_dir, name), "w", encoding="utf-8") as f:
                f.write(text)
        res = self.env.run("template", "check")
        self.assertEqual(res.returncode, 65, res)
        self.assertEqual(res.stderr, "notify: template check: 3 problems\n")
        self.assertEqual(res.stdout.splitlines(), [
            f"{user_dir}/broken.yaml:4: invalid YAML: illegal map value",
            f'{user_dir}/nosample.yaml:3: unknown channel "emial" (did you mean "email"?); parts '
            f"are email, sms, push, webhook, default, slack",
            f'{user_dir}/nosample.yaml:6: sms.body: the sample has no value for "name"',
        ])
        j = json.loads(self.env.run("--json", "template", "check").stdout)
        self.assertFalse(j["ok"])
        self.assertEqual(j["problems"][0], {"file": f"{user_dir}/broken.yaml", "line": 4,
                                            "message": "invalid YAML: illegal map value"})
        # The shipped templates are still there and fine.
        self.assertEqual(self.env.ok("template", "check", "welcome"),
                         "templates ok: 1 template, 2 files\n")
        # Sending from the broken one names the file and line.
        line = self.assert_fails(65, "send", "--template", "broken", "--channel", "sms",
                                 "--to", "+14155550123")
        self.assertEqual(line, f"notify: --template: {user_dir}/broken.yaml:4: invalid YAML: "
                               "illegal map value")


if __name__ == "__main__":
    unittest.main()
