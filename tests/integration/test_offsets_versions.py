"""OffsetCommit and OffsetFetch at every version Kafka 3.7 accepts (0-9 each): kafka-python
forced to 0.8.1 (OffsetCommit/OffsetFetch v0: offsets in ZooKeeper,
/consumers/<group>/offsets/<topic>/<p>, as Kafka 3.7 in ZooKeeper mode keeps them), 0.8.2 (v1, a
group without members), 0.10.1 (v2), and hand-built requests for each version: v1's
CommitTimestamp, v2-4's RetentionTimeMs (the offset expires on its own), OffsetFetch's group
errors (per partition at v1, group-level from v2, per group at v8+), null topics (v2+: every
offset), several groups in one request (v8+), flexible encodings."""

import time

import pytest

from clients import kp_admin, kp_consumer, wait_topic_in_metadata
from kafka_wire import KafkaConn, Reader, i16, i32, i64, read_uvarint, skip_tags, string, uvarint

TOPIC = "oc-versions"
NONE, UNKNOWN_TOPIC, UNKNOWN_MEMBER, INVALID_GROUP_ID = 0, 3, 25, 24


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


# ---------------------------------------------------------------- hand-built requests

class Wire:
    """Encoding helpers for one version: classic or flexible (compact) strings and arrays."""

    def __init__(self, flex):
        self.flex = flex
        self.tags = b"\x00" if flex else b""

    def arr(self, items):
        if self.flex:
            return uvarint(len(items) + 1) + b"".join(items)
        return i32(len(items)) + b"".join(items)

    def null_arr(self):
        return b"\x00" if self.flex else i32(-1)

    def s(self, v):
        if v is None:
            return b"\x00" if self.flex else i16(-1)
        b = v.encode()
        return (uvarint(len(b) + 1) + b) if self.flex else string(v)

    def count(self, r):
        return read_uvarint(r) - 1 if self.flex else r.i32()

    def rs(self, r):
        n = read_uvarint(r) - 1 if self.flex else r.i16()
        return None if n < 0 else r.take(n).decode()


def call(k, key, version, flex_from, body):
    """Send body as api key/version (request header v2 when flexible); returns (Reader, Wire)
    positioned after the response header."""
    w = Wire(version >= flex_from)
    k.corr += 1
    hdr = i16(key) + i16(version) + i32(k.corr) + string(k.client_id) + w.tags
    payload = hdr + body
    k.sock.sendall(i32(len(payload)) + payload)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if w.flex:
        skip_tags(r)
    return r, w


def offset_commit(k, version, group, parts, generation=-1, member="", instance=None,
                  retention=-1, topic=TOPIC):
    """OffsetCommit at `version` for one topic; parts: dicts with partition, offset and
    optional metadata, epoch (v6+), ts (v1). Returns {partition: error}."""
    w = Wire(version >= 8)

    def part(p):
        b = i32(p["partition"]) + i64(p["offset"])
        if version >= 6:
            b += i32(p.get("epoch", -1))
        if version == 1:
            b += i64(p.get("ts", -1))
        return b + w.s(p.get("metadata", "")) + w.tags

    body = w.s(group)
    if version >= 1:
        body += i32(generation) + w.s(member)
    if version >= 7:
        body += w.s(instance)
    if 2 <= version <= 4:
        body += i64(retention)
    body += w.arr([w.s(topic) + w.arr([part(p) for p in parts]) + w.tags]) + w.tags
    r, w = call(k, 8, version, 8, body)
    if version >= 3:
        r.i32()  # throttle
    out = {}
    for _ in range(w.count(r)):
        assert w.rs(r) == topic
        for _ in range(w.count(r)):
            p, e = r.i32(), r.i16()
            out[p] = e
            skip_tags(r) if w.flex else None
        skip_tags(r) if w.flex else None
    skip_tags(r) if w.flex else None
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return out


def offset_fetch_v1(k, group, partitions, topic=TOPIC):
    """OffsetFetch v1 (from the coordinator): {partition: (offset, metadata, error)}."""
    body = string(group) + i32(1) + string(topic) + i32(len(partitions)) + \
        b"".join(i32(p) for p in partitions)
    r = k.request(9, 1, body)
    out = {}
    for _ in range(r.i32()):
        assert r.string() == topic
        for _ in range(r.i32()):
            p, off, md, err = r.i32(), r.i64(), r.string(), r.i16()
            out[p] = (off, md, err)
    return out


