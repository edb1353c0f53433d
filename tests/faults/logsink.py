#!/usr/bin/env python3
"""logsink.py SOCKET OUT: a syslog socket for tests/faults/faults.sh.

Binds a Unix datagram socket at SOCKET (bind-mounted at /dev/log in the
namespaces where the PAM parts run) and appends every message it receives,
one per line, to OUT as "SEVERITY TEXT" (SEVERITY: the syslog severity
name, TEXT: the message without its <PRI> and timestamp). Runs until
killed. A message that spans lines is joined with spaces so that one
message is always one line.
"""
import os
import re
import socket
import sys

SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
# <PRI>Mmm dd hh:mm:ss TEXT (glibc's syslog(3) format on the local socket)
FRAME = re.compile(rb"^<(\d{1,3})>(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?(.*)$", re.S)


def main():
    path, out = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    with open(out, "ab", buffering=0) as f:
        while True:
            data = sock.recv(65536)
            m = FRAME.match(data)
            if m:
                sev = SEVERITIES[int(m.group(1)) & 7].encode()
                text = m.group(2)
            else:
                sev, text = b"unparsed", data
            text = b" ".join(text.replace(b"\0", b"").split())
            f.write(sev + b" " + text + b"\n")


if __name__ == "__main__":
    main()
