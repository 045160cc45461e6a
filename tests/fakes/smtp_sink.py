#!/usr/bin/python3
"""A loopback SMTP server for the smtp provider tests (aiosmtpd).

Listens on 127.0.0.1 (port 0 unless --port), prints "LISTENING <port>", then one JSON line
per accepted message: {"mail_from", "rcpt_tos", "data", "auth"}.

Modes (--mode): plain (no TLS offered), starttls (STARTTLS offered and required before MAIL),
smtps (implicit TLS). TLS modes need --cert and --key. With --user and --password every
MAIL needs AUTH PLAIN or LOGIN with those credentials first (aiosmtpd offers AUTH only after
TLS).

The recipient's local part picks the answer, as real servers give it:
  bad...    550 5.1.1 at RCPT (unknown user)
  busy...   451 4.3.0 at RCPT (try later)
  relay...  554 5.7.1 at RCPT (relay denied: a policy block, not a bad address)
  spam...   accepted at RCPT, 554 5.7.1 at DATA
  slow...   accepted after 5 s at RCPT (for client timeouts)
  anything else: 250.
"""

import argparse
import asyncio
import json
import logging
import ssl
import uuid
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bad"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("busy"):
            return "451 4.3.0 <%s>: Temporary lookup failure, try again later" % address
        if local.startswith("relay"):
            return "554 5.7.1 <%s>: Relay access denied" % address
        if local.startswith("slow"):
            await asyncio.sleep(5)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if any(r.split("@", 1)[0].lower().startswith("spam") for r in envelope.rcpt_tos):
            return "554 5.7.1 Message rejected: content looks like spam"
        self.count += 1
        data = envelope.content
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        auth = None
        if session.auth_data is not None and isinstance(session.auth_data, LoginPassword):
            auth = session.auth_data.login.decode("utf-8", errors="replace")
        print(json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                          "data": data, "auth": auth}), flush=True)
        return "250 2.0.0 Ok: queued as %s" % uuid.uuid4().hex[:10].upper()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["plain", "starttls", "smtps"], default="plain")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    authenticator = None
    if args.user is not None:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == args.user
                  and auth_data.password.decode() == args.password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Handler()

    def factory():
        kwargs = {"hostname": "sink.example.test", "decode_data": False}
        if args.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if authenticator is not None:
            # aiosmtpd does not see implicit TLS: it would hide AUTH on smtps.
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=args.mode == "starttls")
        return SMTP(handler, **kwargs)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=args.port,
        ssl=context if args.mode == "smtps" else None))
    print("LISTENING %d" % server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
