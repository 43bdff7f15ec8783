"""The controller's requests at the oldest versions Kafka 3.7 accepts, hand-built: LeaderAndIsr
v0-1 and UpdateMetadata v0-1 list partition states one by one, each with its topic name, and
UpdateMetadata v0 gives each broker one plaintext host and port instead of endpoints;
StopReplica v0 lists partitions one by one, v1 by topic, both under one delete flag. Skein's
controller sends newer versions (LeaderAndIsr v6, UpdateMetadata v7, StopReplica v3); a broker must still
accept these. The requests carry the cluster's current controller epoch, so the real
controller's later requests are not refused as stale."""

import time

import skein_harness as H
from kafka_wire import KafkaConn, array, i8, i16, i32, i64, record_batch, string


def controller_epoch(b):
    """The current controller epoch (a broker accepts it, also before it has heard from that
    controller)."""
    zkc = b.zk_client()
    H.wait_for(lambda: zkc.exists("/controller_epoch"), 30, "a controller")
    return int(zkc.get("/controller_epoch")[0])


def lai_v0_1(version, b, epoch, topic, leader_epoch):
    state = (string(topic) + i32(0) + i32(epoch) + i32(b.id) + i32(leader_epoch)
             + array([i32(b.id)]) + i32(0) + array([i32(b.id)]))
    if version >= 1:
        state += i8(1)  # IsNew
    return (i32(b.id) + i32(epoch) + array([state])
            + array([i32(b.id) + string(b.host) + i32(b.port)]))


def um_v0_1(version, b, epoch, topic, leader_epoch):
    state = (string(topic) + i32(0) + i32(epoch) + i32(b.id) + i32(leader_epoch)
             + array([i32(b.id)]) + i32(0) + array([i32(b.id)]))
    if version == 0:
        broker = i32(b.id) + string(b.host) + i32(b.port)
    else:  # one endpoint, named by its security protocol (PLAINTEXT) below v3
        broker = i32(b.id) + array([i32(b.port) + string(b.host) + i16(0)])
    return i32(b.id) + i32(epoch) + array([state]) + array([broker])


def test_old_update_metadata(make_cluster):
    c = make_cluster(1)
    b = c.broker(0)
    epoch = controller_epoch(b)
    with KafkaConn.to(b.bootstrap) as k:
        for version in (0, 1):
            topic = "um-v%d" % version
            r = k.request(6, version, um_v0_1(version, b, epoch, topic, 3))
            assert r.i16() == 0
            md = k.metadata([topic])
            assert md["topics"][topic] == (0, {0: (0, b.id)})
            assert (b.id, b.host, b.port) in [x[:3] for x in md["brokers"]]


def test_old_leader_and_isr(make_cluster):
    c = make_cluster(1)
    b = c.broker(0)
    epoch = controller_epoch(b)
    with KafkaConn.to(b.bootstrap) as k:
        for version in (0, 1):
            topic = "lai-v%d" % version
            r = k.request(4, version, lai_v0_1(version, b, epoch, topic, 2))
            assert r.i16() == 0
            assert r.array(lambda: (r.string(), r.i32(), r.i16())) == [(topic, 0, 0)]
            # the broker leads it now: a produce is appended
            deadline = time.monotonic() + 10
            while True:
                err, base = k.produce(topic, 0, record_batch([(None, b"x", [])]))
                if err == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert (err, base) == (0, 0)
        # a request from an older controller epoch is refused, partitions unlisted
        r = k.request(4, 0, lai_v0_1(0, b, epoch - 1, "lai-stale", 2))
        assert r.i16() == 11  # STALE_CONTROLLER_EPOCH
        assert r.array(lambda: (r.string(), r.i32(), r.i16())) == []


def stop_replica_v0_1(version, b, epoch, topic):
    if version == 0:
        return i32(b.id) + i32(epoch) + i8(1) + array([string(topic) + i32(0)])
    return (i32(b.id) + i32(epoch) + i64(-1) + i8(1)
            + array([string(topic) + array([i32(0)])]))


def test_old_stop_replica(make_cluster):
    c = make_cluster(1)
    b = c.broker(0)
    epoch = controller_epoch(b)
    with KafkaConn.to(b.bootstrap) as k:
        for version in (0, 1):
            topic = "sr-v%d" % version
            r = k.request(4, 1, lai_v0_1(1, b, epoch, topic, 1))
            assert r.i16() == 0
            log_dir = b.log_dir / ("%s-0" % topic)
            H.wait_for(log_dir.exists, 10, "the log of %s-0" % topic)
            r = k.request(5, version, stop_replica_v0_1(version, b, epoch, topic))
            assert r.i16() == 0
            assert r.array(lambda: (r.string(), r.i32(), r.i16())) == [(topic, 0, 0)]
            H.wait_for(lambda: not log_dir.exists(), 10, "%s-0 deleted" % topic)
