"""DeleteRecords (key 21, v0-2) and DescribeProducers (key 61, v0) on three brokers, RF 3.

DeleteRecords is sent by skein-delete-records (librdkafka's rd_kafka_DeleteRecords) and, as
the second client, hand-built here: confluent-kafka 1.7.0 and kafka-python 2.0.2 (Debian's)
have no delete_records. The log start offset moves on every replica (each broker's
log-start-offset-checkpoint, its segment files), survives restarting every broker, and a new
consumer with auto.offset.reset=earliest starts there; the answer waits for the in-sync
replicas (a paused follower makes it time out). DescribeProducers shows the idempotent
producer confluent-kafka used, as the batches it wrote carry it."""

import json
import os
import struct
import subprocess
import time

import pytest

import skein_harness as H
from clients import DeliveryLog, cf_produce, cf_producer, wait_topic_in_metadata
from kafka_wire import KafkaConn, Reader, i16, i32, i64, skip_tags, string, uvarint

OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3
NOT_LEADER_OR_FOLLOWER = 6
REQUEST_TIMED_OUT = 7
INVALID_TOPIC_EXCEPTION = 17
POLICY_VIOLATION = 44
SEGMENT_BYTES = 2048


@pytest.fixture(scope="module")
def c3(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("delrec"), zk=zk, replica_fetch_wait_max_ms=100)
    yield c
    c.stop()


