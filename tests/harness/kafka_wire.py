"""Hand-built Kafka requests for tests that must send exactly chosen bytes.

Only what the integration tests need: framing, request header v1, ApiVersions v0,
Metadata v1, Produce v3 (with RecordBatch v2 built here, CRC-32C included), ListOffsets v1,
Fetch v4, and their responses. Written from the protocol description in
shared/kafka-protocol/README.md.
"""

import socket
import struct
import time

# ---------------------------------------------------------------- CRC-32C (Castagnoli)

_CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

# ---------------------------------------------------------------- primitive encoders


def uvarint(n):
    """Unsigned varint (flexible versions: compact lengths, tag counts)."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def zigzag_varint(n):
    """Signed zig-zag varint/varlong (record format)."""
    u = (n << 1) ^ (n >> 63)
    u &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        b = u & 0x7F
        u >>= 7
        if u:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_zigzag(buf, pos):
    shift = 0
    u = 0
    while True:
        b = buf[pos]
        pos += 1
        u |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
    return (u >> 1) ^ -(u & 1), pos


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def nbytes(b):
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def array(items):
    items = list(items)
    return i32(len(items)) + b"".join(items)


# ---------------------------------------------------------------- record batch v2

def encode_record(offset_delta, timestamp_delta, key, value, headers=()):
    body = bytearray()
    body += i8(0)
    body += zigzag_varint(timestamp_delta)
    body += zigzag_varint(offset_delta)
    if key is None:
        body += zigzag_varint(-1)
    else:
        body += zigzag_varint(len(key)) + key
    if value is None:
        body += zigzag_varint(-1)
    else:
        body += zigzag_varint(len(value)) + value
    body += zigzag_varint(len(headers))
    for hk, hv in headers:
        hkb = hk.encode()
        body += zigzag_varint(len(hkb)) + hkb
        if hv is None:
            body += zigzag_varint(-1)
        else:
            body += zigzag_varint(len(hv)) + hv
    return zigzag_varint(len(body)) + bytes(body)


# ---------------------------------------------------------------- compression (system libraries)

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def _lib(name):
    import ctypes
    return ctypes.CDLL(name)


def compress(codec, data):
    """Compress a records block the way librdkafka does (gzip member, raw snappy block,
    LZ4 frame, zstd frame), using the system's libraries through ctypes."""
    import ctypes
    import gzip
    if codec == "none":
        return data
    if codec == "gzip":
        return gzip.compress(data)
    if codec == "snappy":
        lib = _lib("libsnappy.so.1")
        lib.snappy_max_compressed_length.restype = ctypes.c_size_t
        cap = lib.snappy_max_compressed_length(ctypes.c_size_t(len(data)))
        out = ctypes.create_string_buffer(cap)
        n = ctypes.c_size_t(cap)
        if lib.snappy_compress(data, ctypes.c_size_t(len(data)), out, ctypes.byref(n)) != 0:
            raise RuntimeError("snappy_compress failed")
        return out.raw[:n.value]
    if codec == "lz4":
        lib = _lib("liblz4.so.1")
        lib.LZ4F_compressFrameBound.restype = ctypes.c_size_t
        lib.LZ4F_compressFrame.restype = ctypes.c_size_t
        cap = lib.LZ4F_compressFrameBound(ctypes.c_size_t(len(data)), None)
        out = ctypes.create_string_buffer(cap)
        n = lib.LZ4F_compressFrame(out, ctypes.c_size_t(cap), data, ctypes.c_size_t(len(data)), None)
        if n > cap:
            raise RuntimeError("LZ4F_compressFrame failed")
        return out.raw[:n]
    if codec == "zstd":
        lib = _lib("libzstd.so.1")
        lib.ZSTD_compressBound.restype = ctypes.c_size_t
        lib.ZSTD_compress.restype = ctypes.c_size_t
        lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
        cap = lib.ZSTD_compressBound(ctypes.c_size_t(len(data)))
        out = ctypes.create_string_buffer(cap)
        n = lib.ZSTD_compress(out, ctypes.c_size_t(cap), data, ctypes.c_size_t(len(data)), 3)
        if lib.ZSTD_isError(n):
            raise RuntimeError("ZSTD_compress failed")
        return out.raw[:n]
    raise ValueError(codec)


