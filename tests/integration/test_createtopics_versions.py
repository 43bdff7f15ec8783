"""CreateTopics at every version Kafka 3.7 accepts (0-7), hand-built: v0-4 classic, v5+ flexible
with the created topic's partition count, replication factor and configs (override or broker
value, with its source), v7 the topic id written to /brokers/topics/<t>; errors reset them as
Kafka does; validateOnly describes without creating."""

import base64
import json

import pytest

from clients import wait_topic_in_metadata
from kafka_wire import KafkaConn, Reader, i16, i32, i8, read_uvarint, string, uvarint

NONE, TOPIC_EXISTS, INVALID_CONFIG = 0, 36, 40
TOPIC_SRC, STATIC_BROKER_SRC, DEFAULT_SRC = 1, 4, 5


def read_tags(r):
    tags = {}
    for _ in range(read_uvarint(r)):
        t = read_uvarint(r)
        tags[t] = r.take(read_uvarint(r))
    return tags


def create_topics(k, version, topics, validate_only=False, timeout_ms=30000):
    """topics: [(name, partitions, rf, {config: value})]. Returns {name: dict(error, message,
    and from v5 partitions, rf, configs {name: (value, source)}, config_error; v7 id)}."""
    flex = version >= 5

    def s(v):
        if v is None:
            return b"\x00" if flex else i16(-1)
        return (uvarint(len(v) + 1) + v.encode()) if flex else string(v)

    def arr(items):
        return (uvarint(len(items) + 1) if flex else i32(len(items))) + b"".join(items)

    tags = b"\x00" if flex else b""
    body = arr([s(n) + i32(p) + i16(rf) + arr([]) +
                arr([s(ck) + s(cv) + tags for ck, cv in cfg.items()]) + tags
                for n, p, rf, cfg in topics]) + i32(timeout_ms)
    if version >= 1:
        body += i8(1 if validate_only else 0)
    body += tags
    k.corr += 1
    hdr = i16(19) + i16(version) + i32(k.corr) + string(k.client_id) + tags
    k.sock.sendall(i32(len(hdr + body)) + hdr + body)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if flex:
        read_tags(r)

    def count():
        return read_uvarint(r) - 1 if flex else r.i32()

    def rs():
        n = read_uvarint(r) - 1 if flex else r.i16()
        return None if n < 0 else r.take(n).decode()

    if version >= 2:
        r.i32()  # throttle
    out = {}
    for _ in range(count()):
        name = rs()
        d = {}
        if version >= 7:
            d["id"] = r.take(16)
        d["error"] = r.i16()
        if version >= 1:
            d["message"] = rs()
        if version >= 5:
            d["partitions"], d["rf"] = r.i32(), r.i16()
            n = count()
            configs = {}
            for _ in range(max(n, 0)):
                cname, value, _ro, source, _sens = rs(), rs(), r.i8(), r.i8(), r.i8()
                read_tags(r)
                configs[cname] = (value, source)
            d["configs"] = configs
            d["config_error"] = read_tags(r).get(0, b"\x00\x00")
        out[name] = d
    if flex:
        read_tags(r)
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return out


@pytest.mark.parametrize("version", range(0, 8))
def test_every_version(cluster, version):
    name = "ct-v%d" % version
    with KafkaConn.to(cluster.bootstrap) as k:
        got = create_topics(k, version, [(name, 3, 1, {"retention.ms": "3600000"})])[name]
        assert got["error"] == NONE, got
        if version >= 1:
            assert got["message"] is None
        wait_topic_in_metadata(cluster.bootstrap, name, 3)
        if version >= 5:
            assert (got["partitions"], got["rf"]) == (3, 1)
            assert got["configs"]["retention.ms"] == ("3600000", TOPIC_SRC)
            assert got["configs"]["segment.bytes"] == ("1073741824", DEFAULT_SRC)
            assert got["configs"]["cleanup.policy"] == ("delete", DEFAULT_SRC)
            assert got["config_error"] == b"\x00\x00"
        if version >= 7:
            data, _ = cluster.zk_client().get("/brokers/topics/" + name)
            want = base64.urlsafe_b64decode(json.loads(data)["topic_id"] + "==")
            assert got["id"] == want and got["id"] != bytes(16)
        # again: TOPIC_ALREADY_EXISTS, and nothing described (Kafka resets it)
        again = create_topics(k, version, [(name, 3, 1, {})])[name]
        assert again["error"] == TOPIC_EXISTS
        if version >= 5:
            assert (again["partitions"], again["rf"], again["configs"]) == (-1, -1, {})
        if version >= 7:
            assert again["id"] == bytes(16)


@pytest.mark.parametrize("version", [4, 5, 7])
def test_validate_only_and_defaults(cluster, version):
    """-1 counts take the broker defaults (v4+); validateOnly describes what would be created,
    without a topic id."""
    name = "ct-validate-%d" % version
    with KafkaConn.to(cluster.bootstrap) as k:
        got = create_topics(k, version, [(name, -1, -1, {"cleanup.policy": "compact"})],
                            validate_only=True)[name]
        assert got["error"] == NONE
        if version >= 5:
            assert (got["partitions"], got["rf"]) == (1, 1)
            assert got["configs"]["cleanup.policy"] == ("compact", TOPIC_SRC)
        if version >= 7:
            assert got["id"] == bytes(16)
        bad = create_topics(k, version, [(name, 1, 1, {"no.such.key": "1"})],
                            validate_only=True)[name]
        assert bad["error"] == INVALID_CONFIG
        if version >= 5:
            assert (bad["partitions"], bad["rf"], bad["configs"]) == (-1, -1, {})
    assert cluster.zk_client().exists("/brokers/topics/" + name) is None
