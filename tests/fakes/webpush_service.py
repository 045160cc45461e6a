"""Fake Web Push service (RFC 8030) that also plays the browser: it decrypts each message
(RFC 8291, aes128gcm) with the subscription's private key and verifies the VAPID token
(RFC 8292). Needs python3-cryptography.

Usage: webpush_service.py [--tls CERT KEY] [--vapid-key B64URL]
Prints "LISTENING <port>", then {"subscription": {"endpoint", "keys": {"p256dh", "auth"}}}
(a key pair and auth secret made at startup; the endpoint is <base>/push/<token>, and any other
path on this server shares the subscription's keys), then one JSON line per request:
{"method", "path", "status", "headers": {content-type, content-encoding, ttl, urgency, topic},
"body_length", "record_size", "plaintext" (str or null), "decrypt_error",
"vapid": {"ok", "error", "header", "claims", "k", "jwt"}}, printed before the answer is sent.

--vapid-key binds the subscription to that applicationServerKey: another k gets 403.
Answers (autopush-style JSON errors: code, errno, error, message, more_info), by path prefix:
  /gone 410 errno 106     /notfound 404 errno 102    /busy 429 Retry-After: 120
  /down 503 errno 201 Retry-After: 30                 /auth 401 errno 109
  /bad 400 errno 110      /toolarge 413 errno 104     /slow answers 201 after 3 s
  /accepted 202           otherwise 201 with Location: <base>/m/<id> and the TTL header.
Real checks first: a missing or malformed TTL is 400 errno 111, a Content-Encoding other than
aes128gcm 400 errno 110, a body over 4096 bytes 413 errno 104, a VAPID token that does not
verify (signature, typ/alg, aud = this origin, exp in (now, now + 24 h], sub mailto:/https:)
401 errno 109.
"""
import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

LOCK = threading.Lock()
COUNTER = [0]
MORE_INFO = "http://autopush.readthedocs.io/en/latest/http.html#error-codes"

UA_PRIVATE = ec.generate_private_key(ec.SECP256R1())
UA_PUBLIC = UA_PRIVATE.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
AUTH_SECRET = os.urandom(16)
BOUND_KEY = None  # --vapid-key
ORIGIN = [""]

