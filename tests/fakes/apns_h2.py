#!/usr/bin/python3
"""A fake APNs (HTTP/2, token auth) for the apns provider tests.

Speaks h2c with prior knowledge, or TLS with ALPN h2 when --cert/--key are given. Prints
"LISTENING <port>", then one JSON line per request. Answers like api.push.apple.com:
POST /3/device/<token> with `authorization: bearer <ES256 JWT>`; the device token chooses
the outcome: "bad..." 400 BadDeviceToken, "gone..." or (hex, as real tokens are) "dead..." 410 Unregistered (with timestamp),
"busy..." 429 TooManyRequests, "down..." 503 ServiceUnavailable, "fail..." 500
InternalServerError, "slow..." 200 after 3 s, "stale..." 403 ExpiredProviderToken for the
first JWT the server ever saw on such a token (a renewed JWT passes), anything else 200 with
an apns-id. A JWT whose iat is older than --max-token-age seconds gets 403
ExpiredProviderToken; one whose iss is not --team (when given), whose alg is not ES256 or
that lacks kid gets 403 InvalidProviderToken; none at all 403 MissingProviderToken.
The JWT signature is not checked here (no crypto in the stdlib): the tests verify it.
Each logged request carries "connection", the serial number (1, 2, ...) of the TCP connection
it came on, so tests can prove that a client reuses one connection.

Faults (for tests/e2e/test_provider_faults.py), by the token's prefix, once the JWT passes:
"ra503..." 503 ServiceUnavailable with retry-after: 30, "ra429..." 429 TooManyRequests with
retry-after: 40, "hang..." no answer at all, "trickle..." a 200 HEADERS frame and then one
body byte every 250 ms, "reset..." a 200 HEADERS frame and then a TCP reset, "drop..." a TCP
reset before any answer, "garbage..." binary junk where frames belong, "junkbody..." 200 with
a body of binary junk and an apns-id that is not UTF-8,
"junkerror..." the same with 502, "rststream..." RST_STREAM INTERNAL_ERROR, "goaway..." GOAWAY
INTERNAL_ERROR (for every stream) and close.
"""
import argparse
import asyncio
import base64
import json
import socket
import ssl
import struct
import time
import uuid

import h2.config
import h2.connection
import h2.errors
import h2.events

LOGGED_HEADERS = ("apns-topic", "apns-push-type", "apns-priority", "apns-expiration",
                  "apns-collapse-id", "apns-id", "content-type")
MAX_PAYLOAD = 4096
FAULTS = ("ra503", "ra429", "hang", "trickle", "reset", "drop", "garbage", "junkbody",
          "junkerror", "rststream", "goaway")
GARBAGE = (b"\x00\xff\xfe\x89PNG\r\n\x1a\n{\"not\": json \xc3\x28 \x80\x81\x82" +
           bytes(range(1, 32)))
GARBAGE_ID = b"\xff\xfe\xc3\x28-junk"  # not UTF-8 (control characters would break HTTP/2)
TRICKLE_INTERVAL = 0.25
TRICKLE_MAX_BYTES = 400
STATE = {"stale_jwt": None, "connections": 0}


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def decide(args, method, path, headers, body):
    """Returns (status, reason or None, extra body fields, delay seconds)."""
    if method != "POST":
        return 405, "MethodNotAllowed", {}, 0
    if not path.startswith("/3/device/") or len(path) == len("/3/device/"):
        return 404, "BadPath", {}, 0
    token = path[len("/3/device/"):]
    auth = headers.get("authorization")
    if auth is None:
        return 403, "MissingProviderToken", {}, 0
    if not auth.startswith("bearer ") or auth.count(".") != 2:
        return 403, "InvalidProviderToken", {}, 0
    jwt = auth[len("bearer "):]
    try:
        head, claims = (b64url_json(p) for p in jwt.split(".")[:2])
    except Exception:
        return 403, "InvalidProviderToken", {}, 0
    if head.get("alg") != "ES256" or not head.get("kid") or not isinstance(claims.get("iat"), int):
        return 403, "InvalidProviderToken", {}, 0
    if args.team and claims.get("iss") != args.team:
        return 403, "InvalidProviderToken", {}, 0
    if claims["iat"] < time.time() - args.max_token_age:
        return 403, "ExpiredProviderToken", {}, 0
    if token.startswith("stale"):
        if STATE["stale_jwt"] is None:
            STATE["stale_jwt"] = jwt
        if jwt == STATE["stale_jwt"]:
            return 403, "ExpiredProviderToken", {}, 0
    if not headers.get("apns-topic"):
        return 400, "MissingTopic", {}, 0
    if not body:
        return 400, "PayloadEmpty", {}, 0
    if len(body) > MAX_PAYLOAD:
        return 413, "PayloadTooLarge", {}, 0
    if token.startswith("bad"):
        return 400, "BadDeviceToken", {}, 0
    if token.startswith("gone") or token.startswith("dead"):
        return 410, "Unregistered", {"timestamp": 1700000000000}, 0
    if token.startswith("busy"):
        return 429, "TooManyRequests", {}, 0
    if token.startswith("down"):
        return 503, "ServiceUnavailable", {}, 0
    if token.startswith("fail"):
        return 500, "InternalServerError", {}, 0
    if token.startswith("slow"):
        return 200, None, {}, 3
    return 200, None, {}, 0