def offset_fetch(k, version, groups):
    """OffsetFetch at `version`; groups: [(group, [(topic, [partitions])] or None)], one group
    below v8. Returns {group: (error, {(topic, partition): (offset, metadata, error)})}; the
    group error of v0-1 is None (not on the wire)."""
    w = Wire(version >= 6)

    def topics(ts):
        if ts is None:
            return w.null_arr()
        return w.arr([w.s(t) + w.arr([i32(p) for p in ps]) + w.tags for t, ps in ts])

    if version < 8:
        assert len(groups) == 1
        body = w.s(groups[0][0]) + topics(groups[0][1])
    else:
        body = w.arr([w.s(g) + (w.s(None) + i32(-1) if version >= 9 else b"") + topics(ts) +
                      w.tags for g, ts in groups])
    if version >= 7:
        body += b"\x00"  # RequireStable
    body += w.tags
    r, w = call(k, 9, version, 6, body)
    if version >= 3:
        r.i32()  # throttle

    def read_topics():
        out = {}
        for _ in range(w.count(r)):
            name = w.rs(r)
            for _ in range(w.count(r)):
                p, off = r.i32(), r.i64()
                if version >= 5:
                    r.i32()  # leader epoch
                md, err = w.rs(r), r.i16()
                out[(name, p)] = (off, md, err)
                skip_tags(r) if w.flex else None
            skip_tags(r) if w.flex else None
        return out

    res = {}
    if version < 8:
        parts = read_topics()
        res[groups[0][0]] = (r.i16() if version >= 2 else None, parts)
    else:
        for _ in range(w.count(r)):
            g = w.rs(r)
            parts = read_topics()
            res[g] = (r.i16(), parts)
            skip_tags(r)
    skip_tags(r) if w.flex else None
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return res


def coordinator_conn(cluster, group, timeout=30):
    """A connection to the group's coordinator (waits while __consumer_offsets is created)."""
    deadline = time.time() + timeout
    while True:
        with KafkaConn.to(cluster.bootstrap) as k:
            r = k.request(10, 0, string(group))
            err, node, host, port = r.i16(), r.i32(), r.string(), r.i32()
        if err == NONE or time.time() > deadline:
            break
        time.sleep(0.2)
    assert err == NONE, err
    return KafkaConn(host, port)


# ---------------------------------------------------------------- tests

def test_api_versions_lists_kafka_range(cluster):
    with KafkaConn.to(cluster.bootstrap) as k:
        err, ranges = k.api_versions()
    assert err == 0
    assert ranges[8] == (0, 9)


def test_kafka_python_0_8_1_commits_to_zookeeper(cluster, topic):
    """kafka-python as 0.8.1 commits with OffsetCommit v0 to any broker: Skein stores the offset
    in ZooKeeper like Kafka 3.7 does, not in the group coordinator."""
    from kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata
    tp = TopicPartition(topic, 1)
    c = kp_consumer(cluster.bootstrap, api_version=(0, 8, 1), group_id="oc-zk",
                    request_timeout_ms=40000)
    try:
        c.assign([tp])
        c.commit({tp: OffsetAndMetadata(17, "md")})
    finally:
        c.close()
    data, _ = cluster.zk_client().get("/consumers/oc-zk/offsets/%s/1" % topic)
    assert data == b"17"
    # ... and the group coordinator knows nothing of it
    with coordinator_conn(cluster, "oc-zk") as k:
        assert offset_fetch_v1(k, "oc-zk", [1]) == {1: (-1, "", NONE)}
    # OffsetFetch v0 (kafka-python as 0.8.1) reads it back from ZooKeeper
    c = kp_consumer(cluster.bootstrap, api_version=(0, 8, 1), group_id="oc-zk",
                    request_timeout_ms=40000)
    try:
        assert c.committed(tp) == 17
    finally:
        c.close()
    with KafkaConn.to(cluster.bootstrap) as k:
        got = offset_fetch(k, 0, [("oc-zk", [(topic, [1, 0])])])
        assert got == {"oc-zk": (None, {(topic, 1): (17, "", NONE),
                                        (topic, 0): (-1, "", UNKNOWN_TOPIC)})}
        got = offset_fetch(k, 0, [("oc-zk", [("no-such-topic", [0])])])
        assert got == {"oc-zk": (None, {("no-such-topic", 0): (-1, "", UNKNOWN_TOPIC)})}
    # an existing node is overwritten
    with KafkaConn.to(cluster.bootstrap) as k:
        assert offset_commit(k, 0, "oc-zk", [dict(partition=1, offset=18)]) == {1: NONE}
        assert offset_commit(k, 0, "oc-zk", [dict(partition=7, offset=1)]) == {7: UNKNOWN_TOPIC}
        assert offset_commit(k, 0, "", [dict(partition=0, offset=1)]) == {0: INVALID_GROUP_ID}
    data, _ = cluster.zk_client().get("/consumers/oc-zk/offsets/%s/1" % topic)
    assert data == b"18"


