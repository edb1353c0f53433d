#!/usr/bin/env python3
"""A controllable faulty peer in front of a real iam-policyd, for
tests/faults/faults.sh. Python 3 standard library only.

    faultpeer.py --upstream HOST:PORT --upstream-ca FILE --cert FILE --key FILE
                 --wrong-cert FILE --wrong-key FILE --control FILE
                 --ready FILE [--replay FILE]

It listens on 127.0.0.1 (a free port, written to --ready as "PORT") and
behaves as the mode in --control says. The control file is read every
50 ms; once a mode is in force the peer writes "PORT MODE" to --ready, so
the test knows every later connection sees it. Modes:

  normal      TCP passthrough to the endpoint (its own TLS, end to end)
  refuse      nothing listens (the socket is closed; reopened on the same
              port when the mode changes again)
  blackhole   accepts, never reads nor answers
  slow        passthrough, the endpoint's bytes passed on one per second
  wrong_ca    TLS with a certificate of a CA the client does not trust
  (every mode below terminates TLS with a certificate of the test's CA)
  wrong_pin   a plain 200 answer: the client must stop at its pin first
  http500 http502 http503
              that status, with a JSON error body
  truncated   200, Content-Length 4096, 23 bytes, then the connection ends
  huge        200, Content-Length 100 MB, streamed at 10 MB/s until the
              client hangs up
  invalid_utf8 200, JSON whose strings hold bytes that are not UTF-8
  deep        200, JSON nested 100000 levels deep
  wrong_types the endpoint's real answer, every value of another type
  dup_keys    the endpoint's real answer, each key repeated with a value
              of another type after it
  bad_signature  the real answer, a snapshot's signature altered
  future_serial  the real answer, a snapshot's serial moved far ahead
                 of what was signed
  replay      a snapshot request answered with --replay (an older answer
              the endpoint signed); other requests forwarded
  record      (set-up, not a fault) forwards, and keeps each changed
              snapshot answer in --replay

An HTTP-level MODE written as MODE@PREFIX (e.g. truncated@/v1/snapshot)
applies only to requests whose path starts with PREFIX; the others are
forwarded unchanged.
"""

import argparse
import http.client
import json
import os
import select
import socket
import ssl
import sys
import threading
import time

TLS_MODES = {"wrong_ca", "wrong_pin", "http500", "http502", "http503", "truncated", "huge",
             "invalid_utf8", "deep", "wrong_types", "dup_keys", "bad_signature",
             "future_serial", "replay", "record"}
MODES = TLS_MODES | {"normal", "refuse", "blackhole", "slow"}

args = None
held = []  # blackholed sockets, kept open until the peer ends
held_lock = threading.Lock()


def log(msg):
    sys.stderr.write("faultpeer: %s\n" % msg)
    sys.stderr.flush()


# --- TCP level -----------------------------------------------------------

def pump(src, dst, delay):
    """Copies src to dst, one byte per `delay` seconds when delay > 0."""
    try:
        while True:
            data = src.recv(1 if delay else 65536)
            if not data:
                break
            if delay:
                time.sleep(delay)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def passthrough(client, delay):
    host, port = args.upstream.rsplit(":", 1)
    try:
        up = socket.create_connection((host, int(port)), timeout=5)
        up.settimeout(None)
    except OSError as e:
        log("upstream: %s" % e)
        client.close()
        return
    t = threading.Thread(target=pump, args=(up, client, delay), daemon=True)
    t.start()
    pump(client, up, 0)
    t.join(30)
    up.close()
    client.close()


# --- HTTP level ------------------------------------------------------------

def read_request(conn):
    """(method, path, headers dict lowercased, body) or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            return None
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    while len(body) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return method, path, headers, body


def forward(method, path, headers, body):
    """The real endpoint's answer: (status, body bytes)."""
    host, port = args.upstream.rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=args.upstream_ca)
    ctx.check_hostname = False
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)
    keep = {k: v for k, v in headers.items()
            if k in ("authorization", "content-type", "accept", "user-agent")
            or k.startswith("x-")}
    c.request(method, path, body=body or None, headers=keep)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def answer(conn, status, body, reason="OK", length=None):
    head = ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n"
            % (status, reason, len(body) if length is None else length))
    conn.sendall(head.encode("ascii") + body)


