"""Segment rolling with log.segment.bytes=1048576 and fetches from any offset."""

import random
import re
import struct

import pytest

import skein_harness as H
from clients import DeliveryLog, cf_produce, cf_producer, kp_consumer, wait_topic_in_metadata
from kafka_wire import KafkaConn, segment_batches

SEGMENT_BYTES = 1048576
VALUE_SIZE = 1024
N_MSGS = 20 * 1024          # 20 MiB of values


def value_for(i):
    head = b"seg-%08d|" % i
    body = bytes((i * 31 + j) & 0xFF for j in range(64))
    return (head + body * ((VALUE_SIZE // 64) + 1))[:VALUE_SIZE]


@pytest.fixture(scope="module")
def seg_cluster(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(1, tmp_path_factory.mktemp("segments"), zk=zk,
                  log_segment_bytes=SEGMENT_BYTES, auto_create_topics_enable="true",
                  num_partitions=1)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def seg_topic(seg_cluster):
    topic = "segmented"
    wait_topic_in_metadata(seg_cluster.bootstrap, topic, 1)   # auto-created
    p = cf_producer(seg_cluster.bootstrap, **{"linger.ms": 10, "batch.size": 64 * 1024})
    dlog = DeliveryLog()
    cf_produce(p, topic, ((None, value_for(i)) for i in range(N_MSGS)), dlog, partition=0,
               timeout=180)
    assert dlog.errors == []
    values = {off: v for _, off, _, v, _ in dlog.ok}
    assert sorted(values) == list(range(N_MSGS))
    return topic, values


def segments(cluster, topic):
    d = cluster.broker(0).partition_dir(topic, 0)
    return d, sorted(p.name for p in d.iterdir())


def test_at_least_20_segments_with_index_files(seg_cluster, seg_topic):
    topic, _ = seg_topic
    d, names = segments(seg_cluster, topic)
    logs = [n for n in names if n.endswith(".log")]
    assert len(logs) >= 20, "only %d segments: %s" % (len(logs), logs)
    for n in logs:
        assert re.fullmatch(r"\d{20}\.log", n), n
        base = n[:-4]
        assert base + ".index" in names, "%s has no .index" % n
        assert base + ".timeindex" in names, "%s has no .timeindex" % n
    for n in names:
        if n.endswith((".index", ".timeindex")):
            assert n.split(".")[0] + ".log" in names, "orphan index %s" % n


def test_segments_are_contiguous_and_bounded(seg_cluster, seg_topic):
    topic, _ = seg_topic
    d, names = segments(seg_cluster, topic)
    logs = [n for n in names if n.endswith(".log")]
    expect_base = 0
    for n in logs:
        batches = segment_batches(d / n)
        size = (d / n).stat().st_size
        assert batches, "empty segment %s" % n
        assert int(n[:-4]) == expect_base == batches[0][0], \
            "%s: first batch offset %d, expected %d" % (n, batches[0][0], expect_base)
        assert sum(b[3] for b in batches) == size, "%s has trailing bytes" % n
        # a segment is rolled before it exceeds log.segment.bytes (one batch always fits)
        assert size <= SEGMENT_BYTES or len(batches) == 1, "%s is %d bytes" % (n, size)
        for prev, nxt in zip(batches, batches[1:]):
            assert nxt[0] == prev[1] + 1, "%s: batch at %d follows last offset %d" \
                % (n, nxt[0], prev[1])
        expect_base = batches[-1][1] + 1
    assert expect_base == N_MSGS


def test_offset_index_entries_point_at_batches(seg_cluster, seg_topic):
    topic, _ = seg_topic
    d, names = segments(seg_cluster, topic)
    for n in [x for x in names if x.endswith(".log")][:-1]:   # closed segments
        base = int(n[:-4])
        starts = {b[2]: b for b in segment_batches(d / n)}
        idx = (d / (n[:-4] + ".index")).read_bytes()
        assert len(idx) % 8 == 0
        entries = [struct.unpack_from(">ii", idx, i) for i in range(0, len(idx), 8)]
        assert entries, "%s has no index entries" % n
        assert entries == sorted(set(entries)), "%s.index not strictly increasing" % n[:-4]
        for rel, pos in entries:
            assert pos in starts, "%s.index: position %d is not a batch start" % (n[:-4], pos)
            b = starts[pos]
            assert b[0] <= base + rel <= b[1], "%s.index: offset %d not in batch at %d" \
                % (n[:-4], base + rel, pos)
        tidx = (d / (n[:-4] + ".timeindex")).read_bytes()
        assert len(tidx) % 12 == 0 and len(tidx) > 0


def fetch_offsets(seg_cluster, seg_topic):
    topic, _ = seg_topic
    d, names = segments(seg_cluster, topic)
    bases = [int(n[:-4]) for n in names if n.endswith(".log")]
    rnd = random.Random(1234)
    offs = {0, N_MSGS - 1, N_MSGS // 2}
    for b in bases[1:]:
        offs.update((b - 1, b, b + 1))
    offs.update(rnd.randrange(N_MSGS) for _ in range(25))
    return sorted(offs)


def test_fetch_any_offset_kafka_python(seg_cluster, seg_topic):
    from kafka import TopicPartition
    topic, values = seg_topic
    tp = TopicPartition(topic, 0)
    c = kp_consumer(seg_cluster.bootstrap, max_poll_records=1)
    try:
        c.assign([tp])
        for off in fetch_offsets(seg_cluster, seg_topic):
            c.seek(tp, off)
            recs = H.wait_for(lambda: c.poll(timeout_ms=500).get(tp), 20,
                              "a record at offset %d" % off)
            assert recs[0].offset == off
            assert recs[0].value == values[off], "wrong record at offset %d" % off
    finally:
        c.close()


def test_fetch_any_offset_raw(seg_cluster, seg_topic):
    topic, values = seg_topic
    with KafkaConn.to(seg_cluster.bootstrap) as k:
        for off in fetch_offsets(seg_cluster, seg_topic):
            err, hw, recs = k.fetch(topic, 0, off, max_bytes=16384)
            assert err == 0 and hw == N_MSGS
            # whole batches: the batch holding `off` comes first
            assert recs and recs[0]["offset"] <= off, "fetch %d: first record %s" \
                % (off, recs[0]["offset"] if recs else None)
            r = [x for x in recs if x["offset"] == off]
            assert r and r[0]["value"] == values[off], "fetch %d: wrong or no record" % off
        # past the end
        err, hw, recs = k.fetch(topic, 0, N_MSGS, max_wait_ms=10)
        assert err == 0 and recs == []
        err, _, _ = k.fetch(topic, 0, N_MSGS + 1, max_wait_ms=10)
        assert err == 1  # OFFSET_OUT_OF_RANGE


def test_segments_survive_restart(seg_cluster, seg_topic):
    topic, values = seg_topic
    b = seg_cluster.broker(0)
    d, before = segments(seg_cluster, topic)
    assert b.restart() == 0
    # registered is not serving yet: the partitions come from the controller (LeaderAndIsr)
    wait_topic_in_metadata(seg_cluster.bootstrap, topic, 1)
    _, after = segments(seg_cluster, topic)
    assert [n for n in after if n.endswith(".log")] == [n for n in before if n.endswith(".log")]
    with KafkaConn.to(seg_cluster.bootstrap) as k:
        for off in (0, N_MSGS // 3, N_MSGS - 1):
            err, _hw, recs = k.fetch(topic, 0, off, max_bytes=8192)
            r = [x for x in recs if x["offset"] == off]
            assert err == 0 and r and r[0]["value"] == values[off]
