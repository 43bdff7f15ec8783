"""Malformed batches, connection storms, clients that vanish mid-request and clients that do
not read: the broker rejects cleanly, appends nothing partial, and keeps serving."""

import socket
import struct
import threading
import time

import pytest

import skein_harness as H
from clients import kcat_metadata, wait_topic_in_metadata
from kafka_wire import (KafkaConn, Reader, array, crc32c, i16, i32, i64, nbytes, record_batch,
                        string)

CORRUPT_MESSAGE = 2
INVALID_RECORD = 87
OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3
TOPIC = "robust"


@pytest.fixture(scope="module")
def rc(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(1, tmp_path_factory.mktemp("robust"), zk=zk, auto_create_topics_enable="true",
                  num_partitions=2)
    wait_topic_in_metadata(c.bootstrap, TOPIC, 2)
    yield c
    c.stop()


def end_offset(c, partition=0):
    with KafkaConn.to(c.bootstrap) as k:
        err, _, off = k.list_offsets(TOPIC, partition, -1)
        assert err == 0
        return off


def recrc(batch):
    b = bytearray(batch)
    struct.pack_into(">I", b, 17, crc32c(bytes(b[21:])))
    return bytes(b)


def produce_raw(c, records_bytes, partition=0):
    with KafkaConn.to(c.bootstrap) as k:
        return k.produce(TOPIC, partition, records_bytes)


def good(n=3):
    return record_batch([(b"k%d" % i, b"v%d" % i, []) for i in range(n)])


def assert_rejected(c, records_bytes, allowed=(CORRUPT_MESSAGE, INVALID_RECORD)):
    before = end_offset(c)
    err, _ = produce_raw(c, records_bytes)
    assert err in allowed, "error %d, expected one of %s" % (err, allowed)
    assert end_offset(c) == before, "a rejected batch changed the log end offset"
    # and the partition still takes good data at the same offset
    assert produce_raw(c, good()) == (0, before)


def test_two_batches_in_one_partition_rejected(rc):
    assert_rejected(rc, good() + good())


def test_record_count_larger_than_records(rc):
    b = bytearray(good(3))
    struct.pack_into(">i", b, 57, 5)
    assert_rejected(rc, recrc(b))


def test_last_offset_delta_inconsistent(rc):
    b = bytearray(good(3))
    struct.pack_into(">i", b, 23, 7)
    assert_rejected(rc, recrc(b))


def test_batch_length_beyond_data(rc):
    b = bytearray(good(3))
    struct.pack_into(">i", b, 8, len(b) - 12 + 50)
    assert_rejected(rc, bytes(b))


def test_truncated_batch(rc):
    assert_rejected(rc, good(3)[:-5])


def test_record_bytes_corrupted_with_valid_crc(rc):
    # the CRC is right but a record's varint length runs past the batch
    b = bytearray(good(3))
    b[61] = 0x7E   # first record's length varint: 63 bytes, more than there are
    assert_rejected(rc, recrc(b))


def test_magic_1_rejected(rc):
    b = bytearray(good(3))
    b[16] = 1
    assert_rejected(rc, bytes(b), allowed=(CORRUPT_MESSAGE, INVALID_RECORD, 35))


def test_null_and_empty_records(rc):
    before = end_offset(rc)
    for rec in (None, b""):
        with KafkaConn.to(rc.bootstrap) as k:
            body = (string(None) + i16(1) + i32(5000)
                    + array([string(TOPIC) + array([i32(0) + nbytes(rec)])]))
            r = k.request(0, 3, body)
            topics = r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16(), r.i64(), r.i64()))))
            err = topics[0][1][0][1]
            assert err in (CORRUPT_MESSAGE, INVALID_RECORD), "records=%r: error %d" % (rec, err)
    assert end_offset(rc) == before