def other_type(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return len(v) or 1
    if isinstance(v, list):
        return {"0": v}
    if isinstance(v, dict):
        return [v]
    return False  # null


def wrong_types(obj):
    if isinstance(obj, dict):
        return {k: other_type(v) for k, v in obj.items()}
    return other_type(obj)


def dup_keys(raw):
    obj = json.loads(raw)
    if not isinstance(obj, dict):
        return raw
    parts = []
    for k, v in obj.items():
        parts.append("%s:%s" % (json.dumps(k), json.dumps(v)))
        parts.append("%s:%s" % (json.dumps(k), json.dumps(other_type(v))))
    return ("{" + ",".join(parts) + "}").encode()


def serve_http(conn, mode):
    req = read_request(conn)
    if req is None:
        return
    method, path, headers, body = req
    mode, _, prefix = mode.partition("@")
    if prefix and not path.startswith(prefix):
        status, data = forward(method, path, headers, body)
        answer(conn, status, data)
        return
    if mode == "wrong_pin":
        answer(conn, 200, b'{"status":"ok"}')
        return
    if mode in ("http500", "http502", "http503"):
        code = int(mode[4:])
        text = {500: "Internal Server Error", 502: "Bad Gateway",
                503: "Service Unavailable"}[code]
        answer(conn, code, b'{"error":{"code":"internal","message":"fault injected"}}', text)
        return
    if mode == "truncated":
        answer(conn, 200, b'{"status":"ok","versio', length=4096)
        return
    if mode == "huge":
        total = 100 * 1000 * 1000
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n" % total)
        conn.sendall(head.encode("ascii"))
        chunk = b"[" * (1 << 20)
        sent = 0
        start = time.monotonic()
        while sent < total:  # 10 MB/s: the client gives up first
            conn.sendall(chunk)
            sent += len(chunk)
            ahead = sent / 10e6 - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        return
    if mode == "invalid_utf8":
        answer(conn, 200, b'{"status":"ok\xff\xfe","version":"\xc3\x28",'
               b'"name":"\xed\xa0\x80","allowed":true,"error":"\x80"}')
        return
    if mode == "deep":
        answer(conn, 200, b'{"a":' * 100000 + b"1" + b"}" * 100000)
        return
    if mode == "replay" and path.startswith("/v1/snapshot"):
        with open(args.replay, "rb") as f:
            answer(conn, 200, f.read())
        return
    status, data = forward(method, path, headers, body)
    if mode == "record" and status == 200 and path.startswith("/v1/snapshot") \
            and b'"payload"' in data:
        with open(args.replay, "wb") as f:
            f.write(data)
    if status == 200 and mode in ("wrong_types", "dup_keys", "bad_signature",
                                  "future_serial"):
        try:
            if mode == "wrong_types":
                data = json.dumps(wrong_types(json.loads(data))).encode()
            elif mode == "dup_keys":
                data = dup_keys(data)
            elif path.startswith("/v1/snapshot"):
                obj = json.loads(data)
                if mode == "bad_signature" and obj.get("signature"):
                    sig = obj["signature"]
                    obj["signature"] = ("B" if sig[0] == "A" else "A") + sig[1:]
                elif mode == "future_serial" and "serial" in obj:
                    obj["serial"] = int(obj["serial"]) + 1000000
                data = json.dumps(obj).encode()
        except ValueError:
            pass
    answer(conn, status, data)


def handle(conn, mode):
    try:
        if mode == "blackhole":
            with held_lock:
                held.append(conn)
            return
        if mode in ("normal", "slow"):
            passthrough(conn, 1.0 if mode == "slow" else 0)
            return
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if mode == "wrong_ca":
            ctx.load_cert_chain(args.wrong_cert, args.wrong_key)
        else:
            ctx.load_cert_chain(args.cert, args.key)
        conn.settimeout(10)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            if mode == "wrong_ca":
                tls.recv(1)  # the client hangs up during or after the handshake
            else:
                serve_http(tls, mode)
    except (OSError, ssl.SSLError, ValueError) as e:
        if not isinstance(e, (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError)):
            log("%s: %s" % (mode, e))
    finally:
        if mode != "blackhole":
            try:
                conn.close()
            except OSError:
                pass


def read_mode():
    try:
        with open(args.control) as f:
            m = f.read().strip()
    except OSError:
        return "normal"
    base, at, prefix = m.partition("@")
    if at:
        return m if base in TLS_MODES and prefix.startswith("/") else "normal"
    return m if m in MODES else "normal"


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    return s


def main():
    global args
    p = argparse.ArgumentParser()
    for a in ("upstream", "upstream-ca", "cert", "key", "wrong-cert", "wrong-key", "control",
              "ready"):
        p.add_argument("--" + a, required=True)
    p.add_argument("--replay")
    args = p.parse_args()

    srv = listen(0)
    port = srv.getsockname()[1]
    mode = None
    while True:
        want = read_mode()
        if want != mode:
            if want == "refuse" and srv is not None:
                srv.close()
                srv = None
            elif want != "refuse" and srv is None:
                srv = listen(port)
            mode = want
            tmp = args.ready + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d %s\n" % (port, mode))
            os.rename(tmp, args.ready)
        if srv is None:
            time.sleep(0.05)
            continue
        r, _, _ = select.select([srv], [], [], 0.05)
        if r:
            conn, _ = srv.accept()
            threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
