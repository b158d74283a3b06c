"""A finance script as a user would write it: Python's smtplib and imaplib, configured with the
agent's local endpoints and a client token (read from a file, never the app password).

Usage: statement_client.py send|read|idle HOST IMAP_PORT SMTP_PORT USER TOKEN_FILE SUBJECT
"""
import email
import email.policy
import email.utils
import imaplib
import smtplib
import sys
from email.message import EmailMessage

mode, host, imap_port, smtp_port, user, token_file, subject = sys.argv[1:8]
with open(token_file) as f:
    token = f.read().strip()
address = "demo@example.test"

if mode == "send":
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = address, address, subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message.set_content("Your statement is attached.\n")
    message.add_attachment(b"%PDF-1.4\n% a statement\n%%EOF\n", maintype="application", subtype="pdf",
                           filename="statement-2026-11.pdf")
    with smtplib.SMTP(host, int(smtp_port)) as client:
        client.login(user, token)
        client.send_message(message)
    print("smtplib: sent %r through the agent" % subject)
elif mode == "read":
    client = imaplib.IMAP4(host, int(imap_port))
    client.login(user, token)
    client.select("INBOX", readonly=True)
    _, data = client.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    uids = data[0].split()
    if not uids:
        print("imaplib: no message %r yet" % subject)
        sys.exit(3)
    _, data = client.uid("FETCH", uids[-1], "(BODY.PEEK[])")
    parsed = email.message_from_bytes(data[0][1], policy=email.policy.default)
    names = [part.get_filename() for part in parsed.iter_attachments()]
    print("imaplib: read %r, attachments %s" % (parsed["Subject"], names))
    client.logout()
elif mode == "idle":
    client = imaplib.IMAP4(host, int(imap_port))
    client.login(user, token)
    client.select("INBOX")
    tag = client._new_tag()
    client.send(tag + b" IDLE\r\n")
    client.readline()
    print("imaplib: idling", flush=True)
    while True:
        line = client.readline()
        if not line:
            print("imaplib: connection closed")
            break
        if line.startswith(b"* BYE"):
            print("imaplib: the agent ended the session: %s" % line.decode().strip(), flush=True)
