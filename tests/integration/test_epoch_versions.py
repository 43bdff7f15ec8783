"""OffsetForLeaderEpoch at the versions Kafka 3.7 accepts below the one followers send (v3),
hand-built: v0 answers the end offset alone, v1 adds the epoch, v2 the throttle time and the
CurrentLeaderEpoch check, v3 the replica id (-1: a consumer)."""

import skein_harness as H
from kafka_wire import KafkaConn, array, i32, record_batch, string

TOPIC = "epochs-v"
UNKNOWN_LEADER_EPOCH = 75


def ofle(k, version, leader_epoch, current_epoch=-1):
    part = i32(0) + (i32(current_epoch) if version >= 2 else b"") + i32(leader_epoch)
    body = (i32(-1) if version >= 3 else b"") + array([string(TOPIC) + array([part])])
    r = k.request(23, version, body)
    if version >= 2:
        assert r.i32() == 0  # ThrottleTimeMs

    def partition():
        err, index = r.i16(), r.i32()
        epoch = r.i32() if version >= 1 else None
        return err, index, epoch, r.i64()

    [(name, parts)] = r.array(lambda: (r.string(), r.array(partition)))
    assert name == TOPIC
    return parts[0]


def test_offset_for_leader_epoch_old_versions(make_cluster):
    c = make_cluster(1, auto_create_topics_enable="true", num_partitions=1)
    b = c.broker(0)
    with KafkaConn.to(b.bootstrap) as k:
        def produced():
            k.metadata([TOPIC])  # creates it (auto-create)
            return k.produce(TOPIC, 0, record_batch([(None, b"x", []), (None, b"y", [])]))[0] == 0
        H.wait_for(produced, 30, "a produce to " + TOPIC)
        for version in range(0, 4):
            got = ofle(k, version, 0)
            assert got == (0, 0, 0 if version >= 1 else None, 2), (version, got)
        # v2+ carry CurrentLeaderEpoch: the leader's own passes, a newer one is refused
        for version in (2, 3):
            assert ofle(k, version, 0, current_epoch=0)[0] == 0
            assert ofle(k, version, 0, current_epoch=1)[0] == UNKNOWN_LEADER_EPOCH
