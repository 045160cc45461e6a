"""Provider faults through each lane (issue #9): every remote provider type against a
misbehaving loopback service (tests/fakes/fault_server.py; APNs against the HTTP/2 faults of
tests/fakes/apns_h2.py), one notification per provider x fault, each through its own provider
instance and channel (so one fault's circuit breaker cannot pause another's lane), enqueued by
one `notify import` and delivered by one `notify dispatch --once`.

For each row it checks, from `notify show --json`: the status, the class of the attempt
(attempts_log[].outcome), the number of attempts counted, the next due time (the retry
backoff, or Retry-After where the service gave one; a deferral for auth), that hangs and
trickles were cut at the provider's timeout, and that the fault server really saw the request.
Every process must exit with the contract's code and print no sanitizer report (scripts/test.sh
runs this under ASan+UBSan with leak detection). `notify provider test` (synchronous) must
exit 69 on a reset mid-response for every provider type.

Retries use a fixed 10 s backoff (no jitter), longer than the pass, so that no row comes due
a second time within it, and shorter than the Retry-After values (30 s, 40 s) so that those
show in due_at.
"""

import base64
import concurrent.futures
import json
import os
import re
import subprocess
import time
import unittest

from notify_env import NotifyTestCase, parse_time

from test_providers_daemon import APNS_TEAM, TWILIO_SID, Fake, WithKeys  # noqa: E402

TIMEOUT_S = 2            # every provider's timeout
BACKOFF_S = 10           # retry_base = retry_cap, jitter 0
BREAKER_S = 300          # breaker_base: how long an auth failure pauses its provider
RETRY_AFTER_503 = 30     # what the fault servers send with 503 ...
RETRY_AFTER_429 = 40     # ... and with 429
SANITIZER_MARKS = ("Sanitizer", "runtime error:", "LeakSanitizer", "Segmentation fault")


class Expect:
    """The outcome a fault must have: row status, attempt class, counted attempts, the wait
    until the next try (seconds after the attempt finished; None: not retried), a regex the
    attempt's detail must match, and whether the attempt must last about the timeout."""

    def __init__(self, status, outcome, *, wait=None, detail=None, slow=False):
        self.status = status
        self.outcome = outcome
        self.attempts = 0 if outcome == "auth" else 1
        self.wait = wait
        self.detail = detail
        self.slow = slow

    def __repr__(self):
        return f"{self.status}/{self.outcome}"


def transient(detail=None, wait=BACKOFF_S, slow=False):
    return Expect("retrying", "transient", wait=wait, detail=detail, slow=slow)


TIMED_OUT = r"(?i)timed? ?out"
RESET = r"(?i)reset|recv failure|not closed cleanly|connection died"
CERTIFICATE = r"(?i)certificate"
TLS_ON_PLAIN = r"(?i)ssl|tls|wrong version"

