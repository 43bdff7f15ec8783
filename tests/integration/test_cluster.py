"""Three brokers on one ZooKeeper: controller election and failover, the zombie
controller, balanced topics, and topic-creation errors (issue 3, part 6).

What these check is what an operator would look at: the /controller and
/controller_epoch znodes, partition state znodes, and Metadata from every broker.
"""
import json
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic
from kafka.errors import (InvalidReplicationFactorError, InvalidTopicError,
                          TopicAlreadyExistsError)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kp_consume_all  # noqa: E402

SESSION_MS = 6000  # zookeeper.session.timeout.ms for these clusters


@pytest.fixture(scope="module")
def c3(zk, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("c3"), zk=zk,
                  zookeeper_session_timeout_ms=str(SESSION_MS),
                  auto_create_topics_enable="false")
    yield c
    c.stop()


def controller(c):
    data, _ = c.zk_client().get("/controller")
    return json.loads(data)


def epoch(c):
    data, _ = c.zk_client().get("/controller_epoch")
    return int(data)


def live(c):
    return [b for b in c.brokers if b.running()]


def metadata(bootstrap, topic):
    """{partition: (leader, replicas, isr)} and the broker ids, from one broker."""
    cons = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        cons.topics()
        cl = cons._client.cluster
        parts = {}
        for p in cl._partitions.get(topic, {}).values():
            parts[p.partition] = (p.leader, list(p.replicas), list(p.isr))
        return parts, sorted(b.nodeId for b in cl.brokers())
    finally:
        cons.close()


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)


def test_one_controller_with_kafka_json(c3):
    ctl = controller(c3)
    assert set(ctl) == {"version", "brokerid", "timestamp"}
    assert ctl["version"] == 1 and isinstance(ctl["timestamp"], str)
    assert ctl["brokerid"] in (0, 1, 2)
    assert epoch(c3) >= 1
    assert sorted(c3.zk_client().get_children("/brokers/ids")) == ["0", "1", "2"]
    # every broker names the same controller in Metadata
    for b in c3.brokers:
        cons = KafkaConsumer(bootstrap_servers=b.bootstrap)
        cons.topics()
        assert cons._client.cluster.controller.nodeId == ctl["brokerid"]
        cons.close()


def test_six_by_three_is_balanced_everywhere(c3):
    a = admin(c3.bootstrap)
    a.create_topics([NewTopic("bal", 6, 3)])
    a.close()

    def ready():
        views = [metadata(b.bootstrap, "bal") for b in live(c3)]
        ok = all(len(v[0]) == 6 and all(x[0] >= 0 for x in v[0].values()) for v in views)
        return ok and views
    views = H.wait_for(ready, 30, "bal with leaders in Metadata from every broker")
    parts, brokers = views[0]
    assert brokers == [0, 1, 2]
    assert all(v[0] == parts for v in views), "brokers disagree about bal"
    leads = {0: 0, 1: 0, 2: 0}
    for leader, replicas, isr in parts.values():
        assert sorted(replicas) == [0, 1, 2]
        assert leader == replicas[0]            # the preferred replica leads
        assert sorted(isr) == [0, 1, 2]
        leads[leader] += 1
    assert leads == {0: 2, 1: 2, 2: 2}
    # the znodes say the same
    zkc = c3.zk_client()
    for p, (leader, replicas, isr) in parts.items():
        st = json.loads(zkc.get("/brokers/topics/bal/partitions/%d/state" % p)[0])
        assert st["leader"] == leader and st["leader_epoch"] == 0 and st["isr"] == isr