ERRORS = {
    "/gone": (410, 106, "Gone", "Request did not validate: subscription expired"),
    "/notfound": (404, 102, "Not Found", "Request did not validate invalid token"),
    "/busy": (429, 999, "Too Many Requests", "Too many messages to this subscription"),
    "/down": (503, 201, "Service Unavailable", "Service temporarily unavailable"),
    "/auth": (401, 109, "Unauthorized", "Request did not validate: invalid VAPID credentials"),
    "/bad": (400, 110, "Bad Request", "Invalid crypto headers"),
    "/toolarge": (413, 104, "Payload Too Large", "This message is intended for a constrained "
                  "device and is limited to 4096 bytes. Converted buffer too long by 12 bytes"),
}
RETRY_AFTER = {"/busy": "120", "/down": "30"}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hmac256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def decrypt(body):
    """The browser's side of RFC 8291: returns (plaintext bytes, record size)."""
    if len(body) < 21:
        raise ValueError("body shorter than the aes128gcm header")
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    keyid, ciphertext = body[21:21 + idlen], body[21 + idlen:]
    if idlen != 65:
        raise ValueError("keyid is %d bytes, expected 65" % idlen)
    if len(ciphertext) > rs:
        raise ValueError("more than one record (%d bytes, rs %d)" % (len(ciphertext), rs))
    as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)
    shared = UA_PRIVATE.exchange(ec.ECDH(), as_public)
    prk_key = hmac256(AUTH_SECRET, shared)
    ikm = hmac256(prk_key, b"WebPush: info\x00" + UA_PUBLIC + keyid + b"\x01")
    prk = hmac256(salt, ikm)
    cek = hmac256(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = hmac256(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 2:
        raise ValueError("no last-record padding delimiter")
    return stripped[:-1], rs


def verify_vapid(authorization):
    """Checks an RFC 8292 "vapid t=..., k=..." header; returns the result as a dict."""
    result = {"ok": False, "error": None, "header": None, "claims": None, "k": None, "jwt": None}
    if not authorization.startswith("vapid "):
        result["error"] = "Authorization is not the vapid scheme"
        return result
    params = {}
    for part in authorization[len("vapid "):].split(","):
        name, _, value = part.strip().partition("=")
        params[name.strip()] = value.strip()
    token, key = params.get("t"), params.get("k")
    result["k"], result["jwt"] = key, token
    if not token or not key:
        result["error"] = "missing t or k"
        return result
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        head_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(unb64url(head_b64))
        claims = json.loads(unb64url(claims_b64))
        result["header"], result["claims"] = header, claims
        signature = unb64url(sig_b64)
        if len(signature) != 64:
            raise ValueError("signature is %d bytes, expected 64 (raw r||s)" % len(signature))
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                   int.from_bytes(signature[32:], "big"))
        public.verify(der, (head_b64 + "." + claims_b64).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        result["error"] = "bad signature"
        return result
    except (ValueError, TypeError) as e:
        result["error"] = "malformed token: %s" % e
        return result
    now = time.time()
    if header.get("alg") != "ES256" or header.get("typ", "JWT") != "JWT":
        result["error"] = "header is not typ JWT, alg ES256"
    elif claims.get("aud") != ORIGIN[0]:
        result["error"] = "aud %r is not %r" % (claims.get("aud"), ORIGIN[0])
    elif not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + 86400:
        result["error"] = "exp is not within 24 hours"
    elif not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        result["error"] = "sub is not a mailto: or https: URL"
    else:
        result["ok"] = True
    return result


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    @staticmethod
    def error(status, errno, error, message, extra=None):
        body = json.dumps({"code": status, "errno": errno, "error": error, "message": message,
                           "more_info": MORE_INFO}).encode()
        return status, dict(extra or {}, **{"Content-Type": "application/json"}), body

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        entry = {
            "method": "POST",
            "path": self.path,
            "headers": {name: self.headers.get(name) for name in
                        ("content-type", "content-encoding", "ttl", "urgency", "topic")},
            "body_length": len(body),
            "record_size": None,
            "plaintext": None,
            "decrypt_error": None,
        }
        try:
            plaintext, entry["record_size"] = decrypt(body)
            entry["plaintext"] = plaintext.decode("utf-8")
        except Exception as e:  # any failure is reported to the test, never fatal
            entry["decrypt_error"] = "%s: %s" % (type(e).__name__, e)
        vapid = verify_vapid(self.headers.get("Authorization", ""))
        entry["vapid"] = vapid
        status, headers, reply = self.answer(body, vapid)
        entry["status"] = status
        with LOCK:  # logged before the answer, so the log follows the client's order
            print(json.dumps(entry), flush=True)
        if self.path.startswith("/slow"):
            time.sleep(3)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def answer(self, body, vapid):
        """Returns (status, headers, body) for the request."""
        ttl = self.headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            return self.error(400, 111, "Bad Request", "Missing TTL header")
        if self.headers.get("Content-Encoding") != "aes128gcm":
            return self.error(400, 110, "Bad Request", "Unknown Content-Encoding")
        if len(body) > 4096:
            return self.error(413, 104, "Payload Too Large",
                              "Converted buffer too long by %d bytes" % (len(body) - 4096))
        if not vapid["ok"]:
            return self.error(401, 109, "Unauthorized",
                              "Request did not validate: " + vapid["error"])
        if BOUND_KEY is not None and vapid["k"] != BOUND_KEY:
            return self.error(403, 109, "Forbidden",
                              "the key in the authorization header does not correspond to the "
                              "applicationServerKey of the subscription")
        for prefix, (status, errno, error, message) in ERRORS.items():
            if self.path.startswith(prefix):
                extra = {"Retry-After": RETRY_AFTER[prefix]} if prefix in RETRY_AFTER else None
                return self.error(status, errno, error, message, extra)
        with LOCK:
            COUNTER[0] += 1
            message_id = "msg-%d" % COUNTER[0]
        status = 202 if self.path.startswith("/accepted") else 201
        return status, {"Location": ORIGIN[0] + "/m/" + message_id, "TTL": ttl}, b""


def main():
    global BOUND_KEY
    args = sys.argv[1:]
    cert = key = None
    while args:
        if args[0] == "--tls" and len(args) >= 3:
            cert, key, args = args[1], args[2], args[3:]
        elif args[0] == "--vapid-key" and len(args) >= 2:
            BOUND_KEY, args = args[1], args[2:]
        else:
            print("usage: webpush_service.py [--tls CERT KEY] [--vapid-key B64URL]", flush=True)
            sys.exit(2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http"
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    port = server.server_address[1]
    ORIGIN[0] = "%s://127.0.0.1:%d" % (scheme, port)
    print("LISTENING %d" % port, flush=True)
    print(json.dumps({"subscription": {
        "endpoint": ORIGIN[0] + "/push/" + b64url(os.urandom(12)),
        "expirationTime": None,
        "keys": {"p256dh": b64url(UA_PUBLIC), "auth": b64url(AUTH_SECRET)},
    }}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