def test_multi_topic_multi_partition_produce(rc):
    b0, b1 = end_offset(rc, 0), end_offset(rc, 1)
    body = (string(None) + i16(1) + i32(5000) + array([
        string(TOPIC) + array([i32(0) + nbytes(good(2)), i32(1) + nbytes(good(4))]),
        string("no-such-topic-here-%d" % id(rc)) + array([i32(0) + nbytes(good(1))]),
    ]))
    with KafkaConn.to(rc.bootstrap) as k:
        r = k.request(0, 3, body)
        topics = r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16(), r.i64(), r.i64()))))
    res = {(t, p): (e, o) for t, parts in topics for p, e, o, _ in parts}
    assert res[(TOPIC, 0)] == (0, b0)
    assert res[(TOPIC, 1)] == (0, b1)
    assert len(res) == 3
    assert end_offset(rc, 0) == b0 + 2 and end_offset(rc, 1) == b1 + 4


def test_fetch_and_list_offsets_errors(rc):
    with KafkaConn.to(rc.bootstrap) as k:
        end = end_offset(rc)
        assert k.fetch(TOPIC, 0, -5, max_wait_ms=10)[0] == OFFSET_OUT_OF_RANGE
        assert k.fetch(TOPIC, 0, end + 100, max_wait_ms=10)[0] == OFFSET_OUT_OF_RANGE
        assert k.fetch("never-created-x", 0, 0, max_wait_ms=10)[0] == UNKNOWN_TOPIC_OR_PARTITION
        assert k.list_offsets("never-created-x", 0, -1)[0] == UNKNOWN_TOPIC_OR_PARTITION
        assert k.list_offsets(TOPIC, 9, -1)[0] == UNKNOWN_TOPIC_OR_PARTITION


def test_metadata_topic_list_semantics(rc):
    with KafkaConn.to(rc.bootstrap) as k:
        # v0: empty array = all topics
        r = k.request(3, 0, i32(0))
        r.array(lambda: (r.i32(), r.string(), r.i32()))

        def part():
            return r.i16(), r.i32(), r.i32(), r.array(r.i32), r.array(r.i32)

        names0 = [t[1] for t in r.array(lambda: (r.i16(), r.string(), r.array(part)))]
        assert TOPIC in names0
        # v1: empty array = no topics, null = all topics
        assert k.metadata([])["topics"] == {}
        assert TOPIC in k.metadata(None)["topics"]


def test_pipelined_produces_in_one_write(rc):
    before = end_offset(rc)
    with KafkaConn.to(rc.bootstrap) as k:
        frames = []
        for i in range(100):
            body = (string(None) + i16(1) + i32(5000)
                    + array([string(TOPIC) + array([i32(0) + nbytes(good(2))])]))
            frames.append(k.request_bytes(0, 3, body, corr=1000 + i)[0])
        k.send_raw(b"".join(frames))
        bases = []
        for i in range(100):
            r = Reader(k.recv_frame())
            assert r.i32() == 1000 + i
            topics = r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16(), r.i64(), r.i64()))))
            _, err, base, _ = topics[0][1][0]
            assert err == 0
            bases.append(base)
    assert bases == [before + 2 * i for i in range(100)]


def test_connection_storm(rc):
    socks = []
    try:
        for _ in range(300):
            socks.append(KafkaConn.to(rc.bootstrap))
        frame = lambda k: k.request_bytes(18, 0, b"")[0]   # noqa: E731
        for k in socks:
            k.send_raw(frame(k))
        for k in socks:
            r = Reader(k.recv_frame())
            r.i32()
            assert r.i16() == 0
    finally:
        for k in socks:
            k.close()
    assert kcat_metadata(rc.bootstrap)["brokers"][0]["id"] == 0