class Proto(asyncio.Protocol):
    def __init__(self, args):
        self.args = args
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.streams = {}
        self.transport = None
        self.serial = 0

    def connection_made(self, transport):
        self.transport = transport
        STATE["connections"] += 1
        self.serial = STATE["connections"]
        self.conn.initiate_connection()
        transport.write(self.conn.data_to_send())

    def data_received(self, data):
        try:
            events = self.conn.receive_data(data)
        except Exception:
            self.transport.close()
            return
        for ev in events:
            if isinstance(ev, h2.events.RequestReceived):
                hdrs = {}
                for k, v in ev.headers:
                    hdrs[k.decode() if isinstance(k, bytes) else k] = (
                        v.decode() if isinstance(v, bytes) else v)
                self.streams[ev.stream_id] = {"headers": hdrs, "body": b""}
            elif isinstance(ev, h2.events.DataReceived):
                self.streams[ev.stream_id]["body"] += ev.data
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                self.request_done(ev.stream_id)
        self.flush()

    def flush(self):
        if not self.transport.is_closing():
            self.transport.write(self.conn.data_to_send())

    def request_done(self, sid):
        req = self.streams.pop(sid)
        h = req["headers"]
        method, path = h.get(":method", ""), h.get(":path", "")
        body = req["body"].decode("utf-8", "replace")
        status, reason, extra, delay = decide(self.args, method, path, h, req["body"])
        auth = h.get("authorization", "")
        apns_id = h.get("apns-id") or str(uuid.uuid4()).upper()
        print(json.dumps({
            "method": method, "path": path, "status": status, "reason": reason,
            "apns_id": apns_id,
            "headers": {k: h[k] for k in LOGGED_HEADERS if k in h},
            "auth_scheme": auth.split(" ", 1)[0] if auth else None,
            "jwt": auth.split(" ", 1)[1] if " " in auth else None,
            "body": body, "connection": self.serial}), flush=True)
        token = path[len("/3/device/"):]
        fault = next((f for f in FAULTS if token.startswith(f)), None)
        if status == 200 and fault is not None:
            self.misbehave(sid, fault, apns_id)
        elif delay:
            asyncio.get_running_loop().call_later(delay, self.respond, sid, status, reason, extra,
                                                  apns_id)
        else:
            self.respond(sid, status, reason, extra, apns_id)

    def misbehave(self, sid, fault, apns_id):
        if fault == "ra503":
            self.respond(sid, 503, "ServiceUnavailable", {}, apns_id, [("retry-after", "30")])
        elif fault == "ra429":
            self.respond(sid, 429, "TooManyRequests", {}, apns_id, [("retry-after", "40")])
        elif fault == "hang":
            pass
        elif fault == "trickle":
            self.conn.send_headers(sid, [(":status", "200"), ("apns-id", apns_id)])
            self.flush()
            self.trickle(sid, 0)
        elif fault in ("reset", "drop"):
            if fault == "reset":
                self.conn.send_headers(sid, [(":status", "200"), ("apns-id", apns_id)])
                self.flush()
            sock = self.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
        elif fault == "garbage":
            self.transport.write(GARBAGE * 4)
            self.transport.close()
        elif fault in ("junkbody", "junkerror"):
            status = b"200" if fault == "junkbody" else b"502"
            self.conn.send_headers(sid, [(b":status", status), (b"apns-id", GARBAGE_ID),
                                         (b"content-length", str(len(GARBAGE)).encode())])
            self.conn.send_data(sid, GARBAGE, end_stream=True)
            self.flush()
        elif fault == "rststream":
            self.conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
            self.flush()
        elif fault == "goaway":
            self.conn.close_connection(error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
            self.flush()
            self.transport.close()

    def trickle(self, sid, sent):
        if self.transport.is_closing() or sent >= TRICKLE_MAX_BYTES:
            return
        try:
            self.conn.send_data(sid, b" ")
        except Exception:
            return  # the client reset the stream (it timed out)
        self.flush()
        asyncio.get_running_loop().call_later(TRICKLE_INTERVAL, self.trickle, sid, sent + 1)

    def respond(self, sid, status, reason, extra, apns_id, more_headers=()):
        if self.transport.is_closing():
            return
        hdrs = [(":status", str(status)), ("apns-id", apns_id), *more_headers]
        data = b""
        if reason:
            data = json.dumps(dict({"reason": reason}, **extra)).encode()
            hdrs += [("content-type", "application/json"), ("content-length", str(len(data)))]
        try:
            self.conn.send_headers(sid, hdrs, end_stream=not data)
            if data:
                self.conn.send_data(sid, data, end_stream=True)
        except Exception:
            return  # the client reset the stream (e.g. it timed out)
        self.flush()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--team")
    ap.add_argument("--max-token-age", type=int, default=3600)
    args = ap.parse_args()
    ctx = None
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        ctx.set_alpn_protocols(["h2"])
    srv = await asyncio.get_running_loop().create_server(lambda: Proto(args), "127.0.0.1",
                                                         args.port, ssl=ctx)
    print("LISTENING", srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()


asyncio.run(main())
