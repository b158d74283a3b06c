"""A mail client written by nobody here: Python's imaplib, talking to appvault's IMAP proxy.

Usage: imap_client.py HOST PORT ACCOUNT MODE [SUBJECT [CAFILE]]
The local credential (token) comes on standard input, never in argv.
MODE:
  login | authenticate | literal   log in that way (LOGIN quoted, AUTHENTICATE PLAIN without
                                   SASL-IR, LOGIN with the password as a {n} literal), fetch the
                                   whole message whose subject is SUBJECT, print JSON facts
  idle                             log in, IDLE; print "IDLING", then wait for EXISTS, DONE, LOGOUT
  idle-until-bye                   log in, IDLE; print "IDLING", then print the BYE line and the
                                   CLOCK_MONOTONIC time it arrived
  unix                             like login, over the Unix socket at HOST (PORT ignored)
  direct                           like login, but straight to the mail server over TLS verified
                                   with CAFILE (ACCOUNT is then the mailbox and stdin its password)
Errors go to stderr and exit 1; nothing printed ever contains the credential.
"""
import hashlib
import imaplib
import json
import socket
import ssl
import sys
import time

host, port, account, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
subject = sys.argv[5] if len(sys.argv) > 5 else None
cafile = sys.argv[6] if len(sys.argv) > 6 else None
token = sys.stdin.readline().rstrip("\n")


class UnixIMAP4(imaplib.IMAP4):
    """imaplib over a Unix socket (the agent's imap.sock)."""

    def _create_socket(self, timeout):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(self.host)
        return sock


def connect():
    if mode == "unix":
        client = UnixIMAP4(host, timeout=30)
    elif mode == "direct":
        client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(cafile=cafile), timeout=30)
    else:
        client = imaplib.IMAP4(host, port, timeout=30)
    pre_login = sorted(client.capabilities)
    if mode in ("login", "unix", "direct", "idle", "idle-until-bye"):
        client.login(account, token)
    elif mode == "authenticate":
        client.authenticate("PLAIN", lambda _: b"\0" + account.encode() + b"\0" + token.encode())
    elif mode == "literal":
        client.literal = token.encode()
        typ, data = client._simple_command("LOGIN", account)
        if typ != "OK":
            raise imaplib.IMAP4.error(data)
        client.state = "AUTH"
    return client, pre_login


def fetch(client, pre_login):
    typ, data = client.select("INBOX", readonly=True)
    assert typ == "OK", data
    typ, data = client.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    uids = data[0].split()
    assert uids, "no message with subject %s" % subject
    typ, data = client.uid("FETCH", uids[-1], "(RFC822.SIZE BODY.PEEK[])")
    assert typ == "OK", data
    header, body = data[0]
    size = int(header.split(b"RFC822.SIZE ")[1].split()[0].rstrip(b")"))
    typ, caps = client.capability()
    client.logout()
    print(json.dumps({
        "pre_login": pre_login,
        "post_login": caps[0].decode().split(),
        "size": size,
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "subject_seen": subject.encode() in body,
    }))


def idle(client, until_bye):
    client.select("INBOX")
    tag = client._new_tag()
    client.send(tag + b" IDLE\r\n")
    line = client.readline()
    assert line.startswith(b"+"), line
    print("IDLING", flush=True)
    while True:
        line = client.readline()
        if not line:
            print(json.dumps({"closed": True}), flush=True)
            return
        if until_bye and line.upper().startswith(b"* BYE"):
            print(json.dumps({"bye": line.decode().strip(), "at": time.clock_gettime_ns(time.CLOCK_MONOTONIC)}), flush=True)
            eof = client.readline()
            print(json.dumps({"closed_after_bye": eof == b""}), flush=True)
            return
        if not until_bye and line.endswith(b"EXISTS\r\n"):
            client.send(b"DONE\r\n")
            while not client.readline().startswith(tag):
                pass
            client.logout()
            print(json.dumps({"exists": line.decode().strip()}), flush=True)
            return


try:
    client, pre_login = connect()
    if mode.startswith("idle"):
        idle(client, mode == "idle-until-bye")
    else:
        fetch(client, pre_login)
except Exception as error:  # the message never holds the token: imaplib does not echo it
    print("imap_client: %s: %s" % (type(error).__name__, error), file=sys.stderr)
    sys.exit(1)
