"""The group coordinator with three brokers and real clients: __consumer_offsets created
on first FindCoordinator, consumer groups (confluent-kafka, kafka-python, kcat -G) sharing
partitions, commits surviving consumer restarts and the death of the coordinator, and the
error codes of the rebalance protocol checked with raw requests."""
import json
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition as CTP
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402

SESSION_MS = 10000
OFFSETS_PARTS = 6


@pytest.fixture(scope="module")
def gc3(zk, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("coord3"), zk=zk,
                  auto_create_topics_enable="false",
                  offsets_topic_num_partitions=str(OFFSETS_PARTS),
                  offsets_topic_replication_factor="3",
                  group_initial_rebalance_delay_ms="0",
                  group_min_session_timeout_ms="1000",
                  group_max_size="3",
                  zookeeper_session_timeout_ms=str(SESSION_MS))
    yield c
    c.stop()


def all_registered(c):
    return sorted(c.zk_client().get_children("/brokers/ids")) == [
        str(b.id) for b in c.brokers if b.running()]


def create(c, topic, parts=1, rf=3):
    H.wait_for(lambda: all_registered(c), 40, "all brokers registered")
    a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    a.create_topics([NewTopic(topic, parts, rf)])
    a.close()
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/%d/state"
                                            % (topic, parts - 1)), 30, topic + " has leaders")


def produce(c, topic, n, tag, partitions=1):
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all",
                  "message.timeout.ms": 30000})
    errors = []

    def known():
        md = p.list_topics(topic, timeout=5)
        t = md.topics.get(topic)
        return (t is not None and t.error is None and len(t.partitions) == partitions and
                all(pm.leader >= 0 for pm in t.partitions.values()))
    H.wait_for(known, 60, "producer metadata for " + topic)
    for i in range(n):
        p.produce(topic, value=b"%s-%d" % (tag.encode(), i), partition=i % partitions,
                  on_delivery=lambda e, m: e and errors.append(e))
        p.poll(0)
    assert p.flush(60) == 0
    assert not errors


