#!/usr/bin/python3
"""A loopback SendGrid v3 Mail Send API for the sendgrid provider tests.

Listens on 127.0.0.1 port 0 (HTTPS with --cert/--key), prints "LISTENING <port>", then one
JSON line per request: {"method", "path", "headers": {authorization, content-type},
"body": <parsed JSON or the raw text>}.

POST /v3/mail/send answers like SendGrid: 202 with an empty body and X-Message-Id; errors as
{"errors": [{"message", "field", "help"}]}. A wrong `Authorization: Bearer` key (--api-key,
default SG.test-key) gets 401, a body that SendGrid would reject gets 400 naming the field.
The local part of the first recipient picks other answers:
  bad...       400, field personalizations.0.to.0.email (not a valid address)
  busy...      429 with X-RateLimit-Limit/Remaining/Reset (reset = now + 7 s)
  throttle...  429 with Retry-After: 3 (as a proxy in front of the API answers)
  forbidden... 403 access forbidden
  huge...      413 payload too large
  down...      503 with an HTML body
  broken...    500 internal error
  slow...      202 after 5 s
"""

import argparse
import base64
import binascii
import json
import ssl
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"


def error(message, field=None, help_anchor=None):
    return {"message": message, "field": field,
            "help": HELP + "#" + help_anchor if help_anchor else None}


def validate(body):
    """Returns the errors SendGrid reports for a Mail Send body (a subset of its checks)."""
    errors = []
    if not isinstance(body, dict):
        return [error("Bad Request", None)]
    pers = body.get("personalizations")
    if not isinstance(pers, list) or not pers:
        errors.append(error("The personalizations field is required and must have at least "
                            "one personalization.", "personalizations",
                            "message.personalizations"))
        pers = []
    for i, p in enumerate(pers):
        tos = p.get("to") if isinstance(p, dict) else None
        if not isinstance(tos, list) or not tos:
            errors.append(error("The to array is required for all personalization objects, "
                                "and must have at least one email object with a valid email "
                                "address.", "personalizations.%d.to" % i,
                                "message.personalizations.to"))
            continue
        for j, to in enumerate(tos):
            email = to.get("email", "") if isinstance(to, dict) else ""
            if "@" not in email or email.split("@", 1)[0].lower().startswith("bad"):
                errors.append(error("Does not contain a valid address.",
                                    "personalizations.%d.to.%d.email" % (i, j),
                                    "message.personalizations.to"))
    sender = body.get("from")
    if not isinstance(sender, dict) or "@" not in sender.get("email", ""):
        errors.append(error("The from object must be provided for every email send. It is an "
                            "object that requires an email parameter, but may also contain a "
                            "name parameter.", "from.email", "message.from"))
    has_subject = bool(body.get("subject")) or (
        pers and all(isinstance(p, dict) and p.get("subject") for p in pers))
    if not has_subject and not body.get("template_id"):
        errors.append(error("The subject is required. You can get around this requirement if "
                            "you use a template with a subject defined or if every "
                            "personalization has a subject defined.", "subject",
                            "message.subject"))
    content = body.get("content")
    if not body.get("template_id"):
        if not isinstance(content, list) or not content:
            errors.append(error("Unless a valid template_id is provided, the content parameter "
                                "is required. There must be at least one defined content "
                                "block. We typically suggest both text/plain and text/html "
                                "blocks are included, but only one block is required.",
                                "content", "message.content"))
        else:
            for k, c in enumerate(content):
                if not isinstance(c, dict) or not isinstance(c.get("value"), str) \
                        or not c.get("value"):
                    errors.append(error("The content value must be a string at least one "
                                        "character in length.", "content.%d.value" % k,
                                        "message.content.value"))
            if len(content) > 1 and content[0].get("type") != "text/plain":
                errors.append(error("If present, text/plain content must be first, followed "
                                    "by any other content.", "content.0.type",
                                    "message.content.type"))
    attachments = body.get("attachments", [])
    if not isinstance(attachments, list):
        attachments = [None]
    for k, a in enumerate(attachments):
        content = a.get("content") if isinstance(a, dict) else None
        if not isinstance(content, str) or not content:
            errors.append(error("The attachment content is required.",
                                "attachments.%d.content" % k, "message.attachments.content"))
        else:
            try:
                base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                errors.append(error("The attachment content must be base64 encoded.",
                                    "attachments.%d.content" % k,
                                    "message.attachments.content"))
        if not isinstance(a, dict) or not a.get("filename"):
            errors.append(error("The attachment filename parameter is required.",
                                "attachments.%d.filename" % k, "message.attachments.filename"))
        elif a.get("disposition") not in (None, "inline", "attachment"):
            errors.append(error("The disposition of your attachment can be either \"inline\" "
                                "or \"attachment\".", "attachments.%d.disposition" % k,
                                "message.attachments.disposition"))
    args = [p.get("custom_args") for p in pers if isinstance(p, dict)] + [body.get("custom_args")]
    for custom in args:
        if isinstance(custom, dict) and any(not isinstance(v, str) for v in custom.values()):
            errors.append(error("Custom args must be strings.", "custom_args",
                                "message.custom_args"))
    return errors


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api_key = "SG.test-key"

    def log_message(self, *args):
        pass

    def reply(self, status, payload=None, headers=None, raw=None, content_type=None):
        data = raw if raw is not None else (
            json.dumps(payload).encode() if payload is not None else b"")
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "keep-alive")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        print(json.dumps({
            "method": "POST", "path": self.path,
            "headers": {"authorization": self.headers.get("Authorization"),
                        "content-type": self.headers.get("Content-Type")},
            "body": body if body is not None else raw}), flush=True)

        if self.path != "/v3/mail/send":
            return self.reply(404, {"errors": [error("not found")]})
        if self.headers.get("Authorization") != "Bearer " + self.api_key:
            return self.reply(401, {"errors": [error(
                "The provided authorization grant is invalid, expired, or revoked")]})
        if body is None:
            return self.reply(400, {"errors": [error(
                "Bad Request", None, "message.body")]})
        first = ""
        try:
            first = body["personalizations"][0]["to"][0]["email"].split("@", 1)[0].lower()
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        if first.startswith("forbidden"):
            return self.reply(403, {"errors": [error("access forbidden")]})
        if first.startswith("huge"):
            return self.reply(413, {"errors": [error(
                "The JSON payload you have included in your request is too large.", None,
                "message.body")]})
        if first.startswith("busy"):
            return self.reply(429, {"errors": [error("too many requests")]}, {
                "X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + 7)})
        if first.startswith("throttle"):
            return self.reply(429, {"errors": [error("too many requests")]},
                              {"Retry-After": "3"})
        if first.startswith("down"):
            return self.reply(503, raw=b"<html><body>Service Unavailable</body></html>",
                              content_type="text/html")
        if first.startswith("broken"):
            return self.reply(500, {"errors": [error("internal error")]})
        errors = validate(body)
        if errors:
            return self.reply(400, {"errors": errors})
        if first.startswith("slow"):
            time.sleep(5)
        self.reply(202, None, {"X-Message-Id": uuid.uuid4().hex[:22]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--api-key", default="SG.test-key")
    args = parser.parse_args()
    Handler.api_key = args.api_key
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("LISTENING %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