@pytest.mark.parametrize("api_version,group", [((0, 8, 2), "oc-kp082"), ((0, 10, 1), "oc-kp0101")])
def test_kafka_python_old_versions_commit_to_coordinator(cluster, topic, api_version, group):
    """0.8.2 commits with v1 (generation -1, no member), 0.10.1 with v2, both to the group
    coordinator; the committed offsets read back through the same client."""
    from kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata
    tp = TopicPartition(topic, 0)
    c = kp_consumer(cluster.bootstrap, api_version=api_version, group_id=group,
                    request_timeout_ms=40000)
    try:
        c.assign([tp])
        c.commit({tp: OffsetAndMetadata(5, "m-%s" % group)})
        assert c.committed(tp) == 5
    finally:
        c.close()
    with coordinator_conn(cluster, group) as k:
        assert offset_fetch_v1(k, group, [0]) == {0: (5, "m-%s" % group, NONE)}


@pytest.mark.parametrize("version", range(1, 10))
def test_hand_built_v1_to_v9(cluster, topic, version):
    group = "oc-v%d" % version
    with coordinator_conn(cluster, group) as k:
        parts = [dict(partition=0, offset=100 + version, metadata="m%d" % version, epoch=3),
                 dict(partition=1, offset=200 + version, metadata=None)]
        assert offset_commit(k, version, group, parts) == {0: NONE, 1: NONE}
        got = offset_fetch_v1(k, group, [0, 1])
        assert got == {0: (100 + version, "m%d" % version, NONE), 1: (200 + version, "", NONE)}
        # a member of a group that has none
        bad = offset_commit(k, version, group, [dict(partition=0, offset=1)], generation=4,
                            member="nobody")
        assert bad == {0: UNKNOWN_MEMBER}
        unknown = offset_commit(k, version, group, [dict(partition=9, offset=1)])
        assert unknown == {9: UNKNOWN_TOPIC}


def test_v1_commit_timestamp_and_v2_retention(make_cluster):
    """v1's CommitTimestamp dates the commit (an old one is expired by offsets.retention.minutes
    at the next check); v2-4's RetentionTimeMs gives the offset its own expiry, as Kafka."""
    c = make_cluster(1, offsets_retention_check_interval_ms=500,
                     group_initial_rebalance_delay_ms=0)
    from kafka.admin import NewTopic
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic(TOPIC, 2, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(c.bootstrap, TOPIC, 2)
    now = int(time.time() * 1000)
    with coordinator_conn(c, "oc-ts") as k:
        # committed "8 days ago" (retention 7 days): expired at the next check
        assert offset_commit(k, 1, "oc-ts", [dict(partition=0, offset=3, ts=now - 8 * 86400000),
                                             dict(partition=1, offset=4, ts=-1)]) == \
            {0: NONE, 1: NONE}
        # the partition 1 offset: its own retention of 1.5 s (v2-4)
        assert offset_commit(k, 3, "oc-ret", [dict(partition=1, offset=9)], retention=1500) == \
            {1: NONE}
        assert offset_commit(k, 3, "oc-ret", [dict(partition=0, offset=8)]) == {0: NONE}
        deadline = time.time() + 20
        while time.time() < deadline:
            ts = offset_fetch_v1(k, "oc-ts", [0, 1])
            ret = offset_fetch_v1(k, "oc-ret", [0, 1])
            if ts[0][0] == -1 and ret[1][0] == -1:
                break
            time.sleep(0.3)
        assert ts == {0: (-1, "", NONE), 1: (4, "", NONE)}
        assert ret == {0: (8, "", NONE), 1: (-1, "", NONE)}


@pytest.mark.parametrize("version", range(1, 10))
def test_offset_fetch_v1_to_v9(cluster, topic, version):
    group = "of-v%d" % version
    with coordinator_conn(cluster, group) as k:
        assert offset_commit(k, 2, group, [dict(partition=0, offset=40 + version, metadata="x"),
                                           dict(partition=1, offset=50)]) == {0: NONE, 1: NONE}
        gerr = None if version < 2 else NONE
        want = {(topic, 0): (40 + version, "x", NONE), (topic, 1): (50, "", NONE)}
        asked = [(topic, [0, 1]), ("no-such-topic", [3])]
        got = offset_fetch(k, version, [(group, asked)])
        assert got == {group: (gerr, {**want, ("no-such-topic", 3): (-1, "", NONE)})}
        if version >= 2:  # null topics: every committed offset of the group
            assert offset_fetch(k, version, [(group, None)]) == {group: (NONE, want)}
        # a group error: per partition at v1, for the group (without topics) from v2
        bad = offset_fetch(k, version, [("", [(topic, [0])])] if version < 8 else
                           [(group, [(topic, [1])]), ("", [(topic, [0])])])
        if version < 2:
            assert bad == {"": (None, {(topic, 0): (-1, "", INVALID_GROUP_ID)})}
        elif version < 8:
            assert bad == {"": (INVALID_GROUP_ID, {})}
        else:  # several groups, each answered on its own
            assert bad == {group: (NONE, {(topic, 1): (50, "", NONE)}),
                           "": (INVALID_GROUP_ID, {})}
