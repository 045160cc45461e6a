#!/usr/bin/python3
"""A misbehaving loopback service for the provider fault tests (stdlib only, raw sockets).

Usage: fault_server.py [--cert CERT --key KEY]

Prints "LISTENING <http port>", then one JSON line {"ports": {...}} naming every listener's
port, then one JSON line per connection it served: {"listener", "mode", "path", "event"}.

Listeners:
  http    HTTP/1.1; the first path segment picks the fault (/<mode>/anything...):
            500             500 with a JSON error body
            503             503 with Retry-After: 30
            429             429 with Retry-After: 40
            hang            reads the request and never answers (until the client gives up)
            trickle         200 headers with Content-Length: 100000, then one body byte
                            every 250 ms
            reset_headers   half a status line and header, then a TCP reset (SO_LINGER 0)
            reset_body      200 headers with Content-Length: 1000 and 10 body bytes, then a
                            TCP reset
            garbage_status  binary junk where the status line belongs, then close
            garbage_body    200, Content-Type: application/json, a body of binary junk, and
                            Location and X-Message-Id headers of junk (control characters,
                            bytes that are not UTF-8)
            garbage_error   502 with a body of binary junk
            ok              200 {"access_token": ..., "expires_in": 3600} (an OAuth2 token
                            endpoint, for fcm's service account)
          A TLS ClientHello on this port gets a plain-text 400 (TLS expected, plain text found).
  tls     (with --cert/--key) TLS with that certificate, which the client is not told to
          trust: the handshake fails at the client. Should it succeed, the connection is
          answered like "http" (so a test sees the unexpected success).
  smtp_*  one SMTP server per fault:
            smtp_reset      greets, accepts MAIL/RCPT/DATA, resets the connection after the
                            message's final "." (before the reply: a possible duplicate)
            smtp_421        greets with 421 4.3.2 and closes
            smtp_451        451 4.3.0 at RCPT
            smtp_554        554 5.7.1 after the message's final "."
            smtp_hang       accepts and never greets
            smtp_trickle    trickles its greeting one byte every 250 ms
            smtp_garbage    greets with binary junk and closes
            smtp_starttls   (with --cert/--key) offers STARTTLS and handshakes with the
                            untrusted certificate
            smtp_nostarttls does not offer STARTTLS (a client that requires it must stop)
"""

import argparse
import json
import socket
import ssl
import struct
import threading
import time

LOG_LOCK = threading.Lock()
GARBAGE = (b"\x00\xff\xfe\x89PNG\r\n\x1a\n{\"not\": json \xc3\x28 \x80\x81\x82" +
           bytes(range(1, 32)))
# Receipt-bearing headers (webpush's Location, sendgrid's X-Message-Id) full of junk: control
# characters and bytes that are not UTF-8.
GARBAGE_HEADERS = (b"Location: /m/\x01\x7f\xff\xfe\xc3\x28\tjunk",
                   b"X-Message-Id: \x01\x02\xff\xfe\xc3\x28id")
TRICKLE_INTERVAL = 0.25
TRICKLE_MAX_BYTES = 400  # 100 s: far past any client timeout, yet the thread ends
SMTP_MODES = ("smtp_reset", "smtp_421", "smtp_451", "smtp_554", "smtp_hang", "smtp_trickle",
              "smtp_garbage", "smtp_starttls", "smtp_nostarttls")


def log(**entry):
    with LOG_LOCK:
        print(json.dumps(entry), flush=True)