def record_batch(records, base_timestamp=None, corrupt_crc=False, codec="none",
                 producer=(-1, -1, -1)):
    """records: list of (key, value, headers) or (key, value, headers, timestamp_ms).
    producer: (producer id, epoch, base sequence) of an idempotent producer."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    recs = b""
    max_ts = base_timestamp
    for i, r in enumerate(records):
        ts = r[3] if len(r) > 3 else base_timestamp
        max_ts = max(max_ts, ts)
        recs += encode_record(i, ts - base_timestamp, r[0], r[1], r[2])
    recs = compress(codec, recs)
    after_crc = (i16(CODECS[codec]) + i32(len(records) - 1) + i64(base_timestamp) + i64(max_ts)
                 + i64(producer[0]) + i16(producer[1]) + i32(producer[2]) + i32(len(records))
                 + recs)
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0x5A5A5A5A
    tail = i32(0) + i8(2) + struct.pack(">I", crc) + after_crc
    return i64(0) + i32(len(tail)) + tail


def parse_batches(data):
    """Parse concatenated v2 batches (uncompressed) into a list of records:
    dict(offset, timestamp, key, value, headers). A trailing partial batch is ignored."""
    out = []
    pos = 0
    while pos + 12 <= len(data):
        base_offset, batch_len = struct.unpack_from(">qi", data, pos)
        end = pos + 12 + batch_len
        if end > len(data):
            break
        magic = data[pos + 16]
        if magic != 2:
            raise ValueError("magic %d at %d" % (magic, pos))
        attrs, _last_delta, base_ts, _max_ts = struct.unpack_from(">hiqq", data, pos + 21)
        if attrs & 0x07:
            raise ValueError("compressed batch not supported by this parser")
        count = struct.unpack_from(">i", data, pos + 57)[0]
        p = pos + 61
        for _ in range(count):
            _length, p = read_zigzag(data, p)
            p += 1  # attributes
            ts_delta, p = read_zigzag(data, p)
            off_delta, p = read_zigzag(data, p)
            klen, p = read_zigzag(data, p)
            key = None if klen < 0 else bytes(data[p:p + klen])
            p += max(klen, 0)
            vlen, p = read_zigzag(data, p)
            value = None if vlen < 0 else bytes(data[p:p + vlen])
            p += max(vlen, 0)
            nh, p = read_zigzag(data, p)
            headers = []
            for _h in range(nh):
                hkl, p = read_zigzag(data, p)
                hk = bytes(data[p:p + hkl]).decode()
                p += hkl
                hvl, p = read_zigzag(data, p)
                hv = None if hvl < 0 else bytes(data[p:p + hvl])
                p += max(hvl, 0)
                headers.append((hk, hv))
            out.append(dict(offset=base_offset + off_delta, timestamp=base_ts + ts_delta,
                            key=key, value=value, headers=headers))
        pos = end
    return out


def segment_batches(path):
    """(base_offset, last_offset, position, size) for every batch of a .log segment file."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    pos = 0
    while pos + 12 <= len(data):
        base, blen = struct.unpack_from(">qi", data, pos)
        if blen <= 0 or pos + 12 + blen > len(data):
            break
        last_delta = struct.unpack_from(">i", data, pos + 23)[0]
        out.append((base, base + last_delta, pos, 12 + blen))
        pos += 12 + blen
    return out


# ---------------------------------------------------------------- responses

class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def take(self, n):
        if self.p + n > len(self.d):
            raise ValueError("short response: need %d at %d of %d" % (n, self.p, len(self.d)))
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def nbytes(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, fn):
        n = self.i32()
        return None if n < 0 else [fn() for _ in range(n)]


def read_uvarint(r):
    """An unsigned varint from Reader r."""
    n = shift = 0
    while True:
        b = r.take(1)[0]
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n
        shift += 7


def skip_tags(r):
    """Skip a tagged-field section (flexible versions)."""
    for _ in range(read_uvarint(r)):
        read_uvarint(r)
        r.take(read_uvarint(r))


# ---------------------------------------------------------------- connection

class ConnectionClosed(Exception):
    pass


