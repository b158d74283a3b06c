"""appvault's test submission server (aiosmtpd): 10465 implicit TLS and 10587 STARTTLS;
10466 is implicit TLS offering AUTH LOGIN only.

AUTH PLAIN/LOGIN is required and offered only over TLS; credentials are checked against the
Dovecot passwd-file in the state folder (re-read on every attempt, so tests can rotate passwords).
Accepted messages are delivered into the Dovecot mailboxes with dovecot-lda.
Usage: smtpd.py STATE_DIR
"""
import asyncio
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

STATE = sys.argv[1]
LDA = "/usr/lib/dovecot/dovecot-lda"
logging.basicConfig(level=logging.ERROR)
# 10465 requires AUTH with auth_require_tls=False: the socket is TLS from the first byte.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
warnings.filterwarnings("ignore", category=DeprecationWarning)


def accounts():
    users = {}
    with open(os.path.join(STATE, "passwd"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(":")
            if len(fields) >= 2 and fields[1].startswith("{PLAIN}"):
                users[fields[0]] = fields[1][len("{PLAIN}"):]
    return users


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    user = auth_data.login.decode("utf-8", "replace")
    password = auth_data.password.decode("utf-8", "replace")
    # handled=False: let aiosmtpd send 535 itself on failure (the default leaves the client waiting).
    return AuthResult(success=accounts().get(user) == password, handled=False)


class Deliver:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address not in accounts():
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            proc = await asyncio.create_subprocess_exec(
                LDA, "-c", os.path.join(STATE, "dovecot.conf"), "-d", rcpt, "-f", envelope.mail_from or "",
                stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            _, err = await proc.communicate(envelope.original_content)
            if proc.returncode != 0:
                print(f"dovecot-lda failed for {rcpt}: {err.decode(errors='replace')}", file=sys.stderr)
                return "451 4.3.0 local delivery failed"
        return "250 2.0.0 delivered"


async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.path.join(STATE, "server.pem"), os.path.join(STATE, "server.key"))
    loop = asyncio.get_running_loop()
    handler = Deliver()
    common = dict(hostname="localhost", auth_required=True, authenticator=authenticator, loop=loop)
    implicit = await loop.create_server(
        lambda: SMTP(handler, auth_require_tls=False, **common), "127.0.0.1", 10465, ssl=context)
    starttls = await loop.create_server(
        lambda: SMTP(handler, tls_context=context, require_starttls=True, **common), "127.0.0.1", 10587)
    login_only = await loop.create_server(
        lambda: SMTP(handler, auth_require_tls=False, auth_exclude_mechanism=["PLAIN"], **common),
        "127.0.0.1", 10466, ssl=context)
    async with implicit, starttls, login_only:
        await asyncio.gather(implicit.serve_forever(), starttls.serve_forever(), login_only.serve_forever())


asyncio.run(main())
