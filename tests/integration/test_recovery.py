"""Storage recovery after kill -9 (torn tails, broken indexes), rolling by age, topic names
with '-' and '.' surviving a restart."""

import os
import random
import struct

import pytest

import skein_harness as H
from clients import kp_admin, kp_consume_all, wait_topic_in_metadata
from kafka_wire import KafkaConn, record_batch, segment_batches


def create_topic(c, name, partitions=1):
    from kafka.admin import NewTopic
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic(name, partitions, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(c.bootstrap, name, partitions)


def produce_batches(c, topic, n_batches, per_batch=100, partition=0, start=0):
    values = []
    with KafkaConn.to(c.bootstrap) as k:
        for b in range(n_batches):
            recs = []
            for i in range(per_batch):
                v = b"rec-%07d-" % (start + b * per_batch + i) + b"r" * ((b * 7 + i) % 200)
                recs.append((None, v, []))
                values.append(v)
            err, base = k.produce(topic, partition, record_batch(recs))
            assert (err, base) == (0, start + b * per_batch)
    return values


def segment_files(b, topic, partition=0):
    d = b.partition_dir(topic, partition)
    return d, sorted(p.name for p in d.iterdir() if p.name.endswith(".log"))


def check_all_readable(c, topic, values):
    got = kp_consume_all(c.bootstrap, topic, [0])[0]
    assert [r.offset for r in got] == list(range(len(values)))
    assert [r.value for r in got] == values


@pytest.fixture
def rcluster(make_cluster):
    # short session so that a restart after kill -9 does not wait long for the old registration
    return make_cluster(1, zookeeper_session_timeout_ms=4000, log_segment_bytes=65536)


@pytest.mark.parametrize("tail", ["torn-batch", "garbage", "zeros"])
def test_torn_tail_is_truncated_after_kill9(rcluster, tail):
    c, b = rcluster, rcluster.broker(0)
    create_topic(c, "torn")
    values = produce_batches(c, "torn", 12)
    b.kill()
    d, logs = segment_files(b, "torn")
    last = d / logs[-1]
    good_size = last.stat().st_size
    if tail == "torn-batch":
        # the first 40 bytes of a real batch, as if the write had been cut
        junk = record_batch([(None, b"never acknowledged" * 20, [])])[:40]
        junk = struct.pack(">q", len(values)) + junk[8:]
    elif tail == "garbage":
        junk = bytes(random.Random(5).randrange(256) for _ in range(700))
    else:
        junk = b"\0" * 4096          # preallocated / unwritten space
    with open(last, "ab") as f:
        f.write(junk)
    b.start()
    wait_topic_in_metadata(c.bootstrap, "torn", 1)
    with KafkaConn.to(c.bootstrap) as k:
        assert k.list_offsets("torn", 0, -1)[2] == len(values)
        assert k.produce("torn", 0, record_batch([(None, b"after", [])])) == (0, len(values))
    check_all_readable(c, "torn", values + [b"after"])
    # the torn bytes are gone from the file: it holds whole batches only, and the good ones
    # end exactly where they ended before the junk was appended
    batches = segment_batches(last)
    assert sum(x[3] for x in batches) == last.stat().st_size, "junk left in %s" % last.name
    old = [x for x in batches if x[2] < good_size]
    assert old[-1][2] + old[-1][3] == good_size and old[-1][1] == len(values) - 1


def test_broken_indexes_are_rebuilt_after_kill9(rcluster):
    c, b = rcluster, rcluster.broker(0)
    create_topic(c, "idx")
    values = produce_batches(c, "idx", 40, per_batch=50)
    d, logs = segment_files(b, "idx")
    assert len(logs) >= 3, "expected several 64 KiB segments, got %s" % logs
    b.kill()
    active = logs[-1][:-4]
    first = logs[0][:-4]
    (d / (active + ".index")).write_bytes(b"\x7f" * 13)          # not a multiple of 8
    (d / (active + ".timeindex")).write_bytes(b"\x01" * 30)      # not a multiple of 12
    os.unlink(d / (first + ".index"))                            # missing
    b.start()
    wait_topic_in_metadata(c.bootstrap, "idx", 1)
    with KafkaConn.to(c.bootstrap) as k:
        rnd = random.Random(9)
        for off in [0, 1, len(values) - 1] + [rnd.randrange(len(values)) for _ in range(30)]:
            err, _, recs = k.fetch("idx", 0, off, max_bytes=4096)
            r = [x for x in recs if x["offset"] == off]
            assert err == 0 and r and r[0]["value"] == values[off], "offset %d" % off
    check_all_readable(c, "idx", values)
    # the index files are valid again
    for base in (first, active):
        idx = d / (base + ".index")
        assert idx.exists(), "%s not rebuilt" % idx.name
        raw = idx.read_bytes()
        assert len(raw) % 8 == 0
        starts = {x[2]: x for x in segment_batches(d / (base + ".log"))}
        for i in range(0, len(raw), 8):
            rel, pos = struct.unpack_from(">ii", raw, i)
            assert pos in starts and starts[pos][0] <= int(base) + rel <= starts[pos][1]
        assert (d / (base + ".timeindex")).stat().st_size % 12 == 0


def test_roll_by_age(make_cluster):
    c = make_cluster(1, log_roll_ms=1000)
    create_topic(c, "aged")
    b = c.broker(0)
    n = [0]
    values = []

    def produce_and_count():
        v = b"aged-%d" % n[0]
        with KafkaConn.to(c.bootstrap) as k:
            assert k.produce("aged", 0, record_batch([(None, v, [])])) == (0, n[0])
        values.append(v)
        n[0] += 1
        return len(segment_files(b, "aged")[1]) >= 3

    # no size pressure at all: only age can roll the segment
    H.wait_for(produce_and_count, 20, "segments to roll by age (log.roll.ms=1000)", interval=0.25)
    check_all_readable(c, "aged", values)


def test_topic_names_with_dashes_and_dots_survive_restart(make_cluster):
    c = make_cluster(1)
    b = c.broker(0)
    names = ["with-dash-3", "dotted.name", "mixed_under-score.x-1"]
    data = {}
    for t in names:
        create_topic(c, t, 2)
        data[t] = produce_batches(c, t, 2, per_batch=10, partition=1)
    assert b.stop() == 0
    b.start()
    for t in names:
        assert b.partition_dir(t, 1).is_dir()
        wait_topic_in_metadata(c.bootstrap, t, 2)
        got = kp_consume_all(c.bootstrap, t, [0, 1])
        assert got[0] == []
        assert [r.value for r in got[1]] == data[t]
