"""Every remote provider through the real daemon: `notify send`, then `notifyd --once`, against
the loopback fakes of tests/fakes/ (the same ones the unit tests use). Each test checks the
stored outcome (`notify show --json`: status, the provider's receipt on the attempt) and what
the fake received; the failure tests check where classified failures land (dead, retrying with
a due_at that honours Retry-After, dead with outcome invalid_recipient)."""

import base64
import email
import email.policy
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import unittest

from notify_env import NOTIFYD_BIN, SOURCE_DIR, NotifyTestCase, parse_time

PYTHON = "/usr/bin/python3"
FAKES = os.path.join(SOURCE_DIR, "tests", "fakes")
TWILIO_SID = "AC" + "0123456789abcdef" * 2
APNS_TEAM = "TEAM123456"


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


class Keys:
    """Keys and a TLS certificate made once for the module by the openssl CLI."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="notify-e2e-keys-")
        self.ec = os.path.join(self.dir, "ec.pem")        # APNs .p8 and the VAPID key
        self.rsa = os.path.join(self.dir, "rsa.pem")      # the FCM service account's key
        self.cert = os.path.join(self.dir, "cert.pem")    # TLS for 127.0.0.1 (its own CA)
        self.cert_key = os.path.join(self.dir, "cert-key.pem")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", self.ec)
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", self.rsa)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", self.cert_key,
                "-out", self.cert)

    def remove(self):
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)


class WithKeys:
    """Mixin for a test class: its own Keys as cls.keys, made before its first test and
    removed after its last."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = Keys()

    @classmethod
    def tearDownClass(cls):
        cls.keys.remove()
        super().tearDownClass()


KEYS = None


def setUpModule():
    global KEYS
    KEYS = Keys()


def tearDownModule():
    if KEYS is not None:
        KEYS.remove()