def test_client_vanishes_during_long_poll_then_produce(rc):
    end = end_offset(rc)
    for _ in range(20):
        k = KafkaConn.to(rc.bootstrap)
        body = (i32(-1) + i32(5000) + i32(1) + i32(1 << 20) + b"\x00"
                + array([string(TOPIC) + array([i32(0) + i64(end) + i32(1 << 20)])]))
        k.send_raw(k.request_bytes(1, 4, body)[0])
        k.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        k.close()                       # RST while the fetch is parked
    # waking the parked fetches of dead connections must not hurt the broker
    assert produce_raw(rc, good(1)) == (0, end)
    with KafkaConn.to(rc.bootstrap) as k:
        err, _, recs = k.fetch(TOPIC, 0, end)
        assert err == 0 and recs
    assert rc.broker(0).running()


def test_client_closes_with_requests_in_flight(rc):
    for _ in range(20):
        k = KafkaConn.to(rc.bootstrap)
        frames = b"".join(k.request_bytes(3, 1, i32(-1))[0] for _ in range(50))
        k.send_raw(frames)
        k.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        k.close()
    assert kcat_metadata(rc.bootstrap)["brokers"][0]["id"] == 0
    assert rc.broker(0).running()


def test_slow_reader_does_not_block_other_clients(rc):
    # ~24 MB in the partition, then a fetch for all of it on a socket nobody reads
    with KafkaConn.to(rc.bootstrap) as k:
        start = k.list_offsets(TOPIC, 1, -1)[2]
        blob = bytes(range(256)) * 4000          # ~1 MB per batch
        for _ in range(24):
            assert k.produce(TOPIC, 1, record_batch([(None, blob, [])]))[0] == 0
    slow = KafkaConn.to(rc.bootstrap)      # 24 MB do not fit in the socket buffers
    body = (i32(-1) + i32(100) + i32(1) + i32(64 << 20) + b"\x00"
            + array([string(TOPIC) + array([i32(1) + i64(start) + i32(64 << 20)])]))
    frame, corr = slow.request_bytes(1, 4, body)
    slow.send_raw(frame)
    try:
        # while that response is stuck in the socket, others are served promptly
        for _ in range(5):
            t0 = time.monotonic()
            with KafkaConn.to(rc.bootstrap) as k:
                k.metadata([TOPIC])
                assert k.produce(TOPIC, 0, good(1))[0] == 0
            assert time.monotonic() - t0 < 2.0, "broker stalled behind a slow reader"
        # now read it all: complete and correct
        slow.sock.settimeout(30)
        r = Reader(slow.recv_frame())
        assert r.i32() == corr
        r.i32()
        topics = r.array(lambda: (r.string(), r.array(lambda: (
            r.i32(), r.i16(), r.i64(), r.i64(), r.array(lambda: (r.i64(), r.i64())), r.nbytes()))))
        _, err, _hw, _lso, _ab, recs = topics[0][1][0]
        assert err == 0
        from kafka_wire import parse_batches
        got = [x for x in parse_batches(recs) if x["offset"] >= start]
        assert len(got) == 24 and all(x["value"] == blob for x in got)
    finally:
        slow.close()


def test_many_threads_mixed_load(rc):
    """Producers, fetchers and metadata requests at once; every producer sees its own
    acknowledgements in order and nothing errors."""
    errors = []

    def producer(n):
        try:
            with KafkaConn.to(rc.bootstrap) as k:
                last = -1
                for i in range(200):
                    err, base = k.produce(TOPIC, n % 2, record_batch([(b"t%d" % n, b"%d" % i, [])]))
                    assert err == 0 and base > last
                    last = base
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    def fetcher():
        try:
            with KafkaConn.to(rc.bootstrap) as k:
                for _ in range(50):
                    err, _, _ = k.fetch(TOPIC, 0, 0, max_bytes=65536, max_wait_ms=50)
                    assert err == 0
                    k.metadata(None)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    ths = [threading.Thread(target=producer, args=(n,)) for n in range(6)]
    ths += [threading.Thread(target=fetcher) for _ in range(3)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(120)
    assert errors == []
