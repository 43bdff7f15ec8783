"""Topic administration right after creation and right after start-up (issue 11, part 8).

Kafka's controller decides CreatePartitions and DeleteTopics on what ZooKeeper holds, so a
topic created a moment ago is found even before the controller's metadata has it; and a
controller that has just been elected answers topic administration only once it has read
the live brokers and topics. Driven by confluent-kafka (librdkafka's admin client) with
operation timeout 0, which answers CreateTopics as soon as ZooKeeper has the topic."""

import json

from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

import skein_harness as H
from clients import wait_topic_in_metadata
from kafka_wire import KafkaConn, array, i8, i16, i32, string


def topic_partitions(c, topic):
    return c.zk_json("/brokers/topics/%s" % topic)["partitions"]


def test_create_partitions_and_delete_at_once_after_create(make_cluster):
    c = make_cluster(3)
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    for i in range(8):
        name = "race-%d" % i
        a.create_topics([NewTopic(name, 2, 2)], operation_timeout=0)[name].result(30)
        # at once: the controller's metadata may not have the topic yet
        a.create_partitions([NewPartitions(name, 5)], operation_timeout=0)[name].result(30)
        parts = topic_partitions(c, name)
        assert sorted(int(p) for p in parts) == [0, 1, 2, 3, 4], parts
        assert all(len(r) == 2 and len(set(r)) == 2 for r in parts.values()), parts
    wait_topic_in_metadata(c.bootstrap, "race-7", 5)
    # and a deletion sent the moment after a creation is carried out
    a.create_topics([NewTopic("race-gone", 1, 3)], operation_timeout=0)["race-gone"].result(30)
    a.delete_topics(["race-gone"], operation_timeout=0)["race-gone"].result(30)
    zkc = c.zk_client()
    H.wait_for(lambda: zkc.exists("/brokers/topics/race-gone") is None, 30,
               "race-gone to be deleted")
    # a topic that exists nowhere is still refused
    try:
        a.create_partitions([NewPartitions("race-none", 3)])["race-none"].result(30)
        raise AssertionError("CreatePartitions on a missing topic succeeded")
    except Exception as e:  # KafkaException
        assert "UNKNOWN_TOPIC_OR_PART" in str(e), e


def test_create_topics_just_after_start_up(zk, tmp_path):
    """CreateTopics with replication factor 3 sent to the controller the moment three brokers
    have registered and a controller is elected: it is created with three replicas (held
    until the controller has loaded the cluster if need be), never refused with
    'larger than available brokers'."""
    for round_no in range(3):
        c = H.Cluster(3, tmp_path / ("c%d" % round_no), zk=zk, start=False)
        try:
            for i in range(3):
                c.brokers.append(H.Broker(i, c.zk, c.dir / ("broker-%d" % i),
                                          overrides=c.overrides, chroot=c.chroot, start=False))
            for b in c.brokers:
                b.spawn()
            root = c.zk.client(None)  # the chroot does not exist yet
            ids = c.chroot + "/brokers/ids"

            def controller():
                if root.exists(ids) is None or len(root.get_children(ids)) < 3:
                    return None
                if root.exists(c.chroot + "/controller") is None:
                    return None
                return [json.loads(root.get(c.chroot + "/controller")[0])["brokerid"]]
            ctl = H.wait_for(controller, 30, "three registered brokers and a controller",
                             interval=0.005)[0]
            # a hand-built CreateTopics v2 the moment the controller is known ...
            first = "early-raw-%d" % round_no
            with KafkaConn.to(c.brokers[ctl].bootstrap) as k:
                body = (array([string(first) + i32(3) + i16(3) + array([]) + array([])]) +
                        i32(30000) + i8(0))
                r = k.request(19, 2, body)
                r.i32()  # throttle
                got = r.array(lambda: (r.string(), r.i16(), r.string()))
            assert got == [(first, 0, None)], got
            # ... and one through librdkafka's admin client
            a = AdminClient({"bootstrap.servers": c.brokers[ctl].bootstrap})
            name = "early-%d" % round_no
            a.create_topics([NewTopic(name, 3, 3)], operation_timeout=30)[name].result(30)
            for t in (first, name):
                parts = topic_partitions(c, t)
                assert len(parts) == 3 and all(len(set(r)) == 3 for r in parts.values()), parts
            assert "larger than available brokers" not in c.brokers[ctl].log_text()
        finally:
            c.stop()