class KafkaConn:
    """A blocking socket speaking raw frames."""

    def __init__(self, host, port, timeout=10.0, client_id="skein-test"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client_id = client_id
        self.corr = 0

    @classmethod
    def to(cls, bootstrap, **kw):
        host, port = bootstrap.rsplit(":", 1)
        return cls(host, int(port), **kw)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:], min(n - got, 1 << 20))
            if k == 0:
                raise ConnectionClosed("connection closed after %d of %d bytes" % (got, n))
            got += k
        return bytes(buf)

    def recv_frame(self):
        size = struct.unpack(">i", self.recv_exact(4))[0]
        return self.recv_exact(size)

    def wait_closed(self, timeout=10.0):
        """True when the peer closes (EOF or reset) within timeout; data received meanwhile
        is returned as the second element."""
        self.sock.settimeout(timeout)
        got = bytearray()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                b = self.sock.recv(65536)
                if not b:
                    return True, bytes(got)
                got += b
        except (ConnectionResetError, BrokenPipeError):
            return True, bytes(got)
        except socket.timeout:
            return False, bytes(got)
        return False, bytes(got)

    def request_bytes(self, api_key, api_version, body, corr=None):
        if corr is None:
            self.corr += 1
            corr = self.corr
        hdr = i16(api_key) + i16(api_version) + i32(corr) + string(self.client_id)
        payload = hdr + body
        return i32(len(payload)) + payload, corr

    def request(self, api_key, api_version, body):
        """Send a request (header v1) and return (correlation id, Reader over the body)."""
        frame, corr = self.request_bytes(api_key, api_version, body)
        self.sock.sendall(frame)
        resp = self.recv_frame()
        r = Reader(resp)
        got = r.i32()
        if got != corr:
            raise ValueError("correlation id %d, expected %d" % (got, corr))
        return r

    # ---- APIs

    def api_versions(self):
        r = self.request(18, 0, b"")
        err = r.i16()
        keys = r.array(lambda: (r.i16(), r.i16(), r.i16()))
        return err, {k: (lo, hi) for k, lo, hi in keys}

    def metadata(self, topics=None):
        """Metadata v1; topics None = all. Returns dict(brokers, controller, topics{name: (err, {p: (err, leader)})})."""
        body = i32(-1) if topics is None else array(string(t) for t in topics)
        r = self.request(3, 1, body)
        brokers = r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
        controller = r.i32()

        def part():
            err = r.i16()
            pid = r.i32()
            leader = r.i32()
            r.array(r.i32)
            r.array(r.i32)
            return pid, err, leader

        def topic():
            err = r.i16()
            name = r.string()
            r.i8()
            parts = r.array(part)
            return name, err, {p: (e, l) for p, e, l in parts}

        tlist = r.array(topic)
        return dict(brokers=brokers, controller=controller,
                    topics={n: (e, ps) for n, e, ps in tlist})

    def produce(self, topic, partition, batch, acks=1, timeout_ms=10000, version=3):
        """Produce (v3..v7, same request layout) with one partition. Returns (error_code,
        base_offset), or None for acks=0."""
        body = (string(None) + i16(acks) + i32(timeout_ms)
                + array([string(topic) + array([i32(partition) + nbytes(batch)])]))
        if acks == 0:
            frame, _ = self.request_bytes(0, version, body)
            self.sock.sendall(frame)
            return None
        r = self.request(0, version, body)

        def part():
            p = r.i32()
            err = r.i16()
            base = r.i64()
            r.i64()  # log_append_time
            if version >= 5:
                r.i64()  # log_start_offset
            return p, err, base

        topics = r.array(lambda: (r.string(), r.array(part)))
        _name, parts = topics[0]
        return parts[0][1], parts[0][2]

    def list_offsets(self, topic, partition, timestamp):
        """ListOffsets v1: (error, timestamp, offset)."""
        body = i32(-1) + array([string(topic) + array([i32(partition) + i64(timestamp)])])
        r = self.request(2, 1, body)

        def part():
            return r.i32(), r.i16(), r.i64(), r.i64()

        topics = r.array(lambda: (r.string(), r.array(part)))
        _p, err, ts, off = topics[0][1][0]
        return err, ts, off

    def fetch(self, topic, partition, offset, max_bytes=1 << 20, max_wait_ms=100, min_bytes=1):
        """Fetch v4 (read_uncommitted): (error, high_watermark, records list)."""
        body = (i32(-1) + i32(max_wait_ms) + i32(min_bytes) + i32(max_bytes) + i8(0)
                + array([string(topic) + array([i32(partition) + i64(offset) + i32(max_bytes)])]))
        r = self.request(1, 4, body)
        r.i32()  # throttle

        def part():
            p = r.i32()
            err = r.i16()
            hw = r.i64()
            r.i64()  # last stable offset
            r.array(lambda: (r.i64(), r.i64()))
            recs = r.nbytes()
            return p, err, hw, recs

        topics = r.array(lambda: (r.string(), r.array(part)))
        _p, err, hw, recs = topics[0][1][0]
        return err, hw, parse_batches(recs or b"")


# ---------------------------------------------------------------- client quotas (KIP-546)
# DescribeClientQuotas (48) and AlterClientQuotas (49), v0 (classic) and v1 (flexible):
# neither librdkafka 2.0.2 (confluent-kafka) nor kafka-python 2.0.2 has these calls.

def _cstr(s):
    """Compact (nullable) string."""
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def _carray(items):
    items = list(items)
    return uvarint(len(items) + 1) + b"".join(items)


def _read_cstr(r):
    n = read_uvarint(r)
    return None if n == 0 else r.take(n - 1).decode()


def _read_carray(r, fn):
    n = read_uvarint(r)
    return None if n == 0 else [fn() for _ in range(n - 1)]


