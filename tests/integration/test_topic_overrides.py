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