# The HTTP faults and what every HTTP provider must make of them (the classes of
# ARCHITECTURE's retry policy and notification-anchors section 4: 5xx and transport errors
# transient, 429 rate_limited, Retry-After honoured, a certificate that does not verify auth:
# the provider is paused and the row deferred without using an attempt).
HTTP_FAULTS = {
    "500": transient(r"500"),
    "503": transient(r"503", wait=RETRY_AFTER_503),
    "429": Expect("retrying", "rate_limited", wait=RETRY_AFTER_429, detail=r"429"),
    "hang": transient(TIMED_OUT, slow=True),
    "trickle": transient(TIMED_OUT, slow=True),
    "reset_headers": transient(RESET),
    "reset_body": transient(RESET),
    "garbage_status": transient(),
    "garbage_error": transient(r"502"),
    # A 2xx is the service's acceptance; the providers whose receipt is in the body record
    # that it was missing. Vonage answers 200 even on failure: only its body says.
    "garbage_body": Expect("sent", "sent"),
    "tls_untrusted": Expect("scheduled", "auth", wait=BREAKER_S, detail=CERTIFICATE),
    "tls_plain": transient(TLS_ON_PLAIN),
}
# The receipt each provider keeps from a 2xx with a junk body and junk Location, X-Message-Id
# or apns-id headers (always one line of valid UTF-8: check_operator_views).
JUNK_RECEIPTS = {
    "webhook": r"^HTTP 200$", "slack": r".", "twilio": r"^twilio: HTTP 200$",
    "sendgrid": r"id$", "fcm": r"^accepted \(no message name\)$", "webpush": r"^/m/.*junk$",
    "apns": r"-junk$",
}
OVERRIDES = {
    ("vonage", "garbage_body"): transient(r"without a messages list"),
    **{(provider, "garbage_body"): Expect("sent", "sent", detail=receipt)
       for provider, receipt in JUNK_RECEIPTS.items()},
}
# HTTP/2 only: the stream reset by the server, and GOAWAY with an error.
H2_FAULTS = {
    "rst_stream": transient(r"(?i)not closed cleanly|INTERNAL_ERROR|stream"),
    "goaway": transient(),
}
# The apns_h2.py token prefix that produces each fault.
APNS_TOKENS = {
    "500": "fail", "503": "ra503", "429": "ra429", "hang": "hang", "trickle": "trickle",
    "reset_headers": "drop", "reset_body": "reset", "garbage_status": "garbage",
    "garbage_body": "junkbody", "garbage_error": "junkerror", "rst_stream": "rststream",
    "goaway": "goaway",
}
SMTP_FAULTS = {
    "smtp_reset": transient(RESET),
    "smtp_421": transient(r"421"),
    "smtp_451": transient(r"451"),
    "smtp_554": Expect("dead", "permanent", detail=r"554"),
    "smtp_hang": transient(TIMED_OUT, slow=True),
    "smtp_trickle": transient(TIMED_OUT, slow=True),
    "smtp_garbage": transient(),
    "smtp_starttls": Expect("scheduled", "auth", wait=BREAKER_S, detail=CERTIFICATE),
    "smtp_nostarttls": Expect("scheduled", "auth", wait=BREAKER_S, detail=r"STARTTLS"),
    "smtps_untrusted": Expect("scheduled", "auth", wait=BREAKER_S, detail=CERTIFICATE),
}
HTTP_PROVIDERS = ("webhook", "slack", "twilio", "vonage", "sendgrid", "fcm", "webpush")
# Where each HTTP provider's request lands below the fault's path segment.
REQUEST_PATHS = {
    "webhook": "/hook", "slack": "/services/T0/B0/x",
    "twilio": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json", "vonage": "/sms/json",
    "sendgrid": "/v3/mail/send", "fcm": "/v1/projects/demo-project/messages:send",
    "webpush": "/push/sub-1",
}
SECRETS = {"TWILIO_TOKEN": "tw-token", "VONAGE_KEY": "vk", "VONAGE_SECRET": "vs",
           "SENDGRID_API_KEY": "SG.test-key"}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Case:
    def __init__(self, provider, fault, expect, to, block):
        self.provider = provider
        self.fault = fault
        self.expect = expect
        self.to = to
        self.block = block      # the provider's YAML block, without its name line
        self.name = f"{provider}_{fault}"
        self.id = None

    def __repr__(self):
        return self.name


