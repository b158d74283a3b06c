"""Misbehaving servers for appvault's error-path tests (not real mail servers).

10901 accepts and never says anything     10902 answers with garbage
10903 never accepts (connect times out)   10994 TLS with an expired certificate
10904 IMAP that injects a plaintext line right after its STARTTLS OK (CVE-2011-0411 style)
10995 TLS with a certificate for another host name
10144 / 10588 STARTTLS-stripping men-in-the-middle in front of Dovecot 10143 / aiosmtpd 10587;
they hide STARTTLS and log every byte the client sends to mitm-imap.log / mitm-smtp.log.
10996 / 10997 TLS proxies (test CA, localhost) in front of Dovecot 10993 that hide SASL-IR /
AUTH=PLAIN and SASL-IR, so the real server sees AUTHENTICATE with a continuation / LOGIN.
Usage: fakes.py STATE_DIR [PORT_OFFSET]
"""
import asyncio
import os
import re
import socket
import ssl
import sys

STATE = sys.argv[1]
OFFSET = int(sys.argv[2]) if len(sys.argv) > 2 else 0


def P(port):
    """A documented port moved by the offset start.sh was given."""
    return port + OFFSET
HOST = "127.0.0.1"


async def stall(reader, writer):
    await reader.read()  # until the client gives up
    writer.close()


async def garbage(reader, writer):
    writer.write(b"\x00\xffHELLO? this is not a mail server\x01\x02\r\n")
    await writer.drain()
    await reader.read()
    writer.close()


async def fake_greeting(reader, writer):
    writer.write(b"* OK fake\r\n")
    await writer.drain()
    await reader.read()
    writer.close()


async def starttls_injector(reader, writer):
    caps = b"IMAP4rev1 SASL-IR AUTH=PLAIN"
    writer.write(b"* OK fake IMAP ready\r\n")
    while line := await reader.readline():
        tag, _, command = line.rstrip(b"\r\n").partition(b" ")
        verb = command.split(b" ")[0].upper()
        if verb == b"CAPABILITY":
            tls_caps = b" STARTTLS" if writer.get_extra_info("sslcontext") is None else b""
            writer.write(b"* CAPABILITY " + caps + tls_caps + b"\r\n" + tag + b" OK done\r\n")
        elif verb == b"STARTTLS":
            # The injected lines arrive in the same packet as the OK, before the handshake; they
            # answer the client's next command (tag + 1) as if it had been sent over TLS.
            next_tag = tag.rstrip(b"0123456789") + str(int(tag.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1).encode()
            writer.write(tag + b" OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN INJECTED\r\n"
                         + next_tag + b" OK injected\r\n")
            await writer.drain()
            await writer.start_tls(tls("server"))
        elif verb == b"AUTHENTICATE":
            writer.write(tag + b" OK logged in\r\n")
        elif verb == b"LOGOUT":
            writer.write(b"* BYE bye\r\n" + tag + b" OK done\r\n")
        else:
            writer.write(tag + b" BAD unknown\r\n")
        await writer.drain()
    writer.close()


def tls(cert):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(os.path.join(STATE, cert + ".pem"), os.path.join(STATE, cert + ".key"))
    return context


IMAP_CAPS = re.compile(rb"^(\* (?:OK \[)?CAPABILITY .*?) ?STARTTLS(.*)$", re.S)


def strip_imap(line, _state):
    m = IMAP_CAPS.match(line)
    return m.group(1) + m.group(2) if m else line


def strip_smtp(line, state):
    # Drop "250-STARTTLS"; if it was the last line of the reply, end the reply on the line before.
    if re.match(rb"^250[ -]STARTTLS\r\n$", line, re.I):
        if line[3:4] == b" " and state.get("held"):
            held, state["held"] = state["held"], None
            return held[:3] + b" " + held[4:]
        return b""
    out = state.get("held") or b""
    state["held"] = line if line[3:4] == b"-" else None
    return out + (b"" if state["held"] else line)


async def relay(client_reader, client_writer, server_reader, server_writer, strip, log=None):
    """Copies client bytes to the server (and to `log`) and server lines back through `strip`."""
    async def upstream():
        while data := await client_reader.read(4096):
            if log:
                log.write(data)
                log.flush()
            server_writer.write(data)
            await server_writer.drain()
        server_writer.close()

    async def downstream():
        state = {}
        while line := await server_reader.readline():
            client_writer.write(strip(line, state))
            await client_writer.drain()
        client_writer.close()

    try:
        await asyncio.gather(upstream(), downstream())
    except (ConnectionError, OSError, ssl.SSLError):
        pass


def mitm(target_port, strip, log_name):
    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(HOST, target_port)
        with open(os.path.join(STATE, log_name), "ab") as log:
            await relay(client_reader, client_writer, server_reader, server_writer, strip, log)
    return handle


def hide_capabilities(tokens):
    def strip(line, _state):
        if b"CAPABILITY" not in line.upper():
            return line
        words = line.rstrip(b"\r\n").split(b" ")
        return b" ".join(w for w in words if w.rstrip(b"]").upper() not in tokens) + b"\r\n"
    return strip


def tls_proxy(target_port, strip):
    upstream_tls = ssl.create_default_context(cafile=os.path.join(STATE, "ca.pem"))

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(
            HOST, target_port, ssl=upstream_tls, server_hostname="localhost")
        await relay(client_reader, client_writer, server_reader, server_writer, strip)
    return handle


def never_accept(port):
    # A full accept queue makes the kernel drop further SYNs, so a client's connect() hangs.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((HOST, port))
        except BlockingIOError:
            pass
        fillers.append(s)
    return listener, fillers


async def main():
    keep = never_accept(P(10903))
    servers = [
        await asyncio.start_server(stall, HOST, P(10901)),
        await asyncio.start_server(garbage, HOST, P(10902)),
        await asyncio.start_server(starttls_injector, HOST, P(10904)),
        await asyncio.start_server(fake_greeting, HOST, P(10994), ssl=tls("expired")),
        await asyncio.start_server(fake_greeting, HOST, P(10995), ssl=tls("wrongname")),
        await asyncio.start_server(mitm(P(10143), strip_imap, "mitm-imap.log"), HOST, P(10144)),
        await asyncio.start_server(mitm(P(10587), strip_smtp, "mitm-smtp.log"), HOST, P(10588)),
        await asyncio.start_server(tls_proxy(P(10993), hide_capabilities({b"SASL-IR"})), HOST, P(10996),
                                   ssl=tls("server")),
        await asyncio.start_server(tls_proxy(P(10993), hide_capabilities({b"SASL-IR", b"AUTH=PLAIN"})), HOST, P(10997),
                                   ssl=tls("server")),
    ]
    await asyncio.gather(*(s.serve_forever() for s in servers))
    del keep


asyncio.run(main())
