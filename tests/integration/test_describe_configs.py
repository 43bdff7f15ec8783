"""DescribeConfigs (key 32) through confluent-kafka's AdminClient (v1) and kafka-python's
KafkaAdminClient (v2): topic overrides from ZooKeeper, broker defaults, error codes."""

import pytest

import skein_harness as H
from kafka_wire import KafkaConn, array, i8, i32, string

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_REQUEST = 42


@pytest.fixture(scope="module")
def two(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(2, tmp_path_factory.mktemp("dconf"), zk=zk, log_retention_bytes="123456789")
    yield c
    c.stop()


def cf_admin(bootstrap):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(c, name, config):
    from confluent_kafka.admin import NewTopic
    a = cf_admin(c.bootstrap)
    # one replica on broker 1 only: broker 0 has no replica yet answers for it
    fut = a.create_topics([NewTopic(name, num_partitions=1, replica_assignment=[[1]], config=config)])
    fut[name].result(30)
    H.wait_for(lambda: c.zk_client().exists("/config/topics/" + name), 20, "topic config znode")


def test_confluent_topic_configs_from_any_broker(two):
    from confluent_kafka.admin import ConfigResource, ConfigSource
    create_topic(two, "dc1", {"retention.ms": "86400000", "cleanup.policy": "compact"})
    a = cf_admin(two.brokers[0].bootstrap)
    res = ConfigResource(ConfigResource.Type.TOPIC, "dc1")
    got = a.describe_configs([res])[res].result(30)
    assert got["retention.ms"].value == "86400000"
    assert got["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert not got["retention.ms"].is_default
    assert got["cleanup.policy"].value == "compact"
    # a broker-level setting shows as the topic's value, from the static broker config
    assert got["retention.bytes"].value == "123456789"
    assert got["retention.bytes"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    # an untouched key: Kafka's default
    assert got["segment.bytes"].value == "1073741824"
    assert got["segment.bytes"].is_default
    assert got["min.insync.replicas"].value == "1"


def test_kafka_python_describe_configs_v2(two):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
    create_topic(two, "dc2", {"max.message.bytes": "2000000"})
    a = KafkaAdminClient(bootstrap_servers=two.bootstrap)
    try:
        resp = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "dc2",
                                                  configs={"max.message.bytes": None, "segment.ms": None})])
        (err, msg, rtype, rname, entries), = resp[0].resources
        assert err == 0 and rname == "dc2"
        values = {e[0]: e[1] for e in entries}
        assert values == {"max.message.bytes": "2000000", "segment.ms": "604800000"}
    finally:
        a.close()


def test_broker_resource(two):
    from confluent_kafka.admin import ConfigResource
    a = cf_admin(two.brokers[0].bootstrap)
    res = ConfigResource(ConfigResource.Type.BROKER, "0")
    got = a.describe_configs([res])[res].result(30)
    assert got["broker.id"].value == "0"
    assert got["log.retention.bytes"].value == "123456789"
    assert not got["log.retention.bytes"].is_default
    assert got["log.index.interval.bytes"].is_default
    assert got["broker.id"].is_read_only


def test_unknown_topic_and_wrong_broker_raw(two):
    b = two.brokers[0]
    body = array([i8(2) + string("no-such-topic") + i32(-1),
                  i8(4) + string("1") + i32(-1)]) + i8(0)
    with KafkaConn.to(b.bootstrap) as k:
        r = k.request(32, 1, body)
        assert r.i32() == 0  # throttle
        results = r.array(lambda: (r.i16(), r.string(), r.i8(), r.string(),
                                   r.array(lambda: None)))
    assert [(e, t, n) for e, _, t, n, _ in results] == [
        (UNKNOWN_TOPIC_OR_PARTITION, 2, "no-such-topic"), (INVALID_REQUEST, 4, "1")]


def test_malformed_describe_configs_closes_only_that_connection(two):
    b = two.brokers[0]
    with KafkaConn.to(b.bootstrap) as bad, KafkaConn.to(b.bootstrap) as good:
        frame, _ = bad.request_bytes(32, 1, i32(1000000))  # array count with no elements
        bad.send_raw(frame)
        closed, _ = bad.wait_closed(10)
        assert closed
        err, versions = good.api_versions()
        assert err == 0 and versions[32] == (0, 2)
    H.wait_for(lambda: "malformed DescribeConfigs" in b.log_text(), 10, "one log line")
