"""Produce with one client, consume with another: byte-exact, ordered, contiguous offsets."""

import struct

import pytest

import skein_harness as H
from clients import (DeliveryLog, cf_produce, cf_producer, kcat, kp_consume_all, kp_consumer,
                     wait_topic_in_metadata)
from kafka_wire import KafkaConn

N_BIG = 100_000


def cf_create_topic(bootstrap, name, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": bootstrap})
    fut = a.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)],
                          operation_timeout=20, request_timeout=20)
    fut[name].result(timeout=30)
    wait_topic_in_metadata(bootstrap, name, partitions)


def big_message(i):
    key = b"key-%05d" % (i % 5000)
    n = (i * 37) % 300
    value = struct.pack(">I", i) + bytes((i + j * 13) & 0xFF for j in range(n))
    headers = [("seq", b"%d" % i), ("bin", bytes([i & 0xFF, 0, 0xFF, 10, 13])), ("empty", b"")]
    return key, value, headers


@pytest.fixture(scope="module")
def big_topic(cluster):
    """100,000 messages with keys, values and headers produced by confluent-kafka (acks=1) to a
    4-partition topic created with confluent's AdminClient. Returns (topic, delivery log)."""
    topic = "big-4p"
    cf_create_topic(cluster.bootstrap, topic, 4)
    p = cf_producer(cluster.bootstrap, acks=1, **{"linger.ms": 20, "batch.num.messages": 2000})
    dlog = DeliveryLog()
    cf_produce(p, topic, (big_message(i) for i in range(N_BIG)), dlog, timeout=180)
    assert dlog.errors == [], dlog.errors[:5]
    assert len(dlog.ok) == N_BIG
    return topic, dlog


def _by_partition(dlog):
    parts = {}
    for part, off, key, value, headers in dlog.ok:
        parts.setdefault(part, {})[off] = (key, value, headers)
    return parts


def test_confluent_acks1_offsets_are_contiguous_per_partition(big_topic):
    _, dlog = big_topic
    parts = _by_partition(dlog)
    assert set(parts) <= {0, 1, 2, 3}
    assert len(parts) == 4, "keys should spread over all 4 partitions"
    for p, offs in parts.items():
        assert sorted(offs) == list(range(len(offs))), "partition %d offsets not 0..n-1" % p


def test_kafka_python_consumes_everything_byte_exact(cluster, big_topic):
    topic, dlog = big_topic
    expected = _by_partition(dlog)
    got = kp_consume_all(cluster.bootstrap, topic, [0, 1, 2, 3], timeout=240)
    total = 0
    for p in range(4):
        recs = got[p]
        exp = expected.get(p, {})
        total += len(recs)
        assert [r.offset for r in recs] == list(range(len(exp))), \
            "partition %d: offsets not contiguous from 0 (got %d records, expected %d)" \
            % (p, len(recs), len(exp))
        last_seq = -1
        for r in recs:
            key, value, _ = exp[r.offset]
            assert r.key == key, "p%d@%d key" % (p, r.offset)
            assert r.value == value, "p%d@%d value" % (p, r.offset)
            seq = struct.unpack(">I", value[:4])[0]
            assert [(k, bytes(v)) for k, v in r.headers] == big_message(seq)[2], \
                "p%d@%d headers %r" % (p, r.offset, r.headers)
            assert seq > last_seq, "p%d: seq %d after %d (order broken)" % (p, seq, last_seq)
            last_seq = seq
    assert total == N_BIG


def test_kcat_consumes_big_partition_byte_exact(cluster, big_topic):
    topic, dlog = big_topic
    exp = _by_partition(dlog)[1]
    out = kcat(["-b", cluster.bootstrap, "-C", "-t", topic, "-p", "1", "-o", "beginning", "-e",
                "-q", "-f", "%o %K %S\n%k%s\n"], timeout=180).stdout
    pos = 0
    n = 0
    while pos < len(out):
        nl = out.index(b"\n", pos)
        off, klen, vlen = (int(x) for x in out[pos:nl].split())
        pos = nl + 1
        key = out[pos:pos + klen]
        pos += max(klen, 0)
        value = out[pos:pos + vlen]
        pos += max(vlen, 0)
        assert out[pos:pos + 1] == b"\n"
        pos += 1
        assert off == n, "kcat: offset %d where %d expected" % (off, n)
        assert (key, value) == exp[off][:2], "kcat p1@%d differs" % off
        n += 1
    assert n == len(exp)