def cconsumer(c, group, **extra):
    conf = {"bootstrap.servers": c.bootstrap, "group.id": group,
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    conf.update(extra)
    return Consumer(conf)


def consume_n(cons, n, timeout=60):
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        m = cons.poll(0.5)
        if m is None or m.error():
            continue
        got.append(m)
    return got


# ---- raw requests -------------------------------------------------------------

def _s(v):
    if v is None:
        return struct.pack(">h", -1)
    b = v.encode()
    return struct.pack(">h", len(b)) + b


def _b(v):
    return struct.pack(">i", len(v)) + v


class Raw:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.corr = 0

    def call(self, key, version, body):
        self.corr += 1
        hdr = struct.pack(">hhi", key, version, self.corr) + _s("raw-test")
        msg = hdr + body
        self.sock.sendall(struct.pack(">i", len(msg)) + msg)
        n = struct.unpack(">i", self._read(4))[0]
        data = self._read(n)
        corr = struct.unpack(">i", data[:4])[0]
        assert corr == self.corr
        return data[4:]

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def close(self):
        self.sock.close()


def find_coordinator(c, group, timeout=60):
    """(node id, host, port) via FindCoordinator v0, retried while not available."""
    res = {}

    def ask():
        r = Raw("127.0.0.1", c.brokers[0].port if c.brokers[0].running() else
                [b for b in c.brokers if b.running()][0].port)
        try:
            body = r.call(10, 0, _s(group))
        finally:
            r.close()
        err, node = struct.unpack(">hi", body[:6])
        hl = struct.unpack(">h", body[6:8])[0]
        host = body[8:8 + hl].decode()
        port = struct.unpack(">i", body[8 + hl:12 + hl])[0]
        if err == 0:
            res["v"] = (node, host, port)
            return True
        return False

    H.wait_for(ask, timeout, "coordinator of " + group)
    return res["v"]


def join_v0(r, group, member, session_ms=6000):
    meta = struct.pack(">h", 0) + struct.pack(">i", 1) + _s("t") + _b(b"")
    body = (_s(group) + struct.pack(">i", session_ms) + _s(member) + _s("consumer") +
            struct.pack(">i", 1) + _s("range") + _b(meta))
    d = r.call(11, 0, body)
    err, gen = struct.unpack(">hi", d[:6])
    off = 6
    pl = struct.unpack(">h", d[off:off + 2])[0]
    proto = d[off + 2:off + 2 + pl].decode()
    off += 2 + pl
    ll = struct.unpack(">h", d[off:off + 2])[0]
    leader = d[off + 2:off + 2 + ll].decode()
    off += 2 + ll
    ml = struct.unpack(">h", d[off:off + 2])[0]
    mid = d[off + 2:off + 2 + ml].decode()
    return err, gen, proto, leader, mid


def sync_v0(r, group, gen, member, assignments):
    body = _s(group) + struct.pack(">i", gen) + _s(member) + struct.pack(">i", len(assignments))
    for m, a in assignments:
        body += _s(m) + _b(a)
    d = r.call(14, 0, body)
    err = struct.unpack(">h", d[:2])[0]
    al = struct.unpack(">i", d[2:6])[0]
    return err, d[6:6 + al]


def heartbeat_v0(r, group, gen, member):
    return struct.unpack(">h", r.call(12, 0, _s(group) + struct.pack(">i", gen) + _s(member)))[0]


def commit_v2(r, group, gen, member, topic, partition, offset, metadata=""):
    body = (_s(group) + struct.pack(">i", gen) + _s(member) + struct.pack(">q", -1) +
            struct.pack(">i", 1) + _s(topic) + struct.pack(">i", 1) +
            struct.pack(">iq", partition, offset) + _s(metadata))
    d = r.call(8, 2, body)
    # topics[1] name partitions[1] (index, error)
    off = 4
    tl = struct.unpack(">h", d[off:off + 2])[0]
    off += 2 + tl + 4
    return struct.unpack(">ih", d[off:off + 6])[1]


def fetch_offset_v1(r, group, topic, partition):
    body = _s(group) + struct.pack(">i", 1) + _s(topic) + struct.pack(">ii", 1, partition)
    d = r.call(9, 1, body)
    off = 4
    tl = struct.unpack(">h", d[off:off + 2])[0]
    off += 2 + tl + 4
    _, offset = struct.unpack(">iq", d[off:off + 12])
    off += 12
    ml = struct.unpack(">h", d[off:off + 2])[0]
    md = d[off + 2:off + 2 + ml].decode()
    err = struct.unpack(">h", d[off + 2 + ml:off + 4 + ml])[0]
    return offset, md, err


def coordinator_conn(c, group):
    node, host, port = find_coordinator(c, group)
    return node, Raw(host, port)


# ---- tests --------------------------------------------------------------------

def test_offsets_topic_created_on_first_find_coordinator(gc3):
    H.wait_for(lambda: all_registered(gc3), 40, "all brokers registered")
    node, host, port = find_coordinator(gc3, "first-group")
    assert node in (0, 1, 2)
    assert port == gc3.brokers[node].port
    zk = gc3.zk_client()
    assig = json.loads(zk.get("/brokers/topics/__consumer_offsets")[0])
    assert len(assig["partitions"]) == OFFSETS_PARTS
    assert all(len(r) == 3 for r in assig["partitions"].values())
    cfg = json.loads(zk.get("/config/topics/__consumer_offsets")[0])
    assert cfg["config"]["cleanup.policy"] == "compact"
    # every broker answers with the same coordinator (once its metadata has the topic)
    def same_everywhere():
        for b in gc3.brokers:
            r = Raw("127.0.0.1", b.port)
            try:
                body = r.call(10, 1, _s("first-group") + struct.pack(">b", 0))
            finally:
                r.close()
            thr, err = struct.unpack(">ih", body[:6])
            ml = struct.unpack(">h", body[6:8])[0]
            off = 8 + max(ml, 0)
            if err != 0 or struct.unpack(">i", body[off:off + 4])[0] != node:
                return False
        return True
    H.wait_for(same_everywhere, 30, "every broker names coordinator %d" % node)
    # transactional coordinator: not available (yet)
    r = Raw("127.0.0.1", gc3.brokers[0].port)
    body = r.call(10, 1, _s("txn-id") + struct.pack(">b", 1))
    r.close()
    assert struct.unpack(">h", body[4:6])[0] == 15


def test_clients_cannot_produce_to_the_offsets_topic(gc3):
    """Only the coordinator writes __consumer_offsets: a client's Produce gets
    INVALID_TOPIC_EXCEPTION (17), as on Kafka, and the log is unchanged."""
    find_coordinator(gc3, "first-group")  # the topic exists
    p = Producer({"bootstrap.servers": gc3.bootstrap, "acks": "all", "retries": 0,
                  "message.timeout.ms": 20000})
    errors = []
    p.produce("__consumer_offsets", value=b"not a record of ours", partition=0,
              on_delivery=lambda e, m: errors.append(e))
    assert p.flush(30) == 0
    assert len(errors) == 1 and errors[0] is not None, errors
    assert errors[0].code() == 17, errors[0]  # INVALID_TOPIC_EXCEPTION
    leader = json.loads(gc3.zk_client().get(
        "/brokers/topics/__consumer_offsets/partitions/0/state")[0])["leader"]
    H.wait_for(lambda: "rejecting produce to internal topic __consumer_offsets-0" in
               gc3.brokers[leader].log_text(), 10, "one log line on the leader")


def test_group_shares_partitions_and_resumes_after_commit(gc3):
    create(gc3, "g-share", parts=6)
    produce(gc3, "g-share", 60, "a", partitions=6)
    c1 = cconsumer(gc3, "share")
    c2 = cconsumer(gc3, "share")
    c1.subscribe(["g-share"])
    c2.subscribe(["g-share"])
    got = {}
    deadline = time.time() + 90
    while (len({x[2] for v in got.values() for x in v}) < 60 and
           time.time() < deadline):
        for name, cons in (("c1", c1), ("c2", c2)):
            m = cons.poll(0.2)
            if m is not None and not m.error():
                got.setdefault(name, []).append((m.partition(), m.offset(), m.value()))
    allmsgs = [v for lst in got.values() for v in lst]
    # every message at least once (a partition read before a rebalance may be read
    # again by its new owner: nothing was committed yet)
    assert set(x[2] for x in allmsgs) == set(b"a-%d" % i for i in range(60))

    def settled():
        for cons in (c1, c2):
            cons.poll(0.1)
        a1 = {t.partition for t in c1.assignment()}
        a2 = {t.partition for t in c2.assignment()}
        return a1 and a2 and not (a1 & a2) and (a1 | a2) == set(range(6))
    H.wait_for(settled, 60, "both members own disjoint partitions covering the topic")
    # drain whatever the final owners have not read yet
    for cons in (c1, c2):
        while True:
            m = cons.poll(1.0)
            if m is None:
                break
    for cons in (c1, c2):
        cons.commit(asynchronous=False)
    c1.close()
    c2.close()
    produce(gc3, "g-share", 12, "b", partitions=6)
    c3 = cconsumer(gc3, "share")
    c3.subscribe(["g-share"])
    more = consume_n(c3, 12, timeout=60)
    assert sorted(m.value() for m in more) == sorted(b"b-%d" % i for i in range(12))
    assert consume_n(c3, 1, timeout=3) == []
    c3.close()


def test_kafka_python_group_commit_and_fetch(gc3):
    create(gc3, "kp-t", parts=2)
    produce(gc3, "kp-t", 20, "k", partitions=2)
    cons = KafkaConsumer("kp-t", bootstrap_servers=gc3.bootstrap, group_id="kp-group",
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         consumer_timeout_ms=15000)
    vals = []
    for m in cons:
        vals.append(m.value)
        if len(vals) == 20:
            break
    assert sorted(vals) == sorted(b"k-%d" % i for i in range(20))
    cons.commit()
    cons.close()
    node, r = coordinator_conn(gc3, "kp-group")
    try:
        offs = [fetch_offset_v1(r, "kp-group", "kp-t", p) for p in (0, 1)]
    finally:
        r.close()
    assert [o[0] for o in offs] == [10, 10]
    assert all(o[2] == 0 for o in offs)


def test_rebalance_protocol_error_codes(gc3):
    create(gc3, "t", parts=1)
    node, r = coordinator_conn(gc3, "raw-group")
    try:
        err, gen, proto, leader, mid = join_v0(r, "raw-group", "")
        assert err == 0 and gen >= 1 and proto == "range" and leader == mid
        assert mid.startswith("raw-test-")
        err, assignment = sync_v0(r, "raw-group", gen, mid, [(mid, b"\x00\x00assign")])
        assert err == 0 and assignment == b"\x00\x00assign"
        assert heartbeat_v0(r, "raw-group", gen, mid) == 0
        assert heartbeat_v0(r, "raw-group", gen + 7, mid) == 22      # ILLEGAL_GENERATION
        assert heartbeat_v0(r, "raw-group", gen, "nobody") == 25     # UNKNOWN_MEMBER_ID
        err, _ = sync_v0(r, "raw-group", gen - 1, mid, [])
        assert err == 22
        assert commit_v2(r, "raw-group", gen, "nobody", "t", 0, 5) == 25
        assert commit_v2(r, "raw-group", gen + 1, mid, "t", 0, 5) == 22
        assert commit_v2(r, "raw-group", gen, mid, "t", 0, 5, "x" * 5000) == 12
        assert commit_v2(r, "raw-group", gen, mid, "t", 0, 7, "meta") == 0
        assert fetch_offset_v1(r, "raw-group", "t", 0) == (7, "meta", 0)
        # join with an unknown member id
        assert join_v0(r, "raw-group", "ghost")[0] == 25
        # session timeout outside the broker's bounds
        assert join_v0(r, "raw-group", "", session_ms=10)[0] == 26
        # JoinGroup v4 without a member id: MEMBER_ID_REQUIRED with the id to use
        meta = struct.pack(">h", 0) + struct.pack(">i", 0) + _b(b"")
        body = (_s("raw-v4") + struct.pack(">ii", 6000, 6000) + _s("") + _s("consumer") +
                struct.pack(">i", 1) + _s("range") + _b(meta))
        _, r4 = coordinator_conn(gc3, "raw-v4")
        try:
            d = r4.call(11, 4, body)
        finally:
            r4.close()
        thr, err, gen4 = struct.unpack(">ihi", d[:10])
        assert err == 79
        # the reply carries the member id to use (after protocol name and leader)
        pl = struct.unpack(">h", d[10:12])[0]
        off = 12 + max(pl, 0)
        ll = struct.unpack(">h", d[off:off + 2])[0]
        off += 2 + max(ll, 0)
        ml = struct.unpack(">h", d[off:off + 2])[0]
        assert d[off + 2:off + 2 + ml].decode().startswith("raw-test-")
        # not the coordinator: another broker says NOT_COORDINATOR
        other = [b for b in gc3.brokers if b.id != node][0]
        r2 = Raw("127.0.0.1", other.port)
        assert heartbeat_v0(r2, "raw-group", gen, mid) == 16
        r2.close()
        # nothing changed for the real member
        assert heartbeat_v0(r, "raw-group", gen, mid) == 0
        assert fetch_offset_v1(r, "raw-group", "t", 0) == (7, "meta", 0)
    finally:
        r.close()


def test_standalone_commit_and_unknown_offsets(gc3):
    create(gc3, "solo-t", parts=1)
    node, r = coordinator_conn(gc3, "solo")
    try:
        assert fetch_offset_v1(r, "solo", "solo-t", 0) == (-1, "", 0)
        assert commit_v2(r, "solo", -1, "", "solo-t", 0, 3) == 0
        assert fetch_offset_v1(r, "solo", "solo-t", 0) == (3, "", 0)
        assert commit_v2(r, "solo", -1, "", "no-such-topic", 0, 3) == 3
    finally:
        r.close()


def test_kill_coordinator_new_one_loads_offsets(gc3):
    create(gc3, "fail-t", parts=3)
    produce(gc3, "fail-t", 30, "f", partitions=3)
    cons = cconsumer(gc3, "fail-group")
    cons.subscribe(["fail-t"])
    got = consume_n(cons, 30)
    assert len(got) == 30
    cons.commit(asynchronous=False)
    cons.close()
    node, host, port = find_coordinator(gc3, "fail-group")
    victim = gc3.brokers[node]
    victim.kill()
    try:
        def moved():
            try:
                n2, _, _ = find_coordinator(gc3, "fail-group", timeout=5)
                return n2 != node
            except H.HarnessError:
                return False
        H.wait_for(moved, 60, "a new coordinator for fail-group")
        n2, h2, p2 = find_coordinator(gc3, "fail-group")

        def loaded():
            r = Raw(h2, p2)
            try:
                return fetch_offset_v1(r, "fail-group", "fail-t", 0)[2] == 0
            finally:
                r.close()
        H.wait_for(loaded, 30, "offsets loaded on the new coordinator")
        r = Raw(h2, p2)
        try:
            offs = [fetch_offset_v1(r, "fail-group", "fail-t", p)[0] for p in range(3)]
        finally:
            r.close()
        assert offs == [10, 10, 10]
        produce(gc3, "fail-t", 6, "g", partitions=3)
        cons = cconsumer(gc3, "fail-group")
        cons.subscribe(["fail-t"])
        more = consume_n(cons, 6)
        assert sorted(m.value() for m in more) == sorted(b"g-%d" % i for i in range(6))
        cons.close()
    finally:
        victim.start()
        H.wait_for(lambda: all_registered(gc3), 60, "the killed broker is back")


def offset_delete_v0(r, group, topic, partition):
    body = _s(group) + struct.pack(">i", 1) + _s(topic) + struct.pack(">ii", 1, partition)
    d = r.call(47, 0, body)
    top_err = struct.unpack(">h", d[:2])[0]
    if len(d) < 12 or struct.unpack(">i", d[6:10])[0] == 0:
        return top_err, None
    off = 10
    tl = struct.unpack(">h", d[off:off + 2])[0]
    off += 2 + tl + 4
    return top_err, struct.unpack(">ih", d[off:off + 6])[1]


def test_admin_list_describe_delete(gc3):
    create(gc3, "adm-t", parts=2)
    produce(gc3, "adm-t", 4, "x", partitions=2)
    cons = cconsumer(gc3, "adm-live", **{"client.id": "adm-client"})
    cons.subscribe(["adm-t"])
    assert len(consume_n(cons, 4)) == 4
    cons.commit(asynchronous=False)
    # a group that only has offsets
    node, r = coordinator_conn(gc3, "adm-solo")
    try:
        assert commit_v2(r, "adm-solo", -1, "", "adm-t", 1, 2) == 0
    finally:
        r.close()
    a = KafkaAdminClient(bootstrap_servers=gc3.bootstrap)
    try:
        listed = dict(a.list_consumer_groups())
        assert listed.get("adm-live") == "consumer"
        assert listed.get("adm-solo") == ""
        desc = {d.group: d for d in a.describe_consumer_groups(["adm-live", "adm-solo"])}
        assert desc["adm-live"].state == "Stable"
        assert desc["adm-live"].protocol_type == "consumer"
        assert desc["adm-live"].protocol in ("range", "roundrobin", "cooperative-sticky")
        assert len(desc["adm-live"].members) == 1
        m = desc["adm-live"].members[0]
        assert m.client_id == "adm-client"
        assert m.client_host == "/127.0.0.1"
        assert desc["adm-solo"].state == "Empty"
        offs = a.list_consumer_group_offsets("adm-live")
        assert sorted((tp.partition, om.offset) for tp, om in offs.items()) == [(0, 2), (1, 2)]
        # a group with members cannot be deleted; an unknown one is not found
        res = dict(a.delete_consumer_groups(["adm-live", "adm-nope"]))
        assert res["adm-live"].errno == 68   # NON_EMPTY_GROUP
        assert res["adm-nope"].errno == 69   # GROUP_ID_NOT_FOUND
        # OffsetDelete: the topic is subscribed by the active member
        node, r = coordinator_conn(gc3, "adm-live")
        try:
            assert offset_delete_v0(r, "adm-live", "adm-t", 0) == (0, 86)
        finally:
            r.close()
        cons.close()
        H.wait_for(lambda: {d.group: d.state for d in
                            a.describe_consumer_groups(["adm-live"])}["adm-live"] == "Empty",
                   30, "adm-live empty after its member left")
        node, r = coordinator_conn(gc3, "adm-live")
        try:
            assert offset_delete_v0(r, "adm-live", "adm-t", 0) == (0, 0)
            assert fetch_offset_v1(r, "adm-live", "adm-t", 0)[0] == -1
            assert fetch_offset_v1(r, "adm-live", "adm-t", 1)[0] == 2
            assert offset_delete_v0(r, "adm-ghost", "adm-t", 0)[0] in (69, 16)
        finally:
            r.close()
        res = dict(a.delete_consumer_groups(["adm-live", "adm-solo"]))
        assert res["adm-live"].errno == 0 and res["adm-solo"].errno == 0
        listed = dict(a.list_consumer_groups())
        assert "adm-live" not in listed and "adm-solo" not in listed
    finally:
        a.close()


def test_confluent_list_groups_and_kcat_group(gc3):
    create(gc3, "kc-t", parts=3)
    produce(gc3, "kc-t", 9, "kc", partitions=3)
    out = subprocess.run(["kcat", "-b", gc3.bootstrap, "-G", "kc-group", "-o", "beginning",
                          "-e", "-q", "-f", "%s\\n", "-X", "enable.auto.commit=true",
                          "-X", "auto.commit.interval.ms=100", "kc-t"],
                         capture_output=True, timeout=120, text=True)
    vals = sorted(l for l in out.stdout.splitlines() if l)
    assert vals == sorted("kc-%d" % i for i in range(9)), out.stderr[-2000:]
    from confluent_kafka.admin import AdminClient
    ac = AdminClient({"bootstrap.servers": gc3.bootstrap})
    groups = {g.id: g for g in ac.list_groups(timeout=30)}
    assert "kc-group" in groups
    node, r = coordinator_conn(gc3, "kc-group")
    try:
        offs = [fetch_offset_v1(r, "kc-group", "kc-t", p)[0] for p in range(3)]
    finally:
        r.close()
    assert offs == [3, 3, 3]


def test_group_survives_coordinator_restart_with_live_members(gc3):
    """Members keep consuming across a coordinator restart (clean stop: the
    offsets partition moves, the new coordinator loads the group with its
    members and generation)."""
    create(gc3, "mv-t", parts=2)
    produce(gc3, "mv-t", 10, "m", partitions=2)
    cons = cconsumer(gc3, "mv-group")
    cons.subscribe(["mv-t"])
    assert len(consume_n(cons, 10)) == 10
    cons.commit(asynchronous=False)
    node, _, _ = find_coordinator(gc3, "mv-group")
    gc3.brokers[node].stop()
    try:
        produce(gc3, "mv-t", 10, "n", partitions=2)
        more = consume_n(cons, 10, timeout=90)
        assert sorted(m.value() for m in more) == sorted(b"n-%d" % i for i in range(10))
        cons.commit(asynchronous=False)
        n2, h2, p2 = find_coordinator(gc3, "mv-group")
        assert n2 != node
        r = Raw(h2, p2)
        try:
            assert [fetch_offset_v1(r, "mv-group", "mv-t", p)[0] for p in (0, 1)] == [10, 10]
        finally:
            r.close()
    finally:
        cons.close()
        gc3.brokers[node].start()
        H.wait_for(lambda: all_registered(gc3), 60, "the stopped broker is back")


def join_v5(r, group, member, instance, protocols=(("range", b"m"),), ptype="consumer"):
    body = (_s(group) + struct.pack(">ii", 6000, 6000) + _s(member) + _s(instance) +
            _s(ptype) + struct.pack(">i", len(protocols)))
    for name, meta in protocols:
        body += _s(name) + _b(meta)
    d = r.call(11, 5, body)
    _, err, gen = struct.unpack(">ihi", d[:10])
    off = 10
    out = []
    for _ in range(3):
        ln = struct.unpack(">h", d[off:off + 2])[0]
        out.append(d[off + 2:off + 2 + max(ln, 0)].decode())
        off += 2 + max(ln, 0)
    n = struct.unpack(">i", d[off:off + 4])[0]
    return err, gen, out[0], out[1], out[2], n


def heartbeat_v3(r, group, gen, member, instance):
    d = r.call(12, 3, _s(group) + struct.pack(">i", gen) + _s(member) + _s(instance))
    return struct.unpack(">ih", d[:6])[1]


def sync_v3(r, group, gen, member, instance, assignments):
    body = (_s(group) + struct.pack(">i", gen) + _s(member) + _s(instance) +
            struct.pack(">i", len(assignments)))
    for m, a in assignments:
        body += _s(m) + _b(a)
    d = r.call(14, 3, body)
    _, err, al = struct.unpack(">ihi", d[:10])
    return err, d[10:10 + al]


def test_static_membership_replaces_member_without_rebalance(gc3):
    node, r = coordinator_conn(gc3, "static-g")
    try:
        err, gen, proto, leader, mid, n = join_v5(r, "static-g", "", "inst-1")
        assert err == 0 and proto == "range" and leader == mid and n == 1
        err, asg = sync_v3(r, "static-g", gen, mid, "inst-1", [(mid, b"A1")])
        assert (err, asg) == (0, b"A1")
        # the same instance comes back without its member id: new id, same generation
        err, gen2, proto2, leader2, mid2, n2 = join_v5(r, "static-g", "", "inst-1")
        assert err == 0 and gen2 == gen and mid2 != mid and leader2 == mid2
        assert heartbeat_v3(r, "static-g", gen, mid, "inst-1") == 82   # FENCED_INSTANCE_ID
        assert heartbeat_v3(r, "static-g", gen, mid2, "inst-1") == 0
        err, asg = sync_v3(r, "static-g", gen, mid2, "inst-1", [])
        assert (err, asg) == (0, b"A1")
        # a different protocol type, or no common protocol: INCONSISTENT_GROUP_PROTOCOL
        assert join_v5(r, "static-g", "", "inst-2", ptype="connect")[0] == 23
        assert join_v5(r, "static-g", "", "inst-2", protocols=(("sticky", b""),))[0] == 23
        assert heartbeat_v3(r, "static-g", gen, mid2, "inst-1") == 0
    finally:
        r.close()


def test_group_max_size(gc3):
    node, r = coordinator_conn(gc3, "full-g")
    try:
        meta = struct.pack(">h", 0) + struct.pack(">i", 0) + _b(b"")
        body = (_s("full-g") + struct.pack(">ii", 6000, 6000) + _s("") + _s("consumer") +
                struct.pack(">i", 1) + _s("range") + _b(meta))
        errs = [struct.unpack(">ihi", r.call(11, 4, body)[:10])[1] for _ in range(4)]
        assert errs == [79, 79, 79, 81]   # MEMBER_ID_REQUIRED x3, GROUP_MAX_SIZE_REACHED
    finally:
        r.close()


def commit_v1(r, group, topic, partition, offset, commit_ts):
    """OffsetCommit v1 of a standalone group (generation -1) with its CommitTimestamp."""
    body = (_s(group) + struct.pack(">i", -1) + _s("") + struct.pack(">i", 1) + _s(topic) +
            struct.pack(">i", 1) + struct.pack(">iqq", partition, offset, commit_ts) + _s(""))
    d = r.call(8, 1, body)
    off = 4
    tl = struct.unpack(">h", d[off:off + 2])[0]
    off += 2 + tl + 4
    return struct.unpack(">ih", d[off:off + 6])[1]


def test_offsets_of_empty_groups_expire(zk, tmp_path):
    """offsets.retention.minutes=1: a standalone group's offset is gone a minute after its
    commit (checked every offsets.retention.check.interval.ms), not before. The commit is
    dated 50 s back with v1's CommitTimestamp (Kafka's own way to date a commit), so the
    minute ends 10 s into the test instead of 60; an offset committed at the same moment
    with v2 (dated by the broker: now) is still there when the old one goes."""
    c = H.Cluster(1, tmp_path / "exp", zk=zk, auto_create_topics_enable="false",
                  offsets_topic_num_partitions="2", offsets_topic_replication_factor="1",
                  offsets_retention_minutes="1", offsets_retention_check_interval_ms="500",
                  group_initial_rebalance_delay_ms="0", group_min_session_timeout_ms="1000")
    try:
        create(c, "exp-t", parts=1, rf=1)
        node, r = coordinator_conn(c, "exp-solo")
        try:
            assert find_coordinator(c, "exp-now")[0] == node
            ts = int(time.time() * 1000) - 50000
            assert commit_v1(r, "exp-solo", "exp-t", 0, 4, ts) == 0
            assert commit_v2(r, "exp-now", -1, "", "exp-t", 0, 5) == 0
            assert fetch_offset_v1(r, "exp-solo", "exp-t", 0)[0] == 4
            H.wait_for(lambda: fetch_offset_v1(r, "exp-solo", "exp-t", 0)[0] == -1, 40,
                       "the offset of exp-solo expired")
            # not before a minute after its commit (the broker compares the same wall clock)
            assert time.time() * 1000 - ts >= 59000
            assert fetch_offset_v1(r, "exp-now", "exp-t", 0)[0] == 5
        finally:
            r.close()
        log = c.broker(0).log_text()
        assert "exp-solo: 1 committed offsets expired" in log
        assert "exp-now: 1 committed offsets expired" not in log
    finally:
        c.stop()


def test_pending_member_id_expires(gc3):
    """An id handed out with MEMBER_ID_REQUIRED that never comes back does not hold up
    the rebalance beyond its session timeout."""
    node, r = coordinator_conn(gc3, "pend-g")
    try:
        meta = struct.pack(">h", 0) + struct.pack(">i", 0) + _b(b"")
        body = (_s("pend-g") + struct.pack(">ii", 1500, 1500) + _s("") + _s("consumer") +
                struct.pack(">i", 1) + _s("range") + _b(meta))
        assert struct.unpack(">ihi", r.call(11, 4, body)[:10])[1] == 79
        t0 = time.time()
        err, gen, proto, leader, mid = join_v0(r, "pend-g", "", session_ms=30000)
        waited = time.time() - t0
        assert err == 0 and leader == mid
        assert 1.0 <= waited < 20, waited
    finally:
        r.close()
    assert "pending member id" in gc3.broker(node).log_text()