def _f64(v):
    return struct.pack(">d", v)


def _read_f64(r):
    return struct.unpack(">d", r.take(8))[0]


def _quota_codec(version):
    flex = version >= 1
    tag = uvarint(0) if flex else b""
    s = _cstr if flex else string
    arr = _carray if flex else array
    return flex, tag, s, arr


def request_flex(conn, api_key, api_version, body):
    """A request with header v2 (flexible versions); returns a Reader past the response
    header v1 (correlation id and tags)."""
    conn.corr += 1
    hdr = i16(api_key) + i16(api_version) + i32(conn.corr) + string(conn.client_id) + uvarint(0)
    payload = hdr + body
    conn.sock.sendall(i32(len(payload)) + payload)
    r = Reader(conn.recv_frame())
    if r.i32() != conn.corr:
        raise ValueError("correlation id mismatch")
    skip_tags(r)
    return r


def describe_client_quotas(conn, components, strict=False, version=0):
    """components: [(entity_type, match_type, match)]. Returns (throttle, error, message,
    entries) with entries a list of ({entity_type: name}, {key: value}), or None."""
    flex, tag, s, arr = _quota_codec(version)
    body = arr([s(t) + i8(m) + s(n) + tag for t, m, n in components]) + i8(1 if strict else 0)
    body += tag
    r = request_flex(conn, 48, version, body) if flex else conn.request(48, version, body)
    rs = (lambda: _read_cstr(r)) if flex else r.string
    ra = (lambda fn: _read_carray(r, fn)) if flex else r.array
    throttle, err, msg = r.i32(), r.i16(), rs()

    def entity():
        t, n = rs(), rs()
        if flex:
            skip_tags(r)
        return t, n

    def value():
        k, v = rs(), _read_f64(r)
        if flex:
            skip_tags(r)
        return k, v

    def entry():
        e, v = ra(entity), ra(value)
        if flex:
            skip_tags(r)
        return dict(e), dict(v)

    entries = ra(entry)
    return throttle, err, msg, entries


def alter_client_quotas(conn, entries, validate_only=False, version=0):
    """entries: [({entity_type: name or None}, [(key, value or None to remove)])] (a list
    of (type, name) pairs may stand for the dict, to send a type twice). Returns (throttle,
    [(error, message, {entity_type: name})])."""
    flex, tag, s, arr = _quota_codec(version)

    def ent(e):
        pairs = e.items() if isinstance(e, dict) else e
        return arr([s(t) + s(n) + tag for t, n in pairs])

    def ops(o):
        return arr([s(k) + _f64(0.0 if v is None else float(v)) + i8(1 if v is None else 0) + tag
                    for k, v in o])

    body = arr([ent(e) + ops(o) + tag for e, o in entries]) + i8(1 if validate_only else 0) + tag
    r = request_flex(conn, 49, version, body) if flex else conn.request(49, version, body)
    rs = (lambda: _read_cstr(r)) if flex else r.string
    ra = (lambda fn: _read_carray(r, fn)) if flex else r.array
    throttle = r.i32()

    def entity():
        t, n = rs(), rs()
        if flex:
            skip_tags(r)
        return t, n

    def entry():
        err, msg = r.i16(), rs()
        e = ra(entity)
        if flex:
            skip_tags(r)
        return err, msg, dict(e)

    return throttle, ra(entry)


def produce_throttled(conn, topic, partition, batch, acks=1, timeout_ms=10000):
    """Produce v3 with one partition: (error_code, throttle_time_ms)."""
    body = (string(None) + i16(acks) + i32(timeout_ms)
            + array([string(topic) + array([i32(partition) + nbytes(batch)])]))
    r = conn.request(0, 3, body)
    parts = r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16(), r.i64(), r.i64()))))
    return parts[0][1][0][1], r.i32()


def fetch_throttled(conn, topic, partition, offset, max_bytes=1 << 20):
    """Fetch v4 of one partition: (throttle_time_ms, error, records bytes); an answer
    without the topic (a throttled one) gives (throttle_time_ms, None, 0)."""
    body = (i32(-1) + i32(0) + i32(1) + i32(max_bytes) + i8(0)
            + array([string(topic) + array([i32(partition) + i64(offset) + i32(max_bytes)])]))
    r = conn.request(1, 4, body)
    throttle = r.i32()

    def part():
        r.i32()
        err = r.i16()
        r.i64()
        r.i64()
        r.array(lambda: (r.i64(), r.i64()))
        return err, r.nbytes()

    topics = r.array(lambda: (r.string(), r.array(part)))
    if not topics:
        return throttle, None, 0
    err, recs = topics[0][1][0]
    return throttle, err, len(recs or b"")
