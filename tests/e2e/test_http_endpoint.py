"""notifyd's HTTP endpoint: /healthz and /metrics (parsed by prometheus_client) behind a
bearer token, signed click and open tracking, and delivery-status callbacks from Twilio
(form + X-Twilio-Signature) and SendGrid (event webhook + ECDSA signature)."""

import base64
import hashlib
import hmac
import json
import os
import socket
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families

from notify_env import NOTIFYD_BIN, NotifyTestCase, wait_for
from test_providers_daemon import TWILIO_SID, Fake

TOKEN = "metrics-token-5e1f"
SECRET = "tracking-secret-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(url, *, data=None, headers=None, method=None):
    """(status, headers, body bytes); never follows redirects."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class HttpEndpointTest(NotifyTestCase):

    def start(self, extra_yaml="", secrets=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env.env.update({"METRICS_TOKEN": TOKEN, "TRACKING_SECRET": SECRET})
        self.env.env.update(secrets or {})
        self.env.write_config(
            f"daemon:\n  listen: 127.0.0.1:{self.port}\n  token: ${{env:METRICS_TOKEN}}\n"
            "  poll_interval: 1s\n" + extra_yaml)
        self.env.start_daemon()
        wait_for(lambda: "http endpoint listening" in self.env.daemon_log(), timeout=60,
                 what="the endpoint to listen")

    def events(self, nid, kind):
        return [e for e in self.env.show(nid)["events"] if e["type"] == kind]

    # --- health and metrics -----------------------------------------------------------------
    def test_healthz_and_metrics_need_the_token(self):
        self.start()
        for path in ("/healthz", "/metrics"):
            status, headers, _ = http(self.base + path)
            self.assertEqual(status, 401, path)
            self.assertEqual(headers["WWW-Authenticate"], "Bearer")
            status, _, _ = http(self.base + path, headers={"Authorization": "Bearer wrong"})
            self.assertEqual(status, 401, path)
        self.assertNotIn(TOKEN, self.env.ok("config", "show"))

    def test_healthz_reports_store_and_dispatcher(self):
        self.start()
        status, headers, body = http(self.base + "/healthz",
                                     headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 200, body)
        health = json.loads(body)
        self.assertEqual((health["status"], health["store"], health["dispatcher"]),
                         ("ok", "ok", "ok"))

    def test_metrics_parse_and_count_what_went_out(self):
        self.start()
        ids = [self.env.send() for _ in range(3)]
        self.env.send("--in", "1h")
        wait_for(lambda: all(self.env.status(i) == "sent" for i in ids), timeout=60,
                 what="three sends")
        status, headers, body = http(self.base + "/metrics",
                                     headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        samples = {}
        for family in text_string_to_metric_families(body.decode()):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        self.assertEqual(samples[("notify_notifications",
                                  (("channel", "email"), ("status", "sent")))], 3)
        self.assertEqual(samples[("notify_notifications",
                                  (("channel", "email"), ("status", "scheduled")))], 1)
        self.assertEqual(samples[("notify_due", ())], 0)
        self.assertEqual(samples[("notify_attempts_total",
                                  (("class", "sent"), ("provider", "file")))], 3)
        self.assertEqual(samples[("notify_dispatch_delay_seconds_count",
                                  (("channel", "email"),))], 3)
        self.assertEqual(samples[("notify_send_duration_seconds_bucket",
                                  (("channel", "email"), ("le", "+Inf")))], 3)
        self.assertGreater(samples[("notify_daemon_start_time_seconds", ())], 1.7e9)

    # --- tracking ---------------------------------------------------------------------------
    def tracking_yaml(self):
        return (f"tracking:\n  base_url: {self.base_hint}\n  secret: ${{env:TRACKING_SECRET}}\n"
                "  allowed_hosts: [example.com, \"*.shop.example\"]\n")

    def write_template(self):
        d = os.path.join(self.env.config_home, "notify", "templates")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "shipped.yaml"), "w") as f:
            f.write("description: order shipped\nsample: {order: 7}\nchannels:\n  email:\n"
                    "    subject: Order {{order}} shipped\n"
                    "    text: 'Track it: {{#track}}https://a.shop.example/o/{{order}}?x=1&y=2"
                    "{{/track}} or {{#track}}https://elsewhere.example/{{/track}}'\n"
                    "    html: '<html><body><a href=\"{{#track}}https://a.shop.example/o/"
                    "{{order}}?x=1&y=2{{/track}}\">track</a></body></html>'\n")

    def test_click_and_open_tracking(self):
        port = free_port()
        self.base_hint = f"http://127.0.0.1:{port}"
        self.write_template()
        self.base = self.base_hint
        self.env.env.update({"METRICS_TOKEN": TOKEN, "TRACKING_SECRET": SECRET})
        self.env.write_config(f"daemon:\n  listen: 127.0.0.1:{port}\n  poll_interval: 1s\n" +
                              self.tracking_yaml())
        preview = self.env.json("preview", "--template", "shipped", "--to", "a@example.com",
                                "--channel", "email", "--data", "order=7")
        self.assertIn("https://a.shop.example/o/7?x=1&y=2", json.dumps(preview))
        self.assertNotIn("notify-track", json.dumps(preview))
        nid = self.env.send("--template", "shipped", "--data", "order=7", body=None)
        self.env.start_daemon()
        wait_for(lambda: self.env.status(nid) == "sent", timeout=60, what="the send")
        delivered = self.env.delivered()[-1]
        text = json.dumps(delivered)
        self.assertNotIn("notify-track", text)
        self.assertIn("https://elsewhere.example/", text)  # host not allowed: untracked
        self.assertIn("not tracked", self.env.daemon_log())
        body = delivered["body"]
        link = body.split("Track it: ")[1].split(" ")[0]
        self.assertTrue(link.startswith(self.base + f"/t/c/{nid}/"), link)
        status, headers, _ = http(link)
        self.assertEqual(status, 302)
        self.assertEqual(headers["Location"], "https://a.shop.example/o/7?x=1&y=2")
        clicked = self.events(nid, "clicked")
        self.assertEqual([e["detail"] for e in clicked], ["https://a.shop.example/o/7?x=1&y=2"])
        # Altered: another id, another URL, a changed signature. Nothing recorded, no redirect.
        parts = link.split("/")
        evil = base64.urlsafe_b64encode(b"https://evil.example/").decode().rstrip("=")
        for forged in ("/".join(parts[:-3] + [str(nid + 1)] + parts[-2:]),
                       "/".join(parts[:-1] + [evil]),
                       "/".join(parts[:-2] + ["A" + parts[-2][1:]] + parts[-1:])):
            status, headers, _ = http(forged)
            self.assertEqual(status, 404, forged)
            self.assertIsNone(headers.get("Location"))
        self.assertEqual(len(self.events(nid, "clicked")), 1)
        # The open pixel in the HTML part.
        html = delivered["data"]["html"]
        pixel = html.split('<img src="')[1].split('"')[0]
        self.assertTrue(pixel.startswith(self.base + f"/t/o/{nid}/"), pixel)
        self.assertLess(html.index("<img"), html.index("</body>"))
        status, headers, gif = http(pixel)
        self.assertEqual((status, headers["Content-Type"], gif[:6]), (200, "image/gif", b"GIF89a"))
        self.assertEqual(len(self.events(nid, "opened")), 1)
        status, _, _ = http(pixel.replace(f"/t/o/{nid}/", f"/t/o/{nid + 1}/"))
        self.assertEqual(status, 404)
        line = self.env.json("events", "--type", "clicked")
        self.assertEqual((line["id"], line["type"]), (nid, "clicked"))

    # --- delivery-status callbacks ----------------------------------------------------------
    def test_twilio_status_callback(self):
        sms = Fake(self, "sms_api.py")
        port = free_port()
        callback = f"http://127.0.0.1:{port}/callbacks/twilio/twilio"
        self.env.env.update({"TWILIO_TOKEN": "tw-token"})
        self.env.write_config(
            f"daemon:\n  listen: 127.0.0.1:{port}\n  poll_interval: 1s\n"
            f"providers:\n  twilio:\n    type: twilio\n    url: {sms.url()}\n"
            f"    account_sid: {TWILIO_SID}\n    auth_token: ${{env:TWILIO_TOKEN}}\n"
            f"    from: \"+15017122661\"\n    status_callback: {callback}\n"
            "channels:\n  sms: [twilio]\n")
        nid = self.env.send(channel="sms", to="+14155550123")
        self.env.start_daemon()
        wait_for(lambda: self.env.status(nid) == "sent", timeout=60, what="the send")
        self.assertEqual(sms.requests()[0]["form"]["StatusCallback"], callback)
        sid = self.env.show(nid)["attempts_log"][-1]["detail"]

        def post(form, token="tw-token"):
            data = callback + "".join(k + v for k, v in sorted(form.items()))
            sig = base64.b64encode(hmac.new(token.encode(), data.encode(),
                                            hashlib.sha1).digest()).decode()
            return http(callback, data=urllib.parse.urlencode(form).encode(),
                        headers={"X-Twilio-Signature": sig,
                                 "Content-Type": "application/x-www-form-urlencoded"})[0]

        self.assertEqual(post({"MessageSid": sid, "MessageStatus": "delivered",
                               "AccountSid": TWILIO_SID}, token="forged"), 403)
        self.assertEqual(self.events(nid, "delivered"), [])
        self.assertEqual(post({"MessageSid": sid, "MessageStatus": "sent"}), 204)
        self.assertEqual(post({"MessageSid": sid, "MessageStatus": "delivered",
                               "AccountSid": TWILIO_SID}), 204)
        self.assertEqual([e["detail"] for e in self.events(nid, "delivered")],
                         ["twilio: delivered"])
        self.assertEqual(post({"MessageSid": "SMunknown", "MessageStatus": "failed"}), 204)
        self.assertEqual(self.env.status(nid), "sent")

    def test_sendgrid_event_webhook(self):
        sg = Fake(self, "sendgrid_api.py")
        key = ec.generate_private_key(ec.SECP256R1())
        public = base64.b64encode(key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
        port = free_port()
        self.env.env.update({"SENDGRID_API_KEY": "SG.test-key"})
        self.env.write_config(
            f"daemon:\n  listen: 127.0.0.1:{port}\n  poll_interval: 1s\n"
            f"providers:\n  sg:\n    type: sendgrid\n    url: {sg.url()}/v3/mail/send\n"
            "    api_key: ${env:SENDGRID_API_KEY}\n    from: alerts@example.com\n"
            f"    event_webhook_key: {public}\n"
            "channels:\n  email: [sg]\n")
        nid = self.env.send("--subject", "Hi")
        self.env.start_daemon()
        wait_for(lambda: self.env.status(nid) == "sent", timeout=60, what="the send")
        message_id = self.env.show(nid)["attempts_log"][-1]["detail"]
        url = f"http://127.0.0.1:{port}/callbacks/sendgrid/sg"
        events = json.dumps([
            {"email": "ops@example.com", "timestamp": int(time.time()), "event": "delivered",
             "sg_message_id": message_id + ".filter0001.16648.5515E0B88.0"},
            {"email": "ops@example.com", "timestamp": int(time.time()), "event": "open",
             "sg_message_id": message_id + ".filter0001.16648.5515E0B88.0"},
        ]).encode()

        def post(body, signer=key, stamp="1700000000"):
            sig = base64.b64encode(signer.sign(stamp.encode() + events,
                                               ec.ECDSA(hashes.SHA256()))).decode()
            return http(url, data=body, headers={
                "Content-Type": "application/json",
                "X-Twilio-Email-Event-Webhook-Signature": sig,
                "X-Twilio-Email-Event-Webhook-Timestamp": stamp})[0]

        self.assertEqual(post(events, signer=ec.generate_private_key(ec.SECP256R1())), 403)
        self.assertEqual(post(events.replace(b"open", b"click")), 403)
        self.assertEqual(self.events(nid, "delivered"), [])
        self.assertEqual(post(events), 204)
        self.assertEqual(len(self.events(nid, "delivered")), 1)
        self.assertEqual(len(self.events(nid, "opened")), 1)


if __name__ == "__main__":
    unittest.main()
