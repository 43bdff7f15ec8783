"""Old clients and every Produce / Fetch version Kafka 3.7 accepts.

Produce v0-2 carry legacy message sets (magic 0: no timestamps; magic 1: CreateTime
timestamps; compressed ones in wrapper messages): Skein converts them to one v2 record batch
on append, as Kafka 3.x does. Fetch v0-3 are answered with the message-set magic the client
understands (magic 0 for v0-1, magic 1 for v2-3), down-converted from the stored batches.

Real clients: kafka-python (Debian's python3-kafka) forced to api_version (0, 9), (0, 10, 1)
and (0, 11), and kcat forced to the 0.9.0 protocol; records written by a new client are read
by an old one and the other way round. Hand-built frames check every response field of
every version."""

import struct
import time
import uuid
import zlib

import pytest

from clients import kcat, kp_admin, kp_consumer, wait_topic_in_metadata
from kafka_wire import (KafkaConn, Reader, i8, i16, i32, i64, nbytes, parse_batches,
                        read_uvarint, record_batch, string, uvarint)

NONE, CORRUPT_MESSAGE, UNKNOWN_TOPIC_OR_PARTITION = 0, 2, 3
INVALID_TIMESTAMP, INVALID_RECORD, UNKNOWN_TOPIC_ID = 32, 87, 100
OFFSET_OUT_OF_RANGE = 1
OLD_APIS = [(0, 9), (0, 10, 1), (0, 11)]


