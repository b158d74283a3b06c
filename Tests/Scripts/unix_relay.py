"""Relays connections on a Unix socket to a TCP port on 127.0.0.1: in the tests, the stand-in
for the agent's local IMAP endpoint (Dovecot's plaintext port speaks the same protocol).

Usage: unix_relay.py SOCKET_PATH TCP_PORT [LOG_PATH]
Prints "ready" once listening; appends a line to LOG_PATH for each connection it accepts;
runs until killed.
"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    if len(sys.argv) > 3:
        with open(sys.argv[3], "a") as log:
            log.write("accepted\n")
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[2]))
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer),
                         return_exceptions=True)


async def main():
    server = await asyncio.start_unix_server(handle, path=sys.argv[1])
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
