"""Metadata at every version Kafka 3.7 accepts (0-12), hand-built: the same brokers, controller,
topics and partitions at each version; leader epochs (v7+) as in the partition state znode;
topic ids (v10+) as in /brokers/topics/<t>, and a topic asked for by id alone; authorized
operations (v8+, every operation without an authorizer); v0's empty list meaning all topics.
Plus kafka-python forced to 0.9 (Metadata v0) and kcat -L (librdkafka's own pick)."""

import base64

import pytest

import skein_harness as H
from clients import kcat_metadata, kp_admin, kp_consumer, wait_topic_in_metadata
from kafka_wire import KafkaConn, Reader, i16, i32, i8, read_uvarint, string, uvarint

TOPIC = "md-versions"
UNKNOWN_TOPIC_ID = 100
TOPIC_OPS = 0xdf8      # READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS
CLUSTER_OPS = 0x1fa0   # CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE
INT_MIN = -2 ** 31


@pytest.fixture(scope="module")
def topic(cluster):
    from kafka.admin import NewTopic
    a = kp_admin(cluster.bootstrap)
    try:
        a.create_topics([NewTopic(TOPIC, 2, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(cluster.bootstrap, TOPIC, 2)
    return TOPIC


def metadata(k, version, topics=None, ids=(), auto=True, incl_cluster=False, incl_topic=False):
    """Metadata at `version`. topics None = all (v0: the empty list); ids: topic ids (16 bytes)
    asked for by id alone (v10+). Returns a dict of the response's fields."""
    flex = version >= 9
    tags = b"\x00" if flex else b""

    def arr(items, null=False):
        if flex:
            return b"\x00" if null else uvarint(len(items) + 1) + b"".join(items)
        return i32(-1) if null else i32(len(items)) + b"".join(items)

    def s(v):
        if v is None:
            return b"\x00" if flex else i16(-1)
        return uvarint(len(v) + 1) + v.encode() if flex else string(v)

    def req_topic(name, tid=b"\x00" * 16):
        return (tid if version >= 10 else b"") + s(name) + tags

    if topics is None and not ids:
        body = arr([]) if version == 0 else arr([], null=True)
    else:
        body = arr([req_topic(t) for t in topics or ()] + [req_topic(None, t) for t in ids])
    if version >= 4:
        body += i8(1 if auto else 0)
    if 8 <= version <= 10:
        body += i8(1 if incl_cluster else 0)
    if version >= 8:
        body += i8(1 if incl_topic else 0)
    body += tags
    k.corr += 1
    payload = i16(3) + i16(version) + i32(k.corr) + string(k.client_id) + tags + body
    k.sock.sendall(i32(len(payload)) + payload)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr

    def count():
        return read_uvarint(r) - 1 if flex else r.i32()

    def rstr():
        n = read_uvarint(r) - 1 if flex else r.i16()
        return None if n < 0 else r.take(n).decode()

    def skip_tags():
        if flex:
            for _ in range(read_uvarint(r)):
                read_uvarint(r)
                r.take(read_uvarint(r))

    skip_tags()  # response header v1
    out = dict(throttle=r.i32() if version >= 3 else None, brokers=[])
    for _ in range(count()):
        b = dict(node=r.i32(), host=rstr(), port=r.i32())
        b["rack"] = rstr() if version >= 1 else None
        skip_tags()
        out["brokers"].append(b)
    out["cluster_id"] = rstr() if version >= 2 else None
    out["controller"] = r.i32() if version >= 1 else None
    out["topics"] = []
    for _ in range(count()):
        t = dict(error=r.i16(), name=rstr())
        t["id"] = r.take(16) if version >= 10 else None
        t["internal"] = r.i8() if version >= 1 else None
        t["partitions"] = {}
        for _ in range(count()):
            p = dict(error=r.i16(), index=r.i32(), leader=r.i32())
            p["epoch"] = r.i32() if version >= 7 else None
            p["replicas"] = [r.i32() for _ in range(count())]
            p["isr"] = [r.i32() for _ in range(count())]
            p["offline"] = [r.i32() for _ in range(count())] if version >= 5 else None
            skip_tags()
            t["partitions"][p["index"]] = p
        t["ops"] = r.i32() if version >= 8 else None
        skip_tags()
        out["topics"].append(t)
    out["cluster_ops"] = r.i32() if 8 <= version <= 10 else None
    skip_tags()
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return out


def topic_id(cluster, name):
    tid = cluster.zk_json("/brokers/topics/" + name)["topic_id"]
    return base64.urlsafe_b64decode(tid + "==")


@pytest.mark.parametrize("version", range(13))
def test_every_version(cluster, topic, version):
    with KafkaConn.to(cluster.bootstrap) as k:
        md = metadata(k, version, [topic], incl_cluster=True, incl_topic=True)
        everything = metadata(k, version)
    assert [b["node"] for b in md["brokers"]] == [0]
    assert md["brokers"][0]["port"] == int(cluster.bootstrap.rsplit(":", 1)[1])
    if version >= 1:
        assert md["controller"] == 0
    if version >= 2:
        assert md["cluster_id"]
    [t] = md["topics"]
    assert (t["error"], t["name"]) == (0, topic)
    assert sorted(t["partitions"]) == [0, 1]
    for i, p in t["partitions"].items():
        state = H.partition_state(cluster, topic, i)
        assert (p["error"], p["leader"], p["replicas"], p["isr"]) == \
            (0, state["leader"], [0], state["isr"])
        if version >= 7:
            assert p["epoch"] == state["leader_epoch"]
    if version >= 10 and t["id"] != b"\x00" * 16:
        assert t["id"] == topic_id(cluster, topic)  # see test_topic_ids_known
    if version >= 8:
        assert t["ops"] == TOPIC_OPS
    if 8 <= version <= 10:
        assert md["cluster_ops"] == CLUSTER_OPS
    assert topic in [x["name"] for x in everything["topics"]]
    if version >= 8:
        assert all(x["ops"] == INT_MIN for x in everything["topics"])  # not asked for


def test_unknown_topic_id(cluster, topic):
    with KafkaConn.to(cluster.bootstrap) as k:
        for version in (10, 11, 12):
            [u] = metadata(k, version, ids=[b"\x01" * 16])["topics"]
            assert (u["error"], u["id"]) == (UNKNOWN_TOPIC_ID, b"\x01" * 16)
            assert u["name"] == (None if version >= 12 else "")


def test_topic_ids_known(cluster, topic):
    tid = topic_id(cluster, topic)
    with KafkaConn.to(cluster.bootstrap) as k:
        for version in (10, 11, 12):
            [t] = metadata(k, version, [topic])["topics"]
            assert t["id"] == tid
            [t] = metadata(k, version, ids=[tid])["topics"]
            assert (t["error"], t["name"], t["id"]) == (0, topic, tid)


def test_old_and_new_clients(cluster, topic):
    """kafka-python as 0.9 (Metadata v0) and librdkafka (kcat -L, its own choice)."""
    c = kp_consumer(cluster.bootstrap, api_version=(0, 9))
    try:
        assert c.partitions_for_topic(topic) == {0, 1}
    finally:
        c.close()
    md = kcat_metadata(cluster.bootstrap, topic)
    [t] = [x for x in md["topics"] if x["topic"] == topic]
    assert sorted(p["partition"] for p in t["partitions"]) == [0, 1]
