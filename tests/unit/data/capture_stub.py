#!/usr/bin/python3
"""capture_stub.py - a tiny Kafka-speaking socket stub that records requests.

Used to capture the exact request bytes real clients (kcat/librdkafka,
kafka-python, confluent-kafka) send, for tests/unit/check_proto_real.c.

It listens on 127.0.0.1:PORT, answers
  ApiVersions  with the recommended table (shared/kafka-protocol README 2.2),
  Metadata     with one broker (itself, node 0) and topic "t", partition 0,
  Produce      by keeping the batches in memory (one partition log),
  ListOffsets  with earliest 0 / latest = next offset,
  Fetch        with the batches kept from Produce,
  CreateTopics with success,
and writes every request frame (the bytes after the 4-byte size: header and
body) to OUTDIR/<tag>_<seq>_k<key>v<ver>.bin. Anything else is logged and left
unanswered.

  /usr/bin/python3 capture_stub.py --port 19092 --out /tmp/frames
  kcat -b 127.0.0.1:19092 -L            (etc.; see capture.sh)

The tag written into file names is read from OUTDIR/TAG at each new
connection, so one stub process can serve several client runs.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

RECOMMENDED = [
    (0, 3, 7), (1, 4, 11), (2, 1, 2), (3, 0, 5), (8, 2, 7), (9, 1, 7), (10, 0, 2),
    (11, 0, 5), (12, 0, 3), (13, 0, 1), (14, 0, 3), (15, 0, 4), (16, 0, 4), (17, 0, 1),
    (18, 0, 3), (19, 0, 4), (20, 0, 3), (22, 0, 4), (24, 0, 1), (25, 0, 1), (26, 0, 1),
    (28, 0, 3), (32, 0, 2), (33, 0, 1), (36, 0, 1), (37, 0, 1), (42, 0, 1),
]

# First flexible version per api key, for the request header version.
FLEX = {0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5,
        16: 3, 17: 99, 18: 3, 19: 5, 20: 4, 22: 2, 24: 3, 25: 3, 26: 3, 28: 3, 32: 4,
        33: 2, 36: 2, 37: 2, 42: 2}

TOPIC = b"t"
lock = threading.Lock()
log = []          # list of (base_offset, batch bytes)
next_offset = [0]
seq = [0]


class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        if self.p + n > len(self.b):
            raise ValueError("short frame")
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def i64(self): return struct.unpack(">q", self.take(8))[0]

    def uvarint(self):
        v, shift = 0, 0
        while True:
            c = self.take(1)[0]
            v |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return v

    def string(self, flex=False):
        n = self.uvarint() - 1 if flex else self.i16()
        return None if n < 0 else self.take(n)

    def bytes_(self, flex=False):
        n = self.uvarint() - 1 if flex else self.i32()
        return None if n < 0 else self.take(n)

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def s16(s):
    return struct.pack(">h", len(s)) + s


def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def api_versions(ver):
    if ver > 3:  # v0 layout, UNSUPPORTED_VERSION
        body = i16(35) + i32(1) + i16(18) + i16(0) + i16(3)
        return body
    if ver >= 3:
        body = i16(0) + uvarint(len(RECOMMENDED) + 1)
        for k, lo, hi in RECOMMENDED:
            body += i16(k) + i16(lo) + i16(hi) + b"\x00"
        return body + i32(0) + b"\x00"
    body = i16(0) + i32(len(RECOMMENDED))
    for k, lo, hi in RECOMMENDED:
        body += i16(k) + i16(lo) + i16(hi)
    if ver >= 1:
        body += i32(0)
    return body


def metadata(ver, port, topics):
    body = b""
    if ver >= 3:
        body += i32(0)
    body += i32(1) + i32(0) + s16(b"127.0.0.1") + i32(port)
    if ver >= 1:
        body += i16(-1)                       # rack null
    if ver >= 2:
        body += s16(b"capture-stub")          # cluster id
    if ver >= 1:
        body += i32(0)                        # controller id
    names = [TOPIC] if topics is None else topics
    body += i32(len(names))
    for name in names:
        known = name == TOPIC
        body += i16(0 if known else 3) + s16(name)
        if ver >= 1:
            body += b"\x00"                   # is_internal
        if known:
            body += i32(1) + i16(0) + i32(0) + i32(0) + i32(1) + i32(0) + i32(1) + i32(0)
            if ver >= 5:
                body += i32(0)                # offline replicas: empty
        else:
            body += i32(0)
    return body


def produce(ver, r):
    if ver >= 3:
        r.string()
    acks = r.i16()
    r.i32()
    out = []
    for _ in range(r.i32()):
        name = r.string()
        parts = []
        for _ in range(r.i32()):
            idx = r.i32()
            recs = r.bytes_()
            base = -1
            if recs and len(recs) >= 61:
                with lock:
                    base = next_offset[0]
                    b = bytearray(recs)
                    b[0:8] = i64(base)
                    last_delta = struct.unpack(">i", recs[23:27])[0]
                    log.append((base, bytes(b)))
                    next_offset[0] = base + last_delta + 1
            parts.append((idx, base))
        out.append((name, parts))
    if acks == 0:
        return None
    body = i32(len(out))
    for name, parts in out:
        body += s16(name) + i32(len(parts))
        for idx, base in parts:
            body += i32(idx) + i16(0) + i64(base)
            if ver >= 2:
                body += i64(-1)
            if ver >= 5:
                body += i64(0)
    return body + i32(0)


def list_offsets(ver, r):
    r.i32()
    if ver >= 2:
        r.i8()
    out = []
    for _ in range(r.i32()):
        name = r.string()
        parts = []
        for _ in range(r.i32()):
            idx = r.i32()
            ts = r.i64()
            if ver == 0:
                r.i32()
            parts.append((idx, 0 if ts == -2 else next_offset[0]))
        out.append((name, parts))
    body = i32(0) if ver >= 2 else b""
    body += i32(len(out))
    for name, parts in out:
        body += s16(name) + i32(len(parts))
        for idx, off in parts:
            body += i32(idx) + i16(0)
            if ver == 0:
                body += i32(1) + i64(off)
            else:
                body += i64(-1) + i64(off)
    return body


def fetch(ver, r):
    r.i32()
    max_wait = r.i32()
    r.i32()
    r.i32()
    r.i8()
    if ver >= 7:
        r.i32()
        r.i32()
    want = []
    for _ in range(r.i32()):
        name = r.string()
        for _ in range(r.i32()):
            idx = r.i32()
            if ver >= 9:
                r.i32()
            off = r.i64()
            if ver >= 5:
                r.i64()
            r.i32()
            want.append((name, idx, off))
    deadline = time.time() + min(max_wait, 500) / 1000.0
    while True:
        with lock:
            ready = any(next_offset[0] > off for _, _, off in want)
        if ready or time.time() >= deadline:
            break
        time.sleep(0.02)
    body = i32(0)
    if ver >= 7:
        body += i16(0) + i32(0)
    body += i32(len(want))
    for name, idx, off in want:
        with lock:
            data = b"".join(b for base, b in log
                            if base + struct.unpack(">i", b[23:27])[0] >= off)
            hw = next_offset[0]
        body += s16(name) + i32(1) + i32(idx) + i16(0) + i64(hw) + i64(hw)
        if ver >= 5:
            body += i64(0)
        body += i32(-1)                       # aborted transactions: null
        if ver >= 11:
            body += i32(-1)
        body += i32(len(data)) + data
    return body


def create_topics(ver, r):
    names = []
    for _ in range(r.i32()):
        names.append(r.string())
        r.i32()
        r.i16()
        for _ in range(r.i32()):
            r.i32()
            for _ in range(r.i32()):
                r.i32()
        for _ in range(r.i32()):
            r.string()
            r.string()
    body = i32(0) if ver >= 2 else b""
    body += i32(len(names))
    for n in names:
        body += s16(n) + i16(0)
        if ver >= 1:
            body += i16(-1)
    return body


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        c = sock.recv(n - len(buf))
        if not c:
            return None
        buf += c
    return buf


def serve(conn, port, outdir):
    try:
        tag = open(os.path.join(outdir, "TAG")).read().strip()
    except OSError:
        tag = "unknown"
    with conn:
        while True:
            hdr = recv_exact(conn, 4)
            if hdr is None:
                return
            size = struct.unpack(">i", hdr)[0]
            frame = recv_exact(conn, size)
            if frame is None:
                return
            r = Reader(frame)
            key, ver, corr = r.i16(), r.i16(), r.i32()
            r.string()  # client id
            if ver >= FLEX.get(key, 99):
                r.tags()
            with lock:
                seq[0] += 1
                n = seq[0]
            name = "%s_%03d_k%dv%d.bin" % (tag, n, key, ver)
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(frame)
            print("captured", name, len(frame), "bytes", file=sys.stderr, flush=True)
            body = None
            if key == 18:
                body = api_versions(ver)
            elif key == 3:
                topics = None
                cnt = r.i32()
                if cnt > 0:
                    topics = [r.string() for _ in range(cnt)]
                elif cnt == 0 and ver >= 1:
                    topics = []
                body = metadata(ver, port, topics)
            elif key == 0:
                body = produce(ver, r)
                if body is None:
                    continue
            elif key == 2:
                body = list_offsets(ver, r)
            elif key == 1:
                body = fetch(ver, r)
            elif key == 19:
                body = create_topics(ver, r)
            else:
                print("unanswered api key", key, file=sys.stderr, flush=True)
                continue
            rh = i32(corr)
            if key != 18 and ver >= FLEX.get(key, 99):
                rh += b"\x00"
            payload = rh + body
            conn.sendall(i32(len(payload)) + payload)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(16)
    print("listening", a.port, file=sys.stderr, flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, a.port, a.out), daemon=True).start()


if __name__ == "__main__":
    main()
