"""DescribeConfigs (key 32) through confluent-kafka's AdminClient (v1) and kafka-python's
KafkaAdminClient (v2), and hand-built at every version Kafka 3.7 accepts (0-4: v0's IsDefault,
v1+ sources and synonyms, v3+ config types and documentation, v4 flexible): topic overrides
from ZooKeeper, broker defaults, error codes."""

import pytest

import skein_harness as H
from kafka_wire import (
    KafkaConn, Reader, array, i16, i32, i8, read_uvarint, skip_tags, string, uvarint)

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
        assert err == 0 and versions[32] == (0, 4)
    H.wait_for(lambda: "malformed DescribeConfigs" in b.log_text(), 10, "one log line")


# ---------------------------------------------------------------- every version, hand-built

def describe_configs(k, version, resources, synonyms=False, docs=False):
    """DescribeConfigs at `version`; resources: [(type, name, [keys] or None)]. Returns
    {name: (error, {key: dict(value, read_only, default (v0), source (v1+), sensitive,
    synonyms (v1+), type and doc (v3+))})}."""
    flex = version >= 4

    def s(v):
        if v is None:
            return b"\x00" if flex else i16(-1)
        return (uvarint(len(v) + 1) + v.encode()) if flex else string(v)

    def arr(items):
        return (uvarint(len(items) + 1) if flex else i32(len(items))) + b"".join(items)

    tags = b"\x00" if flex else b""
    body = arr([i8(t) + s(n) + ((b"\x00" if flex else i32(-1)) if keys is None else
                                arr([s(x) for x in keys])) + tags for t, n, keys in resources])
    if version >= 1:
        body += i8(1 if synonyms else 0)
    if version >= 3:
        body += i8(1 if docs else 0)
    body += tags
    k.corr += 1
    hdr = i16(32) + i16(version) + i32(k.corr) + string(k.client_id) + tags
    k.sock.sendall(i32(len(hdr + body)) + hdr + body)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if flex:
        skip_tags(r)

    def count():
        return read_uvarint(r) - 1 if flex else r.i32()

    def rs():
        n = read_uvarint(r) - 1 if flex else r.i16()
        return None if n < 0 else r.take(n).decode()

    r.i32()  # throttle
    out = {}
    for _ in range(count()):
        err, _msg, _type, name = r.i16(), rs(), r.i8(), rs()
        configs = {}
        for _ in range(count()):
            key = rs()
            c = dict(value=rs(), read_only=r.i8())
            if version == 0:
                c["default"] = r.i8()
            else:
                c["source"] = r.i8()
            c["sensitive"] = r.i8()
            if version >= 1:
                syns = []
                for _ in range(count()):
                    syns.append((rs(), rs(), r.i8()))
                    if flex:
                        skip_tags(r)
                c["synonyms"] = syns
            if version >= 3:
                c["type"], c["doc"] = r.i8(), rs()
            if flex:
                skip_tags(r)
            configs[key] = c
        if flex:
            skip_tags(r)
        out[name] = (err, configs)
    if flex:
        skip_tags(r)
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return out


TOPIC_SRC, STATIC_BROKER_SRC, DEFAULT_SRC = 1, 4, 5
LONG, LIST, INT, BOOLEAN = 5, 7, 3, 1


@pytest.mark.parametrize("version", range(0, 5))
def test_every_version_hand_built(two, version):
    name = "dcv%d" % version
    create_topic(two, name, {"retention.ms": "86400000", "cleanup.policy": "compact"})
    keys = ["retention.ms", "cleanup.policy", "segment.bytes"]
    with KafkaConn.to(two.brokers[0].bootstrap) as k:
        got = describe_configs(k, version, [(2, name, keys), (4, "0", ["log.retention.bytes",
                                                                       "auto.create.topics.enable"])],
                               synonyms=version >= 1, docs=version >= 3)
        err, topic = got[name]
        assert err == 0 and sorted(topic) == sorted(keys)
        assert topic["retention.ms"]["value"] == "86400000"
        assert topic["segment.bytes"]["value"] == "1073741824"
        berr, broker = got["0"]
        assert berr == 0 and broker["log.retention.bytes"]["value"] == "123456789"
        if version == 0:
            assert [topic[x]["default"] for x in keys] == [0, 0, 1]
            assert broker["log.retention.bytes"]["default"] == 0
        else:
            assert [topic[x]["source"] for x in keys] == [TOPIC_SRC, TOPIC_SRC, DEFAULT_SRC]
            assert broker["log.retention.bytes"]["source"] == STATIC_BROKER_SRC
            # the override, then the broker key it falls back to
            assert topic["retention.ms"]["synonyms"][0] == ("retention.ms", "86400000", TOPIC_SRC)
            assert topic["retention.ms"]["synonyms"][1][0] == "log.retention.ms"
        if version >= 3:
            assert (topic["retention.ms"]["type"], topic["cleanup.policy"]["type"],
                    topic["segment.bytes"]["type"]) == (LONG, LIST, INT)
            assert broker["auto.create.topics.enable"]["type"] == BOOLEAN
            assert all(c["doc"] for c in topic.values()), topic
            assert broker["log.retention.bytes"]["doc"]
            # documentation only when asked for; the types always
            plain = describe_configs(k, version, [(2, name, ["retention.ms"])], docs=False)
            c = plain[name][1]["retention.ms"]
            assert c["doc"] is None and c["type"] == LONG and c["synonyms"] == []
