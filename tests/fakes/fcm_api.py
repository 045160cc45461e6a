#!/usr/bin/python3
"""A fake Google OAuth2 token endpoint and FCM HTTP v1 API for the fcm provider tests.

HTTP/1.1 (TLS when --cert/--key are given). Prints "LISTENING <port>", then one JSON line
per request. POST /token takes the jwt-bearer grant (grant_type checked, the assertion must
be a three-part JWT with RS256, iss, scope, aud, iat and exp at most an hour after iat; an
iss starting with "revoked" gets invalid_grant "Invalid JWT Signature.") and returns
{"access_token","expires_in":3599,"token_type":"Bearer"}. POST
/v1/projects/<p>/messages:send needs one of the issued access tokens (else 401
UNAUTHENTICATED) and answers with FCM's real error bodies, chosen by message.token:
"bad..." 400 INVALID_ARGUMENT (not a valid registration token), "gone..." 404 UNREGISTERED,
"mismatch..." 403 SENDER_ID_MISMATCH, "busy..." 429 QUOTA_EXCEEDED with Retry-After: 120,
"quota..." 429 QUOTA_EXCEEDED without it, "down..." 503 UNAVAILABLE with Retry-After: 30,
"internal..." 500 INTERNAL, "apnsauth..." 401 THIRD_PARTY_AUTH_ERROR, "auth..." 401
UNAUTHENTICATED always, "revoke..." revokes every access token once (answering 401), "slow..."
200 after 3 s; else 200 {"name": "projects/<p>/messages/<id>"}. Non-string data values and
reserved data keys get 400 INVALID_ARGUMENT.
"""
import argparse
import base64
import json
import re
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"tokens": set(), "issued": 0, "revoked_once": False, "sent": 0}
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")
RESERVED = re.compile(r"^(from|notification|message_type|collapse_key|google\..*|gcm\..*)$")