def make_topic(cluster, name, partitions=1):
    a = kp_admin(cluster.bootstrap)
    try:
        from kafka.admin import NewTopic
        a.create_topics([NewTopic(name, partitions, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(cluster.bootstrap, name, partitions)
    return name


def fresh(cluster, prefix, partitions=1):
    return make_topic(cluster, "%s-%s" % (prefix, uuid.uuid4().hex[:8]), partitions)


# ---------------------------------------------------------------- legacy messages

def legacy_msg(offset, magic, key, value, ts=None, attrs=0):
    """One magic 0/1 message (CRC-32 over magic..end)."""
    body = i8(magic) + i8(attrs)
    if magic == 1:
        body += i64(ts if ts is not None else -1)
    body += nbytes(key) + nbytes(value)
    m = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF) + body
    return i64(offset) + i32(len(m)) + m


def legacy_wrapper(offset, magic, codec, inner, ts=None):
    import gzip
    assert codec == 1
    return legacy_msg(offset, magic, None, gzip.compress(inner), ts=ts, attrs=codec)


def parse_legacy(data):
    """A magic 0/1 message set (a partial message at the end ignored; wrappers opened):
    [dict(offset, magic, attrs, timestamp, key, value)]."""
    import gzip
    out = []
    pos = 0
    while pos + 12 <= len(data):
        offset, size = struct.unpack_from(">qi", data, pos)
        if pos + 12 + size > len(data):
            break
        body = data[pos + 12:pos + 12 + size]
        crc = struct.unpack_from(">I", body, 0)[0]
        assert crc == zlib.crc32(body[4:]) & 0xFFFFFFFF, "bad CRC at %d" % pos
        magic, attrs = body[4], body[5]
        p = 6
        ts = None
        if magic == 1:
            ts = struct.unpack_from(">q", body, p)[0]
            p += 8
        klen = struct.unpack_from(">i", body, p)[0]
        p += 4
        key = None if klen < 0 else body[p:p + klen]
        p += max(klen, 0)
        vlen = struct.unpack_from(">i", body, p)[0]
        p += 4
        value = None if vlen < 0 else body[p:p + vlen]
        p += max(vlen, 0)
        assert p == len(body)
        if attrs & 7:
            assert attrs & 7 == 1
            inner = parse_legacy(gzip.decompress(value))
            for m in inner:
                m["wrapper"] = attrs
                if magic == 1:  # relative inner offsets; the wrapper has the last one's
                    m["offset"] += offset - inner[-1]["offset"]
            out.extend(inner)
        else:
            out.append(dict(offset=offset, magic=magic, attrs=attrs, timestamp=ts, key=key,
                            value=value, wrapper=None))
        pos += 12 + size
    return out


# ---------------------------------------------------------------- any version, by hand

def read_tags(r):
    tags = {}
    for _ in range(read_uvarint(r)):
        t = read_uvarint(r)
        tags[t] = r.take(read_uvarint(r))
    return tags


class Wire:
    """Flexible-aware encoders and decoders for one version."""

    def __init__(self, flex):
        self.flex = flex

    def s(self, v):
        if v is None:
            return uvarint(0) if self.flex else i16(-1)
        b = v.encode() if isinstance(v, str) else v
        return (uvarint(len(b) + 1) + b) if self.flex else string(b)

    def b(self, v):
        if v is None:
            return uvarint(0) if self.flex else i32(-1)
        return (uvarint(len(v) + 1) + v) if self.flex else nbytes(v)

    def arr(self, items):
        items = list(items)
        return (uvarint(len(items) + 1) if self.flex else i32(len(items))) + b"".join(items)

    @property
    def tags(self):
        return b"\x00" if self.flex else b""

    def count(self, r):
        return read_uvarint(r) - 1 if self.flex else r.i32()

    def rs(self, r):
        n = read_uvarint(r) - 1 if self.flex else r.i16()
        return None if n < 0 else r.take(n).decode()

    def rb(self, r):
        n = read_uvarint(r) - 1 if self.flex else r.i32()
        return None if n < 0 else bytes(r.take(n))

    def rtags(self, r):
        return read_tags(r) if self.flex else {}


def call(k, key, version, body, flex):
    """Send with request header v1 (v2 when flexible); return a Reader after the response
    header."""
    k.corr += 1
    hdr = i16(key) + i16(version) + i32(k.corr) + string(k.client_id) + (b"\x00" if flex else b"")
    k.sock.sendall(i32(len(hdr + body)) + hdr + body)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if flex:
        read_tags(r)
    return r


def produce(k, version, topic, partition, records, acks=1, timeout_ms=10000):
    """Produce at any version; returns dict(partition fields..., throttle, tags, top_tags)."""
    w = Wire(version >= 9)
    body = b""
    if version >= 3:
        body += w.s(None)
    body += i16(acks) + i32(timeout_ms)
    body += w.arr([w.s(topic) + w.arr([i32(partition) + w.b(records) + w.tags]) + w.tags])
    body += w.tags
    r = call(k, 0, version, body, w.flex)
    out = {}

    def part():
        d = dict(index=r.i32(), error=r.i16(), base=r.i64())
        if version >= 2:
            d["log_append_time"] = r.i64()
        if version >= 5:
            d["log_start"] = r.i64()
        if version >= 8:
            d["record_errors"] = [(r.i32(), w.rs(r), w.rtags(r)) for _ in range(w.count(r))]
            d["error_message"] = w.rs(r)
        d["tags"] = w.rtags(r)
        return d

    topics = []
    for _ in range(w.count(r)):
        name = w.rs(r)
        parts = [part() for _ in range(w.count(r))]
        w.rtags(r)
        topics.append((name, parts))
    assert len(topics) == 1 and topics[0][0] == topic and len(topics[0][1]) == 1
    out = topics[0][1][0]
    out["throttle"] = r.i32() if version >= 1 else None
    out["top_tags"] = w.rtags(r)
    assert r.p == len(r.d), "trailing bytes in the Produce v%d response" % version
    return out


def records_for(version, values, ts):
    """The record format a client of this Produce version sends: magic 0 (v0-1), magic 1
    (v2) or a v2 batch (v3+)."""
    if version <= 1:
        return b"".join(legacy_msg(i, 0, b"k%d" % i, v) for i, v in enumerate(values))
    if version == 2:
        return b"".join(legacy_msg(i, 1, b"k%d" % i, v, ts=ts + i) for i, v in enumerate(values))
    return record_batch([(b"k%d" % i, v, [], ts + i) for i, v in enumerate(values)],
                        base_timestamp=ts)


def read_v2(k, topic, offset):
    err, _hw, recs = k.fetch(topic, 0, offset)
    assert err == NONE
    return recs


# ---------------------------------------------------------------- Produce, by hand

@pytest.mark.parametrize("version", range(0, 11))
def test_produce_every_version(cluster, version):
    topic = fresh(cluster, "pv%d" % version)
    ts = 1_700_000_000_000 + version
    with KafkaConn.to(cluster.bootstrap) as k:
        values = [b"a-%d" % version, b"b-%d" % version]
        got = produce(k, version, topic, 0, records_for(version, values, ts))
        assert (got["index"], got["error"], got["base"]) == (0, NONE, 0)
        if version >= 2:
            assert got["log_append_time"] == -1          # CreateTime topic
        if version >= 5:
            assert got["log_start"] == 0
        if version >= 8:
            assert got["record_errors"] == [] and got["error_message"] is None
        assert got["throttle"] == (0 if version >= 1 else None)
        assert got["tags"] == {} and got["top_tags"] == {}
        # a second request continues the offsets
        got = produce(k, version, topic, 0, records_for(version, [b"c"], ts))
        assert (got["error"], got["base"]) == (NONE, 2)
        recs = read_v2(k, topic, 0)
    assert [r["offset"] for r in recs] == [0, 1, 2]
    assert [r["value"] for r in recs] == values + [b"c"]
    assert [r["key"] for r in recs] == [b"k0", b"k1", b"k0"]
    if version <= 1:
        assert [r["timestamp"] for r in recs] == [-1, -1, -1]   # magic 0: NO_TIMESTAMP
    else:
        assert [r["timestamp"] for r in recs] == [ts, ts + 1, ts]


def test_produce_v0_compressed_and_refusals(cluster):
    topic = fresh(cluster, "prefuse")
    with KafkaConn.to(cluster.bootstrap) as k:
        # a gzip wrapper of magic 1 (inner offsets relative) and of magic 0
        inner = legacy_msg(0, 1, b"x", b"one", ts=5) + legacy_msg(1, 1, None, b"two", ts=6)
        got = produce(k, 2, topic, 0, legacy_wrapper(1, 1, 1, inner, ts=6))
        assert (got["error"], got["base"], got["log_append_time"]) == (NONE, 0, -1)
        inner0 = legacy_msg(0, 0, b"y", b"three") + legacy_msg(1, 0, b"z", b"four")
        got = produce(k, 0, topic, 0, legacy_wrapper(1, 0, 1, inner0))
        assert (got["error"], got["base"]) == (NONE, 2)
        end = k.list_offsets(topic, 0, -1)[2]
        assert end == 4

        def refused(version, records, error):
            got = produce(k, version, topic, 0, records)
            assert (got["error"], got["base"]) == (error, -1), got
            assert k.list_offsets(topic, 0, -1)[2] == end   # nothing written
            return got
        good = legacy_msg(0, 0, b"k", b"v")
        # a bad CRC
        bad = bytearray(good)
        bad[-1] ^= 1
        refused(0, bytes(bad), CORRUPT_MESSAGE)
        # a truncated message
        refused(1, good[:-3], CORRUPT_MESSAGE)
        # a size far beyond the data
        refused(0, good[:8] + i32(1 << 30) + good[12:], CORRUPT_MESSAGE)
        # a wrapper inside a wrapper
        nested = legacy_wrapper(0, 1, 1, legacy_msg(0, 1, None, b"deep", ts=1), ts=1)
        refused(2, legacy_wrapper(0, 1, 1, nested, ts=1), INVALID_RECORD)
        # LogAppendTime set by the producer
        refused(2, legacy_msg(0, 1, b"k", b"v", ts=1, attrs=8), INVALID_TIMESTAMP)
        # magic 0/1 in Produce v3+ (only record batches, magic 2)
        refused(3, good, INVALID_RECORD)
        refused(8, good, INVALID_RECORD)
        # a corrupt v2 batch in an old request
        refused(2, record_batch([(None, b"x", [])], corrupt_crc=True), CORRUPT_MESSAGE)
        # the connection still serves
        assert produce(k, 1, topic, 0, good)["base"] == end
    recs = parse_batches_all(cluster, topic)
    assert [(r["key"], r["value"]) for r in recs[:5]] == [
        (b"x", b"one"), (None, b"two"), (b"y", b"three"), (b"z", b"four"), (b"k", b"v")]
    assert [r["timestamp"] for r in recs[:5]] == [5, 6, -1, -1, -1]


def parse_batches_all(cluster, topic):
    """Every record of partition 0 through kafka-python (new versions; compressed batches
    too)."""
    c = kp_consumer(cluster.bootstrap)
    try:
        from kafka import TopicPartition
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        end = c.end_offsets([tp])[tp]
        c.seek(tp, 0)
        out = []
        deadline = time.monotonic() + 60
        while len(out) < end and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=500).values():
                out.extend(dict(offset=m.offset, key=m.key, value=m.value, timestamp=m.timestamp,
                                timestamp_type=m.timestamp_type) for m in recs)
        return out
    finally:
        c.close()


def test_produce_log_append_time(make_cluster):
    c = make_cluster(1, auto_create_topics_enable="true", num_partitions=1,
                     log_message_timestamp_type="LogAppendTime")
    topic = fresh(c, "plat")
    with KafkaConn.to(c.bootstrap) as k:
        before = int(time.time() * 1000)
        got = produce(k, 2, topic, 0, legacy_msg(0, 1, b"k", b"v", ts=5))
        after = int(time.time() * 1000)
        assert got["error"] == NONE and before <= got["log_append_time"] <= after
        got = produce(k, 0, topic, 0, legacy_msg(0, 0, b"k", b"v"))
        assert got["error"] == NONE
    recs = parse_batches_all(c, topic)
    assert [r["timestamp_type"] for r in recs] == [1, 1]
    assert before <= recs[0]["timestamp"] <= after


# ---------------------------------------------------------------- real old producers

@pytest.mark.parametrize("api", OLD_APIS, ids=["0.9", "0.10.1", "0.11"])
@pytest.mark.parametrize("codec", [None, "gzip"])
def test_kafka_python_old_producer(cluster, api, codec):
    from kafka import KafkaProducer
    topic = fresh(cluster, "kpp")
    p = KafkaProducer(bootstrap_servers=cluster.bootstrap, api_version=api,
                      compression_type=codec, linger_ms=20, acks=1)
    try:
        ts0 = int(time.time() * 1000)
        futs = [p.send(topic, key=b"key-%d" % i, value=b"value-%d-" % i + bytes(range(256)),
                       partition=0) for i in range(20)]
        p.flush(30)
        metas = [f.get(timeout=30) for f in futs]
    finally:
        p.close()
    assert [m.offset for m in metas] == list(range(20))
    recs = parse_batches_all(cluster, topic)
    assert [r["offset"] for r in recs] == list(range(20))
    assert [r["key"] for r in recs] == [b"key-%d" % i for i in range(20)]
    assert [r["value"] for r in recs] == [b"value-%d-" % i + bytes(range(256)) for i in range(20)]
    if api == (0, 9):
        assert all(r["timestamp"] == -1 for r in recs)       # magic 0 has none
    else:
        assert all(ts0 - 1000 <= r["timestamp"] <= ts0 + 60000 for r in recs)
        assert [r["timestamp"] for r in recs] == [m.timestamp for m in metas]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4"])
def test_kcat_09_producer(cluster, codec):
    """librdkafka as a 0.9.0 client writes magic 0 messages, compressed ones in wrappers
    (LZ4 with the header checksum Kafka 0.9 computed wrongly, KAFKA-3160)."""
    topic = fresh(cluster, "kcat09p")
    lines = b"".join(b"k%d:v%d\n" % (i, i) for i in range(10))
    kcat(["-b", cluster.bootstrap, "-X", "api.version.request=false",
          "-X", "broker.version.fallback=0.9.0", "-P", "-t", topic, "-p", "0", "-K:",
          "-z", codec], input_data=lines)
    out = kcat(["-b", cluster.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                "-f", "%o %k %s\n"]).stdout
    assert out.splitlines() == [b"%d k%d v%d" % (i, i, i) for i in range(10)]


# ---------------------------------------------------------------- Fetch, by hand

def topic_id(cluster, name):
    import base64
    return base64.urlsafe_b64decode(cluster.zk_json("/brokers/topics/" + name)["topic_id"] + "==")


def fetch(k, version, topic, partition, offset, topic_id=None, last_fetched_epoch=-1,
          max_bytes=1 << 20, max_wait_ms=10, replica_id=-1):
    """Fetch one partition at any version; returns dict(top fields, topic, partition fields,
    records bytes, tags)."""
    w = Wire(version >= 12)
    body = b""
    if version <= 14:
        body += i32(replica_id)
    body += i32(max_wait_ms) + i32(1)
    if version >= 3:
        body += i32(max_bytes)
    if version >= 4:
        body += i8(0)
    if version >= 7:
        body += i32(0) + i32(-1)
    part = i32(partition)
    if version >= 9:
        part += i32(-1)
    part += i64(offset)
    if version >= 12:
        part += i32(last_fetched_epoch)
    if version >= 5:
        part += i64(-1)
    part += i32(max_bytes) + w.tags
    tname = (topic_id if version >= 13 else w.s(topic))
    body += w.arr([tname + w.arr([part]) + w.tags])
    if version >= 7:
        body += w.arr([])
    if version >= 11:
        body += w.s("")
    body += w.tags
    r = call(k, 1, version, body, w.flex)
    out = {}
    out["throttle"] = r.i32() if version >= 1 else None
    if version >= 7:
        out["error"], out["session"] = r.i16(), r.i32()
    topics = []
    for _ in range(w.count(r)):
        name = bytes(r.take(16)) if version >= 13 else w.rs(r)
        parts = []
        for _ in range(w.count(r)):
            d = dict(index=r.i32(), error=r.i16(), hw=r.i64())
            if version >= 4:
                d["lso"] = r.i64()
            if version >= 5:
                d["log_start"] = r.i64()
            if version >= 4:
                n = w.count(r)
                d["aborted"] = None if n < 0 else [(r.i64(), r.i64(), w.rtags(r)) for _ in range(n)]
            if version >= 11:
                d["preferred"] = r.i32()
            d["records"] = w.rb(r)
            d["tags"] = w.rtags(r)
            parts.append(d)
        w.rtags(r)
        topics.append((name, parts))
    out["top_tags"] = w.rtags(r)
    assert r.p == len(r.d), "trailing bytes in the Fetch v%d response" % version
    assert len(topics) == 1 and len(topics[0][1]) == 1
    out["topic"] = topics[0][0]
    out.update(topics[0][1][0])
    return out


@pytest.fixture(scope="module")
def fetched(cluster):
    """A topic with 3 records from a new producer (one v2 batch) and 2 from an old one
    (magic 1, gzip wrapper)."""
    topic = make_topic(cluster, "fetched-" + uuid.uuid4().hex[:8])
    with KafkaConn.to(cluster.bootstrap) as k:
        b = record_batch([(b"k0", b"v0", [("h", b"x")], 1_700_000_000_000),
                          (None, b"v1", [], 1_700_000_000_001),
                          (b"k2", None, [], 1_700_000_000_002)],
                         base_timestamp=1_700_000_000_000)
        assert produce(k, 3, topic, 0, b)["base"] == 0
        inner = legacy_msg(0, 1, b"k3", b"v3", ts=1_700_000_000_003) + \
            legacy_msg(1, 1, b"k4", b"v4", ts=1_700_000_000_004)
        assert produce(k, 2, topic, 0, legacy_wrapper(1, 1, 1, inner, ts=4))["base"] == 3
    return topic


WANT = [(1, None, b"v1", 1_700_000_000_001), (2, b"k2", None, 1_700_000_000_002),
        (3, b"k3", b"v3", 1_700_000_000_003), (4, b"k4", b"v4", 1_700_000_000_004)]


def v2_records(data):
    """Records of v2 batches, compressed or not (kafka_wire's parser opens plain ones)."""
    import gzip
    out = []
    pos = 0
    while pos + 12 <= len(data):
        base, blen = struct.unpack_from(">qi", data, pos)
        end = pos + 12 + blen
        if end > len(data):
            break
        batch = bytearray(data[pos:end])
        attrs = struct.unpack_from(">h", batch, 21)[0]
        if attrs & 7:
            assert attrs & 7 == 1
            recs = gzip.decompress(bytes(batch[61:]))
            batch = batch[:61] + recs
            struct.pack_into(">h", batch, 21, attrs & ~7)
            struct.pack_into(">i", batch, 8, len(batch) - 12)
        out.extend(parse_batches(bytes(batch)))
        pos = end
    return out


@pytest.mark.parametrize("version", range(0, 17))
def test_fetch_every_version(cluster, fetched, version):
    tid = topic_id(cluster, fetched)
    with KafkaConn.to(cluster.bootstrap) as k:
        got = fetch(k, version, fetched, 0, 1, topic_id=tid)
        assert got["error"] == NONE
        assert got["index"] == 0 and got["hw"] == 5
        assert got["throttle"] == (0 if version >= 1 else None)
        if version >= 7:
            assert (got["error"], got["session"]) == (NONE, 0)
        if version >= 4:
            assert got["lso"] == 5 and got["aborted"] is None
        if version >= 5:
            assert got["log_start"] == 0
        if version >= 11:
            assert got["preferred"] == -1
        assert got["tags"] == {} and got["top_tags"] == {}
        assert got["topic"] == (tid if version >= 13 else fetched)
    data = got["records"]
    if version <= 3:
        # down-converted: magic 0 (v0-1) or 1 (v2-3), from the fetch offset on; the gzip
        # batch stays gzip (one wrapper, as Kafka down-converts), the plain one plain
        msgs = parse_legacy(data)
        magic = 0 if version <= 1 else 1
        assert all(m["magic"] == magic and m["attrs"] == 0 for m in msgs)
        assert [m["wrapper"] for m in msgs] == [None, None, 1, 1]
        assert [(m["offset"], m["key"], m["value"]) for m in msgs] == [w[:3] for w in WANT]
        assert [m["timestamp"] for m in msgs] == \
            ([None] * 4 if magic == 0 else [w[3] for w in WANT])
    else:
        recs = v2_records(data)  # whole batches, as stored
        assert [(r["offset"], r["key"], r["value"], r["timestamp"]) for r in recs] == \
            [(0, b"k0", b"v0", 1_700_000_000_000)] + WANT
        assert recs[0]["headers"] == [("h", b"x")]


def test_fetch_unknown_topic_id_and_errors(cluster, fetched):
    with KafkaConn.to(cluster.bootstrap) as k:
        for version in (13, 14, 15, 16):
            got = fetch(k, version, fetched, 0, 0, topic_id=b"\x07" * 16)
            assert (got["error"], got["topic"], got["hw"]) == (UNKNOWN_TOPIC_ID, b"\x07" * 16, -1)
        for version in (0, 3, 4, 12):
            assert fetch(k, version, fetched, 0, 99)["error"] == OFFSET_OUT_OF_RANGE
            assert fetch(k, version, "no-such-topic", 0, 0)["error"] == UNKNOWN_TOPIC_OR_PARTITION
        # a fetch in the middle of the compressed wrapper's batch: v0-3 from the offset on
        got = fetch(k, 1, fetched, 0, 4)
        assert [(m["offset"], m["value"]) for m in parse_legacy(got["records"])] == [(4, b"v4")]


def test_fetch_v12_diverging_epoch(cluster, fetched):
    with KafkaConn.to(cluster.bootstrap) as k:
        got = fetch(k, 12, fetched, 0, 1, last_fetched_epoch=0)
        assert got["error"] == NONE and 0 not in got["tags"] and got["records"]
        # epoch 0 ends at the log end (5): a fetcher at 6 that last saw epoch 0 diverged
        got = fetch(k, 12, fetched, 0, 6, last_fetched_epoch=0)
        assert got["error"] == NONE and got["records"] == b""
        r = Reader(got["tags"][0])
        assert (r.i32(), r.i64()) == (0, 5)
        # an epoch this log never had: (-1, -1), Kafka's answer, which being the tagged
        # field's default is not written; no records either
        got = fetch(k, 12, fetched, 0, 1, last_fetched_epoch=7)
        assert got["error"] == NONE and got["records"] == b"" and got["tags"] == {}


def test_v16_and_v10_name_the_leader(make_cluster):
    """KIP-951: Fetch v16 and Produce v10 answered NOT_LEADER_OR_FOLLOWER name the current
    leader and its endpoint."""
    c = make_cluster(2, auto_create_topics_enable="true", num_partitions=1)
    topic = make_topic(c, "leaders", 2)
    with KafkaConn.to(c.broker(0).bootstrap) as k:
        md = k.metadata([topic])
    _err, parts = md["topics"][topic]
    p, (_e, leader) = next((p, v) for p, v in parts.items())
    lead = c.broker(leader)
    with KafkaConn.to(c.broker(1 - leader).bootstrap) as k:
        got = produce(k, 10, topic, p, record_batch([(None, b"x", [])]))
        assert got["error"] == 6
        r = Reader(got["tags"][0])
        assert r.i32() == leader
        r = Reader(got["top_tags"][0])
        assert read_uvarint(r) - 1 == 1
        assert r.i32() == leader
        host = r.take(read_uvarint(r) - 1).decode()
        assert "%s:%d" % (host, r.i32()) == lead.bootstrap
        # below v10 the same answer carries no tags
        assert produce(k, 9, topic, p, record_batch([(None, b"x", [])]))["tags"] == {}
        got = fetch(k, 16, topic, p, 0, topic_id=topic_id(c, topic))
        assert got["error"] == 6
        r = Reader(got["tags"][1])
        assert r.i32() == leader and r.i32() >= 0
        assert 0 in got["top_tags"]


# ---------------------------------------------------------------- real old consumers

@pytest.mark.parametrize("api", OLD_APIS, ids=["0.9", "0.10.1", "0.11"])
def test_kafka_python_old_consumer_group(cluster, api):
    """A new client's batches (compressed and not) and an old client's messages, read by an
    old consumer in a group that commits and fetches its offsets."""
    from confluent_kafka import Producer
    from kafka import KafkaProducer, TopicPartition
    topic = fresh(cluster, "kpc")
    p = Producer({"bootstrap.servers": cluster.bootstrap, "compression.codec": "gzip",
                  "linger.ms": 5})
    for i in range(5):
        p.produce(topic, key=b"new-%d" % i, value=b"nv-%d" % i, partition=0,
                  timestamp=1_700_000_000_000 + i)
    assert p.flush(30) == 0
    p = Producer({"bootstrap.servers": cluster.bootstrap, "compression.codec": "none"})
    p.produce(topic, key=None, value=b"plain", partition=0, timestamp=1_700_000_000_005)
    assert p.flush(30) == 0
    old = KafkaProducer(bootstrap_servers=cluster.bootstrap, api_version=(0, 9))
    old.send(topic, key=b"old", value=b"ov", partition=0).get(timeout=30)
    old.close()
    group = "g-%s" % uuid.uuid4().hex[:8]
    c = kp_consumer(cluster.bootstrap, api_version=api, group_id=group,
                    enable_auto_commit=False, consumer_timeout_ms=20000,
                    session_timeout_ms=10000)
    try:
        c.subscribe([topic])
        got = []
        deadline = time.monotonic() + 60
        while len(got) < 7 and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=500).values():
                got.extend(recs)
        assert [m.offset for m in got] == list(range(7))
        assert [m.key for m in got] == [b"new-%d" % i for i in range(5)] + [None, b"old"]
        assert [m.value for m in got] == [b"nv-%d" % i for i in range(5)] + [b"plain", b"ov"]
        ts = [m.timestamp for m in got]
        if api == (0, 9):
            assert all(t in (None, -1) for t in ts)            # magic 0 carries none
        else:
            assert ts[:6] == [1_700_000_000_000 + i for i in range(6)]
            assert ts[6] == -1                                   # written as magic 0
        c.commit()
        tp = TopicPartition(topic, 0)
        assert c.committed(tp) == 7
    finally:
        c.close()
    # a new consumer of the group starts where the old one committed
    c = kp_consumer(cluster.bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        assert c.committed(tp) == 7
    finally:
        c.close()


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4"])
def test_kcat_09_consumer_reads_new_batches(cluster, codec):
    """Fetch v0 down-converts to magic 0, keeping gzip and snappy (a wrapper message, as Kafka
    does); LZ4 batches go plain (magic 0's LZ4 framing is Kafka 0.9's broken one)."""
    topic = fresh(cluster, "kcat09c")
    lines = b"".join(b"k%d:v%d\n" % (i, i) for i in range(6))
    kcat(["-b", cluster.bootstrap, "-P", "-t", topic, "-p", "0", "-K:", "-z", codec],
         input_data=lines)
    out = kcat(["-b", cluster.bootstrap, "-X", "api.version.request=false",
                "-X", "broker.version.fallback=0.9.0", "-C", "-t", topic, "-p", "0",
                "-o", "beginning", "-e", "-q", "-f", "%o %k %s\n"]).stdout
    assert out.splitlines() == [b"%d k%d v%d" % (i, i, i) for i in range(6)]


def test_fetch_refusals_by_topic_config(cluster):
    """As Kafka: consumers below Fetch v10 of a compression.type=zstd topic get
    UNSUPPORTED_COMPRESSION_TYPE, and with message.downconversion.enable=false those that
    need down-conversion (v0-3) get UNSUPPORTED_VERSION; followers are not concerned."""
    from kafka.admin import NewTopic
    zstd, nodown = "zstd-" + uuid.uuid4().hex[:8], "nodown-" + uuid.uuid4().hex[:8]
    a = kp_admin(cluster.bootstrap)
    try:
        a.create_topics([NewTopic(zstd, 1, 1, topic_configs={"compression.type": "zstd"}),
                         NewTopic(nodown, 1, 1,
                                  topic_configs={"message.downconversion.enable": "false"})])
    finally:
        a.close()
    wait_topic_in_metadata(cluster.bootstrap, zstd, 1)
    wait_topic_in_metadata(cluster.bootstrap, nodown, 1)
    with KafkaConn.to(cluster.bootstrap) as k:
        for t in (zstd, nodown):
            assert produce(k, 3, t, 0, record_batch([(b"k", b"v", [])]))["error"] == NONE
        for version in (0, 3, 4, 9):
            got = fetch(k, version, zstd, 0, 0)
            assert (got["error"], got["hw"], got["records"]) == (76, -1, b""), version
        for version in (10, 11, 12):
            assert fetch(k, version, zstd, 0, 0)["error"] == NONE
        for version in (0, 1, 2, 3):
            got = fetch(k, version, nodown, 0, 0)
            assert (got["error"], got["records"]) == (35, b""), version
        for version in (4, 11):
            got = fetch(k, version, nodown, 0, 0)
            assert got["error"] == NONE and len(v2_records(got["records"])) == 1
