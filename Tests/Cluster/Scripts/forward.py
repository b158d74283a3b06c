"""Forwards TCP connections: LISTEN_HOST LISTEN_PORT -> TARGET_HOST TARGET_PORT, until killed.

The cluster tests' hosts are network namespaces that cannot reach the test mail servers on the
root namespace's loopback; a forwarder on each side of the bridge carries the agent's upstream
connection (TLS end to end: the bytes are not looked at). Prints "ready" once listening.
"""
import socket
import sys
import threading

listen_host, listen_port, target_host, target_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])


def pump(source, sink):
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((listen_host, listen_port))
server.listen(64)
print("ready", flush=True)
while True:
    client, _ = server.accept()
    upstream = socket.create_connection((target_host, target_port))
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
