"""A mail client written by nobody here: Python's smtplib, talking to appvault's SMTP proxy.

Usage: smtp_client.py HOST PORT ACCOUNT MECHANISM FROM TO SUBJECT [CAFILE [BODY_BYTES]]
The local credential (token) comes on standard input, never in argv. MECHANISM is PLAIN (with an
initial response), PLAIN-334 (after a 334), LOGIN (user and password prompted) or LOGIN-IR (user
sent with AUTH); with CAFILE (may be empty) the client insists on STARTTLS, verified against that CA;
BODY_BYTES pads the body to about that size.
Sends one message, says EHLO again after AUTH and prints JSON with what the server answered.
"""
import json
import smtplib
import ssl
import sys
from email.message import EmailMessage

host, port, account, mechanism, sender, recipient, subject = sys.argv[1:8]
cafile = sys.argv[8] if len(sys.argv) > 8 and sys.argv[8] else None
body_bytes = int(sys.argv[9]) if len(sys.argv) > 9 else 0
token = sys.stdin.readline().rstrip("\n")

try:
    client = smtplib.SMTP(host, int(port), timeout=30)
    client.ehlo("python-smtplib.test")
    pre_auth = sorted(client.esmtp_features)
    if cafile:
        client.starttls(context=ssl.create_default_context(cafile=cafile))
        client.ehlo("python-smtplib.test")
    client.user, client.password = account, token
    name = mechanism.split("-")[0]
    auth = client.auth_plain if name == "PLAIN" else client.auth_login
    code, text = client.auth(name, auth, initial_response_ok=mechanism in ("PLAIN", "LOGIN-IR"))
    client.ehlo("python-smtplib.test")
    after_auth = sorted(client.esmtp_features)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    padding = ("x" * 75 + "\n") * (body_bytes // 76)
    message.set_content("Sent by smtplib through appvault's SMTP proxy.\n" + padding)
    refused = client.send_message(message)
    client.quit()
    print(json.dumps({"auth": code, "pre_auth": pre_auth, "after_auth": after_auth, "refused": list(refused)}))
except Exception as error:
    print("smtp_client: %s: %s" % (type(error).__name__, error), file=sys.stderr)
    sys.exit(1)
