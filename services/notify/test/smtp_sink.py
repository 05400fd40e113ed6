#!/usr/bin/python3
"""A real SMTP server for notify's integration test: Debian's aiosmtpd (python3-aiosmtpd,
installed by scripts/setup; run with /usr/bin/python3), writing every message it accepts
to a folder as JSON, parsed with the standard library's email package: envelope, decoded
headers (RFC 2047), decoded body, and the raw message as received (after the server undid
the dot-stuffing).

Usage: smtp_sink.py --dir DIR [--port N] [--tls CERT KEY] [--auth USER:PASSWORD]
  --port   0 (default): a free port. The chosen port is printed as a JSON log line
           {"msg": "service started", "port": N}, as tongban's services print theirs.
  --tls    offer STARTTLS with this certificate and require it before MAIL.
  --auth   require AUTH (PLAIN or LOGIN) with these credentials, after STARTTLS.
"""
import argparse
import email
import email.policy
import json
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(getattr(session, "authenticated", False)),
            "headers": {k: str(v) for k, v in msg.items()},
            "raw_headers": {k: v for k, v in msg.raw_items()},
            "subject": str(msg["subject"]),
            "body": msg.get_content(),
            "raw": raw.decode("utf-8", "replace"),
        }
        with self.lock:
            self.count += 1
            name = os.path.join(self.folder, "%06d.json" % self.count)
        tmp = name + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, name)  # whole files only, for the reader
        return "250 Message accepted for delivery"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port()
    kwargs = {}
    if args.tls:
        import ssl
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and data.login.decode() == user
                  and data.password.decode() == password)
            # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(json.dumps({"msg": "service started", "port": port}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
