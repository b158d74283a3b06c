"""Changes a Dovecot mailbox with Python's imaplib (a client appvault did not write), for the
fetch tests.

Usage: mailbox_tool.py PORT CA_FILE USER COMMAND MAILBOX [ARGS...]
  append MAILBOX FILE [DATE [FLAG...]]   APPEND the file's bytes as they are (DATE: an IMAP
                                         date-time "27-Nov-2026 10:00:00 +0000", or "-");
                                         prints the new UID
  copies MAILBOX FILE COUNT              APPEND the file COUNT times; prints the last UID
  recreate MAILBOX                       DELETE and CREATE it (the server gives it a new
                                         UIDVALIDITY); prints the old and new UIDVALIDITY
  uidvalidity MAILBOX                    prints its UIDVALIDITY
The password is read from standard input (never argv).
"""
import imaplib
import json
import re
import ssl
import sys

port, ca_file, user, command, mailbox = sys.argv[1:6]
rest = sys.argv[6:]
password = sys.stdin.readline().rstrip("\n")
imap = imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ssl.create_default_context(cafile=ca_file))
imap.login(user, password)


def uidvalidity(name):
    status, data = imap.status(name, "(UIDVALIDITY)")
    if status != "OK":
        sys.exit(f"STATUS {name} failed: {data}")
    return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))


if command == "append":
    if mailbox.upper() != "INBOX":
        imap.create(mailbox)  # NO if it exists: fine
    with open(rest[0], "rb") as f:
        data = f.read()
    date = rest[1] if len(rest) > 1 and rest[1] != "-" else None
    flags = "(" + " ".join(rest[2:]) + ")" if len(rest) > 2 else None
    status, response = imap.append(mailbox, flags, f'"{date}"' if date else None, data)
    if status != "OK":
        sys.exit(f"APPEND failed: {response}")
    print(json.dumps({"uid": int(re.search(rb"APPENDUID \d+ (\d+)", response[0]).group(1))}))
elif command == "copies":
    if mailbox.upper() != "INBOX":
        imap.create(mailbox)
    with open(rest[0], "rb") as f:
        data = f.read()
    for _ in range(int(rest[1])):
        status, response = imap.append(mailbox, None, None, data)
        if status != "OK":
            sys.exit(f"APPEND failed: {response}")
    print(json.dumps({"uid": int(re.search(rb"APPENDUID \d+ (\d+)", response[0]).group(1))}))
elif command == "recreate":
    old = uidvalidity(mailbox)
    imap.delete(mailbox)
    status, data = imap.create(mailbox)
    if status != "OK":
        sys.exit(f"CREATE failed: {data}")
    print(json.dumps({"old": old, "new": uidvalidity(mailbox)}))
elif command == "uidvalidity":
    print(json.dumps({"uidvalidity": uidvalidity(mailbox)}))
else:
    sys.exit(f"unknown command {command}")
imap.logout()
