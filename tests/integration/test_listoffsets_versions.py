"""ListOffsets at every version Kafka 3.7 accepts (0-8): kafka-python forced to 0.9 (v0, the
version sarama and so Burrow send) and 0.10.1 (v1), librdkafka at whatever it picks, and
hand-built requests for each version: v0's offsets array and MaxNumOffsets, v4+ leader epochs
and CurrentLeaderEpoch checks, v6+ flexible encoding, v7 MAX_TIMESTAMP, v8 EARLIEST_LOCAL,
duplicate partitions."""

import pytest

from clients import DeliveryLog, cf_produce, cf_producer, kcat, kp_admin, kp_consumer, \
    wait_topic_in_metadata
from kafka_wire import (
    KafkaConn, Reader, array, i16, i32, i64, i8, read_uvarint, skip_tags, string, uvarint)

TOPIC = "lo-versions"
N = 20
T0 = 1_700_000_000_000
LATEST, EARLIEST, MAX_TIMESTAMP, EARLIEST_LOCAL = -1, -2, -3, -4
NONE, UNKNOWN_TOPIC, INVALID_REQUEST, FENCED, UNKNOWN_EPOCH = 0, 3, 42, 74, 75


@pytest.fixture(scope="module")
def topic(cluster):
    """TOPIC partition 0: N records, timestamps T0 + i*1000, one batch each; record 7 carries
    the largest timestamp (T0 + 100000)."""
    from kafka.admin import NewTopic
    a = kp_admin(cluster.bootstrap)
    try:
        a.create_topics([NewTopic(TOPIC, 1, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(cluster.bootstrap, TOPIC, 1)
    p = cf_producer(cluster.bootstrap)
    dlog = DeliveryLog()
    for i in range(N):
        ts = T0 + 100_000 if i == 7 else T0 + i * 1000
        cf_produce(p, TOPIC, [(b"k", b"v%d" % i, None, ts)], dlog, partition=0)
    assert dlog.errors == []
    assert sorted(o for _, o, *_ in dlog.ok) == list(range(N))
    return TOPIC


# ---------------------------------------------------------------- hand-built requests

def list_offsets(k, version, parts, topic=TOPIC, replica_id=-1, isolation=0):
    """ListOffsets at `version` for one topic. parts: dicts with partition, ts and optional
    max (v0) and epoch (v4+, CurrentLeaderEpoch). Returns a list of dicts, one per partition:
    partition, error and offsets (v0) or timestamp, offset (v1+) and leader_epoch (v4+)."""
    flex = version >= 6
    arr = (lambda items: uvarint(len(items) + 1) + b"".join(items)) if flex else array
    s = (lambda t: uvarint(len(t) + 1) + t.encode()) if flex else string
    tags = b"\x00" if flex else b""

    def part(p):
        b = i32(p["partition"])
        if version >= 4:
            b += i32(p.get("epoch", -1))
        b += i64(p["ts"])
        if version == 0:
            b += i32(p.get("max", 1))
        return b + tags

    body = i32(replica_id)
    if version >= 2:
        body += i8(isolation)
    body += arr([s(topic) + arr([part(p) for p in parts]) + tags]) + tags
    k.corr += 1
    hdr = i16(2) + i16(version) + i32(k.corr) + string(k.client_id) + tags
    payload = hdr + body
    k.sock.sendall(i32(len(payload)) + payload)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if flex:
        skip_tags(r)  # response header v1
    if version >= 2:
        r.i32()  # throttle

    def count():
        return read_uvarint(r) - 1 if flex else r.i32()

    out = []
    for _ in range(count()):
        name = r.take(count() if flex else r.i16()).decode()
        assert name == topic
        for _ in range(count()):
            d = dict(partition=r.i32(), error=r.i16())
            if version == 0:
                d["offsets"] = [r.i64() for _ in range(count())]
            else:
                d["timestamp"], d["offset"] = r.i64(), r.i64()
                if version >= 4:
                    d["leader_epoch"] = r.i32()
            if flex:
                skip_tags(r)
            out.append(d)
        if flex:
            skip_tags(r)
    if flex:
        skip_tags(r)
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return out


def one(k, version, ts, **kw):
    return list_offsets(k, version, [dict(partition=0, ts=ts, **kw)])[0]


# ---------------------------------------------------------------- tests

def test_api_versions_lists_kafka_range(cluster):
    with KafkaConn.to(cluster.bootstrap) as k:
        err, ranges = k.api_versions()
    assert err == 0
    assert ranges[2] == (0, 8)


def test_kafka_python_0_9_uses_v0(cluster, topic):
    """kafka-python with api_version=(0, 9) looks offsets up with ListOffsets v0 (as sarama,
    and so Burrow, does); Skein used to close the connection."""
    from kafka import TopicPartition
    tp = TopicPartition(topic, 0)
    for api_version in ((0, 9), (0, 10, 1)):
        c = kp_consumer(cluster.bootstrap, api_version=api_version)
        try:
            assert c.end_offsets([tp])[tp] == N, api_version
            assert c.beginning_offsets([tp])[tp] == 0, api_version
        finally:
            c.close()


def test_v0_offsets_array(cluster, topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        assert one(k, 0, LATEST) == dict(partition=0, error=NONE, offsets=[N])
        assert one(k, 0, EARLIEST, max=5)["offsets"] == [0]
        # the log end, then the segment start offsets, newest first, at most max
        assert one(k, 0, LATEST, max=10)["offsets"] == [N, 0]
        assert one(k, 0, LATEST, max=0)["offsets"] == []
        # by segment modification time: all segments were written before "now + 1h"
        far = 2 ** 62
        assert one(k, 0, far, max=10)["offsets"] == [N, 0]
        assert one(k, 0, 0, max=10)["offsets"] == []
        bad = list_offsets(k, 0, [dict(partition=0, ts=LATEST)], topic="no-such-topic")[0]
        assert bad == dict(partition=0, error=UNKNOWN_TOPIC, offsets=[])
        # v0 leaves duplicates alone (only v1+ refuses them)
        dups = list_offsets(k, 0, [dict(partition=0, ts=LATEST), dict(partition=0, ts=LATEST)])
        assert [d["error"] for d in dups] == [NONE, NONE]


@pytest.mark.parametrize("version", range(1, 9))
def test_v1_to_v8(cluster, topic, version):
    with KafkaConn.to(cluster.bootstrap) as k:
        latest = one(k, version, LATEST)
        assert (latest["error"], latest["offset"], latest["timestamp"]) == (NONE, N, -1)
        earliest = one(k, version, EARLIEST)
        assert (earliest["error"], earliest["offset"], earliest["timestamp"]) == (NONE, 0, -1)
        by_time = one(k, version, T0 + 3500)
        assert (by_time["offset"], by_time["timestamp"]) == (4, T0 + 4000)
        after = one(k, version, T0 + 10 ** 9)
        assert (after["error"], after["offset"], after["timestamp"]) == (NONE, -1, -1)
        if version >= 4:
            epoch = latest["leader_epoch"]
            assert epoch >= 0
            assert earliest["leader_epoch"] == epoch == by_time["leader_epoch"]
            assert after["leader_epoch"] == -1
            assert one(k, version, LATEST, epoch=epoch)["error"] == NONE
            assert one(k, version, LATEST, epoch=epoch + 1)["error"] == UNKNOWN_EPOCH
            if epoch > 0:
                assert one(k, version, LATEST, epoch=epoch - 1)["error"] == FENCED
        if version >= 7:
            mx = one(k, version, MAX_TIMESTAMP)
            assert (mx["offset"], mx["timestamp"]) == (7, T0 + 100_000)
        if version >= 8:
            assert one(k, version, EARLIEST_LOCAL)["offset"] == 0
        dups = list_offsets(k, version, [dict(partition=0, ts=LATEST), dict(partition=0, ts=EARLIEST)])
        assert [d["error"] for d in dups] == [INVALID_REQUEST, INVALID_REQUEST]
        assert all(d["offset"] == -1 for d in dups)


def test_librdkafka_offset_queries(cluster, topic):
    """kcat -Q (librdkafka picks its own ListOffsets version from our new range)."""
    for ts, want in ((-1, N), (-2, 0), (T0 + 3500, 4)):
        out = kcat(["-b", cluster.bootstrap, "-Q", "-t", "%s:0:%d" % (topic, ts)]).stdout.decode()
        assert ("offset %d" % want) in out, "kcat -Q %d: %r" % (ts, out)
