"""Plaintext injected after STARTTLS must not run as a protected command (CVE-2011-0411, server
side): sends STARTTLS and a second command in one packet, completes TLS (verified with CAFILE),
sends a harmless command and prints the first reply line received over TLS.

Usage: starttls_injection.py imap|smtp PORT CAFILE
"""
import socket
import ssl
import sys

protocol, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
reader = sock.makefile("rb")
reader.readline()  # greeting
if protocol == "imap":
    sock.sendall(b"a STARTTLS\r\nb CAPABILITY\r\n")
    ready = reader.readline()
else:
    sock.sendall(b"EHLO injector\r\n")
    while reader.readline()[3:4] == b"-":
        pass
    sock.sendall(b"STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n")
    ready = reader.readline()
assert ready.startswith(b"a OK") or ready.startswith(b"220"), ready
context = ssl.create_default_context(cafile=cafile)
secure = context.wrap_socket(sock, server_hostname="localhost")
secure.sendall(b"c NOOP\r\n" if protocol == "imap" else b"NOOP\r\n")
print(secure.makefile("rb").readline().decode().strip())