class Fake:
    """A fake from tests/fakes/ on 127.0.0.1: started, its LISTENING port read, every later
    stdout line collected (parsed as JSON where it is JSON); killed by the test's cleanup."""

    def __init__(self, testcase, script, *args, stderr_path=None):
        self._err = open(stderr_path or os.devnull, "wb")
        self.proc = subprocess.Popen([PYTHON, "-u", os.path.join(FAKES, script), *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._err, text=True)
        testcase.addCleanup(self.stop)
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self._next(10)
        if first is None or not first.startswith("LISTENING "):
            raise AssertionError(f"{script} did not start: {first!r}")
        self.port = int(first.split()[1])
        self.received = []

    def _read(self):
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _next(self, timeout):
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def url(self, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}"

    def requests(self, at_least=1, timeout=5.0):
        """The JSON lines printed so far, waiting up to `timeout` s for `at_least` of them."""
        deadline = time.monotonic() + timeout
        while len(self.received) < at_least:
            line = self._next(max(0.0, deadline - time.monotonic()))
            if line is None:
                break
            try:
                self.received.append(json.loads(line))
            except ValueError:
                self.received.append(line)
        return self.received

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self._err.close()


class ProvidersThroughDaemonTest(NotifyTestCase):

    # --- helpers ------------------------------------------------------------------------------
    def fake(self, script, *args):
        return Fake(self, script, *args, stderr_path=self.env.path(script + ".stderr"))

    def configure(self, providers_yaml, channels_yaml, secrets=None):
        """Writes a config with `providers_yaml` and `channels_yaml` (indented YAML blocks),
        a 1 s retry base (so a Retry-After above it shows in due_at) and the secrets as
        environment variables referenced by ${env:...}."""
        self.env.env.update(secrets or {})
        self.env.write_config("providers:\n" + providers_yaml + "channels:\n" + channels_yaml +
                              "delivery:\n  retry_base: 1s\n  retry_cap: 2s\n")

    def send_and_dispatch(self, *args, channel, to, body="Disk almost full"):
        nid = self.env.send(*args, channel=channel, to=to, body=body)
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, f"notifyd --once: {res.stderr}")
        return nid, self.env.show(nid)

    def assert_sent(self, shown, provider, receipt_contains=None):
        self.assertEqual(shown["status"], "sent", json.dumps(shown, indent=1))
        self.assertEqual(shown["provider"], provider)
        attempt = shown["attempts_log"][-1]
        self.assertEqual(attempt["outcome"], "sent")
        if receipt_contains is not None:
            self.assertIn(receipt_contains, attempt["detail"])
        return attempt["detail"]

    def assert_failed(self, shown, status, outcome):
        self.assertEqual(shown["status"], status, json.dumps(shown, indent=1))
        self.assertEqual(shown["attempts_log"][-1]["outcome"], outcome,
                         json.dumps(shown, indent=1))
        return shown["attempts_log"][-1]

    # --- e-mail -----------------------------------------------------------------------------
    def test_smtp_plain(self):
        smtp = self.fake("smtp_sink.py", "--mode", "plain")
        self.configure(f"  mail:\n    type: smtp\n    url: smtp://127.0.0.1:{smtp.port}\n"
                       "    starttls: off\n    from: Alerts <alerts@example.com>\n",
                       "  email: [mail]\n")
        nid, shown = self.send_and_dispatch("--subject", "Disk", channel="email",
                                            to="ops@example.com")
        receipt = self.assert_sent(shown, "mail")
        got = smtp.requests()[0]
        self.assertEqual(got["mail_from"], "alerts@example.com")
        self.assertEqual(got["rcpt_tos"], ["ops@example.com"])
        self.assertIn("Subject: Disk", got["data"])
        self.assertIn("Disk almost full", got["data"])
        # The receipt is the Message-ID the provider made, as sent.
        message_id = receipt.split(" ")[0]
        self.assertRegex(message_id, r"^<.+@.+>$")
        self.assertIn("Message-ID: " + message_id, got["data"])
        self.assertIn("queued as", receipt)

    def test_smtp_starttls_with_auth(self):
        smtp = self.fake("smtp_sink.py", "--mode", "starttls", "--cert", KEYS.cert, "--key",
                         KEYS.cert_key, "--user", "alerts", "--password", "s3cret")
        self.configure(f"  mail:\n    type: smtp\n    url: smtp://127.0.0.1:{smtp.port}\n"
                       "    from: alerts@example.com\n    username: alerts\n"
                       "    password: ${env:SMTP_PASSWORD}\n"
                       f"    ca_file: {KEYS.cert}\n",
                       "  email: [mail]\n", {"SMTP_PASSWORD": "s3cret"})
        nid, shown = self.send_and_dispatch("--subject", "TLS", channel="email",
                                            to="ops@example.com")
        self.assert_sent(shown, "mail", "queued as")
        got = smtp.requests()[0]
        self.assertEqual(got["auth"], "alerts")
        self.assertEqual(got["rcpt_tos"], ["ops@example.com"])
        self.assertIn("Disk almost full", got["data"])

    def attachment_files(self):
        """Two files to attach: binary bytes, and a non-ASCII name. Returns [(path, bytes)]."""
        files = [("q3 report.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40),
                 ("Grüße.txt", "Grüße aus Köln\n".encode())]
        out = []
        for name, data in files:
            path = self.env.path(name)
            with open(path, "wb") as f:
                f.write(data)
            out.append((path, data))
        return out

    def test_smtp_attachments_arrive_as_multipart_mixed(self):
        smtp = self.fake("smtp_sink.py", "--mode", "plain")
        self.configure(f"  mail:\n    type: smtp\n    url: smtp://127.0.0.1:{smtp.port}\n"
                       "    starttls: off\n    from: Alerts <alerts@example.com>\n",
                       "  email: [mail]\n")
        files = self.attachment_files()
        nid, shown = self.send_and_dispatch(
            "--subject", "Q3", "--data", "html=<p>Disk almost full</p>",
            *[a for path, _ in files for a in ("--attach", path)],
            channel="email", to="ops@example.com")
        self.assert_sent(shown, "mail")
        self.assertEqual([a["stored"] for a in shown["attachments"]], [False, False])
        msg = email.message_from_string(smtp.requests()[0]["data"], policy=email.policy.default)
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        parts = list(msg.iter_parts())
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0].get_content_type(), "multipart/alternative")
        self.assertEqual(parts[0].get_body(("plain",)).get_content().strip(), "Disk almost full")
        got = [(p.get_filename(), p.get_content_type(), p.get_content_disposition(),
                p.get_payload(decode=True)) for p in msg.iter_attachments()]
        self.assertEqual(got, [
            ("q3 report.pdf", "application/pdf", "attachment", files[0][1]),
            ("Grüße.txt", "text/plain", "attachment", files[1][1]),
        ])

    def test_sendgrid_attachments(self):
        sg = self.fake("sendgrid_api.py")
        self.configure(f"  sg:\n    type: sendgrid\n    url: {sg.url()}/v3/mail/send\n"
                       "    api_key: ${env:SENDGRID_API_KEY}\n    from: alerts@example.com\n",
                       "  email: [sg]\n", {"SENDGRID_API_KEY": "SG.test-key"})
        files = self.attachment_files()
        nid, shown = self.send_and_dispatch(
            "--subject", "Q3", *[a for path, _ in files for a in ("--attach", path)],
            channel="email", to="ops@example.com")
        self.assert_sent(shown, "sg")
        body = sg.requests()[0]["body"]
        self.assertEqual(
            [(a["filename"], a["type"], a["disposition"], base64.b64decode(a["content"]))
             for a in body["attachments"]],
            [("q3 report.pdf", "application/pdf", "attachment", files[0][1]),
             ("Grüße.txt", "text/plain", "attachment", files[1][1])])

    def test_sendgrid(self):
        sg = self.fake("sendgrid_api.py")
        self.configure(f"  sg:\n    type: sendgrid\n    url: {sg.url()}/v3/mail/send\n"
                       "    api_key: ${env:SENDGRID_API_KEY}\n    from: alerts@example.com\n",
                       "  email: [sg]\n", {"SENDGRID_API_KEY": "SG.test-key"})
        nid, shown = self.send_and_dispatch("--subject", "Disk", channel="email",
                                            to="ops@example.com")
        receipt = self.assert_sent(shown, "sg")
        got = sg.requests()[0]
        self.assertEqual(got["path"], "/v3/mail/send")
        self.assertEqual(got["headers"]["authorization"], "Bearer SG.test-key")
        body = got["body"]
        self.assertEqual(body["personalizations"][0]["to"][0]["email"], "ops@example.com")
        self.assertEqual(body["from"]["email"], "alerts@example.com")
        self.assertIn("Disk almost full", json.dumps(body["content"]))
        self.assertTrue(receipt)  # X-Message-Id

    # --- SMS --------------------------------------------------------------------------------
    def twilio_config(self, sms):
        self.configure(f"  twilio:\n    type: twilio\n    url: {sms.url()}\n"
                       f"    account_sid: {TWILIO_SID}\n    auth_token: ${{env:TWILIO_TOKEN}}\n"
                       "    from: \"+15017122661\"\n",
                       "  sms: [twilio]\n", {"TWILIO_TOKEN": "tw-token"})

    def test_twilio(self):
        sms = self.fake("sms_api.py")
        self.twilio_config(sms)
        nid, shown = self.send_and_dispatch(channel="sms", to="+14155550123")
        receipt = self.assert_sent(shown, "twilio")
        self.assertRegex(receipt, r"^SM[0-9a-f]{32}$")
        got = sms.requests()[0]
        self.assertEqual(got["path"], f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")
        self.assertEqual(got["form"]["To"], "+14155550123")
        self.assertEqual(got["form"]["From"], "+15017122661")
        self.assertEqual(got["form"]["Body"], "Disk almost full")
        auth = base64.b64decode(got["headers"]["authorization"].split(" ", 1)[1]).decode()
        self.assertEqual(auth, f"{TWILIO_SID}:tw-token")

    def test_twilio_stop_suppresses_and_opts_the_user_out(self):
        sms = self.fake("sms_api.py")
        self.twilio_config(sms)
        self.env.ok("user", "add", "bob", "--phone", "+15005550004")
        nid = int(self.env.ok("send", "--user", "bob", "--channel", "sms", "--body", "hi"))
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        shown = self.env.show(nid)
        attempt = self.assert_failed(shown, "suppressed", "opted_out")
        self.assertIn("21610", attempt["detail"])
        self.assertTrue(shown["last_error"].startswith("opted out at twilio: "), shown)
        prefs = {(r["channel"], r["category"]): r for r in
                 self.env.json("prefs", "show", "bob")["channels"]}
        self.assertFalse(prefs[("sms", "-")]["receives"])
        self.assertEqual(prefs[("sms", "-")]["decided_by"], "sms/*")
        # The next send to bob is suppressed at the door, and never reaches Twilio.
        again = int(self.env.ok("send", "--user", "bob", "--channel", "sms", "--body", "x"))
        self.assertEqual(self.env.status(again), "suppressed")
        self.assertEqual(len(sms.requests()), 1)

    def test_vonage(self):
        sms = self.fake("sms_api.py")
        self.configure(f"  vonage:\n    type: vonage\n    url: {sms.url()}/sms/json\n"
                       "    api_key: ${env:VONAGE_KEY}\n    api_secret: ${env:VONAGE_SECRET}\n"
                       "    from: MyCompany\n",
                       "  sms: [vonage]\n", {"VONAGE_KEY": "vk", "VONAGE_SECRET": "vs"})
        nid, shown = self.send_and_dispatch(channel="sms", to="+14155550123")
        receipt = self.assert_sent(shown, "vonage")
        got = sms.requests()[0]
        self.assertEqual(got["path"], "/sms/json")
        self.assertEqual(got["form"]["to"], "14155550123")
        self.assertEqual(got["form"]["from"], "MyCompany")
        self.assertEqual(got["form"]["text"], "Disk almost full")
        self.assertEqual((got["form"]["api_key"], got["form"]["api_secret"]), ("vk", "vs"))
        self.assertNotIn("vs", receipt)
        self.assertTrue(receipt)

    # --- push -------------------------------------------------------------------------------
    def apns_config(self, apns):
        self.configure(f"  ios:\n    type: apns\n    url: {apns.url()}\n"
                       f"    team_id: {APNS_TEAM}\n    key_id: KEY1234567\n"
                       f"    key_file: {KEYS.ec}\n    topic: com.example.app\n",
                       "  push: [ios]\n")

    def test_apns_over_http2(self):
        apns = self.fake("apns_h2.py", "--team", APNS_TEAM)
        self.apns_config(apns)
        nid, shown = self.send_and_dispatch("--title", "Disk", "--data", "build=42",
                                            channel="push", to="a1b2c3d4e5f60718")
        receipt = self.assert_sent(shown, "ios")
        got = apns.requests()[0]
        self.assertEqual(got["path"], "/3/device/a1b2c3d4e5f60718")
        self.assertEqual(got["status"], 200)
        self.assertEqual(got["auth_scheme"], "bearer")
        self.assertEqual(got["headers"]["apns-topic"], "com.example.app")
        self.assertEqual(got["headers"]["apns-push-type"], "alert")
        payload = json.loads(got["body"])
        self.assertEqual(payload["aps"]["alert"], {"title": "Disk", "body": "Disk almost full"})
        self.assertEqual(payload["build"], "42")
        self.assertEqual(receipt, got["apns_id"])  # the apns-id APNs answered with

    def test_apns_pushes_of_one_pass_share_one_tls_connection(self):
        apns = self.fake("apns_h2.py", "--team", APNS_TEAM, "--cert", KEYS.cert, "--key",
                         KEYS.cert_key)
        self.env.write_config(
            f"providers:\n  ios:\n    type: apns\n    url: {apns.url('https')}\n"
            f"    team_id: {APNS_TEAM}\n    key_id: KEY1234567\n"
            f"    key_file: {KEYS.ec}\n    topic: com.example.app\n    ca_file: {KEYS.cert}\n"
            "channels:\n  push: [ios]\ndelivery:\n  concurrency: 1\n")
        ids = [self.env.send(channel="push", to=f"a1b2c3d4e5f6071{i}") for i in range(5)]
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        for nid in ids:
            self.assert_sent(self.env.show(nid), "ios")
        got = apns.requests(5)
        self.assertEqual(len(got), 5)
        self.assertEqual({r["connection"] for r in got}, {1})

    def test_system_trust_store_comes_from_ssl_cert_file(self):
        """Without ca_file the peer is verified against the system store, read once per
        process; SSL_CERT_FILE names that store, as for OpenSSL's own tools. One notifyd pass
        over an APNs and an SMTP (STARTTLS) provider, whose certificate only that file holds."""
        apns = self.fake("apns_h2.py", "--team", APNS_TEAM, "--cert", KEYS.cert, "--key",
                         KEYS.cert_key)
        smtp = self.fake("smtp_sink.py", "--mode", "starttls", "--cert", KEYS.cert, "--key",
                         KEYS.cert_key)
        config = (f"providers:\n  ios:\n    type: apns\n    url: {apns.url('https')}\n"
                  f"    team_id: {APNS_TEAM}\n    key_id: KEY1234567\n"
                  f"    key_file: {KEYS.ec}\n    topic: com.example.app\n"
                  f"  mail:\n    type: smtp\n    url: smtp://127.0.0.1:{smtp.port}\n"
                  "    from: alerts@example.com\n    starttls: required\n"
                  "channels:\n  push: [ios]\n  email: [mail]\n")
        self.env.write_config(config)
        push = self.env.send(channel="push", to="a1b2c3d4e5f60718")
        mail = self.env.send("--subject", "TLS", channel="email", to="ops@example.com")

        # The system bundle does not hold the test certificate: both fail verification.
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        for nid in (push, mail):
            attempt = self.assert_failed(self.env.show(nid), "scheduled", "auth")
            self.assertRegex(attempt["detail"], r"(?i)certificate")

        self.env.env["SSL_CERT_FILE"] = KEYS.cert
        self.env.ok("retry", push, mail)
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assert_sent(self.env.show(push), "ios")
        self.assert_sent(self.env.show(mail), "mail")
        self.assertEqual(len(apns.requests(1)), 1)
        self.assertEqual(smtp.requests()[0]["rcpt_tos"], ["ops@example.com"])

    def test_apns_unregistered_token_is_dead_invalid_recipient(self):
        apns = self.fake("apns_h2.py", "--team", APNS_TEAM)
        self.apns_config(apns)
        nid, shown = self.send_and_dispatch(channel="push", to="gone0123456789ab")
        attempt = self.assert_failed(shown, "dead", "invalid_recipient")
        self.assertIn("410", attempt["detail"])
        self.assertIn("Unregistered", attempt["detail"])
        self.assertEqual(apns.requests()[0]["status"], 410)

    def test_apns_unregistered_device_is_marked_invalid_and_skipped(self):
        apns = self.fake("apns_h2.py", "--team", APNS_TEAM)
        self.apns_config(apns)
        self.env.ok("user", "add", "carol", "--email", "carol@example.com")
        token = "dead" + "0" * 60
        self.env.ok("device", "add", "carol", "--platform", "ios", "--token", token)
        nid = int(self.env.ok("send", "--user", "carol", "--channel", "push", "--body", "x"))
        res = self.env.run("--once", binary=NOTIFYD_BIN)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assert_failed(self.env.show(nid), "dead", "invalid_recipient")
        device = self.env.json("device", "ls", "--user", "carol")[0]
        self.assertIsNotNone(device["invalidated_at"])
        self.assertIn("Unregistered", device["invalid_reason"])
        res = self.env.run("send", "--user", "carol", "--channel", "push", "--body", "y")
        self.assertEqual(res.returncode, 65, "no valid device left on push")
        self.assertIn("no address on channel push", res.stderr)

    def fcm_config(self, fcm):
        account = self.env.path("service-account.json")
        with open(KEYS.rsa, encoding="utf-8") as f:
            private_key = f.read()
        with open(account, "w", encoding="utf-8") as f:
            json.dump({"type": "service_account", "project_id": "demo-project",
                       "private_key_id": "kid123", "private_key": private_key,
                       "client_email": "notify@demo-project.iam.gserviceaccount.com",
                       "token_uri": fcm.url() + "/token"}, f)
        self.configure(f"  android:\n    type: fcm\n    url: {fcm.url()}\n"
                       f"    service_account_file: {account}\n",
                       "  android: [android]\n")

    def test_fcm_with_oauth2_token(self):
        fcm = self.fake("fcm_api.py")
        self.fcm_config(fcm)
        nid, shown = self.send_and_dispatch("--title", "Disk", "--data", "build=42",
                                            channel="android", to="token-a1b2c3d4")
        receipt = self.assert_sent(shown, "android")
        token_request, send_request = fcm.requests(2)[:2]
        self.assertEqual(token_request["path"], "/token")
        self.assertEqual(token_request["grant_type"],
                         "urn:ietf:params:oauth:grant-type:jwt-bearer")
        self.assertEqual(token_request["status"], 200)
        self.assertEqual(send_request["path"], "/v1/projects/demo-project/messages:send")
        self.assertEqual(send_request["status"], 200)
        self.assertTrue(send_request["authorization"].startswith("Bearer "))
        message = json.loads(send_request["body"])["message"]
        self.assertEqual(message["token"], "token-a1b2c3d4")
        self.assertEqual(message["notification"]["body"], "Disk almost full")
        self.assertEqual(message["data"]["build"], "42")
        self.assertRegex(receipt, r"^projects/demo-project/messages/.+")

    def test_fcm_unregistered_token_is_dead_invalid_recipient(self):
        fcm = self.fake("fcm_api.py")
        self.fcm_config(fcm)
        nid, shown = self.send_and_dispatch(channel="android", to="gone-a1b2c3d4")
        attempt = self.assert_failed(shown, "dead", "invalid_recipient")
        self.assertIn("UNREGISTERED", attempt["detail"])

    def test_webpush_decrypted_by_the_fake_browser(self):
        push = self.fake("webpush_service.py")
        subscription = push.requests(1)[0]["subscription"]
        push.received.clear()
        self.configure(f"  browser:\n    type: webpush\n    vapid_private_key_file: {KEYS.ec}\n"
                       "    vapid_subject: mailto:ops@example.com\n    allow_http: true\n",
                       "  browser: [browser]\n")
        nid, shown = self.send_and_dispatch("--title", "Disk", channel="browser",
                                            to=json.dumps(subscription))
        receipt = self.assert_sent(shown, "browser")
        got = push.requests()[0]
        self.assertEqual(got["status"], 201)
        self.assertTrue(got["vapid"]["ok"], got["vapid"])
        self.assertIsNone(got["decrypt_error"])
        self.assertEqual(got["headers"]["content-encoding"], "aes128gcm")
        content = json.loads(got["plaintext"])
        self.assertIn("Disk almost full", json.dumps(content))
        self.assertIn("/m/", receipt)  # the Location of the push message resource

    # --- webhooks ---------------------------------------------------------------------------
    def hook_config(self, hook, mode):
        self.configure(f"  hook:\n    type: webhook\n    url: {hook.url()}/hook/{mode}\n"
                       "    secret: ${env:HOOK_SECRET}\n",
                       "  hooks: [hook]\n", {"HOOK_SECRET": "hook-secret"})

    def test_webhook_signed(self):
        hook = self.fake("http_hook.py", "--secret", "hook-secret")
        self.hook_config(hook, "ok")
        nid, shown = self.send_and_dispatch("--subject", "Disk", channel="hooks",
                                            to="ops-room")
        receipt = self.assert_sent(shown, "hook")
        self.assertIn("evt_1", receipt)
        got = hook.requests()[0]
        self.assertEqual(got["path"], "/hook/ok")
        self.assertTrue(got["signature_ok"])
        self.assertEqual(got["headers"]["idempotency-key"], f"notify-{nid}")
        self.assertEqual((got["json"]["id"], got["json"]["to"], got["json"]["body"]),
                         (nid, "ops-room", "Disk almost full"))

    def test_slack(self):
        slack = self.fake("http_hook.py")
        self.configure(f"  team:\n    type: slack\n    url: {slack.url()}/services/T0/B0/ok\n",
                       "  slack: [team]\n")
        nid, shown = self.send_and_dispatch("--title", "Disk", channel="slack",
                                            to="https://hooks.example.com/unused")
        receipt = self.assert_sent(shown, "team")
        self.assertEqual(receipt, "ok")
        got = slack.requests()[0]
        self.assertEqual(got["path"], "/services/T0/B0/ok")
        self.assertIn("Disk almost full", got["json"]["text"])

    def test_config_show_masks_an_inline_slack_url(self):
        self.configure("  team:\n    type: slack\n"
                       "    url: https://hooks.slack.com/services/T0/B0/sekrit\n",
                       "  slack: [team]\n")
        out = self.env.ok("config", "show")
        line = [l for l in out.splitlines() if l.startswith("providers.team.url")]
        self.assertEqual(len(line), 1, out)
        self.assertIn("********", line[0])
        self.assertNotIn("sekrit", out)

    # --- where failures land ----------------------------------------------------------------
    def test_permanent_error_is_dead(self):
        hook = self.fake("http_hook.py", "--secret", "hook-secret")
        self.hook_config(hook, "bad")
        nid, shown = self.send_and_dispatch(channel="hooks", to="ops-room")
        attempt = self.assert_failed(shown, "dead", "permanent")
        self.assertIn("422", attempt["detail"])
        self.assertEqual(shown["attempts"], 1)

    def test_transient_with_retry_after_is_retrying_not_before_it(self):
        sms = self.fake("sms_api.py")
        self.twilio_config(sms)
        # The fake answers 429 (Twilio 20429) with Retry-After: 7 for this number; the retry
        # base is 1 s, so due_at is set by Retry-After.
        nid, shown = self.send_and_dispatch(channel="sms", to="+15005550429")
        attempt = self.assert_failed(shown, "retrying", "rate_limited")
        self.assertIn("20429", attempt["detail"])
        delay = parse_time(shown["due_at"]) - parse_time(attempt["finished_at"])
        self.assertGreaterEqual(delay, 6.0, shown)
        self.assertLessEqual(delay, 9.0, shown)


if __name__ == "__main__":
    unittest.main()