def tool(*args, timeout=90):
    path = os.path.join(os.path.dirname(H.skeind_path()), "skein-delete-records")
    p = subprocess.run([path] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def create(c, topic, partitions=1, **config):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    config = {k.replace("_", "."): v for k, v in config.items()}
    config.setdefault("segment.bytes", str(SEGMENT_BYTES))
    nt = NewTopic(topic, num_partitions=partitions, replication_factor=3, config=config)
    a.create_topics([nt])[topic].result(30)
    wait_topic_in_metadata(c.bootstrap, topic, partitions)


def state(c, topic, p):
    return c.zk_json("/brokers/topics/%s/partitions/%d/state" % (topic, p))


def leader_of(c, topic, p):
    return c.brokers[state(c, topic, p)["leader"]]


def produce(c, topic, partition, n, **kw):
    # small batches, so that 2 KiB segments roll every few of them
    kw.setdefault("batch.num.messages", 5)
    prod = cf_producer(c.bootstrap, acks="all", **kw)
    dlog = DeliveryLog()
    cf_produce(prod, topic, [(None, b"v%05d" % i + b"." * 90) for i in range(n)], dlog,
               partition=partition)
    assert not dlog.errors and len(dlog.ok) == n
    return dlog


def flex_call(k, key, version, flexible, body):
    """Send body (request header v2 when flexible); a Reader after the response header."""
    tags = b"\x00" if flexible else b""
    k.corr += 1
    hdr = i16(key) + i16(version) + i32(k.corr) + string(k.client_id) + tags
    k.sock.sendall(i32(len(hdr) + len(body)) + hdr + body)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if flexible:
        skip_tags(r)
    return r


def delete_records(bootstrap, topic, parts, timeout_ms=10000, version=1):
    """Hand-built DeleteRecords; parts: {partition: offset}. Returns {partition: (lw, err)}."""
    flex = version >= 2

    def arr(items):
        items = list(items)
        return (uvarint(len(items) + 1) if flex else i32(len(items))) + b"".join(items)

    def s(v):
        return (uvarint(len(v) + 1) + v.encode()) if flex else string(v)

    tags = b"\x00" if flex else b""
    body = arr([s(topic) + arr([i32(p) + i64(o) + tags for p, o in parts.items()]) + tags])
    body += i32(timeout_ms) + tags
    with KafkaConn.to(bootstrap, timeout=timeout_ms / 1000 + 10) as k:
        r = flex_call(k, 21, version, flex, body)
        assert r.i32() == 0  # throttle

        def count():
            return (r_uvarint(r) - 1) if flex else r.i32()

        out = {}
        for _ in range(count()):
            name = r_string(r, flex)
            assert name == topic
            for _ in range(count()):
                p, lw, err = r.i32(), r.i64(), r.i16()
                if flex:
                    skip_tags(r)
                out[p] = (lw, err)
            if flex:
                skip_tags(r)
        return out


def r_uvarint(r):
    from kafka_wire import read_uvarint
    return read_uvarint(r)


def r_string(r, flex):
    if not flex:
        return r.string()
    n = r_uvarint(r) - 1
    return None if n < 0 else r.take(n).decode()


def list_earliest(bootstrap, topic, p):
    with KafkaConn.to(bootstrap) as k:
        err, _ts, off = k.list_offsets(topic, p, -2)
    return err, off


def ckpt_start(broker, topic, p):
    """The partition's entry in the broker's log-start-offset-checkpoint, or None."""
    path = broker.log_dir / "log-start-offset-checkpoint"
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in lines[2:]:
        t, part, off = line.split(" ")
        if t == topic and int(part) == p:
            return int(off)
    return None


def segment_bases(broker, topic, p):
    d = broker.partition_dir(topic, p)
    return sorted(int(f[:-4]) for f in os.listdir(d) if f.endswith(".log"))


def assert_start_everywhere(c, topic, p, start):
    for b in c.brokers:
        H.wait_for(lambda: ckpt_start(b, topic, p) == start, 20,
                   "broker %d checkpoints %s-%d's log start %d" % (b.id, topic, p, start))
        bases = segment_bases(b, topic, p)
        # every segment wholly below the log start is gone from disk
        assert bases[0] <= start and (len(bases) == 1 or bases[1] > start), (b.id, bases)


def test_tool_moves_log_start_on_every_replica_and_restart_keeps_it(c3, tmp_path):
    create(c3, "dr", partitions=2)
    produce(c3, "dr", 0, 200)
    produce(c3, "dr", 1, 50)
    before = {b.id: segment_bases(b, "dr", 0) for b in c3.brokers}
    assert all(len(v) > 5 for v in before.values()), before
    f = tmp_path / "offsets.json"
    f.write_text(json.dumps({"partitions": [{"topic": "dr", "partition": 0, "offset": 120},
                                            {"topic": "dr", "partition": 1, "offset": -1}],
                             "version": 1}))
    rc, out, err = tool("--bootstrap-server", c3.bootstrap, "--offset-json-file", f)
    assert rc == 0, err
    assert out.splitlines() == ["Executing records delete operation",
                                "Records delete operation completed:",
                                "partition: dr-0\tlow_watermark: 120",
                                "partition: dr-1\tlow_watermark: 50"]
    # answered once every in-sync replica had it: the files show it on all three
    assert_start_everywhere(c3, "dr", 0, 120)
    assert_start_everywhere(c3, "dr", 1, 50)
    for b in c3.brokers:
        assert len(segment_bases(b, "dr", 0)) < len(before[b.id])
    lead = leader_of(c3, "dr", 0)
    assert list_earliest(lead.bootstrap, "dr", 0) == (0, 120)
    with KafkaConn.to(lead.bootstrap) as k:
        err, _hw, _recs = k.fetch("dr", 0, 100)
    assert err == OFFSET_OUT_OF_RANGE

    # every broker restarts: the log start offsets come back from the checkpoints
    for b in c3.brokers:
        b.stop()
    for b in c3.brokers:
        b.spawn()
    for b in c3.brokers:
        b.wait_ready(30)
    c3.wait_brokers_known(30)
    for b in c3.brokers:
        assert ckpt_start(b, "dr", 0) == 120
    H.wait_for(lambda: list_earliest(leader_of(c3, "dr", 0).bootstrap, "dr", 0) == (0, 120), 30,
               "ListOffsets EARLIEST of dr-0 after the restart")

    # a new consumer group reading from the earliest offset starts there
    from confluent_kafka import Consumer
    cons = Consumer({"bootstrap.servers": c3.bootstrap, "group.id": "dr-new",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
    try:
        cons.subscribe(["dr"])
        got = {}
        deadline = time.monotonic() + 60
        while len(got.get(0, [])) < 80 and time.monotonic() < deadline:
            m = cons.poll(0.5)
            if m is not None and not m.error():
                got.setdefault(m.partition(), []).append(m.offset())
    finally:
        cons.close()
    assert got[0][0] == 120 and len(got[0]) == 80
    assert 1 not in got  # everything of dr-1 was deleted
    # the group made __consumer_offsets: an internal topic is refused, as in Kafka
    assert delete_records(c3.brokers[0].bootstrap, "__consumer_offsets", {0: 0}) == \
        {0: (-1, INVALID_TOPIC_EXCEPTION)}


def test_hand_built_versions_and_errors(c3):
    create(c3, "drw")
    produce(c3, "drw", 0, 30)
    lead = leader_of(c3, "drw", 0)
    follower = next(b for b in c3.brokers if b is not lead)
    for version, offset in ((0, 5), (1, 10), (2, 15)):
        assert delete_records(lead.bootstrap, "drw", {0: offset}, version=version) == \
            {0: (offset, 0)}
    # below the log start: nothing moves, the low watermark is the log start
    assert delete_records(lead.bootstrap, "drw", {0: 3}) == {0: (15, 0)}
    assert delete_records(lead.bootstrap, "drw", {0: 31}) == {0: (-1, OFFSET_OUT_OF_RANGE)}
    assert delete_records(lead.bootstrap, "drw", {0: -2}) == {0: (-1, OFFSET_OUT_OF_RANGE)}
    assert delete_records(follower.bootstrap, "drw", {0: 20}) == \
        {0: (-1, NOT_LEADER_OR_FOLLOWER)}
    assert delete_records(lead.bootstrap, "drw", {7: 1}) == {7: (-1, UNKNOWN_TOPIC_OR_PARTITION)}
    assert delete_records(lead.bootstrap, "no-such", {0: 1}, version=2) == \
        {0: (-1, UNKNOWN_TOPIC_OR_PARTITION)}
    assert list_earliest(lead.bootstrap, "drw", 0) == (0, 15)
    create(c3, "drc", cleanup_policy="compact")
    produce(c3, "drc", 0, 3)
    assert delete_records(leader_of(c3, "drc", 0).bootstrap, "drc", {0: 1}) == \
        {0: (-1, POLICY_VIOLATION)}

    # a paused in-sync follower never reports the new log start: REQUEST_TIMED_OUT
    follower.pause()
    try:
        assert delete_records(lead.bootstrap, "drw", {0: 20}, timeout_ms=1500) == \
            {0: (-1, REQUEST_TIMED_OUT)}
    finally:
        follower.resume()
    # the leader's own log moved at once; once the follower fetches again it follows
    assert delete_records(lead.bootstrap, "drw", {0: 20}) == {0: (20, 0)}
    assert_start_everywhere(c3, "drw", 0, 20)


def test_follower_restarts_at_the_base_of_the_batch_holding_the_log_start(c3):
    """A follower that was down while DeleteRecords put the log start inside a batch comes
    back below the leader's log start: it restarts its log there, the leader serves the whole
    batch holding that offset, and the follower restarts at the batch's base offset and takes
    it (Kafka's follower does the same), then catches up and joins the ISR with the leader's
    log start. Before, its log refused that batch at every fetch and never caught up."""
    from kafka_wire import record_batch
    create(c3, "drb")
    lead = leader_of(c3, "drb", 0)
    follower = next(b for b in c3.brokers if b is not lead)
    follower.stop()
    try:
        H.wait_for(lambda: follower.id not in state(c3, "drb", 0)["isr"], 20,
                   "the stopped follower leaves the ISR")
        with KafkaConn.to(lead.bootstrap) as k:
            for n in range(3):  # batches 0..9, 10..19, 20..29
                batch = record_batch([(None, b"r%02d" % (10 * n + i), []) for i in range(10)])
                assert k.produce("drb", 0, batch, acks=-1) == (0, 10 * n)
        assert delete_records(lead.bootstrap, "drb", {0: 15}) == {0: (15, 0)}
    finally:
        follower.start()
    H.wait_for(lambda: follower.id in state(c3, "drb", 0)["isr"], 30,
               "the follower catches up from inside the batch and joins the ISR")
    assert "log restarted at the batch's base offset" in follower.log_text(True)
    H.wait_for(lambda: ckpt_start(follower, "drb", 0) == 15, 20, "the follower's log start 15")
    assert segment_bases(follower, "drb", 0)[0] == 10


def test_tool_refuses_bad_input_and_reports_partition_errors(c3, tmp_path):
    create(c3, "drbad")
    produce(c3, "drbad", 0, 10)
    assert tool("--help")[0] == 0
    assert tool()[0] == 2
    assert tool("--bootstrap-server", c3.bootstrap)[0] == 2

    def run(text):
        f = tmp_path / "bad.json"
        f.write_text(text)
        return tool("--bootstrap-server", c3.bootstrap, "--offset-json-file", f)

    one = '{"topic":"drbad","partition":0,"offset":5}'
    cases = [
        ('{"partitions":[' + one, "not valid JSON"),
        ('{"partitions":[]}', "empty"),
        ('{"partitions":[' + one + ',' + one + ']}', "duplicate topic partitions: drbad-0"),
        ('{"partitions":[{"topic":"drbad","partition":0}]}', '"offset"'),
        ('{"partitions":[' + one + '],"version":2}', "version"),
        ('{"partitions":[{"topic":"nope","partition":0,"offset":1}]}',
         "Topic nope does not exist"),
        ('{"partitions":[{"topic":"drbad","partition":3,"offset":1}]}',
         "Partition drbad-3 does not exist"),
    ]
    for text, says in cases:
        rc, out, err = run(text)
        assert rc == 2 and says in err, (text, rc, err)
        assert "Executing" not in out  # nothing was sent
    lead = leader_of(c3, "drbad", 0)
    assert list_earliest(lead.bootstrap, "drbad", 0) == (0, 0)
    # above the high watermark: the broker refuses it, the tool says so on the partition's
    # line and exits 0, as kafka-delete-records.sh does
    rc, out, _err = run('{"partitions":[{"topic":"drbad","partition":0,"offset":11}]}')
    assert rc == 0
    assert out.splitlines()[-1].startswith("partition: drbad-0\terror: OFFSET_OUT_OF_RANGE")
    assert list_earliest(lead.bootstrap, "drbad", 0) == (0, 0)
    # --command-config: client properties, a bad one refused before anything is sent
    cfg = tmp_path / "client.properties"
    cfg.write_text("no.such.property=1\n")
    good = tmp_path / "good.json"
    good.write_text('{"partitions":[{"topic":"drbad","partition":0,"offset":3}],"version":1}')
    args = ("--bootstrap-server", c3.bootstrap, "--offset-json-file", good, "--command-config", cfg)
    rc, out, err = tool(*args)
    assert rc == 2 and "no.such.property" in err and out == ""
    cfg.write_text("client.id=delrec-test\nsocket.timeout.ms=20000\n")
    rc, out, err = tool(*args)
    assert rc == 0, err
    assert out.splitlines()[-1] == "partition: drbad-0\tlow_watermark: 3"


def describe_producers(bootstrap, topic, partitions):
    """DescribeProducers v0: {partition: (err, [(pid, epoch, last_seq, last_ts, coord_epoch,
    txn_start)])}."""
    body = (uvarint(2) + uvarint(len(topic) + 1) + topic.encode()
            + uvarint(len(partitions) + 1) + b"".join(i32(p) for p in partitions) + b"\x00"
            + b"\x00")
    with KafkaConn.to(bootstrap) as k:
        r = flex_call(k, 61, 0, True, body)
        assert r.i32() == 0
        out = {}
        for _ in range(r_uvarint(r) - 1):
            assert r_string(r, True) == topic
            for _ in range(r_uvarint(r) - 1):
                p, err = r.i32(), r.i16()
                r_string(r, True)  # error message
                prods = []
                for _ in range(r_uvarint(r) - 1):
                    prods.append((r.i64(), r.i32(), r.i32(), r.i64(), r.i32(), r.i64()))
                    skip_tags(r)
                skip_tags(r)
                out[p] = (err, prods)
            skip_tags(r)
        return out


def stored_producers(broker, topic, p):
    """(producer id, epoch, last sequence, max timestamp) of each batch in the segments."""
    out = []
    d = broker.partition_dir(topic, p)
    for f in sorted(x for x in os.listdir(d) if x.endswith(".log")):
        data = (d / f).read_bytes()
        pos = 0
        while pos + 61 <= len(data):
            blen = struct.unpack_from(">i", data, pos + 8)[0]
            delta = struct.unpack_from(">i", data, pos + 23)[0]
            max_ts, pid, epoch, seq = struct.unpack_from(">qqhi", data, pos + 35)
            out.append((pid, epoch, seq + delta, max_ts))
            pos += 12 + blen
    return out


def test_describe_producers_shows_the_idempotent_producer(c3):
    create(c3, "dp")
    n = 40
    produce(c3, "dp", 0, n, **{"enable.idempotence": True, "linger.ms": 0})
    lead = leader_of(c3, "dp", 0)
    batches = stored_producers(lead, "dp", 0)
    pids = {(pid, epoch) for pid, epoch, _s, _t in batches}
    assert len(pids) == 1 and next(iter(pids))[0] >= 0
    pid, epoch = next(iter(pids))
    got = describe_producers(lead.bootstrap, "dp", [0])
    assert got[0][0] == 0
    assert got[0][1] == [(pid, epoch, n - 1, batches[-1][3], -1, -1)]
    assert batches[-1][2] == n - 1
    follower = next(b for b in c3.brokers if b is not lead)
    assert describe_producers(follower.bootstrap, "dp", [0]) == {0: (NOT_LEADER_OR_FOLLOWER, [])}
    assert describe_producers(lead.bootstrap, "dp", [5]) == {5: (UNKNOWN_TOPIC_OR_PARTITION, [])}
