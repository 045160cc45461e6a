"""Fake Twilio Messages API and Vonage SMS API on one loopback server.

Usage: sms_api.py [--tls CERT KEY]
Prints "LISTENING <port>", then one JSON line per request:
{"method", "path", "headers": {...}, "body", "form": {name: value}}.

Twilio: POST /2010-04-01/Accounts/<AccountSid>/Messages.json (HTTP basic auth). The password
"wrong" gets 401 code 20003. The To number picks the answer (Twilio's magic test numbers where
they exist):
  +15005550001 400 21211 invalid To        +15005550002 400 21612 unroutable
  +15005550003 400 21408 region disabled   +15005550004 400 21610 unsubscribed (STOP)
  +15005550009 400 21614 not mobile        +15005550010 400 21608 unverified (trial)
  +15005550429 429 20429 Retry-After: 7    +15005550503 503 (HTML body)
  +15005550500 500 20500                   +15005550408 answers 201 after 3 s
From +15005550007 gets 400 21606. Anything else: 201 with a message resource.

Vonage: POST /sms/json (form). api_secret "wrong" gets status 4. The "to" number picks the
answer: 150055500<SS> answers status SS with a Vonage error text (e.g.
15005550003 status 3 "Invalid to address", 15005550015 status 15); 15005550099 answers status 3
"Invalid from param"; 15005550429 HTTP 429 with Retry-After: 9; 15005550503 HTTP 503;
15005550408 answers after 3 s; 15005550777 answers segment 1 ok and segment 2 status 5.
Otherwise one message per segment (153 GSM / 67 unicode characters), all status "0".
"""
import base64
import json
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

LOCK = threading.Lock()
COUNTER = [0]

TWILIO_ERRORS = {
    "+15005550001": (400, 21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (400, 21612, "The 'To' phone number: +15005550002, is not currently "
                                 "reachable using the 'From' phone number via SMS."),
    "+15005550003": (400, 21408, "Permission to send an SMS has not been enabled for the "
                                 "region indicated by the 'To' number: +15005550003."),
    "+15005550004": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (400, 21614, "'To' number is not a valid mobile number"),
    "+15005550010": (400, 21608, "The number +15005550010 is unverified. Trial accounts cannot "
                                 "send messages to unverified numbers."),
    "+15005550429": (429, 20429, "Too Many Requests"),
    "+15005550500": (500, 20500, "Internal Server Error"),
}

VONAGE_TEXTS = {
    1: "Throughput Rate Exceeded - please wait [ 30 ] and retry",
    2: "Missing api_key",
    3: "Invalid to address",
    4: "Bad Credentials",
    5: "Internal Error",
    6: "Invalid Message",
    7: "Number barred.",
    8: "Account suspended",
    9: "Partner quota exceeded",
    10: "Too many existing binds",
    15: "Illegal Sender Address - rejected",
}


def next_id():
    with LOCK:
        COUNTER[0] += 1
        return COUNTER[0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json", headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode("utf-8", "replace")
        form = dict(parse_qsl(raw, keep_blank_values=True))
        print(json.dumps({
            "method": "POST",
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()
                        if k.lower() in ("content-type", "authorization", "accept")},
            "body": raw,
            "form": form,
        }), flush=True)
        twilio = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Messages\.json", self.path)
        if twilio:
            self.twilio(twilio.group(1), form)
        elif self.path == "/sms/json":
            self.vonage(form)
        else:
            self.reply(404, json.dumps({"code": 20404, "message": "The requested resource "
                                        + self.path + " was not found", "status": 404}))

    def twilio_error(self, status, code, message, headers=None):
        self.reply(status, json.dumps({
            "code": code, "message": message,
            "more_info": "https://www.twilio.com/docs/errors/%d" % code, "status": status,
        }), headers=headers)

    def twilio(self, account, form):
        auth = self.headers.get("Authorization", "")
        password = None
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        if password is None or password == "wrong":
            self.twilio_error(401, 20003, "Authenticate",
                              {"WWW-Authenticate": 'Basic realm="Twilio API"'})
            return
        to = form.get("To", "")
        if not to:
            self.twilio_error(400, 21604, "A 'To' phone number is required.")
            return
        if "From" not in form and "MessagingServiceSid" not in form:
            self.twilio_error(400, 21603, "A 'From' phone number is required.")
            return
        if not form.get("Body"):
            self.twilio_error(400, 21602, "Message body is required.")
            return
        if "ValidityPeriod" in form and not 1 <= int(form["ValidityPeriod"]) <= 36000:
            self.twilio_error(400, 21624, "Invalid validity period value")
            return
        if form.get("From") == "+15005550007":
            self.twilio_error(400, 21606, "The 'From' phone number provided is not a valid "
                              "message-capable Twilio phone number for this destination.")
            return
        if to == "+15005550503":
            self.reply(503, "<html><body>Service Unavailable</body></html>", "text/html")
            return
        if to in TWILIO_ERRORS:
            status, code, message = TWILIO_ERRORS[to]
            self.twilio_error(status, code, message,
                              {"Retry-After": "7"} if status == 429 else None)
            return
        if to == "+15005550408":
            time.sleep(3)
        sid = "SM%032x" % next_id()
        self.reply(201, json.dumps({
            "account_sid": account, "api_version": "2010-04-01", "body": form["Body"],
            "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "num_media": "0",
            "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
            "status": "accepted" if "MessagingServiceSid" in form else "queued", "to": to,
            "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (account, sid),
        }))

    def vonage(self, form):
        to = form.get("to", "")
        if to == "15005550429":
            self.reply(429, "Too Many Requests", "text/plain", {"Retry-After": "9"})
            return
        if to == "15005550503":
            self.reply(503, "<html><body>Service Unavailable</body></html>", "text/html")
            return
        if to == "15005550408":
            time.sleep(3)
        for name in ("api_key", "api_secret", "from", "to", "text"):
            if not form.get(name):
                self.vonage_status([(2, "Missing " + name)])
                return
        if form["api_secret"] == "wrong":
            self.vonage_status([(4, VONAGE_TEXTS[4])])
            return
        if to == "15005550099":
            self.vonage_status([(3, "Invalid from param")])
            return
        match = re.fullmatch(r"150055500(\d\d)", to)
        if match and int(match.group(1)) in VONAGE_TEXTS:
            status = int(match.group(1))
            self.vonage_status([(status, VONAGE_TEXTS[status])])
            return
        text = form["text"]
        per = 67 if form.get("type") == "unicode" else 153
        limit = 70 if form.get("type") == "unicode" else 160
        segments = 1 if len(text) <= limit else -(-len(text) // per)
        statuses = [(0, None)] * segments
        if to == "15005550777":
            statuses = [(0, None), (5, VONAGE_TEXTS[5])] + [(0, None)] * max(0, segments - 2)
        self.vonage_status(statuses, form)

    def vonage_status(self, statuses, form=None):
        messages = []
        for status, text in statuses:
            if status == 0:
                messages.append({
                    "to": form["to"], "message-id": "%016X" % next_id(), "status": "0",
                    "remaining-balance": "15.53590000", "message-price": "0.03330000",
                    "network": "23410", "client-ref": form.get("client-ref", ""),
                })
            else:
                messages.append({"status": str(status), "error-text": text})
        self.reply(200, json.dumps({"message-count": str(len(messages)), "messages": messages}))


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("LISTENING %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
