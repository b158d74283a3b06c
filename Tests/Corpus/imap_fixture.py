"""Puts messages into a Dovecot mailbox with Python's imaplib (a client appvault did not write).

Usage: imap_fixture.py HOST PORT CA_FILE USER MAILBOX FILE...
The password is read from standard input (never argv). Creates MAILBOX if needed, APPENDs each
FILE (line ends made CRLF, as IMAP wants) and prints the UIDs the server gave, as JSON.
"""
import imaplib
import json
import re
import ssl
import sys

host, port, ca_file, user, mailbox = sys.argv[1:6]
files = sys.argv[6:]
password = sys.stdin.readline().rstrip("\n")
context = ssl.create_default_context(cafile=ca_file)
imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=context)
imap.login(user, password)
imap.create(mailbox)  # NO if it exists: fine
uids = []
for path in files:
    with open(path, "rb") as f:
        data = f.read()
    data = re.sub(rb"\r?\n", b"\r\n", data)
    status, response = imap.append(mailbox, None, None, data)
    if status != "OK":
        sys.exit(f"APPEND of {path} failed: {response}")
    match = re.search(rb"APPENDUID \d+ (\d+)", response[0])
    uids.append(int(match.group(1)) if match else None)
imap.logout()
print(json.dumps(uids))