def test_produce_all_partitions_and_read_back(c3):
    """confluent-kafka writes to every partition of the 6 x 3 topic with acks=all;
    kafka-python reads everything back from the leaders, byte-exact and in order;
    every replica holds the same bytes."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": c3.bootstrap, "acks": "all"})
    acked = {}
    errors = []

    def report(err, msg):
        if err:
            errors.append(err)
        else:
            acked[(msg.partition(), msg.offset())] = (msg.key(), msg.value())
    for i in range(1200):
        p.produce("bal", key=b"k%04d" % i, value=b"value-%d-" % i + bytes(i % 200),
                  partition=i % 6, on_delivery=report)
        p.poll(0)
    assert p.flush(60) == 0
    assert errors == [] and len(acked) == 1200

    # every partition from offset 0 to its end offset
    got = {}
    for recs in kp_consume_all(c3.bootstrap, "bal", range(6)).values():
        for r in recs:
            got[(r.partition, r.offset)] = (r.key, r.value)
    assert got == acked
    for part in range(6):
        offsets = sorted(o for (pp, o) in got if pp == part)
        assert offsets == list(range(len(offsets)))

    def same_bytes():
        for part in range(6):
            datas = set()
            for b in c3.brokers:
                d = b.log_dir / ("bal-%d" % part)
                datas.add(b"".join(f.read_bytes() for f in sorted(d.glob("*.log"))))
            if len(datas) != 1:
                return False
        return True
    H.wait_for(same_bytes, 20, "every replica of bal holds the leader's bytes")


def test_create_topic_errors(c3):
    a = admin(c3.bootstrap)
    try:
        with pytest.raises(InvalidReplicationFactorError):
            a.create_topics([NewTopic("rf4", 1, 4)])
        a.create_topics([NewTopic("dup", 1, 1)])
        with pytest.raises(TopicAlreadyExistsError):
            a.create_topics([NewTopic("dup", 1, 1)])
        with pytest.raises(InvalidTopicError):
            a.create_topics([NewTopic("bad name!", 1, 1)])
    finally:
        a.close()
    assert not c3.zk_client().exists("/brokers/topics/rf4")


def test_controller_failover(c3):
    old = controller(c3)["brokerid"]
    e0 = epoch(c3)
    c3.brokers[old].kill()
    t0 = time.monotonic()

    def moved():
        try:
            ctl = controller(c3)
        except Exception:
            return None
        return ctl if ctl["brokerid"] != old else None
    ctl = H.wait_for(moved, SESSION_MS / 1000 + 5 + 5, "a new controller")
    assert time.monotonic() - t0 <= SESSION_MS / 1000 + 5 + 1
    assert epoch(c3) > e0
    # partitions the dead broker led moved to a live in-sync replica
    zkc = c3.zk_client()

    def led_elsewhere():
        for p in range(6):
            st = json.loads(zkc.get("/brokers/topics/bal/partitions/%d/state" % p)[0])
            if st["leader"] == old or old in st["isr"]:
                return False
        return True
    H.wait_for(led_elsewhere, 20, "no partition led by, or in-sync on, the dead broker")
    # topic creation works through the new controller
    survivor = [b for b in c3.brokers if b.id != old][0]
    a = admin(survivor.bootstrap)
    a.create_topics([NewTopic("after-failover", 2, 2)])
    a.close()
    H.wait_for(lambda: len(metadata(survivor.bootstrap, "after-failover")[0]) == 2, 30,
               "after-failover in Metadata")
    c3.brokers[old].start()
    H.wait_for(lambda: sorted(zkc.get_children("/brokers/ids")) == ["0", "1", "2"], 30,
               "the killed broker registers again")


def test_zombie_controller_is_fenced(c3):
    zkc = c3.zk_client()
    old = controller(c3)["brokerid"]
    e0 = epoch(c3)
    zombie = c3.brokers[old]
    zombie.pause()
    try:
        H.wait_for(lambda: controller(c3)["brokerid"] != old, SESSION_MS / 1000 + 15,
                   "a new controller while the old one is stopped")
    finally:
        zombie.resume()
    e1 = epoch(c3)
    assert e1 > e0
    new = controller(c3)["brokerid"]
    # the old controller notices, steps down and comes back as a plain broker
    H.wait_for(lambda: sorted(zkc.get_children("/brokers/ids")) == ["0", "1", "2"], 30,
               "the paused broker registers again")
    H.wait_for(lambda: "resigning as controller" in zombie.log_text(), 20,
               "the old controller logs that it stepped down")
    assert controller(c3)["brokerid"] == new
    assert epoch(c3) == e1, "the zombie managed to write /controller_epoch"
    for p in range(6):
        st = json.loads(zkc.get("/brokers/topics/bal/partitions/%d/state" % p)[0])
        assert st["controller_epoch"] <= e1
        assert st["leader"] in st["isr"] or st["leader"] == -1