def log(entry):
    with LOCK:
        print(json.dumps(entry), flush=True)


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def fcm_error(code, message, status, error_code=None):
    err = {"code": code, "message": message, "status": status}
    if error_code:
        err["details"] = [{"@type": FCM_ERROR, "errorCode": error_code}]
    return {"error": err}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(404, fcm_error(404, "Not found", "NOT_FOUND"))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode("utf-8", "replace")
        if self.path == "/token":
            self.token(raw)
        elif re.fullmatch(r"/v1/projects/[^/]+/messages:send", self.path):
            self.send_message(raw)
        else:
            self.reply(404, fcm_error(404, "Not found", "NOT_FOUND"))

    def token(self, raw):
        form = urllib.parse.parse_qs(raw)
        grant = form.get("grant_type", [""])[0]
        assertion = form.get("assertion", [""])[0]
        status, body = 200, None
        if grant != GRANT:
            status, body = 400, {"error": "unsupported_grant_type",
                                 "error_description": "Invalid grant_type: " + grant}
        else:
            try:
                parts = assertion.split(".")
                if len(parts) != 3 or not parts[2]:
                    raise ValueError("not a three-part JWT")
                head, claims = b64url_json(parts[0]), b64url_json(parts[1])
                if head.get("alg") != "RS256":
                    raise ValueError("alg")
                for claim in ("iss", "scope", "aud", "iat", "exp"):
                    if claim not in claims:
                        raise ValueError(claim)
            except Exception:
                status, body = 400, {"error": "invalid_grant", "error_description": "Invalid JWT."}
            else:
                if claims["exp"] - claims["iat"] > 3600 or claims["exp"] <= claims["iat"]:
                    status, body = 400, {"error": "invalid_grant", "error_description":
                                         "Invalid JWT: Token must be a short-lived token (60 "
                                         "minutes) and in a reasonable timeframe. Check your iat "
                                         "and exp values in the JWT claim."}
                elif str(claims["iss"]).startswith("revoked"):
                    status, body = 400, {"error": "invalid_grant",
                                         "error_description": "Invalid JWT Signature."}
        if status == 200:
            with LOCK:
                STATE["issued"] += 1
                token = "ya29.fake-access-token-%d" % STATE["issued"]
                STATE["tokens"].add(token)
            body = {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        log({"method": "POST", "path": self.path, "status": status,
             "content_type": self.headers.get("Content-Type"), "grant_type": grant,
             "assertion": assertion})
        self.reply(status, body)

    def send_message(self, raw):
        project = self.path.split("/")[3]
        auth = self.headers.get("Authorization", "")
        bearer = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        try:
            message = json.loads(raw)["message"]
            token = message.get("token", "")
        except Exception:
            message, token = None, ""
        status, body, headers, delay = self.decide(project, bearer, message, token)
        log({"method": "POST", "path": self.path, "status": status, "authorization": auth,
             "content_type": self.headers.get("Content-Type"), "body": raw})
        if delay:
            time.sleep(delay)
        self.reply(status, body, headers)

    def decide(self, project, bearer, message, token):
        unauthenticated = (401, fcm_error(401, UNAUTHENTICATED, "UNAUTHENTICATED"),
                           [("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/", '
                                                 'error="invalid_token"')], 0)
        with LOCK:
            valid = bearer in STATE["tokens"]
            if valid and token.startswith("revoke") and not STATE["revoked_once"]:
                STATE["revoked_once"] = True
                STATE["tokens"].clear()
                valid = False
        if not valid or token.startswith("auth"):
            return unauthenticated
        if message is None:
            return 400, fcm_error(400, "Invalid JSON payload received.", "INVALID_ARGUMENT"), [], 0
        if not token:
            return 400, fcm_error(400, "Recipient of the message is not set.", "INVALID_ARGUMENT",
                                  "INVALID_ARGUMENT"), [], 0
        for key, value in (message.get("data") or {}).items():
            if not isinstance(value, str):
                return 400, fcm_error(400, "Invalid value at 'message.data[0].value' (TYPE_STRING)",
                                      "INVALID_ARGUMENT"), [], 0
            if RESERVED.match(key):
                return 400, fcm_error(400, "Invalid data payload key: " + key, "INVALID_ARGUMENT",
                                      "INVALID_ARGUMENT"), [], 0
        ttl = (message.get("android") or {}).get("ttl")
        if ttl is not None and not re.fullmatch(r"\d+(\.\d{1,9})?s", ttl):
            return 400, fcm_error(400, "Invalid value at 'message.android.ttl' (type.googleapis."
                                  "com/google.protobuf.Duration), Field 'ttl', Illegal duration "
                                  "format; duration must end with 's'", "INVALID_ARGUMENT"), [], 0
        if token.startswith("bad"):
            return 400, fcm_error(400, "The registration token is not a valid FCM registration "
                                  "token", "INVALID_ARGUMENT", "INVALID_ARGUMENT"), [], 0
        if token.startswith("gone"):
            return 404, fcm_error(404, "Requested entity was not found.", "NOT_FOUND",
                                  "UNREGISTERED"), [], 0
        if token.startswith("mismatch"):
            return 403, fcm_error(403, "SenderId mismatch", "PERMISSION_DENIED",
                                  "SENDER_ID_MISMATCH"), [], 0
        if token.startswith("busy") or token.startswith("quota"):
            headers = [("Retry-After", "120")] if token.startswith("busy") else []
            return 429, fcm_error(429, "Quota exceeded for quota metric 'Send requests' and limit "
                                  "'Send requests per minute' of service "
                                  "'fcm.googleapis.com'", "RESOURCE_EXHAUSTED",
                                  "QUOTA_EXCEEDED"), headers, 0
        if token.startswith("down"):
            return 503, fcm_error(503, "The service is currently unavailable.", "UNAVAILABLE",
                                  "UNAVAILABLE"), [("Retry-After", "30")], 0
        if token.startswith("internal"):
            return 500, fcm_error(500, "Internal error encountered.", "INTERNAL", "INTERNAL"), [], 0
        if token.startswith("apnsauth"):
            return 401, fcm_error(401, "Auth error from APNS or Web Push Service",
                                  "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"), [], 0
        with LOCK:
            STATE["sent"] += 1
            n = STATE["sent"]
        name = "projects/%s/messages/0:%d%%%08x" % (project, 1700000000000000 + n, n)
        return 200, {"name": name}, [], 3 if token.startswith("slow") else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("LISTENING", server.server_address[1], flush=True)
    server.serve_forever()


main()
