"""Fake HTTP receivers for the webhook and slack providers.

Usage: http_hook.py [--tls CERT KEY] [--secret KEY]

Prints "LISTENING <port>", then one JSON line per request: method, path, the headers of
interest, the raw body, the parsed JSON body (or null) and, with --secret, whether the
X-Notify-Signature matches HMAC-SHA256(KEY, timestamp + "." + body).

Behaviour is chosen by the path's last segment:
  /hook/<mode>        a generic webhook receiver
      ok 200 {"id": "evt_N"} | empty 204 | plain 200 text | gone 410 | busy 429 Retry-After: 7
      | busydate 429 Retry-After: <HTTP-date 120 s ahead> | down 503 Retry-After: 2
      | auth 401 | forbidden 403 | bad 422 | notfound 404 | moved 301 | slow 200 after 3 s
  /services/T0/B0/<mode>   a Slack incoming webhook (plain-text replies like hooks.slack.com)
      ok 200 "ok" | notfound 404 channel_not_found | archived 410 channel_is_archived
      | revoked 404 no_service | badtoken 403 invalid_token | prohibited 403 action_prohibited
      | busy 429 Retry-After: 30 | down 503 | slow "ok" after 3 s
    A Slack body that is not a JSON object answers 400 invalid_payload; one without text
    answers 400 no_text, whatever the mode.
"""

import email.utils
import hashlib
import hmac
import http.server
import itertools
import json
import ssl
import sys
import threading
import time

HEADERS = ["content-type", "user-agent", "idempotency-key", "x-notify-signature",
           "x-notify-timestamp", "x-env", "authorization", "expect", "x-custom"]

SECRET = None
COUNTER = itertools.count(1)
LOG_LOCK = threading.Lock()


def log(entry):
    with LOG_LOCK:
        print(json.dumps(entry), flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep stdout for the request log
        pass

    def reply(self, status, body, content_type="application/json", headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if status != 204:
            self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {h: self.headers[h] for h in HEADERS if self.headers[h] is not None},
            "body": raw.decode("utf-8", "replace"),
            "json": parsed,
        }
        if SECRET is not None:
            ts = self.headers.get("X-Notify-Timestamp", "")
            want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + raw,
                                        hashlib.sha256).hexdigest()
            entry["signature_ok"] = hmac.compare_digest(
                want, self.headers.get("X-Notify-Signature", ""))
        log(entry)
        mode = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        try:
            if self.path.startswith("/services/"):
                self.slack(mode, parsed)
            else:
                self.hook(mode)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_PUT = do_POST

    def hook(self, mode):
        error = lambda message: json.dumps({"error": message})
        if mode == "ok":
            self.reply(200, json.dumps({"id": "evt_%d" % next(COUNTER), "received": True}))
        elif mode == "empty":
            self.reply(204, "")
        elif mode == "plain":
            self.reply(200, "thanks", "text/plain")
        elif mode == "gone":
            self.reply(410, error("endpoint disabled"))
        elif mode == "busy":
            self.reply(429, error("slow down"), headers={"Retry-After": "7"})
        elif mode == "busydate":
            when = email.utils.formatdate(time.time() + 120, usegmt=True)
            self.reply(429, error("slow down"), headers={"Retry-After": when})
        elif mode == "down":
            self.reply(503, "upstream unavailable\n", "text/plain", {"Retry-After": "2"})
        elif mode == "auth":
            self.reply(401, json.dumps({"error": {"message": "invalid signature"}}))
        elif mode == "forbidden":
            self.reply(403, error("forbidden"))
        elif mode == "bad":
            self.reply(422, error("unprocessable: missing field 'kind'"))
        elif mode == "notfound":
            self.reply(404, "Not Found", "text/plain")
        elif mode == "moved":
            self.reply(301, "", "text/plain", {"Location": "https://elsewhere.example/hook"})
        elif mode == "slow":
            time.sleep(3)
            self.reply(200, "{}")
        else:
            self.reply(404, "Not Found", "text/plain")

    def slack(self, mode, payload):
        plain = lambda status, text, headers=None: self.reply(status, text, "text/html", headers)
        if not isinstance(payload, dict):
            return plain(400, "invalid_payload")
        if not payload.get("text") and not payload.get("blocks"):
            return plain(400, "no_text")
        if mode == "ok":
            plain(200, "ok")
        elif mode == "notfound":
            plain(404, "channel_not_found")
        elif mode == "archived":
            plain(410, "channel_is_archived")
        elif mode == "revoked":
            plain(404, "no_service")
        elif mode == "badtoken":
            plain(403, "invalid_token")
        elif mode == "prohibited":
            plain(403, "action_prohibited")
        elif mode == "busy":
            plain(429, "rate_limited", {"Retry-After": "30"})
        elif mode == "down":
            plain(503, "service_unavailable")
        elif mode == "slow":
            time.sleep(3)
            plain(200, "ok")
        else:
            plain(404, "no_service")


def main():
    global SECRET
    args = sys.argv[1:]
    tls = None
    while args:
        if args[0] == "--tls":
            tls, args = (args[1], args[2]), args[3:]
        elif args[0] == "--secret":
            SECRET, args = args[1], args[2:]
        else:
            sys.exit("unknown argument " + args[0])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("LISTENING %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
