#!/usr/bin/python3
"""SMTP sink for reportd's e-mail tests (Debian's python3-aiosmtpd).

Four listeners on 127.0.0.1, one asyncio loop:

* STARTTLS  (SMTP_STARTTLS_PORT): STARTTLS required before anything else, AUTH required.
* implicit  (SMTP_IMPLICIT_PORT): TLS from the first byte (SMTPS), AUTH required.
* plain     (SMTP_PLAIN_PORT):    no TLS; AUTH offered but optional (so that a client that
                                  opted in to `allow_plain_auth` can be tested).
* scripted  (SMTP_SCRIPTED_PORT): no TLS, no AUTH; answers with a reply read from a control
                                  file, to script 4xx/5xx answers (see `scripted_reply`).

AUTH PLAIN/LOGIN is checked against SMTP_USER / SMTP_PASSWORD. Every accepted message is
stored as MAIL_DIR/<n>.eml (the DATA bytes, as received) plus MAIL_DIR/<n>.json with
mail_from, rcpt_tos, tls ("starttls" | "implicit" | "none", derived from the listener since
aiosmtpd leaves session.ssl unset on implicit-TLS connections), auth_user and listener.
The .json is renamed into place after the .eml is complete, so a reader that sees it can
read both.

Control files (scripted listener only), consumed when used ("once, then normal"):
  MAIL_DIR/next_reply.<rcpt address>   for messages to that recipient (parallel tests)
  MAIL_DIR/next_reply                  for any message
Content: `[STAGE ]CODE TEXT`, STAGE one of MAIL, RCPT, DATA (default DATA), e.g.
  `451 4.3.0 try later` or `RCPT 550 5.1.1 no such user`.
"""

import asyncio
import itertools
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

MAIL_DIR = os.environ["MAIL_DIR"]
USER = os.environ["SMTP_USER"].encode()
PASSWORD = os.environ["SMTP_PASSWORD"].encode()
DATA_SIZE_LIMIT = int(os.environ.get("SMTP_DATA_SIZE_LIMIT", str(5 * 1024 * 1024)))
HOST = "127.0.0.1"

_counter = itertools.count(1)


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    ok = auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def scripted_reply(stage, rcpts):
    """The reply scripted for `stage`, consuming its control file; None when there is none."""
    candidates = [os.path.join(MAIL_DIR, "next_reply." + r) for r in rcpts]
    candidates.append(os.path.join(MAIL_DIR, "next_reply"))
    for path in candidates:
        try:
            with open(path, encoding="utf-8") as f:
                line = f.read().strip()
        except FileNotFoundError:
            continue
        want = "DATA"
        first, _, rest = line.partition(" ")
        if first in ("MAIL", "RCPT", "DATA"):
            want, line = first, rest.strip()
        if want != stage:
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            # Another session consumed it first: not ours.
            continue
        return line
    return None


class Sink:
    def __init__(self, listener, tls, scripted):
        self.listener = listener
        self.tls = tls
        self.scripted = scripted

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.scripted:
            reply = scripted_reply("MAIL", [])
            if reply:
                return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.scripted:
            reply = scripted_reply("RCPT", [address])
            if reply:
                return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.scripted:
            reply = scripted_reply("DATA", envelope.rcpt_tos)
            if reply:
                return reply
        tls = self.tls
        if tls == "starttls" and session.ssl is None:
            tls = "none"
        user = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            user = session.auth_data.login.decode("utf-8", "replace")
        n = next(_counter)
        eml = os.path.join(MAIL_DIR, f"{n}.eml")
        with open(eml, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": tls,
            "auth_user": user,
            "listener": self.listener,
            "bytes": len(envelope.original_content or envelope.content),
        }
        tmp = os.path.join(MAIL_DIR, f".{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(MAIL_DIR, f"{n}.json"))
        return f"250 2.0.0 OK stored as {n}"


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.environ["TLS_CERT"], os.environ["TLS_KEY"])
    return ctx


async def main():
    loop = asyncio.get_running_loop()
    ctx = tls_context()
    common = dict(data_size_limit=DATA_SIZE_LIMIT, hostname="reportd-test-smtp",
                  authenticator=authenticator)
    listeners = [
        # STARTTLS first, AUTH only over TLS, and required.
        (int(os.environ["SMTP_STARTTLS_PORT"]), None,
         lambda: SMTP(Sink("starttls", "starttls", False), tls_context=ctx,
                      require_starttls=True, auth_required=True, auth_require_tls=True,
                      **common)),
        # TLS on the socket: aiosmtpd does not know it is encrypted, so AUTH must not
        # require (STARTTLS-)TLS here.
        (int(os.environ["SMTP_IMPLICIT_PORT"]), ctx,
         lambda: SMTP(Sink("implicit", "implicit", False), auth_required=True,
                      auth_require_tls=False, **common)),
        (int(os.environ["SMTP_PLAIN_PORT"]), None,
         lambda: SMTP(Sink("plain", "none", False), auth_required=False,
                      auth_require_tls=False, **common)),
        (int(os.environ["SMTP_SCRIPTED_PORT"]), None,
         lambda: SMTP(Sink("scripted", "none", True), data_size_limit=DATA_SIZE_LIMIT,
                      hostname="reportd-test-smtp")),
    ]
    servers = []
    for port, sslctx, factory in listeners:
        servers.append(await loop.create_server(factory, HOST, port, ssl=sslctx,
                                                reuse_address=True))
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    pid_file = os.environ.get("SMTP_PID_FILE")
    if pid_file:
        with open(pid_file, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
    print("smtp_sink: listening", [p for p, _, _ in listeners], flush=True)
    await stop
    for s in servers:
        s.close()


if __name__ == "__main__":
    os.makedirs(MAIL_DIR, exist_ok=True)
    asyncio.run(main())
    sys.exit(0)
