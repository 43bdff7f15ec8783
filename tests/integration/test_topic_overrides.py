"""Topic overrides read where they act, through the topic key table (common/topic_conf.c):
max.message.bytes bounds a produce to its topic both ways around the broker's
message.max.bytes. (min.insync.replicas as an override: test_replication.)"""

import pytest

import skein_harness as H
from clients import wait_topic_in_metadata
from kafka_wire import KafkaConn, record_batch

MESSAGE_TOO_LARGE = 10
MESSAGE_MAX = 100000


@pytest.fixture(scope="module")
def one(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(1, tmp_path_factory.mktemp("overrides"), zk=zk, message_max_bytes=MESSAGE_MAX)
    yield c
    c.stop()


def create_topic(c, name, config):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    a.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                              config=config)])[name].result(30)
    wait_topic_in_metadata(c.bootstrap, name, 1)


def sizes_accepted(c, topic, sizes):
    """For each value size, whether a one-record produce to topic is stored (else its error)."""
    out = []
    with KafkaConn.to(c.bootstrap) as k:
        for n in sizes:
            err, _ = k.produce(topic, 0, record_batch([(None, b"v" * n, [])]), acks=1)
            out.append(err)
    return out


def test_max_message_bytes_below_the_brokers(one):
    create_topic(one, "mmb-small", {"max.message.bytes": "2000"})
    assert sizes_accepted(one, "mmb-small", [1000, 3000, 50000]) == [0, MESSAGE_TOO_LARGE,
                                                                     MESSAGE_TOO_LARGE]


def test_max_message_bytes_above_the_brokers(one):
    create_topic(one, "mmb-large", {"max.message.bytes": "300000"})
    assert sizes_accepted(one, "mmb-large", [150000, 400000]) == [0, MESSAGE_TOO_LARGE]
    # a topic without the override keeps the broker's message.max.bytes
    create_topic(one, "mmb-none", {})
    assert sizes_accepted(one, "mmb-none", [50000, 150000]) == [0, MESSAGE_TOO_LARGE]


NOT_ENOUGH_REPLICAS = 19


def test_overrides_hold_from_the_first_produce_after_create(one):
    """A topic's overrides apply to the first produce sent once CreateTopics has answered:
    the leader reads /config/topics/<t> before CreateTopics completes and refuses produce
    (NOT_LEADER_OR_FOLLOWER, retried by clients) until it has. Before, a produce right
    after creation could land under the broker's settings (here: past min.insync.replicas
    and max.message.bytes, and into a segment that never rolled at segment.bytes)."""
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": one.bootstrap})
    for i in range(10):
        name = "first-produce-%d" % i
        a.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config={
            "min.insync.replicas": "2", "max.message.bytes": "2000",
            "segment.bytes": "1024"})])[name].result(30)
        with KafkaConn.to(one.bootstrap) as k:
            err, _ = k.produce(name, 0, record_batch([(None, b"v" * 100, [])]), acks=-1)
            assert err == NOT_ENOUGH_REPLICAS, (name, err)
            err, _ = k.produce(name, 0, record_batch([(None, b"v" * 5000, [])]), acks=1)
            assert err == MESSAGE_TOO_LARGE, (name, err)
            for _ in range(3):
                err, _ = k.produce(name, 0, record_batch([(None, b"v" * 800, [])]), acks=1)
                assert err == 0, (name, err)
        segs = sorted((one.brokers[0].log_dir / (name + "-0")).glob("*.log"))
        assert len(segs) == 3, (name, [s.name for s in segs])
