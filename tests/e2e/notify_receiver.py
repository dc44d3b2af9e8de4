# A stand-in for systemd's notify socket: binds a datagram socket at argv[1] (a path, or
# @name for an abstract one), prints "bound" once it can receive, then prints each
# notification as one line (newlines inside shown as '|'), flushed, until killed.
import socket
import sys

addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
print("bound", flush=True)
while True:
    data = s.recv(4096)
    print(data.decode("utf-8", "replace").replace("\n", "|"), flush=True)
