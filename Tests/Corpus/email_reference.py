"""Reference decoding of messages with Python's email package (policy=default).

Usage: email_reference.py OUT_DIR FILE...
Prints, as JSON, one entry per FILE: its decoded Subject (or null), its From addresses as
[display name, address] pairs, and its leaf parts with their IMAP part numbers, media types,
file names and decoded payloads (written to OUT_DIR/<file index>-<part>.bin).
"""
import email
import email.policy
import json
import os
import sys


def parts(part, section, out):
    content_type = part.get_content_type()
    if part.get_content_maintype() == "message" and content_type not in ("message/rfc822", "message/global"):
        # Python opens message/delivery-status and message/external-body like containers;
        # IMAP (RFC 3501 §7.4.2) and other readers keep them as one part.
        out.append((section or "1", part, True))
    elif content_type in ("message/rfc822", "message/global") and part.is_multipart():
        out.append((section or "1", part, True))
        inner = part.get_payload(0)
        parts(inner, section if inner.is_multipart() else (section or "1") + ".1", out)
    elif part.is_multipart():
        for index, child in enumerate(part.get_payload()):
            parts(child, f"{section}.{index + 1}" if section else str(index + 1), out)
    else:
        out.append((section or "1", part, False))


out_dir = sys.argv[1]
results = []
for number, path in enumerate(sys.argv[2:]):
    with open(path, "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    entry = {"file": path}
    try:
        subject = message["subject"]
        entry["subject"] = None if subject is None else str(subject)
    except Exception as error:  # noqa: BLE001 - a reference that cannot decode says so
        entry["subject_error"] = repr(error)
    try:
        sender = message["from"]
        entry["from"] = [] if sender is None else [[a.display_name, a.addr_spec] for a in sender.addresses]
    except Exception as error:  # noqa: BLE001
        entry["from_error"] = repr(error)
    leaves = []
    found = []
    parts(message, "", found)
    for section, part, is_message in found:
        record = {"section": section, "type": part.get_content_type()}
        try:
            record["filename"] = part.get_filename()
        except Exception as error:  # noqa: BLE001
            record["filename_error"] = repr(error)
        if not is_message:
            try:
                payload = part.get_payload(decode=True)
                if payload is not None:
                    name = os.path.join(out_dir, f"{number}-{section}.bin")
                    with open(name, "wb") as f:
                        f.write(payload)
                    record["payload"] = name
            except Exception as error:  # noqa: BLE001
                record["payload_error"] = repr(error)
        leaves.append(record)
    entry["parts"] = leaves
    results.append(entry)
json.dump(results, sys.stdout, ensure_ascii=False)
