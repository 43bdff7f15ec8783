"""AlterPartition (key 56) in every version Kafka 3.7 accepts (0-3), answered by the controller
as Kafka's ZooKeeper-mode controller answers: v0-1 name the topic, v2 gives its topic id
(KIP-841), v3 gives each ISR member with its broker epoch (KIP-903). A request whose broker
epoch is not the sender's registration gets STALE_BROKER_EPOCH; a member the controller will not
let in is INELIGIBLE_REPLICA from v2 on and OPERATION_NOT_ATTEMPTED before (v0-1 know no
INELIGIBLE_REPLICA); an unknown topic id is UNKNOWN_TOPIC_ID. Hand-built requests: only brokers
send AlterPartition. Also ControlledShutdown v0, whose request header has no client id.

Skein's own leaders ask the controller its ApiVersions and then propose at the highest version
both speak (v3 between these brokers, v1 until the answer or with an older controller):
test_replication's ISR shrink and expand check that they used v3."""

import base64
from confluent_kafka.admin import AdminClient, NewTopic

import skein_harness as H
import json
import struct

from kafka_wire import KafkaConn, _carray, _cstr, _read_carray, _read_cstr, i8, i32, i64, \
    request_flex, skip_tags, uvarint

STALE_BROKER_EPOCH = 77
INELIGIBLE_REPLICA = 107
OPERATION_NOT_ATTEMPTED = 55
UNKNOWN_TOPIC_ID = 100


def alter_partition(conn, version, broker, broker_epoch, topic, tid, leader_epoch, part_epoch,
                    isr):
    """One partition (0) of one topic; isr: [(id, epoch)] (the epochs go only into v3).
    Returns (top error, [(error, leader, leader epoch, isr, partition epoch)])."""
    if version >= 3:
        members = _carray([i32(b) + i64(e) + uvarint(0) for b, e in isr])
    else:
        members = _carray([i32(b) for b, _ in isr])
    part = i32(0) + i32(leader_epoch) + members + (i8(0) if version >= 1 else b"") \
        + i32(part_epoch) + uvarint(0)
    name = tid if version >= 2 else _cstr(topic)
    body = i32(broker) + i64(broker_epoch) + _carray([name + _carray([part]) + uvarint(0)]) \
        + uvarint(0)
    r = request_flex(conn, 56, version, body)
    r.i32()
    err = r.i16()

    def one_part():
        p = (r.i32(), r.i16(), r.i32(), r.i32(), _read_carray(r, r.i32))
        if version >= 1:
            r.i8()
        out = p[1:] + (r.i32(),)
        skip_tags(r)
        return out

    def one_topic():
        r.take(16) if version >= 2 else _read_cstr(r)
        parts = _read_carray(r, one_part)
        skip_tags(r)
        return parts
    topics = _read_carray(r, one_topic)
    skip_tags(r)
    return err, [p for t in topics for p in t]


def state(c, topic):
    zkc = c.zk_client()
    data, st = zkc.get("/brokers/topics/%s/partitions/0/state" % topic)
    return json.loads(data), st.version


def test_every_version(make_cluster):
    c = make_cluster(1)
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    topic = "ap-versions"
    a.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/0/state" % topic),
               30, "the partition state")
    zkc = c.zk_client()
    epoch = zkc.exists("/brokers/ids/0").czxid
    s = c.zk_json("/brokers/topics/%s" % topic)["topic_id"]
    tid = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    unknown = bytes(range(16))
    with KafkaConn.to(c.bootstrap) as k:
        for v in range(4):
            st, pe = state(c, topic)
            le = st["leader_epoch"]
            # a broker epoch that is not broker 0's registration: the whole request refused
            assert alter_partition(k, v, 0, epoch + 1, topic, tid, le, pe, [(0, epoch)]) == \
                (STALE_BROKER_EPOCH, [])
            # a member that is no replica of the partition
            err, parts = alter_partition(k, v, 0, epoch, topic, tid, le, pe,
                                         [(0, epoch), (7, -1)])
            assert err == 0
            assert parts == [(INELIGIBLE_REPLICA if v >= 2 else OPERATION_NOT_ATTEMPTED,
                              -1, -1, [], -1)]
            if v >= 2:  # an id the controller does not know
                err, parts = alter_partition(k, v, 0, epoch, topic, unknown, le, pe,
                                             [(0, epoch)])
                assert (err, [p[0] for p in parts]) == (0, [UNKNOWN_TOPIC_ID])
            if v >= 3:  # KIP-903: the member's broker epoch is not its registration's
                err, parts = alter_partition(k, v, 0, epoch, topic, tid, le, pe,
                                             [(0, epoch - 1)])
                assert (err, parts) == (0, [(INELIGIBLE_REPLICA, -1, -1, [], -1)])
            assert state(c, topic)[1] == pe  # nothing written by the refusals
            # accepted (-1: an epoch the leader does not know is not checked)
            err, parts = alter_partition(k, v, 0, epoch, topic, tid, le, pe,
                                         [(0, epoch if v != 2 else -1)])
            assert (err, parts) == (0, [(0, 0, le, [0], pe + 1)])
            assert state(c, topic) == (dict(st, isr=[0]), pe + 1)
        assert k.api_versions()[1][56] == (0, 3)


def test_controlled_shutdown_v0(make_cluster):
    """v0 (request header v0, no client id) is answered like v1, and the connection goes on:
    the controller marks the broker as shutting down (its last partition stays, RF 1)."""
    c = make_cluster(1)
    with KafkaConn.to(c.bootstrap) as k:
        msg = struct.pack(">hhii", 7, 0, 41, 0)  # header v0: key, version, correlation id
        k.send_raw(struct.pack(">i", len(msg)) + msg)
        resp = k.recv_frame()
        # header v0 (correlation id), ErrorCode, RemainingPartitions (none: RF 1 stays)
        assert resp == struct.pack(">ihi", 41, 0, 0)
        assert k.api_versions()[1][7] == (0, 3)
    assert "controlled shutdown requested by broker 0" in c.broker(0).log_text()
