"""Secrets never leak: distinctive secret values are configured by reference for every provider
reachable on loopback, each is driven through success and failure paths (synchronous
`notify provider test`, and notifyd with failover), and none of the values may appear in the
store (raw bytes of the file, its -wal and -shm), the daemon's log, the output of ls / show /
events / stats / config show / doctor, or any error message. The store and every file next to
it are created 0600 (the wake-up socket is an abstract one: no file). A config file holding a
secret inline that group or others can read is refused with one line (exit 78).
"""

import glob
import json
import os
import stat
import sys
import unittest
import urllib.error
import urllib.request

from rel_env import NOTIFYD_BIN, NotifyTestCase, wait_for

from test_providers_daemon import APNS_TEAM, TWILIO_SID, Fake, WithKeys  # noqa: E402

SECRETS = {
    "SMTP_PASSWORD": "smtp-pw-Q7vX2kLm9",
    "SMTP_BAD_PASSWORD": "smtp-badpw-Jx8Wq3",
    "SENDGRID_API_KEY": "SG.sg-key-R4nd0mZ8",
    "SENDGRID_BAD_KEY": "SG.sg-badkey-W1ldC4t",
    "TWILIO_TOKEN": "tw-token-P0m3gr4n",
    "VONAGE_SECRET": "vonage-sec-K1w1Fru",
    "HOOK_SECRET": "hook-hmac-M4ng0St3",
    "DAEMON_TOKEN": "http-token-L3m0nGr4",
}
# Values that are secret only in part (URLs whose path or query is the credential).
SLACK_SECRET = "SLACKp4thS3cr3t"
QUERY_SECRET = "qry-tok-Z3bra77"
TRACKING_SECRET = "track-key-0rch1dB1oom"
FILE_SECRET = "file-ref-Gu4v4P4ss"