def test_kcat_produce_and_consume_with_keys_and_headers(cluster):
    topic = "kcat-4p"
    cf_create_topic(cluster.bootstrap, topic, 4)
    lines = [b"k%d:value-%05d" % (i % 37, i) for i in range(2000)]
    kcat(["-b", cluster.bootstrap, "-P", "-t", topic, "-K:", "-H", "h1=v1", "-H", "origin=kcat"],
         input_data=b"\n".join(lines) + b"\n", timeout=60)
    out = kcat(["-b", cluster.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                "-f", "%p\t%o\t%k\t%s\t%h\n"], timeout=60).stdout.decode()
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == 2000
    per_part = {}
    for p, o, k, v, h in rows:
        per_part.setdefault(int(p), []).append((int(o), k, v, h))
    seen = set()
    for p, recs in per_part.items():
        assert [o for o, *_ in recs] == list(range(len(recs))), "partition %d offsets" % p
        seqs = [int(v.split("-")[1]) for _, _, v, _ in recs]
        assert seqs == sorted(seqs), "partition %d out of order" % p
        for o, k, v, h in recs:
            i = int(v.split("-")[1])
            assert k == "k%d" % (i % 37)
            assert h == "h1=v1,origin=kcat"
            seen.add(i)
    assert seen == set(range(2000))
    # same key -> same partition
    part_of_key = {}
    for p, recs in per_part.items():
        for _, k, _, _ in recs:
            assert part_of_key.setdefault(k, p) == p


# ------------------------------------------------------------------ timestamps / offsets

T0 = 1_700_000_000_000


@pytest.fixture(scope="module")
def ts_topic(cluster):
    """Partition 0 holds 30 records with timestamps T0 + i*1000: records 0-9 one batch each,
    10-29 in one batch."""
    topic = "timestamps"
    cf_create_topic(cluster.bootstrap, topic, 1)
    p = cf_producer(cluster.bootstrap, **{"linger.ms": 200})
    dlog = DeliveryLog()
    for i in range(10):
        cf_produce(p, topic, [(b"k", b"v%d" % i, None, T0 + i * 1000)], dlog, partition=0)
    cf_produce(p, topic, [(b"k", b"v%d" % i, None, T0 + i * 1000) for i in range(10, 30)],
               dlog, partition=0)
    assert dlog.errors == []
    assert sorted(o for _, o, *_ in dlog.ok) == list(range(30))
    return topic


# target timestamp -> expected offset (None: no record at or after it)
TS_CASES = [
    (T0 - 5000, 0),          # before everything
    (T0, 0),
    (T0 + 3000, 3),          # exactly a record's timestamp, single-record batches
    (T0 + 3500, 4),          # between two records
    (T0 + 9999, 10),         # just before the multi-record batch
    (T0 + 15000, 15),        # inside the multi-record batch
    (T0 + 15001, 16),
    (T0 + 29000, 29),        # the last record
    (T0 + 29001, None),      # after everything
    (T0 + 10 ** 9, None),
]


def test_offsets_for_times_kafka_python(cluster, ts_topic):
    from kafka import TopicPartition
    tp = TopicPartition(ts_topic, 0)
    c = kp_consumer(cluster.bootstrap)
    try:
        for target, want in TS_CASES:
            got = c.offsets_for_times({tp: target})[tp]
            if want is None:
                assert got is None, "ts %d: expected no offset, got %r" % (target, got)
            else:
                assert got is not None and got.offset == want, \
                    "ts %d: expected offset %d, got %r" % (target, want, got)
                assert got.timestamp == T0 + want * 1000
    finally:
        c.close()


