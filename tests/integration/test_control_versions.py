"""The controller's requests at the oldest versions Kafka 3.7 accepts, hand-built: LeaderAndIsr
v0-1 and UpdateMetadata v0-1 list partition states one by one, each with its topic name, and
UpdateMetadata v0 gives each broker one plaintext host and port instead of endpoints. Skein's
controller sends newer versions (LeaderAndIsr v6, UpdateMetadata v7); a broker must still
accept these. The requests carry the cluster's current controller epoch, so the real
controller's later requests are not refused as stale."""

import time

from kafka_wire import KafkaConn, array, i8, i16, i32, record_batch, string


def controller_epoch(b):
    return int(b.zk_client().get("/controller_epoch")[0])


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