class ProviderFaultsTest(WithKeys, NotifyTestCase):

    def assert_clean_exit(self, res, code, what):
        detail = f"{what}: exit {res.returncode}\nstdout: {res.stdout[-2000:]!r}\n" \
                 f"stderr: {res.stderr[-4000:]!r}"
        self.assertEqual(res.returncode, code, detail)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, res.stderr, detail)

    def notify(self, *args, code=0, timeout=120):
        """Runs notify, asserting exit `code` and no sanitizer report; returns the result."""
        res = self.env.run(*args, timeout=timeout)
        self.assert_clean_exit(res, code, "notify " + " ".join(map(str, args))[:200])
        return res

    # --- the matrix ---------------------------------------------------------------------------
    def cases(self, faults, h2, ports):
        http = f"http://127.0.0.1:{ports['http']}"

        def url(fault):
            if fault == "tls_untrusted":
                return f"https://127.0.0.1:{ports['tls']}/{fault}"
            if fault == "tls_plain":
                return f"https://127.0.0.1:{ports['http']}/{fault}"
            return f"{http}/{fault}"

        account = self.env.path("service-account.json")
        with open(self.keys.rsa, encoding="utf-8") as f:
            private_key = f.read()
        with open(account, "w", encoding="utf-8") as f:
            json.dump({"type": "service_account", "project_id": "demo-project",
                       "private_key_id": "kid123", "private_key": private_key,
                       "client_email": "notify@demo-project.iam.gserviceaccount.com",
                       "token_uri": f"{http}/ok/token"}, f)
        der = subprocess.run(["openssl", "pkey", "-in", self.keys.ec, "-pubout", "-outform",
                              "DER"], check=True, capture_output=True, timeout=60).stdout
        keys = {"p256dh": b64url(der[-65:]), "auth": b64url(os.urandom(16))}

        blocks = {
            "webhook": lambda u: f"    type: webhook\n    url: {u}/hook\n",
            "slack": lambda u: f"    type: slack\n    url: {u}/services/T0/B0/x\n",
            "twilio": lambda u: (f"    type: twilio\n    url: {u}\n    account_sid: {TWILIO_SID}\n"
                                 "    auth_token: ${env:TWILIO_TOKEN}\n"
                                 "    from: \"+15017122661\"\n"),
            "vonage": lambda u: (f"    type: vonage\n    url: {u}/sms/json\n"
                                 "    api_key: ${env:VONAGE_KEY}\n"
                                 "    api_secret: ${env:VONAGE_SECRET}\n    from: MyCompany\n"),
            "sendgrid": lambda u: (f"    type: sendgrid\n    url: {u}/v3/mail/send\n"
                                   "    api_key: ${env:SENDGRID_API_KEY}\n"
                                   "    from: alerts@example.com\n"),
            "fcm": lambda u: f"    type: fcm\n    url: {u}\n    service_account_file: {account}\n",
            "webpush": lambda u: (f"    type: webpush\n    vapid_private_key_file: {self.keys.ec}\n"
                                  "    vapid_subject: mailto:ops@example.com\n"
                                  "    allow_http: true\n"),
        }
        recipients = {
            "webhook": lambda u: "ops-room", "slack": lambda u: "ops-room",
            "twilio": lambda u: "+14155550123", "vonage": lambda u: "+14155550123",
            "sendgrid": lambda u: "ops@example.com", "fcm": lambda u: "token-a1b2c3d4",
            "webpush": lambda u: json.dumps(
                {"endpoint": f"{u}/push/sub-1", "keys": keys}, separators=(",", ":")),
        }
        out = []
        for provider in HTTP_PROVIDERS:
            for fault, expect in faults.items():
                expect = OVERRIDES.get((provider, fault), expect)
                out.append(Case(provider, fault, expect, recipients[provider](url(fault)),
                                blocks[provider](url(fault))))
        apns = (f"    type: apns\n    team_id: {APNS_TEAM}\n    key_id: KEY1234567\n"
                f"    key_file: {self.keys.ec}\n    topic: com.example.app\n")
        for fault, expect in list(faults.items()) + list(H2_FAULTS.items()):
            expect = OVERRIDES.get(("apns", fault), expect)
            if fault in APNS_TOKENS:
                block = apns + f"    url: https://127.0.0.1:{h2}\n    ca_file: {self.keys.cert}\n"
                to = APNS_TOKENS[fault] + "0123456789abcdef"
            else:  # the TLS faults, from the fault server
                block = apns + f"    url: {url(fault).rsplit('/', 1)[0]}\n"
                to = "a1b2c3d40123456789abcdef"
            out.append(Case("apns", fault, expect, to, block))
        for fault, expect in SMTP_FAULTS.items():
            if fault == "smtps_untrusted":
                address = f"smtps://127.0.0.1:{ports['tls']}"
                tls = ""
            else:
                address = f"smtp://127.0.0.1:{ports[fault]}"
                tls = "    starttls: required\n" if "starttls" in fault else \
                      "    starttls: off\n"
            out.append(Case("smtp", fault, expect, "ops@example.com",
                            f"    type: smtp\n    url: {address}\n{tls}"
                            "    from: Alerts <alerts@example.com>\n"))
        return out

    def configure(self, cases):
        providers = "".join(f"  {c.name}:\n{c.block}    timeout: {TIMEOUT_S}s\n" for c in cases)
        channels = "".join(f"  {c.name}: [{c.name}]\n" for c in cases)
        self.env.env.update(SECRETS)
        self.env.write_config(
            "providers:\n" + providers + "channels:\n" + channels +
            f"delivery:\n  retry_base: {BACKOFF_S}s\n  retry_cap: {BACKOFF_S}s\n"
            f"  jitter_percent: 0\n  concurrency: 1\n  breaker_base: {BREAKER_S}s\n")

    def enqueue(self, cases):
        path = self.env.path("faults.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            for c in cases:
                f.write(json.dumps({"channel": c.name, "to": c.to, "subject": "Disk",
                                    "title": "Disk", "body": "Disk almost full"}) + "\n")
        self.notify("import", path)
        rows = json.loads(self.notify("ls", "--json", "--limit", "1000").stdout)
        by_channel = {r["channel"]: r["id"] for r in rows}
        for c in cases:
            c.id = by_channel[c.name]

    # --- the test -----------------------------------------------------------------------------
    def test_every_provider_through_every_fault(self):
        faults = self.fake("fault_server.py", "--cert", self.keys.cert, "--key",
                           self.keys.cert_key)
        ports = faults.requests(1)[0]["ports"]
        faults.received.clear()
        h2 = self.fake("apns_h2.py", "--team", APNS_TEAM, "--cert", self.keys.cert, "--key",
                       self.keys.cert_key)
        cases = self.cases(HTTP_FAULTS, h2.port, ports)
        self.configure(cases)
        self.enqueue(cases)

        started = time.monotonic()
        res = self.notify("dispatch", "--once", "--json", timeout=300)
        elapsed = time.monotonic() - started
        report = json.loads(res.stdout)

        shown = {d["id"]: d for d in
                 json.loads(self.notify("show", "--json", *[c.id for c in cases]).stdout)}
        failures = []
        for c in cases:
            problem = self.check_row(c, shown[c.id])
            if problem:
                failures.append(f"{c.name} (expected {c.expect!r}): {problem}\n  "
                                + json.dumps({k: shown[c.id][k] for k in (
                                    "status", "attempts", "due_at", "last_error",
                                    "attempts_log")}))
        self.assertEqual(failures, [], "\n".join(failures))

        count = lambda status: sum(1 for c in cases if c.expect.status == status)
        self.assertEqual((report["claimed"], report["sent"], report["retrying"], report["dead"],
                          report["deferred"]),
                         (len(cases), count("sent"), count("retrying"), count("dead"),
                          count("scheduled")), report)
        # Each lane waits for its own fault only: the hangs and trickles overlap.
        slow = sum(TIMEOUT_S for c in cases if c.expect.slow)
        self.assertLess(elapsed, slow, f"the pass took {elapsed:.1f}s")
        self.check_fault_server_saw_every_case(cases, faults, h2)
        self.check_operator_views(cases)
        self.check_provider_test_exits_69_on_a_reset(cases)

    def check_row(self, c, d):
        """What is wrong with the row of case `c` (None when nothing)."""
        e = c.expect
        if d["status"] != e.status:
            return f"status {d['status']}"
        if not d["attempts_log"]:
            return "no attempt logged"
        attempt = d["attempts_log"][-1]
        if len(d["attempts_log"]) != 1:
            return f"{len(d['attempts_log'])} attempts logged, expected 1"
        if attempt["outcome"] != e.outcome:
            return f"attempt outcome {attempt['outcome']}"
        if d["attempts"] != e.attempts:
            return f"attempts {d['attempts']}"
        if e.detail and not re.search(e.detail, attempt["detail"]):
            return f"detail does not match {e.detail!r}"
        if e.status == "sent":
            if d["last_error"] is not None or not attempt["detail"]:
                return "sent without a receipt, or with an error"
            return None
        if not d["last_error"]:
            return "no last_error"
        finished = parse_time(attempt["finished_at"])
        took = finished - parse_time(attempt["started_at"])
        # From the claim (all rows are claimed first, one lane after another) to the end of the
        # send: at least the timeout, and far less than the 100 s a hang or trickle would last.
        if e.slow and not TIMEOUT_S - 0.5 <= took <= TIMEOUT_S + 20:
            return f"the attempt took {took:.2f}s; the timeout is {TIMEOUT_S}s"
        if e.wait is not None:
            wait = parse_time(d["due_at"]) - finished
            if not e.wait - 1 <= wait <= e.wait + 1:
                return f"due {wait:.1f}s after the attempt, expected {e.wait}s"
        return None

    def check_fault_server_saw_every_case(self, cases, faults, h2):
        log = faults.requests(10**6, timeout=1.0)
        paths = {entry["path"] for entry in log if entry.get("event") == "request"}
        events = [(entry.get("listener"), entry.get("event")) for entry in log]
        for c in cases:
            if c.provider in REQUEST_PATHS and not c.fault.startswith("tls_"):
                self.assertIn(f"/{c.fault}{REQUEST_PATHS[c.provider]}", paths, c.name)
        tls_cases = [c for c in cases if c.fault in ("tls_untrusted", "smtps_untrusted")]
        self.assertGreaterEqual(events.count(("tls", "handshake_failed")), len(tls_cases))
        self.assertNotIn(("tls", "handshake_succeeded"), events)
        plain_cases = [c for c in cases if c.fault == "tls_plain"]
        self.assertGreaterEqual(events.count(("http", "tls_client_hello")), len(plain_cases))
        for mode in SMTP_FAULTS:
            if mode != "smtps_untrusted":
                self.assertIn((mode, "connection"), events, mode)
        self.assertIn(("smtp_starttls", "handshake_failed"), events)
        h2_paths = {r["path"] for r in h2.requests(10**6, timeout=1.0) if isinstance(r, dict)}
        for c in cases:
            if c.provider == "apns" and c.fault in APNS_TOKENS:
                self.assertIn(f"/3/device/{c.to}", h2_paths, c.name)

    def check_operator_views(self, cases):
        """What the services sent back (junk receipts and error bodies included) reaches the
        operator's views as valid UTF-8, one line per row or event, and crashes none."""
        res = self.notify("events", "--json")
        events = [json.loads(line) for line in res.stdout.splitlines()]
        self.assertGreaterEqual(len(events), 2 * len(cases))
        res = self.notify("ls", "--limit", "1000")
        rows = [line for line in res.stdout.splitlines() if line[:1].isdigit()]
        self.assertEqual(len(rows), len(cases), res.stdout)
        for line in rows:
            self.assertEqual(len(line.split("\t")), 7, line)
        self.notify("show", *[c.id for c in cases])
        self.notify("events")

    def check_provider_test_exits_69_on_a_reset(self, cases):
        """The synchronous path: `notify provider test` through a reset mid-response exits 69
        (unavailable) with one line naming the class, for every provider type."""
        chosen = [c for c in cases if c.fault in ("reset_body", "smtp_reset")]
        self.assertEqual(len({c.provider for c in chosen}), len(HTTP_PROVIDERS) + 2)

        def run(c):
            return c, self.notify("provider", "test", c.name, "--to", c.to, code=69)

        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            for c, res in pool.map(run, chosen):
                self.assertTrue(res.stdout.startswith("transient\t"), res.stdout)
                lines = res.stderr.splitlines()
                self.assertEqual(len(lines), 1, res.stderr)
                self.assertTrue(lines[0].startswith(f"notify: {c.name}: transient: "), lines[0])

    def fake(self, script, *args):
        return Fake(self, script, *args, stderr_path=self.env.path(script + ".stderr"))


if __name__ == "__main__":
    unittest.main()