def test_offsets_for_times_confluent(cluster, ts_topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": "ts-probe",
                  "enable.auto.commit": False})
    try:
        for target, want in TS_CASES:
            res = c.offsets_for_times([TopicPartition(ts_topic, 0, target)], timeout=15)
            assert res[0].error is None
            assert res[0].offset == (-1 if want is None else want), \
                "ts %d: expected %r, got %d" % (target, want, res[0].offset)
    finally:
        c.close()


def test_list_offsets_earliest_latest(cluster, ts_topic):
    from kafka import TopicPartition
    tp = TopicPartition(ts_topic, 0)
    c = kp_consumer(cluster.bootstrap)
    try:
        assert c.beginning_offsets([tp])[tp] == 0
        assert c.end_offsets([tp])[tp] == 30
    finally:
        c.close()
    with KafkaConn.to(cluster.bootstrap) as k:
        assert k.list_offsets(ts_topic, 0, -2)[0::2] == (0, 0)
        assert k.list_offsets(ts_topic, 0, -1)[0::2] == (0, 30)
    # kcat -Q: offset lookup by time, -1 = end, -2 = beginning
    for ts, want in ((-1, 30), (-2, 0), (T0 + 15000, 15)):
        out = kcat(["-b", cluster.bootstrap, "-Q", "-t", "%s:0:%d" % (ts_topic, ts)]).stdout.decode()
        assert ("offset %d" % want) in out, "kcat -Q %d: %r" % (ts, out)


def test_confluent_watermarks(cluster, ts_topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": "wm-probe"})
    try:
        assert c.get_watermark_offsets(TopicPartition(ts_topic, 0), timeout=15) == (0, 30)
    finally:
        c.close()


# ------------------------------------------------------------------ acks

def _consume_values(bootstrap, topic, n_expected):
    got = kp_consume_all(bootstrap, topic, [0])
    return [r.value for r in got[0]]


def test_confluent_acks0(cluster):
    topic = "acks0-cf"
    cf_create_topic(cluster.bootstrap, topic, 1)
    p = cf_producer(cluster.bootstrap, acks=0)
    dlog = DeliveryLog()
    cf_produce(p, topic, [(None, b"a0-%d" % i) for i in range(500)], dlog, partition=0)
    assert dlog.errors == []
    from kafka import TopicPartition
    tp = TopicPartition(topic, 0)
    c = kp_consumer(cluster.bootstrap)
    try:
        H.wait_for(lambda: c.end_offsets([tp])[tp] == 500, 20, "500 acks=0 messages to land")
    finally:
        c.close()
    assert _consume_values(cluster.bootstrap, topic, 500) == [b"a0-%d" % i for i in range(500)]


def test_confluent_acks_all(cluster):
    topic = "acksall-cf"
    cf_create_topic(cluster.bootstrap, topic, 1)
    p = cf_producer(cluster.bootstrap, acks=-1)
    dlog = DeliveryLog()
    cf_produce(p, topic, [(None, b"aa-%d" % i) for i in range(500)], dlog, partition=0)
    assert dlog.errors == []
    assert sorted(o for _, o, *_ in dlog.ok) == list(range(500))
    assert _consume_values(cluster.bootstrap, topic, 500) == [b"aa-%d" % i for i in range(500)]


@pytest.mark.parametrize("acks", [0, 1, "all"])
def test_kafka_python_producer_acks(cluster, acks):
    from kafka import KafkaProducer
    topic = "kp-acks-%s" % acks
    prod = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks=acks, linger_ms=5)
    try:
        futs = [prod.send(topic, key=b"k", value=b"kp-%d" % i, partition=0) for i in range(300)]
        prod.flush(30)
        metas = [f.get(timeout=30) for f in futs]
    finally:
        prod.close(10)
    if acks != 0:
        assert [m.offset for m in metas] == list(range(300))
    from kafka import TopicPartition
    tp = TopicPartition(topic, 0)
    c = kp_consumer(cluster.bootstrap)
    try:
        H.wait_for(lambda: c.end_offsets([tp])[tp] == 300, 20, "300 messages in %s" % topic)
    finally:
        c.close()
    assert _consume_values(cluster.bootstrap, topic, 300) == [b"kp-%d" % i for i in range(300)]