class SecretsTest(WithKeys, NotifyTestCase):

    def fake(self, script, *args):
        return Fake(self, script, *args, stderr_path=self.env.path(script + ".stderr"))

    def secret_values(self):
        values = list(SECRETS.values()) + [SLACK_SECRET, QUERY_SECRET, TRACKING_SECRET,
                                           FILE_SECRET]
        # The private keys' base64 lines (each long and random enough to be distinctive).
        for path in (self.keys.ec, self.keys.rsa):
            with open(path, encoding="ascii") as f:
                values += [line.strip() for line in f
                           if len(line.strip()) >= 40 and "-----" not in line]
        return values

    def assert_no_secret(self, where, text):
        if isinstance(text, bytes):
            found = [v for v in self.secret_values() if v.encode() in text]
        else:
            found = [v for v in self.secret_values() if v in text]
        self.assertEqual(found, [], f"secret values in {where}")

    def test_no_secret_reaches_store_logs_or_output(self):
        keys = self.keys
        smtp = self.fake("smtp_sink.py", "--mode", "starttls", "--cert", keys.cert, "--key",
                         keys.cert_key, "--user", "alerts", "--password",
                         SECRETS["SMTP_PASSWORD"])
        sg = self.fake("sendgrid_api.py", "--api-key", SECRETS["SENDGRID_API_KEY"])
        sms = self.fake("sms_api.py")
        hook = self.fake("http_hook.py", "--secret", SECRETS["HOOK_SECRET"])
        apns = self.fake("apns_h2.py", "--team", APNS_TEAM)
        fcm = self.fake("fcm_api.py")
        account = self.env.path("service-account.json")
        with open(keys.rsa, encoding="utf-8") as f:
            private_key = f.read()
        with open(account, "w", encoding="utf-8") as f:
            json.dump({"type": "service_account", "project_id": "demo-project",
                       "private_key_id": "kid123", "private_key": private_key,
                       "client_email": "notify@demo-project.iam.gserviceaccount.com",
                       "token_uri": fcm.url() + "/token"}, f)
        os.chmod(account, 0o600)
        tracking_key = self.env.path("tracking.key")
        with open(tracking_key, "w", encoding="utf-8") as f:
            f.write(TRACKING_SECRET + "\n")
        os.chmod(tracking_key, 0o600)
        vonage_key_file = self.env.path("vonage.key")
        with open(vonage_key_file, "w", encoding="utf-8") as f:
            f.write(FILE_SECRET + "\n")
        os.chmod(vonage_key_file, 0o600)
        self.env.env.update(SECRETS)
        self.env.env["SLACK_URL"] = f"{hook.url()}/services/T0/{SLACK_SECRET}/ok"
        self.env.env["SLACK_BAD_URL"] = f"{hook.url()}/services/T0/{SLACK_SECRET}/revoked"
        # Port 9 (discard) is closed on loopback: connection refused, token in the query.
        self.env.env["REFUSED_URL"] = f"http://127.0.0.1:9/hook/ok?token={QUERY_SECRET}"
        smtp_common = (f"    type: smtp\n    url: smtp://127.0.0.1:{smtp.port}\n"
                       f"    from: alerts@example.com\n    username: alerts\n"
                       f"    ca_file: {keys.cert}\n")
        self.env.write_config(
            "daemon:\n"
            "  listen: 127.0.0.1:0\n"
            "  token: ${env:DAEMON_TOKEN}\n"
            "tracking:\n"
            "  base_url: https://notify.example.com\n"
            "  allowed_hosts: [example.com]\n"
            f"  secret: ${{file:{tracking_key}}}\n"
            "providers:\n"
            "  mail:\n" + smtp_common + "    password: ${env:SMTP_PASSWORD}\n"
            "  badmail:\n" + smtp_common + "    password: ${env:SMTP_BAD_PASSWORD}\n"
            f"  sg:\n    type: sendgrid\n    url: {sg.url()}/v3/mail/send\n"
            "    api_key: ${env:SENDGRID_API_KEY}\n    from: alerts@example.com\n"
            f"  badsg:\n    type: sendgrid\n    url: {sg.url()}/v3/mail/send\n"
            "    api_key: ${env:SENDGRID_BAD_KEY}\n    from: alerts@example.com\n"
            f"  twilio:\n    type: twilio\n    url: {sms.url()}\n"
            f"    account_sid: {TWILIO_SID}\n    auth_token: ${{env:TWILIO_TOKEN}}\n"
            "    from: \"+15017122661\"\n"
            f"  vonage:\n    type: vonage\n    url: {sms.url()}/sms/json\n"
            f"    api_key: ${{file:{vonage_key_file}}}\n    api_secret: ${{env:VONAGE_SECRET}}\n"
            "    from: MyCompany\n"
            f"  hook:\n    type: webhook\n    url: {hook.url()}/hook/ok\n"
            "    secret: ${env:HOOK_SECRET}\n"
            f"  hookauth:\n    type: webhook\n    url: {hook.url()}/hook/auth\n"
            "    secret: ${env:HOOK_SECRET}\n"
            f"  hookdown:\n    type: webhook\n    url: {hook.url()}/hook/down\n"
            "    secret: ${env:HOOK_SECRET}\n"
            "  refused:\n    type: webhook\n    url: ${env:REFUSED_URL}\n"
            "    secret: ${env:HOOK_SECRET}\n"
            "  team:\n    type: slack\n    url: ${env:SLACK_URL}\n"
            "  badteam:\n    type: slack\n    url: ${env:SLACK_BAD_URL}\n"
            f"  ios:\n    type: apns\n    url: {apns.url()}\n"
            f"    team_id: {APNS_TEAM}\n    key_id: KEY1234567\n"
            f"    key_file: {keys.ec}\n    topic: com.example.app\n"
            f"  android:\n    type: fcm\n    url: {fcm.url()}\n"
            f"    service_account_file: {account}\n"
            "channels:\n"
            "  email: [badsg, badmail, mail]\n"
            "  mail2: [sg]\n"
            "  sms: [twilio]\n"
            "  sms2: [vonage]\n"
            "  webhook: [hookauth, hook]\n"
            "  hooks2: [hookdown]\n"
            "  hooks3: [refused]\n"
            "  slack: [badteam, team]\n"
            "  push: [ios]\n"
            "  android: [android]\n"
            "delivery:\n  retry_base: 1s\n  retry_cap: 2s\n  max_attempts: 3\n"
            "  breaker_failures: 1000\n")
        outputs = []  # (what, text)

        def run(*args, binary=None):
            res = self.env.run(*args, binary=binary)
            outputs.append((" ".join(args), res.stdout + res.stderr))
            return res

        # Synchronous sends, successes and failures, with their error messages.
        url = "https://example.com/in"
        # (provider, recipient, exit): None where 65 or 69 both fit the failure.
        tests = [
            ("mail", "ops@example.com", 0), ("badmail", "ops@example.com", 69),
            ("mail", "bad-user@example.com", 65), ("sg", "ops@example.com", 0),
            ("badsg", "ops@example.com", 69), ("twilio", "+14155550123", 0),
            ("twilio", "+15005550503", 69), ("twilio", "+15005550001", 65),
            ("vonage", "+14155550123", 0), ("vonage", "+15005550003", None),
            ("hook", url, 0), ("hookauth", url, 69), ("hookdown", url, 69),
            ("refused", url, 69), ("team", url, 0), ("badteam", url, None),
            ("ios", "a1b2c3d4e5f60718", 0), ("ios", "busy0123456789ab", 69),
            ("android", "token-a1b2c3d4", 0), ("android", "auth-a1b2c3d4", 69),
        ]
        res = run("config", "check")
        self.assertEqual(res.returncode, 0, res.stderr)
        codes = []
        for name, to, expected in tests:
            subject = ("--subject", "Disk") if "@" in to else ()
            res = run("provider", "test", name, "--to", to, *subject)
            codes.append((name, to, res.returncode if expected is not None or
                          res.returncode not in (65, 69) else None))
            if res.returncode != 0:
                self.assertRegex(res.stderr, r"^notify: [^\n]+\n(  [^\n]+\n)*$", f"{name} {to}")
        self.assertEqual(codes, [(n, t, c) for n, t, c in tests], outputs)

        # Through notifyd, failover from failing providers, and retries.
        sends = [("email", "ops@example.com"), ("mail2", "ops@example.com"),
                 ("sms", "+14155550123"), ("sms", "+15005550503"), ("sms2", "+14155550123"),
                 ("webhook", url), ("hooks2", url), ("hooks3", url), ("slack", url),
                 ("push", "a1b2c3d4e5f60718"), ("android", "token-a1b2c3d4"),
                 ("android", "auth-a1b2c3d4")]
        ids = [self.env.send(*(("--subject", "Disk") if "@" in t else ()), channel=c, to=t,
                             body="Disk almost full") for c, t in sends]
        proc = self.env.start_daemon()
        wait_for(lambda: "listening" in self.env.daemon_log() or proc.poll() is not None,
                 timeout=30, what="the HTTP endpoint; log:\n" + self.env.daemon_log())
        self.assertIsNone(proc.poll(), "notifyd exited:\n" + self.env.daemon_log())
        unattempted = ("status = 'sending' OR id NOT IN "
                       "(SELECT notification_id FROM attempts)")
        wait_for(lambda: self.env.count(unattempted) == 0, timeout=60,
                 what="every send to be attempted")
        # A wrong and a right token on the HTTP endpoint.
        port = self.listen_port()
        for token in ("wrong-token", SECRETS["DAEMON_TOKEN"]):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                         headers={"Authorization": "Bearer " + token})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    outputs.append(("/metrics", r.read().decode()))
            except urllib.error.HTTPError as e:
                outputs.append(("/metrics " + str(e.code), e.read().decode()))
        wait_for(lambda: self.env.count("attempts >= 2") >= 1, timeout=30, what="a retry")
        # The WAL exists while notifyd has the store open (the last close removes it).
        live = {}
        for path in glob.glob(self.env.db_path + "*"):
            with open(path, "rb") as f:
                live[path + " (live)"] = f.read()
        self.assertIn(self.env.db_path + "-wal (live)", live)
        self.assertEqual(self.env.stop_daemon(), 0, self.env.daemon_log()[-3000:])
        statuses = {c + " " + t: self.env.status(i) for (c, t), i in zip(sends, ids)}
        self.assertEqual(statuses["email ops@example.com"], "sent", statuses)
        self.assertEqual(statuses["webhook " + url], "sent", statuses)
        self.assertEqual(statuses["slack " + url], "sent", statuses)
        self.assertIn(statuses["hooks3 " + url], ("retrying", "dead"), statuses)

        for args in (("ls", "--json", "--limit", "0"), ("ls",), ("stats", "--json"),
                     ("events", "--limit", "0"), ("config", "show"), ("config", "show", "--json"),
                     ("config", "check"), ("doctor", "--all"), ("provider", "ls")):
            run(*args)
        for nid in ids:
            run("show", "--json", str(nid))
            run("show", str(nid))
        run("--once", binary=NOTIFYD_BIN)
        outputs.append(("notifyd log", self.env.daemon_log()))
        for what, text in outputs:
            self.assert_no_secret(what, text)
        # The store's raw bytes, with its WAL and shared memory.
        files = dict(live)
        for path in glob.glob(self.env.db_path + "*"):
            with open(path, "rb") as f:
                files[path] = f.read()
        for path, data in files.items():
            self.assert_no_secret(path, data)
        # The failures were recorded (so the check above covered their details).
        details = " ".join(d for (d,) in self.env.sql("SELECT detail FROM attempts"))
        for expected in ("401", "503", "connect", "revoked", "535", "no_service"):
            self.assertIn(expected, details)
        sys.stderr.write(f"\n  checked {len(outputs)} outputs and {len(files)} store files\n")

    def listen_port(self):
        import re
        m = re.search(r"127\.0\.0\.1:(\d+)", self.env.daemon_log().split("listening", 1)[1])
        self.assertIsNotNone(m, self.env.daemon_log())
        return int(m.group(1))

    def test_store_and_files_next_to_it_are_0600(self):
        self.env.send(body="x")
        self.env.start_daemon()
        wait_for(lambda: os.path.exists(self.env.db_path + ".lock"), what="the dispatch lock")
        data_dir = os.path.dirname(self.env.db_path)
        self.assertEqual(stat.S_IMODE(os.stat(data_dir).st_mode), 0o700)
        names = sorted(os.listdir(data_dir))
        for name in names:
            st = os.stat(os.path.join(data_dir, name))
            self.assertFalse(stat.S_ISSOCK(st.st_mode), name)
            if name.startswith("notify.db"):
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, name)
        self.assertIn("notify.db-wal", names)
        self.assertEqual(self.env.stop_daemon(), 0)

    def test_config_with_inline_secret_readable_by_others_is_refused(self):
        path = self.env.write_config(
            "providers:\n  mail:\n    type: smtp\n    url: smtp://127.0.0.1:2525\n"
            "    from: a@example.com\n    username: u\n"
            f"    password: {SECRETS['SMTP_PASSWORD']}\n"
            "channels:\n  email: [mail]\n", mode=0o640)
        for args, binary, prog in ((("ls",), None, "notify"),
                                   (("config", "show"), None, "notify"),
                                   (("send", "--channel", "email", "--to", "a@example.com",
                                     "--body", "x"), None, "notify"),
                                   (("--once",), NOTIFYD_BIN, "notifyd")):
            with self.assert_store_unchanged():
                res = self.env.run(*args, binary=binary)
            line = self.assert_error_output(res, 78, prog=prog)
            self.assertEqual(res.stderr.count("\n"), 1, res.stderr)
            self.assertIn(path, line)
            self.assertIn("chmod 600", line)
            self.assertIn("${env:NAME}", line)
            self.assertIn("providers.mail.password", line)
            self.assertNotIn(SECRETS["SMTP_PASSWORD"], res.stderr)
        self.assertIsNone(self.env.dump_db(), "a refused config created the store")
        os.chmod(path, 0o600)
        self.env.ok("config", "check")
        # References only: any mode is fine.
        self.env.write_config(
            "providers:\n  mail:\n    type: smtp\n    url: smtp://127.0.0.1:2525\n"
            "    from: a@example.com\n    username: u\n    password: ${env:SMTP_PASSWORD}\n"
            "channels:\n  email: [mail]\n", mode=0o644)
        self.env.ok("config", "check", env={"SMTP_PASSWORD": "x"})


if __name__ == "__main__":
    unittest.main()