def reset(sock):
    """Closes `sock` with a TCP RST instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def wait_for_close(sock, limit=120.0):
    """Blocks until the peer closes `sock` (or `limit` seconds pass); reads and drops data."""
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def trickle(sock, data):
    """Sends `data` one byte every TRICKLE_INTERVAL seconds until the peer goes away."""
    for i in range(min(len(data), TRICKLE_MAX_BYTES)):
        try:
            sock.sendall(data[i:i + 1])
        except OSError:
            return
        time.sleep(TRICKLE_INTERVAL)


# --- HTTP/1.1 ---------------------------------------------------------------------------------
def read_request(sock):
    """Reads one request; returns (method, path, headers) or None (closed, or TLS on plain
    text: then a plain-text 400 was sent)."""
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
        if data[:1] == b"\x16":  # a TLS handshake record: the client expected TLS
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return "tls_on_plain"
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    method, path = (parts[0], parts[1]) if len(parts) >= 2 else ("?", "/")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    want = int(headers.get("content-length", "0") or 0)
    while len(body) < want:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return method, path, headers


def response(status, reason, body=b"", content_type="application/json", extra=()):
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}", "Connection: close", *extra]
    return b"\r\n".join(h if isinstance(h, bytes) else h.encode() for h in head) + \
        b"\r\n\r\n" + body


def serve_http(sock, listener):
    request = read_request(sock)
    if request is None:
        log(listener=listener, mode=None, path=None, event="closed")
        sock.close()
        return
    if request == "tls_on_plain":
        log(listener=listener, mode="tls_on_plain", path=None, event="tls_client_hello")
        sock.close()
        return
    method, path, _ = request
    mode = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    log(listener=listener, mode=mode, path=path, event="request")
    error = lambda text: json.dumps({"error": {"code": 0, "message": text}}).encode()
    if mode == "500":
        sock.sendall(response(500, "Internal Server Error", error("fault: internal error")))
    elif mode == "503":
        sock.sendall(response(503, "Service Unavailable", error("fault: unavailable"),
                              extra=["Retry-After: 30"]))
    elif mode == "429":
        sock.sendall(response(429, "Too Many Requests", error("fault: slow down"),
                              extra=["Retry-After: 40"]))
    elif mode == "hang":
        wait_for_close(sock)
    elif mode == "trickle":
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        trickle(sock, b"{" + b" " * 99999)
    elif mode == "reset_headers":
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Ty")
        time.sleep(0.1)
        reset(sock)
        return
    elif mode == "reset_body":
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"name\": \"")
        time.sleep(0.1)
        reset(sock)
        return
    elif mode == "garbage_status":
        sock.sendall(GARBAGE + b"\r\n\r\n")
    elif mode == "garbage_body":
        sock.sendall(response(200, "OK", GARBAGE, extra=GARBAGE_HEADERS))
    elif mode == "garbage_error":
        sock.sendall(response(502, "Bad Gateway", GARBAGE))
    elif mode == "ok":
        sock.sendall(response(200, "OK", json.dumps(
            {"access_token": "ya29.fault-server", "expires_in": 3600,
             "token_type": "Bearer"}).encode()))
    else:
        sock.sendall(response(404, "Not Found", error("fault: unknown mode " + mode)))
    sock.close()


def serve_tls(sock, context):
    try:
        tls = context.wrap_socket(sock, server_side=True)
    except (ssl.SSLError, OSError) as e:
        log(listener="tls", mode="tls_untrusted", path=None, event="handshake_failed",
            error=str(e)[:200])
        sock.close()
        return
    log(listener="tls", mode="tls_untrusted", path=None, event="handshake_succeeded")
    serve_http(tls, "tls")


# --- SMTP -------------------------------------------------------------------------------------
class LineReader:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line.decode("latin-1")


def serve_smtp(sock, mode, context):
    sock.settimeout(30)
    log(listener=mode, mode=mode, path=None, event="connection")
    if mode == "smtp_hang":
        wait_for_close(sock)
        sock.close()
        return
    if mode == "smtp_trickle":
        trickle(sock, b"220 fault.test ESMTP trickling" + b"." * 400 + b"\r\n")
        sock.close()
        return
    if mode == "smtp_garbage":
        sock.sendall(GARBAGE + b"\r\n")
        sock.close()
        return
    if mode == "smtp_421":
        sock.sendall(b"421 4.3.2 fault.test Service not available, closing channel\r\n")
        sock.close()
        return
    reader = LineReader(sock)
    send = lambda text: sock.sendall(text.encode() + b"\r\n")
    send("220 fault.test ESMTP")
    try:
        while True:
            line = reader.line()
            if line is None:
                break
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if mode == "smtp_starttls":
                    send("250-fault.test\r\n250-8BITMIME\r\n250 STARTTLS")
                else:
                    send("250-fault.test\r\n250 8BITMIME")
            elif verb == "STARTTLS" and mode == "smtp_starttls":
                send("220 2.0.0 Ready to start TLS")
                try:
                    context.wrap_socket(sock, server_side=True)
                    log(listener=mode, mode=mode, path=None, event="handshake_succeeded")
                except (ssl.SSLError, OSError) as e:
                    log(listener=mode, mode=mode, path=None, event="handshake_failed",
                        error=str(e)[:200])
                sock.close()
                return
            elif verb == "MAIL":
                send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if mode == "smtp_451":
                    send("451 4.3.0 <rcpt>: Temporary lookup failure, try again later")
                else:
                    send("250 2.1.5 Ok")
            elif verb == "DATA":
                send("354 End data with <CR><LF>.<CR><LF>")
                while True:
                    data_line = reader.line()
                    if data_line is None or data_line == ".":
                        break
                if mode == "smtp_reset":
                    reset(sock)
                    return
                if mode == "smtp_554":
                    send("554 5.7.1 Message rejected: fault injected")
                else:
                    send("250 2.0.0 Ok: queued as FAULT")
            elif verb == "RSET" or verb == "NOOP":
                send("250 2.0.0 Ok")
            elif verb == "QUIT":
                send("221 2.0.0 Bye")
                break
            else:
                send("502 5.5.2 Error: command not recognized")
    except OSError:
        pass
    sock.close()


# --- listeners --------------------------------------------------------------------------------
def listen():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    return sock


def accept_loop(sock, handler):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)

    listeners = {"http": (listen(), lambda c: serve_http(c, "http"))}
    if context is not None:
        listeners["tls"] = (listen(), lambda c: serve_tls(c, context))
    for mode in SMTP_MODES:
        if mode == "smtp_starttls" and context is None:
            continue
        listeners[mode] = (listen(), lambda c, m=mode: serve_smtp(c, m, context))
    ports = {name: sock.getsockname()[1] for name, (sock, _) in listeners.items()}
    print("LISTENING %d" % ports["http"], flush=True)
    log(ports=ports)
    threads = [threading.Thread(target=accept_loop, args=pair, daemon=True)
               for pair in listeners.values()]
    for t in threads:
        t.start()
    try:
        threading.Event().wait()  # until killed
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
