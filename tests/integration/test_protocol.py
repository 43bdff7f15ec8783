"""Wire behaviour clients rely on: long polling, in-order responses, error codes, compression,
large messages, concurrent producers, cluster metadata."""

import json
import struct
import threading
import time

import pytest

from clients import (DeliveryLog, cf_produce, cf_producer, kcat, kp_admin, kp_consume_all,
                     wait_topic_in_metadata)
from kafka_wire import (CODECS, KafkaConn, Reader, array, i8, i32, i64, parse_batches,
                        record_batch, segment_batches, string)

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_REQUIRED_ACKS = 21
INVALID_PARTITIONS = 37
INVALID_REPLICATION_FACTOR = 38
UNSUPPORTED_COMPRESSION_TYPE = 76


def ensure_topic(c, name, partitions=1):
    from kafka.admin import NewTopic
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic(name, partitions, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(c.bootstrap, name, partitions)
    return name


@pytest.fixture(scope="module")
def lp_topic(cluster):
    t = ensure_topic(cluster, "longpoll", 1)
    with KafkaConn.to(cluster.bootstrap) as k:
        assert k.produce(t, 0, record_batch([(None, b"first", [])]))[0] == 0
    return t


def test_fetch_at_end_waits_max_wait_ms(cluster, lp_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        end = k.list_offsets(lp_topic, 0, -1)[2]
        t0 = time.monotonic()
        err, hw, recs = k.fetch(lp_topic, 0, end, max_wait_ms=800, min_bytes=1)
        dt = time.monotonic() - t0
    assert err == 0 and recs == [] and hw == end
    assert 0.7 <= dt < 5, "empty fetch with max_wait_ms=800 returned after %.3fs" % dt


def test_fetch_long_poll_is_woken_by_produce(cluster, lp_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        end = k.list_offsets(lp_topic, 0, -1)[2]
    result = {}

    def poll():
        with KafkaConn.to(cluster.bootstrap) as kk:
            t0 = time.monotonic()
            result["r"] = kk.fetch(lp_topic, 0, end, max_wait_ms=15000, min_bytes=1)
            result["dt"] = time.monotonic() - t0

    th = threading.Thread(target=poll)
    th.start()
    time.sleep(0.3)   # not synchronisation: the assertions hold whether or not the fetch is parked yet
    with KafkaConn.to(cluster.bootstrap) as k:
        assert k.produce(lp_topic, 0, record_batch([(None, b"wake-up", [])])) == (0, end)
    th.join(20)
    assert not th.is_alive()
    err, hw, recs = result["r"]
    assert err == 0 and [r["value"] for r in recs if r["offset"] >= end] == [b"wake-up"]
    assert result["dt"] < 5, "parked fetch answered %.2fs after start (max_wait 15 s)" % result["dt"]


def test_min_bytes_not_reached_returns_data_at_max_wait(cluster, lp_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        t0 = time.monotonic()
        err, _hw, recs = k.fetch(lp_topic, 0, 0, max_wait_ms=600, min_bytes=10 * 1024 * 1024)
        dt = time.monotonic() - t0
    assert err == 0 and recs and recs[0]["value"] == b"first"
    assert 0.5 <= dt < 5, "min_bytes unmet: answered after %.3fs, expected ~0.6s" % dt


def test_pipelined_requests_answered_in_order(cluster, lp_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        end = k.list_offsets(lp_topic, 0, -1)[2]
        fetch_body = (i32(-1) + i32(700) + i32(1) + i32(1 << 20) + i8(0)
                      + array([string(lp_topic) + array([i32(0) + i64(end) + i32(1 << 20)])]))
        frames = [
            k.request_bytes(1, 4, fetch_body, corr=101)[0],                 # long poll first
            k.request_bytes(18, 0, b"", corr=102)[0],                       # ApiVersions
            k.request_bytes(3, 1, i32(-1), corr=103)[0],                    # Metadata
            k.request_bytes(2, 1, i32(-1) + array([string(lp_topic) + array([i32(0) + i64(-1)])]),
                            corr=104)[0],                                   # ListOffsets
        ]
        k.send_raw(b"".join(frames))
        got = [Reader(k.recv_frame()).i32() for _ in frames]
    assert got == [101, 102, 103, 104]


def test_invalid_required_acks(cluster, lp_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        err, _ = k.produce(lp_topic, 0, record_batch([(None, b"x", [])]), acks=2)
    assert err == INVALID_REQUIRED_ACKS


def test_legacy_produce_versions(cluster, lp_topic):
    """Produce v0-2 are listed (librdkafka compresses only then) and answered in their own
    layout: a v2 request carrying a v2 record batch is appended as it is; a magic 0 message
    set is converted to a v2 batch and appended, as Kafka 3.x does (test_old_clients has
    the details)."""
    import zlib
    with KafkaConn.to(cluster.bootstrap) as k:
        err, versions = k.api_versions()
        assert err == 0 and versions[0] == (0, 10)
        end = k.list_offsets(lp_topic, 0, -1)[2]

        def produce_old(version, records):
            body = (struct.pack(">hi", 1, 5000) + array([string(lp_topic) + array(
                [i32(0) + i32(len(records)) + records])]))
            r = k.request(0, version, body)
            topics = r.array(lambda: (r.string(), r.array(
                lambda: (r.i32(), r.i16(), r.i64(), r.i64() if version >= 2 else None))))
            throttle = r.i32() if version >= 1 else None
            assert r.p == len(r.d)  # the whole answer is in the version's layout
            return topics[0][1][0], throttle
        (idx, err, base, _), throttle = produce_old(2, record_batch([(None, b"via-v2", [])]))
        assert (idx, err, base, throttle) == (0, 0, end, 0)
        # magic 0: crc, magic, attributes, key, value
        inner = struct.pack(">bbi", 0, 0, -1) + struct.pack(">i", 3) + b"old"
        msg = struct.pack(">I", zlib.crc32(inner)) + inner
        mset = struct.pack(">qi", 0, len(msg)) + msg
        (idx, err, base, _), throttle = produce_old(0, mset)
        assert (idx, err, base, throttle) == (0, 0, end + 1, None)
        assert k.list_offsets(lp_topic, 0, -1)[2] == end + 2


def test_produce_to_missing_partition_of_existing_topic(cluster, lp_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        end = k.list_offsets(lp_topic, 0, -1)[2]
        err, _ = k.produce(lp_topic, 7, record_batch([(None, b"x", [])]), acks=1)
        assert err == UNKNOWN_TOPIC_OR_PARTITION
        assert k.list_offsets(lp_topic, 0, -1)[2] == end
        err, _, _ = k.fetch(lp_topic, 7, 0, max_wait_ms=10)
        assert err == UNKNOWN_TOPIC_OR_PARTITION


def test_raw_produce_fetch_roundtrip_with_null_key_value_and_headers(cluster):
    t = ensure_topic(cluster, "raw-roundtrip", 1)
    recs = [(None, None, []), (b"", b"", [("h", None)]), (b"k" * 300, bytes(range(256)) * 4,
                                                          [("a", b"1"), ("b", b"")])]
    with KafkaConn.to(cluster.bootstrap) as k:
        assert k.produce(t, 0, record_batch(recs, base_timestamp=1_600_000_000_000)) == (0, 0)
        assert k.produce(t, 0, record_batch(recs[:1])) == (0, 3)
        err, hw, got = k.fetch(t, 0, 0)
    assert err == 0 and hw == 4
    assert [(r["key"], r["value"], r["headers"]) for r in got[:3]] == \
        [(k_, v_, h_) for k_, v_, h_ in recs]
    assert [r["offset"] for r in got] == [0, 1, 2, 3]
    assert got[0]["timestamp"] == 1_600_000_000_000


def _batch_codecs(cluster, topic):
    d = cluster.broker(0).partition_dir(topic, 0)
    seg = d / ("%020d.log" % 0)
    data = seg.read_bytes()
    return [struct.unpack_from(">h", data, pos + 21)[0] & 7 for _, _, pos, _ in segment_batches(seg)]


def _kcat_values(cluster, topic):
    out = kcat(["-b", cluster.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                "-f", "%o %s\n"]).stdout
    rows = [line.split(b" ", 1) for line in out.splitlines()]
    return [int(o) for o, _ in rows], [v for _, v in rows]


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_batches_stored_as_received(cluster, codec):
    """Hand-built compressed batches (librdkafka's framing per codec): stored with their
    compression bits, served back, decompressed by kcat (librdkafka) byte-exact."""
    t = ensure_topic(cluster, "raw-codec-" + codec, 1)
    values = [b"%s-%04d-%s" % (codec.encode(), i, b"y" * (i % 70)) for i in range(300)]
    with KafkaConn.to(cluster.bootstrap) as k:
        for chunk in range(3):
            recs = [(b"k%d" % i, values[i], [("c", codec.encode())])
                    for i in range(chunk * 100, chunk * 100 + 100)]
            if codec == "zstd":   # zstd needs Produce v7 (KIP-110)
                assert k.produce(t, 0, record_batch(recs, codec=codec), version=3)[0] == \
                    UNSUPPORTED_COMPRESSION_TYPE
            assert k.produce(t, 0, record_batch(recs, codec=codec), version=7) == (0, chunk * 100)
    assert _batch_codecs(cluster, t) == [CODECS[codec]] * 3
    offs, got = _kcat_values(cluster, t)
    assert offs == list(range(300)) and got == values


def test_kafka_python_gzip_producer(cluster):
    from kafka import KafkaProducer
    t = ensure_topic(cluster, "kp-gzip", 1)
    values = [b"gz-%05d-" % i + b"z" * (i % 100) for i in range(2000)]
    prod = KafkaProducer(bootstrap_servers=cluster.bootstrap, compression_type="gzip", linger_ms=20)
    try:
        for v in values:
            prod.send(t, v, partition=0)
        prod.flush(30)
    finally:
        prod.close(10)
    assert set(_batch_codecs(cluster, t)) == {1}
    offs, got = _kcat_values(cluster, t)
    assert offs == list(range(2000)) and got == values
    assert [r.value for r in kp_consume_all(cluster.bootstrap, t, [0])[0]] == values


def test_kcat_zstd_producer(cluster):
    # librdkafka compresses zstd when the broker advertises Produce 7 and Fetch 10
    t = ensure_topic(cluster, "kcat-zstd", 1)
    values = [b"zs-%05d-" % i + b"q" * (i % 100) for i in range(2000)]
    kcat(["-b", cluster.bootstrap, "-P", "-t", t, "-p", "0", "-z", "zstd"],
         input_data=b"\n".join(values) + b"\n")
    assert set(_batch_codecs(cluster, t)) == {4}
    offs, got = _kcat_values(cluster, t)
    assert offs == list(range(2000)) and got == values


def test_large_message_near_message_max_bytes(cluster):
    from confluent_kafka import KafkaError
    t = ensure_topic(cluster, "large-msgs", 1)
    p = cf_producer(cluster.bootstrap, **{"message.max.bytes": 4000000, "linger.ms": 0})
    dlog = DeliveryLog()
    ok_value = bytes(range(256)) * 4060            # 1,039,360 bytes: fits in 1048588 with overhead
    cf_produce(p, t, [(b"big", ok_value)], dlog, partition=0)
    assert dlog.errors == [] and dlog.ok[0][1] == 0
    dlog2 = DeliveryLog()
    cf_produce(p, t, [(b"too-big", b"z" * 1_100_000)], dlog2, partition=0)
    assert dlog2.ok == []
    assert dlog2.errors and dlog2.errors[0][0].code() == KafkaError.MSG_SIZE_TOO_LARGE
    got = kp_consume_all(cluster.bootstrap, t, [0])[0]
    assert len(got) == 1 and got[0].value == ok_value


def test_concurrent_producers_get_unique_contiguous_offsets(cluster):
    t = ensure_topic(cluster, "concurrent", 1)
    logs = [DeliveryLog() for _ in range(4)]

    def run(n):
        p = cf_producer(cluster.bootstrap, **{"linger.ms": 1})
        cf_produce(p, t, [(b"p%d" % n, b"p%d-%05d" % (n, i)) for i in range(5000)], logs[n],
                   partition=0)

    ths = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(120)
    assert all(not lg.errors for lg in logs)
    offs = {}
    for lg in logs:
        for _, off, _, v, _ in lg.ok:
            assert off not in offs, "offset %d acknowledged twice" % off
            offs[off] = v
    assert sorted(offs) == list(range(20000))
    got = kp_consume_all(cluster.bootstrap, t, [0])[0]
    assert [r.offset for r in got] == list(range(20000))
    assert all(offs[r.offset] == r.value for r in got)
    # each producer's messages keep their order
    for n in range(4):
        mine = [int(r.value.split(b"-")[1]) for r in got if r.key == b"p%d" % n]
        assert mine == list(range(5000))


def test_metadata_cluster_id_and_controller(cluster):
    from confluent_kafka.admin import AdminClient
    md = AdminClient({"bootstrap.servers": cluster.bootstrap}).list_topics(timeout=15)
    assert md.cluster_id == cluster.zk_json("/cluster/id")["id"]
    assert md.controller_id == 0
    assert list(md.brokers) == [0]
    assert md.brokers[0].host == "127.0.0.1" and md.brokers[0].port == cluster.broker(0).port


def test_topic_znode_partition_order_with_12_partitions(cluster):
    ensure_topic(cluster, "twelve", 12)
    raw = cluster.zk_client().get("/brokers/topics/twelve")[0]
    order = []
    json.loads(raw, object_pairs_hook=lambda pairs: order.append([k for k, _ in pairs]) or dict(pairs))
    parts_order = [o for o in order if "0" in o][0]
    # Scala 2.13 HashMap iteration order (spec §5): the map has grown to 32 buckets
    assert parts_order == ["11"] + [str(i) for i in range(11)]


def test_create_topics_invalid_partitions_and_replication(cluster):
    from kafka.admin import NewTopic
    from kafka.errors import InvalidPartitionsError, InvalidReplicationFactorError
    a = kp_admin(cluster.bootstrap)
    try:
        with pytest.raises(InvalidReplicationFactorError):
            a.create_topics([NewTopic("rf-too-big", 1, 3)])
        with pytest.raises(InvalidPartitionsError):
            a.create_topics([NewTopic("zero-parts", 0, 1)])
    finally:
        a.close()
    zkc = cluster.zk_client()
    assert zkc.exists("/brokers/topics/rf-too-big") is None
    assert zkc.exists("/brokers/topics/zero-parts") is None


def test_create_topics_validate_only(cluster):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": cluster.bootstrap})
    f = a.create_topics([NewTopic("validate-only", num_partitions=2, replication_factor=1)],
                        validate_only=True, request_timeout=20)
    f["validate-only"].result(timeout=30)
    assert cluster.zk_client().exists("/brokers/topics/validate-only") is None


def _uvarint(r):
    shift = v = 0
    while True:
        b = r.i8() & 0xFF
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v
        shift += 7


def test_apiversions_v3_flexible_layout(cluster):
    """v3 request: header v2 + compact strings; response: header v0 (no tag byte, the KIP-511
    exception), compact array with a tag section per entry, throttle, final tag section."""
    with KafkaConn.to(cluster.bootstrap) as k:
        _, v0 = k.api_versions()
        body = b"\x0bskein-test" + b"\x061.0.0" + b"\x00"          # compact strings + tags
        hdr = (struct.pack(">hhi", 18, 3, 77) + string("skein-test") + b"\x00")
        k.send_raw(i32(len(hdr) + len(body)) + hdr + body)
        r = Reader(k.recv_frame())
        assert r.i32() == 77
        assert r.i16() == 0                        # error_code right after the correlation id
        n = _uvarint(r) - 1
        got = {}
        for _ in range(n):
            key, lo, hi = r.i16(), r.i16(), r.i16()
            assert _uvarint(r) == 0                # no tagged fields in the entry
            got[key] = (lo, hi)
        r.i32()                                    # throttle_time_ms
        ntags = _uvarint(r)
        for _ in range(ntags):
            _uvarint(r)
            r.take(_uvarint(r))
        assert r.p == len(r.d), "trailing bytes in ApiVersions v3 response"
    assert got == v0
    assert got[18] == (0, 3)
    # what the clients need (kafka-protocol README §2.2)
    for key, need in {0: (3, 7), 1: (4, 11), 2: (1, 2), 3: (0, 5), 19: (0, 4)}.items():
        lo, hi = got[key]
        assert lo <= need[0] and hi >= need[1], "api %d advertised %s" % (key, got[key])


def _fetch_multi(k, topic, parts, max_bytes, part_max, version=4, isolation=0, max_wait=100):
    """Fetch v4 or v11 for several partitions of one topic: {p: (err, hw, lso, aborted, records bytes)}."""
    if version == 4:
        body = (i32(-1) + i32(max_wait) + i32(1) + i32(max_bytes) + i8(isolation)
                + array([string(topic) + array([i32(p) + i64(off) + i32(part_max)
                                                for p, off in parts])]))
    else:
        body = (i32(-1) + i32(max_wait) + i32(1) + i32(max_bytes) + i8(isolation)
                + i32(0) + i32(-1)
                + array([string(topic) + array([i32(p) + i32(-1) + i64(off) + i64(-1) + i32(part_max)
                                                for p, off in parts])])
                + array([]) + string(""))
    r = k.request(1, version, body)
    r.i32()
    if version >= 7:
        assert r.i16() == 0
        r.i32()
    out = {}

    def part():
        p = r.i32()
        err = r.i16()
        hw = r.i64()
        lso = r.i64()
        if version >= 5:
            r.i64()
        aborted = r.array(lambda: (r.i64(), r.i64()))
        if version >= 11:
            r.i32()
        recs = r.nbytes()
        out[p] = (err, hw, lso, aborted, recs or b"")

    r.array(lambda: (r.string(), r.array(part)))
    return out


@pytest.fixture(scope="module")
def two_part_topic(cluster):
    t = ensure_topic(cluster, "fetch-limits", 2)
    with KafkaConn.to(cluster.bootstrap) as k:
        for p in (0, 1):
            for b in range(10):
                recs = [(None, bytes([p, b]) * 500, []) for _ in range(10)]   # ~10 KB batches
                assert k.produce(t, p, record_batch(recs))[0] == 0
    return t


def test_fetch_partition_and_response_max_bytes(cluster, two_part_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        res = _fetch_multi(k, two_part_topic, [(0, 0), (1, 0)], max_bytes=1 << 20, part_max=25000)
        for p in (0, 1):
            err, hw, _, _, recs = res[p]
            assert err == 0 and hw == 100
            assert 0 < len(recs) <= 25000, "partition %d: %d bytes over partition_max_bytes" % (p, len(recs))
        # response max_bytes: the total is bounded (a first batch larger than the limit is exempt)
        res = _fetch_multi(k, two_part_topic, [(0, 0), (1, 0)], max_bytes=15000, part_max=1 << 20)
        total = sum(len(v[4]) for v in res.values())
        assert 0 < total <= 15000 + 10300, "response of %d bytes for max_bytes 15000" % total
        # a first batch bigger than both limits still comes back whole (progress guaranteed)
        res = _fetch_multi(k, two_part_topic, [(1, 0)], max_bytes=100, part_max=100)
        err, _, _, _, recs = res[1]
        assert err == 0
        got = parse_batches(recs)
        assert got and got[0]["offset"] == 0 and len(got) == 10


def test_fetch_v11_read_committed(cluster, two_part_topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        for iso in (0, 1):
            res = _fetch_multi(k, two_part_topic, [(0, 95)], max_bytes=1 << 20, part_max=1 << 20,
                               version=11, isolation=iso)
            err, hw, lso, aborted, recs = res[0]
            assert err == 0 and hw == 100 and lso == 100
            assert not aborted
            assert [x["offset"] for x in parse_batches(recs) if x["offset"] >= 95] == list(range(95, 100))
