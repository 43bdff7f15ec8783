"""DeleteTopics in every version Kafka 3.7 accepts (0-6), on the generated codec: v0-3 classic,
v4-5 flexible (v5 adds an error message), v6 names topics by name or by id (KIP-516), each
answered as Kafka answers it. Hand-built requests (librdkafka 2.0.2 sends v1, kafka-python
v3; no client at hand sends v5-6)."""

import base64

from confluent_kafka.admin import AdminClient, NewTopic

import skein_harness as H
from kafka_wire import (KafkaConn, _carray, _cstr, _read_carray, _read_cstr, array, i32,
                        request_flex, skip_tags, string, uvarint)

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_REQUEST = 42
UNKNOWN_TOPIC_ID = 100


def topic_id(c, name):
    s = c.zk_json("/brokers/topics/%s" % name)["topic_id"]
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def delete(conn, version, entries, timeout_ms=30000):
    """entries: names (v0-5) or (name or None, id bytes) pairs (v6). Returns
    [(name, id or None, error, message)]."""
    if version < 4:
        r = conn.request(20, version, array([string(n) for n in entries]) + i32(timeout_ms))
        if version >= 1:
            r.i32()
        return r.array(lambda: (r.string(), None, r.i16(), None))
    if version < 6:
        body = _carray([_cstr(n) for n in entries]) + i32(timeout_ms) + uvarint(0)
    else:
        body = _carray([_cstr(n) + tid + uvarint(0) for n, tid in entries]) + i32(timeout_ms) \
            + uvarint(0)
    r = request_flex(conn, 20, version, body)
    r.i32()

    def one():
        name = _read_cstr(r)
        tid = r.take(16) if version >= 6 else None
        err = r.i16()
        msg = _read_cstr(r) if version >= 5 else None
        skip_tags(r)
        return name, tid, err, msg
    out = _read_carray(r, one)
    skip_tags(r)
    return out


def test_every_version_deletes(make_cluster):
    c = make_cluster(1)
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    names = ["dt-v%d" % v for v in range(7)] + ["dt-v6-by-id"]
    for n in names:
        a.create_topics([NewTopic(n, 1, 1)])[n].result(30)
    zkc = c.zk_client()
    with KafkaConn.to(c.bootstrap) as k:
        for v in range(6):
            got = delete(k, v, ["dt-v%d" % v, "dt-missing"])
            assert [(g[0], g[2]) for g in got] == [("dt-v%d" % v, 0),
                                                   ("dt-missing", UNKNOWN_TOPIC_OR_PARTITION)], \
                (v, got)
        # v6: by name (answered with the topic's id), by id, an unknown id, both at once
        tid = topic_id(c, "dt-v6-by-id")
        named = topic_id(c, "dt-v6")
        got = delete(k, 6, [("dt-v6", bytes(16)), (None, tid), (None, b"\x11" * 16),
                            ("dt-v0", tid)])
        assert got[0] == ("dt-v6", named, 0, None), got
        assert got[1] == ("dt-v6-by-id", tid, 0, None), got
        assert got[2][0] is None and got[2][1] == b"\x11" * 16 and \
            got[2][2] == UNKNOWN_TOPIC_ID and got[2][3], got
        assert got[3][2] == INVALID_REQUEST and got[3][3], got
    for n in names:
        H.wait_for(lambda: zkc.exists("/brokers/topics/%s" % n) is None, 30,
                   "%s to be deleted" % n)
    # ApiVersions advertises the whole range
    with KafkaConn.to(c.bootstrap) as k:
        err, vers = k.api_versions()
    assert vers[20] == (0, 6), vers[20]
