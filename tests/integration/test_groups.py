"""Consumer groups on three brokers with real clients (issue 5, part 6).

confluent-kafka, kafka-python, kcat -G and skein-console-consumer --group share
partitions, commit offsets and resume from them after restarts and after the death of
the coordinator broker; skein-consumer-groups --describe reports the lag; hand-built
group requests that are wrong (unknown member, wrong generation, oversized or
truncated bodies) get Kafka's error codes or a closed connection and change nothing.

All clients use the "range" assignor explicitly so that librdkafka and kafka-python
agree on the protocol.
"""

import struct
import threading
import time
import uuid

import pytest

from test_tools_helpers import H, run

import clients as C
import kafka_wire as W

# Kafka error codes used here
NONE = 0
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
ILLEGAL_GENERATION = 22
UNKNOWN_MEMBER_ID = 25
REBALANCE_IN_PROGRESS = 27
MEMBER_ID_REQUIRED = 79

REQUEST_MAX = 1048576   # socket.request.max.bytes of the test cluster
SESSION_MS = 10000

CLUSTER_PROPS = dict(
    offsets_topic_num_partitions=6,
    offsets_topic_replication_factor=3,
    group_initial_rebalance_delay_ms=0,
    socket_request_max_bytes=REQUEST_MAX,
    auto_create_topics_enable="false",
    default_replication_factor=3,
)


@pytest.fixture(scope="module")
def gc(zk, skeind_bin, tmp_path_factory):
    """Three brokers shared by the tests that do not kill any (each uses its own topics
    and groups)."""
    c = H.Cluster(3, tmp_path_factory.mktemp("groups"), zk=zk, **CLUSTER_PROPS)
    yield c
    c.stop()


def uniq(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


# ----------------------------------------------------------------- topics and messages

def create_topic(bootstrap, name, partitions, rf=3):
    """Create a topic (retrying while the controller does not see rf brokers yet) and wait
    for its leaders."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": bootstrap})

    def created():
        fs = a.create_topics([NewTopic(name, partitions, rf)], request_timeout=30)
        try:
            fs[name].result(60)
        except KafkaException as e:
            err = e.args[0]
            if err.name() == "TOPIC_ALREADY_EXISTS":
                return True
            if err.name() == "INVALID_REPLICATION_FACTOR":
                return False
            raise H.Fatal(str(e))
        return True
    H.wait_for(created, 60, "creation of topic %s" % name, interval=0.5)
    C.wait_topic_in_metadata(bootstrap, name, partitions, timeout=60)


def produce(bootstrap, topic, per_partition, partitions, tag="m", timestamps=None):
    """per_partition messages into each partition, value "<tag>-<p>-<i>"; acks=all."""
    p = C.cf_producer(bootstrap, acks="all")
    dlog = C.DeliveryLog()
    for part in partitions:
        msgs = []
        for i in range(per_partition):
            ts = timestamps(part, i) if timestamps else None
            msgs.append((None, ("%s-%d-%d" % (tag, part, i)).encode(), None, ts))
        C.cf_produce(p, topic, msgs, dlog, partition=part)
    assert not dlog.errors, dlog.errors[:5]
    assert len(dlog.ok) == per_partition * len(partitions)


# ----------------------------------------------------------------- confluent consumers

def cf_consumer(bootstrap, group, **kw):
    from confluent_kafka import Consumer
    conf = {"bootstrap.servers": bootstrap, "group.id": group,
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": "range",
            "topic.metadata.refresh.interval.ms": 2000}
    conf.update(kw)
    return Consumer(conf)


class Member:
    """A confluent-kafka group member polled by the test loop; records what it got."""

    def __init__(self, bootstrap, group, topic, name, **kw):
        self.name = name
        self.topic = topic
        self.c = cf_consumer(bootstrap, group, **{"client.id": name}, **kw)
        self.c.subscribe([topic])
        self.records = []       # (partition, offset, value)
        self.errors = []
        self.closed = False

    def poll(self, timeout=0.05):
        if self.closed:
            return
        m = self.c.poll(timeout)
        if m is None:
            return
        if m.error():
            if m.error().code() != -191:     # _PARTITION_EOF
                self.errors.append(m.error())
            return
        self.records.append((m.partition(), m.offset(), m.value()))

    def owned(self):
        if self.closed:
            return set()
        return {tp.partition for tp in self.c.assignment()}

    def commit_positions(self):
        """Commit the position (next offset) of every owned partition it consumed from."""
        from confluent_kafka import TopicPartition
        last = {}
        for p, o, _ in self.records:
            if p in self.owned():
                last[p] = max(last.get(p, -1), o)
        if not last:
            return {}
        tps = [TopicPartition(self.topic, p, o + 1) for p, o in last.items()]
        res = self.c.commit(offsets=tps, asynchronous=False)
        for tp in res:
            assert tp.error is None, tp
        return {p: o + 1 for p, o in last.items()}

    def close(self):
        if not self.closed:
            self.c.close()
            self.closed = True


def poll_all(members, cond, timeout, what):
    """Poll every member in turn until cond() holds."""
    deadline = time.monotonic() + timeout
    while True:
        for m in members:
            m.poll(0.02)
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise H.HarnessError("timed out after %ss waiting for %s; owned: %s" % (
                timeout, what, {m.name: sorted(m.owned()) for m in members if not m.closed}))


def poll_for(members, seconds):
    """Keep polling for a while (to see records that should not come)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for m in members:
            m.poll(0.02)


def ownership_ok(members, n_partitions):
    """Every partition owned by exactly one live member, every live member polled into
    its assignment."""
    live = [m for m in members if not m.closed]
    owned = [m.owned() for m in live]
    allp = [p for s in owned for p in s]
    return len(allp) == n_partitions and set(allp) == set(range(n_partitions))


def stable_ownership(members, n_partitions, timeout=90, hold=2.0):
    """Wait until ownership is a partition of all partitions and stays so for `hold`
    seconds (a rebalance that is still going on would change it)."""
    since = [None]
    snap = [None]

    def cond():
        if not ownership_ok(members, n_partitions):
            since[0] = None
            return False
        cur = tuple(sorted(tuple(sorted(m.owned())) for m in members if not m.closed))
        if snap[0] != cur:
            snap[0] = cur
            since[0] = time.monotonic()
        return time.monotonic() - since[0] >= hold
    poll_all(members, cond, timeout, "stable group ownership of %d partitions" % n_partitions)
    return {m.name: m.owned() for m in members if not m.closed}


def values(records):
    return [v for _, _, v in records]


# ----------------------------------------------------------------- raw group requests

def conn_to(host, port, timeout=10.0):
    return W.KafkaConn(host, port, timeout=timeout)


def find_coordinator_once(bootstrap, group):
    """FindCoordinator v0 sent to the first broker of bootstrap that answers:
    (error, node_id, host, port)."""
    for b in bootstrap.split(","):
        try:
            with W.KafkaConn.to(b, timeout=5) as k:
                r = k.request(10, 0, W.string(group))
                return r.i16(), r.i32(), r.string(), r.i32()
        except (OSError, W.ConnectionClosed):
            continue
    raise H.HarnessError("no broker of %s answered FindCoordinator" % bootstrap)


def find_coordinator(bootstrap, group, timeout=60, not_id=None):
    """(node_id, host, port) of the group's coordinator once the brokers agree on one
    (and it is not not_id)."""
    def ok():
        err, node, host, port = find_coordinator_once(bootstrap, group)
        if err != NONE or node < 0 or node == not_id:
            return None
        return node, host, port
    return H.wait_for(ok, timeout, "a coordinator for group %s" % group, interval=0.2)


def consumer_metadata(topics):
    return W.i16(0) + W.array(W.string(t) for t in topics) + W.nbytes(None)


def consumer_assignment(topic, partitions):
    return W.i16(0) + W.array([W.string(topic) + W.array(W.i32(p) for p in partitions)]) + \
        W.nbytes(None)


def join_group_v0(k, group, member_id, protocols, session_ms=30000):
    body = W.string(group) + W.i32(session_ms) + W.string(member_id) + W.string("consumer") + \
        W.array(W.string(name) + W.nbytes(meta) for name, meta in protocols)
    r = k.request(11, 0, body)
    err = r.i16()
    gen = r.i32()
    proto = r.string()
    leader = r.string()
    me = r.string()
    members = r.array(lambda: (r.string(), r.nbytes()))
    return dict(error=err, generation=gen, protocol=proto, leader=leader, member_id=me,
                members=members)


def join_group_v4(k, group, member_id, protocols, session_ms=30000, rebalance_ms=30000):
    body = W.string(group) + W.i32(session_ms) + W.i32(rebalance_ms) + W.string(member_id) + \
        W.string("consumer") + W.array(W.string(n) + W.nbytes(m) for n, m in protocols)
    r = k.request(11, 4, body)
    r.i32()     # throttle time
    err = r.i16()
    gen = r.i32()
    proto = r.string()
    leader = r.string()
    me = r.string()
    members = r.array(lambda: (r.string(), r.nbytes()))
    return dict(error=err, generation=gen, protocol=proto, leader=leader, member_id=me,
                members=members)


def sync_group_v0(k, group, gen, member_id, assignments):
    body = W.string(group) + W.i32(gen) + W.string(member_id) + \
        W.array(W.string(m) + W.nbytes(a) for m, a in assignments)
    r = k.request(14, 0, body)
    return r.i16(), r.nbytes()


def heartbeat_v0(k, group, gen, member_id):
    r = k.request(12, 0, W.string(group) + W.i32(gen) + W.string(member_id))
    return r.i16()


def leave_group_v0(k, group, member_id):
    r = k.request(13, 0, W.string(group) + W.string(member_id))
    return r.i16()


def offset_commit_v2(k, group, gen, member_id, topic, offsets):
    body = W.string(group) + W.i32(gen) + W.string(member_id) + W.i64(-1) + \
        W.array([W.string(topic) + W.array(W.i32(p) + W.i64(o) + W.string("")
                                           for p, o in sorted(offsets.items()))])
    r = k.request(8, 2, body)
    out = {}
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p = r.i32()
            out[p] = r.i16()
    return out


def offset_fetch_v1(k, group, topic, partitions):
    body = W.string(group) + W.array([W.string(topic) + W.array(W.i32(p) for p in partitions)])
    r = k.request(9, 1, body)
    out = {}
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p = r.i32()
            off = r.i64()
            r.string()
            err = r.i16()
            out[p] = (off, err)
    return out


def describe_group_v0(k, group):
    r = k.request(15, 0, W.array([W.string(group)]))
    groups = r.array(lambda: dict(
        error=r.i16(), group=r.string(), state=r.string(), protocol_type=r.string(),
        protocol=r.string(),
        members=r.array(lambda: (r.string(), r.string(), r.string(), r.nbytes(), r.nbytes()))))
    assert len(groups) == 1
    return groups[0]


# ================================================================= scenarios

def test_three_members_share_then_rebalance(gc):
    """Three consumers on six partitions: each partition has exactly one owner and every
    message is consumed once; a fourth joins and one leaves: after the rebalance no
    partition is unowned or owned twice, and (offsets having been committed) the next
    messages are again consumed exactly once, nothing re-read."""
    b = gc.bootstrap
    topic, group = uniq("share6"), uniq("g-share6")
    create_topic(b, topic, 6)
    ms = [Member(b, group, topic, "c%d" % i) for i in range(3)]
    try:
        owned = stable_ownership(ms, 6)
        assert all(len(s) == 2 for s in owned.values()), owned   # range: 6 / 3
        produce(b, topic, 50, range(6), tag="a")
        poll_all(ms, lambda: sum(len(m.records) for m in ms) >= 300, 90, "300 records")
        poll_for(ms, 1.0)       # a little longer: nothing extra may arrive
        got = [v for m in ms for v in values(m.records)]
        assert sorted(got) == sorted(("a-%d-%d" % (p, i)).encode()
                                     for p in range(6) for i in range(50))
        for m in ms:
            assert {p for p, _, _ in m.records} <= owned[m.name], (m.name, owned)
            assert not m.errors, m.errors
        committed = {}
        for m in ms:
            committed.update(m.commit_positions())
        assert committed == {p: 50 for p in range(6)}
        before = {m.name: len(m.records) for m in ms}

        # a fourth member joins, then one of the first three leaves
        ms.append(Member(b, group, topic, "c3"))
        stable_ownership(ms, 6)
        ms[0].close()
        owned2 = stable_ownership(ms, 6)
        assert set(owned2) == {"c1", "c2", "c3"}
        assert all(owned2.values()), owned2
        # no partition was handed over without its committed offset: nothing re-read
        for m in ms:
            assert len(m.records) == before.get(m.name, 0), (m.name, m.records[-5:])
        produce(b, topic, 20, range(6), tag="b")
        live = [m for m in ms if not m.closed]
        poll_all(live, lambda: sum(len(m.records) - before.get(m.name, 0) for m in live) >= 120,
                 90, "120 more records")
        new = [v for m in live for v in values(m.records[before.get(m.name, 0):])]
        assert sorted(new) == sorted(("b-%d-%d" % (p, i)).encode()
                                     for p in range(6) for i in range(20))
        for m in live:
            assert {p for p, _, _ in m.records[before.get(m.name, 0):]} <= owned2[m.name]
    finally:
        for m in ms:
            m.close()


def test_commit_stop_restart_resumes(gc):
    """Commit part-way, read an uncommitted tail, stop every consumer, restart: each
    partition resumes exactly at its committed offset (only the tail is read again)."""
    b = gc.bootstrap
    topic, group = uniq("resume"), uniq("g-resume")
    create_topic(b, topic, 3)
    produce(b, topic, 40, range(3))
    ms = [Member(b, group, topic, "r%d" % i) for i in range(2)]
    try:
        stable_ownership(ms, 3)
        poll_all(ms, lambda: sum(len(m.records) for m in ms) >= 120, 90, "120 records")
        # commit offsets 25, 26, 27 explicitly; 15..13 records per partition stay
        # uncommitted (read but to be read again)
        from confluent_kafka import TopicPartition
        commit = {}
        for m in ms:
            tps = []
            for p in m.owned():
                commit[p] = 25 + p          # 25, 26, 27
                tps.append(TopicPartition(topic, p, commit[p]))
            if tps:
                for tp in m.c.commit(offsets=tps, asynchronous=False):
                    assert tp.error is None, tp
        assert sorted(commit) == [0, 1, 2]
    finally:
        for m in ms:
            m.close()

    # the committed offsets as any client sees them
    probe = cf_consumer(b, group)
    try:
        got = probe.committed([TopicPartition(topic, p) for p in range(3)], timeout=20)
        assert {tp.partition: tp.offset for tp in got} == commit
    finally:
        probe.close()

    # one consumer restarts the group (two starting at once would legitimately re-read
    # what the first one read before the second joined)
    ms = [Member(b, group, topic, "r2")]
    try:
        want = sum(40 - c for c in commit.values())
        poll_all(ms, lambda: sum(len(m.records) for m in ms) >= want, 90,
                 "%d records after the restart" % want)
        per = {}
        for m in ms:
            for p, o, v in m.records:
                per.setdefault(p, []).append(o)
        for p in range(3):
            assert sorted(per[p]) == list(range(commit[p], 40)), (p, sorted(per[p])[:5])
    finally:
        for m in ms:
            m.close()


def test_two_groups_broadcast_one_group_shares(gc):
    """Group A (two confluent consumers) shares the topic; group B
    (skein-console-consumer --group) and group C (kcat -G) each get everything."""
    b = gc.bootstrap
    topic = uniq("bcast")
    ga, gb, gcg = uniq("g-a"), uniq("g-b"), uniq("g-c")
    create_topic(b, topic, 4)
    expected = sorted(("m-%d-%d" % (p, i)).encode() for p in range(4) for i in range(25))

    # group A is formed before anything is produced (otherwise the first member to join
    # would read partitions that the second one, joining later, reads again)
    ms = [Member(b, ga, topic, "a%d" % i) for i in range(2)]
    try:
        stable_ownership(ms, 4)
        produce(b, topic, 25, range(4))
        poll_all(ms, lambda: sum(len(m.records) for m in ms) >= 100, 90, "100 records in A")
        poll_for(ms, 1.0)
        assert sorted(v for m in ms for v in values(m.records)) == expected
        assert all(m.records for m in ms), "both members of A must have received a share"
    finally:
        for m in ms:
            m.close()

    r = run("skein-console-consumer", "--bootstrap-server", b, "--topic", topic, "--group", gb,
            "--from-beginning", "--max-messages", "100", "--timeout-ms", "60000",
            "--consumer-property", "partition.assignment.strategy=range", timeout=120)
    assert r.rc == 0, r
    assert sorted(x.encode() for x in r.stdout.split("\n") if x) == expected

    p = C.kcat(["-b", b, "-G", gcg, "-X", "auto.offset.reset=earliest",
                "-X", "partition.assignment.strategy=range", "-c", "100", "-q",
                "-f", "%s\n", topic], timeout=120)
    assert sorted(x for x in p.stdout.split(b"\n") if x) == expected

    # kcat and the console consumer committed what they read
    from confluent_kafka import TopicPartition
    for g in (gb, gcg):
        probe = cf_consumer(b, g)
        try:
            def all_committed():
                got = probe.committed([TopicPartition(topic, q) for q in range(4)], timeout=10)
                return all(tp.offset == 25 for tp in got)
            H.wait_for(all_committed, 30, "group %s committed 25 on every partition" % g)
        finally:
            probe.close()


def test_kafka_python_and_confluent_in_one_group(gc):
    """A kafka-python and a confluent-kafka consumer in one group, both "range": they
    split the partitions and every message is consumed exactly once."""
    from kafka import KafkaConsumer
    from kafka.coordinator.assignors.range import RangePartitionAssignor
    b = gc.bootstrap
    topic, group = uniq("mixed"), uniq("g-mixed")
    create_topic(b, topic, 4)
    cf = Member(b, group, topic, "cf")
    kp = KafkaPythonMember(KafkaConsumer(
        topic, bootstrap_servers=b, group_id=group, client_id="kp", enable_auto_commit=False,
        auto_offset_reset="earliest", partition_assignment_strategy=[RangePartitionAssignor],
        session_timeout_ms=SESSION_MS, heartbeat_interval_ms=500,
        api_version_auto_timeout_ms=10000, request_timeout_ms=30000,
        metadata_max_age_ms=2000))
    members = [cf, kp]
    try:
        owned = stable_ownership(members, 4, timeout=120)
        assert owned["cf"] and owned["kp"], owned
        produce(b, topic, 30, range(4))
        poll_all(members, lambda: len(cf.records) + len(kp.records) >= 120, 90, "120 records")
        poll_for(members, 1.0)
        allv = values(cf.records) + values(kp.records)
        assert sorted(allv) == sorted(("m-%d-%d" % (p, i)).encode()
                                      for p in range(4) for i in range(30))
        assert {p for p, _, _ in cf.records} <= owned["cf"]
        assert {p for p, _, _ in kp.records} <= owned["kp"]
        assert not kp.errors, kp.errors
    finally:
        cf.close()
        kp.close()


class KafkaPythonMember:
    """A kafka-python consumer polled by its own thread (its poll() blocks while it joins
    the group, which must not stop the other members from being polled)."""

    name = "kp"

    def __init__(self, consumer):
        self.c = consumer
        self.records = []
        self.errors = []
        self.closed = False
        self._owned = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                batch = self.c.poll(timeout_ms=100)
                owned = {tp.partition for tp in self.c.assignment()}
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(e)
                time.sleep(0.1)
                continue
            with self._lock:
                self._owned = owned
                for tp, recs in batch.items():
                    self.records.extend((r.partition, r.offset, r.value) for r in recs)

    def poll(self, timeout=0.05):
        pass

    def owned(self):
        with self._lock:
            return set() if self.closed else set(self._owned)

    def close(self):
        if not self.closed:
            self._stop.set()
            self._t.join(60)
            self.c.close()
            self.closed = True


def test_kcat_shares_a_group_with_confluent(gc):
    """kcat -G and a confluent-kafka consumer in one group split four partitions two and
    two; every message is consumed once, each by the owner of its partition."""
    import subprocess
    b = gc.bootstrap
    topic, group = uniq("kc"), uniq("g-kc")
    create_topic(b, topic, 4)
    cf = Member(b, group, topic, "cf")
    kc = subprocess.Popen([C.KCAT, "-b", b, "-G", group, "-u", "-q",
                           "-X", "auto.offset.reset=earliest",
                           "-X", "partition.assignment.strategy=range",
                           "-f", "%p %o %s\n", topic],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = []

    def reader():
        for line in kc.stdout:
            lines.append(line.decode().split())
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        # with two members, "range" gives the confluent member exactly two partitions
        def two_each():
            return len(cf.owned()) == 2
        since = [None]

        def held():
            if not two_each():
                since[0] = None
                return False
            since[0] = since[0] or time.monotonic()
            return time.monotonic() - since[0] > 2.0
        poll_all([cf], held, 90, "the confluent member owning 2 of 4 partitions")
        mine = cf.owned()
        produce(b, topic, 25, range(4))
        poll_all([cf], lambda: len(cf.records) + len(lines) >= 100, 90, "100 records")
        poll_for([cf], 1.0)
        kc_recs = [(int(x[0]), int(x[1]), x[2].encode()) for x in lines]
        assert sorted(values(cf.records) + values(kc_recs)) == \
            sorted(("m-%d-%d" % (p, i)).encode() for p in range(4) for i in range(25))
        assert {p for p, _, _ in cf.records} == mine
        assert {p for p, _, _ in kc_recs} == set(range(4)) - mine
    finally:
        cf.close()
        kc.terminate()
        try:
            kc.wait(30)
        except subprocess.TimeoutExpired:
            kc.kill()
            kc.wait(10)


def test_static_member_restart_keeps_assignment(gc):
    """Two static members (group.instance.id): one restarts within the session timeout and
    gets its partitions back without a rebalance; the other member is never revoked."""
    b = gc.bootstrap
    topic, group = uniq("static"), uniq("g-static")
    create_topic(b, topic, 4)
    revoked = []

    def on_revoke(consumer, parts):
        revoked.append([p.partition for p in parts])
    s1 = Member(b, group, topic, "s1", **{"group.instance.id": "inst-1"})
    s2 = Member(b, group, topic, "s2", **{"group.instance.id": "inst-2"})
    s2.c.unsubscribe()
    s2.c.subscribe([topic], on_revoke=on_revoke)
    try:
        owned = stable_ownership([s1, s2], 4)
        with conn_to(*find_coordinator(b, group)[1:]) as k:
            before = describe_group_v0(k, group)
        revoked.clear()
        s1.close()       # a static member leaves without LeaveGroup
        s1b = Member(b, group, topic, "s1", **{"group.instance.id": "inst-1"})
        poll_all([s1b, s2], lambda: s1b.owned() == owned["s1"], 30,
                 "the restarted static member owning %s again" % sorted(owned["s1"]))
        poll_for([s1b, s2], 2.0)
        assert s2.owned() == owned["s2"] and s1b.owned() == owned["s1"]
        assert revoked == [], "the other static member was revoked: %s" % revoked
        with conn_to(*find_coordinator(b, group)[1:]) as k:
            after = describe_group_v0(k, group)
        assert after["state"] == "Stable" and len(after["members"]) == 2, after
        # the restarted member has a new member id; the other one kept its own
        ids_before = {m[0] for m in before["members"]}
        ids_after = {m[0] for m in after["members"]}
        assert len(ids_before & ids_after) == 1, (before, after)
        s1 = s1b
    finally:
        s1.close()
        s2.close()


def test_describe_lag_is_produced_minus_committed(gc):
    b = gc.bootstrap
    topic, group = uniq("lag"), uniq("g-lag")
    create_topic(b, topic, 3)
    produce(b, topic, 30, range(3))
    from confluent_kafka import TopicPartition
    c = cf_consumer(b, group)
    try:
        commit = {0: 0, 1: 7, 2: 30}
        res = c.commit(offsets=[TopicPartition(topic, p, o) for p, o in commit.items()],
                       asynchronous=False)
        assert all(tp.error is None for tp in res), res
    finally:
        c.close()
    r = run("skein-consumer-groups", "--bootstrap-server", b, "--describe", "--group", group,
            timeout=60)
    assert r.rc == 0, r
    assert "Consumer group '%s' has no active members." % group in r.stdout
    rows = [line.split() for line in r.stdout.splitlines()
            if line.startswith(group + " ")]
    assert [(x[1], x[2]) for x in rows] == [(topic, "0"), (topic, "1"), (topic, "2")], r.stdout
    for x in rows:
        p = int(x[2])
        assert x[3:9] == [str(commit[p]), "30", str(30 - commit[p]), "-", "-", "-"], r.stdout


def test_coordinator_killed_offsets_survive(make_cluster):
    """kill -9 the group's coordinator: FindCoordinator names another broker, the
    committed offsets are intact there, and a consumer resumes from them."""
    c = make_cluster(3, **CLUSTER_PROPS)
    b = c.bootstrap
    topic, group = uniq("cfail"), uniq("g-cfail")
    create_topic(b, topic, 3)
    produce(b, topic, 20, range(3))
    from confluent_kafka import TopicPartition
    commit = {0: 5, 1: 10, 2: 15}
    cons = cf_consumer(b, group)
    try:
        res = cons.commit(offsets=[TopicPartition(topic, p, o) for p, o in commit.items()],
                          asynchronous=False)
        assert all(tp.error is None for tp in res), res
    finally:
        cons.close()

    node, _, _ = find_coordinator(b, group)
    victim = c.broker(node)
    victim.kill()
    survivors = ",".join(x.bootstrap for x in c.brokers if x is not victim)
    new_node, host, port = find_coordinator(survivors, group, timeout=60, not_id=node)
    assert new_node != node

    # the new coordinator answers OffsetFetch itself with the committed offsets
    def fetched():
        with conn_to(host, port) as k:
            got = offset_fetch_v1(k, group, topic, [0, 1, 2])
        if any(err in (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR)
               for _, err in got.values()):
            return None
        return got
    got = H.wait_for(fetched, 60, "OffsetFetch from the new coordinator")
    assert got == {p: (o, NONE) for p, o in commit.items()}, got

    m = Member(survivors, group, topic, "after")
    try:
        want = sum(20 - o for o in commit.values())
        poll_all([m], lambda: len(m.records) >= want, 90, "%d records" % want)
        for p in range(3):
            offs = sorted(o for q, o, _ in m.records if q == p)
            assert offs == list(range(commit[p], 20)), (p, offs[:5])
        # commits go to the new coordinator and stick
        assert m.commit_positions() == {0: 20, 1: 20, 2: 20}
    finally:
        m.close()
    with conn_to(host, port) as k:
        assert offset_fetch_v1(k, group, topic, [0, 1, 2]) == {p: (20, NONE) for p in range(3)}


# ----------------------------------------------------------------- malformed requests

@pytest.fixture
def raw_member(gc):
    """A group with one member joined by hand (JoinGroup + SyncGroup v0) through a
    connection to the coordinator: dict(conn, group, member_id, generation, topic)."""
    b = gc.bootstrap
    topic, group = uniq("rawt"), uniq("g-raw")
    create_topic(b, topic, 2)
    _, host, port = find_coordinator(b, group)
    k = conn_to(host, port, timeout=40)

    def join():
        j = join_group_v0(k, group, "", [("range", consumer_metadata([topic]))])
        return j if j["error"] == NONE else None
    j = H.wait_for(join, 60, "JoinGroup of the raw member", interval=0.5)
    assert j["leader"] == j["member_id"] and j["generation"] >= 1, j
    err, assignment = sync_group_v0(k, group, j["generation"], j["member_id"],
                                    [(j["member_id"], consumer_assignment(topic, [0, 1]))])
    assert err == NONE
    assert assignment == consumer_assignment(topic, [0, 1])
    assert offset_commit_v2(k, group, j["generation"], j["member_id"], topic,
                            {0: 3, 1: 4}) == {0: NONE, 1: NONE}
    st = dict(conn=k, group=group, member_id=j["member_id"], generation=j["generation"],
              topic=topic, host=host, port=port)
    yield st
    try:
        leave_group_v0(k, group, j["member_id"])
    except Exception:  # noqa: BLE001 - the connection may have been closed by the test
        pass
    k.close()


def assert_group_unchanged(st):
    """The raw member is still the only member of a stable group, in the same generation,
    with its committed offsets."""
    with conn_to(st["host"], st["port"]) as k:
        assert heartbeat_v0(k, st["group"], st["generation"], st["member_id"]) == NONE
        d = describe_group_v0(k, st["group"])
        assert d["error"] == NONE and d["state"] == "Stable", d
        assert [m[0] for m in d["members"]] == [st["member_id"]], d
        assert offset_fetch_v1(k, st["group"], st["topic"], [0, 1]) == \
            {0: (3, NONE), 1: (4, NONE)}


def test_unknown_member_and_wrong_generation(raw_member):
    st = raw_member
    k, g, gen, me = st["conn"], st["group"], st["generation"], st["member_id"]
    assert heartbeat_v0(k, g, gen, "no-such-member") == UNKNOWN_MEMBER_ID
    assert heartbeat_v0(k, g, gen + 1, me) == ILLEGAL_GENERATION
    assert heartbeat_v0(k, g, gen - 1, me) == ILLEGAL_GENERATION
    assert sync_group_v0(k, g, gen, "no-such-member", [])[0] == UNKNOWN_MEMBER_ID
    assert sync_group_v0(k, g, gen + 5, me, [])[0] == ILLEGAL_GENERATION
    assert offset_commit_v2(k, g, gen + 1, me, st["topic"], {0: 99}) == {0: ILLEGAL_GENERATION}
    assert offset_commit_v2(k, g, gen, "no-such-member", st["topic"], {0: 99}) == \
        {0: UNKNOWN_MEMBER_ID}
    assert leave_group_v0(k, g, "no-such-member") == UNKNOWN_MEMBER_ID
    j = join_group_v0(k, g, "no-such-member", [("range", consumer_metadata([st["topic"]]))])
    assert j["error"] == UNKNOWN_MEMBER_ID, j
    assert_group_unchanged(st)


class TwoMembers:
    """Member A joins a group by hand (JoinGroup v4, so first MEMBER_ID_REQUIRED) and syncs
    generation 1; member B then joins, A learns of the rebalance from its heartbeat and
    rejoins: both are in the next generation, which is not synced yet
    (CompletingRebalance)."""

    def __init__(self, b, topic, group):
        self.topic, self.group = topic, group
        _, host, port = find_coordinator(b, group)
        self.protos = [("range", consumer_metadata([topic]))]
        self.ka = conn_to(host, port, timeout=40)
        self.kb = conn_to(host, port, timeout=40)

    def join(self):
        ka, kb, group, protos = self.ka, self.kb, self.group, self.protos

        def first_join():
            j = join_group_v4(ka, group, "", protos)
            return j if j["error"] == MEMBER_ID_REQUIRED else None
        j = H.wait_for(first_join, 60, "MEMBER_ID_REQUIRED from JoinGroup v4", interval=0.5)
        a_id = self.a_id = j["member_id"]
        assert a_id, j
        j = join_group_v4(ka, group, a_id, protos)
        assert j["error"] == NONE and j["member_id"] == a_id and j["leader"] == a_id, j
        gen1 = self.gen1 = j["generation"]
        assert sync_group_v0(ka, group, gen1, a_id,
                             [(a_id, consumer_assignment(self.topic, [0, 1]))])[0] == NONE
        assert heartbeat_v0(ka, group, gen1, a_id) == NONE

        j = join_group_v4(kb, group, "", protos)
        assert j["error"] == MEMBER_ID_REQUIRED, j
        b_id = self.b_id = j["member_id"]
        assert b_id and b_id != a_id
        # B's real join waits for A to rejoin: send it without reading the answer
        frame, corr_b = kb.request_bytes(
            11, 4, W.string(group) + W.i32(30000) + W.i32(30000) + W.string(b_id) +
            W.string("consumer") + W.array(W.string(n) + W.nbytes(m) for n, m in protos))
        kb.send_raw(frame)
        H.wait_for(lambda: heartbeat_v0(ka, group, gen1, a_id) == REBALANCE_IN_PROGRESS, 20,
                   "REBALANCE_IN_PROGRESS for the first member")
        j = join_group_v4(ka, group, a_id, protos)
        assert j["error"] == NONE and j["generation"] == gen1 + 1, j
        assert sorted(m for m, _ in j["members"]) == sorted([a_id, b_id]), j
        r = W.Reader(kb.recv_frame())
        assert r.i32() == corr_b
        r.i32()
        assert r.i16() == NONE and r.i32() == gen1 + 1
        self.gen2 = gen1 + 1

    def sync(self):
        t, a_id, b_id = self.topic, self.a_id, self.b_id
        assert sync_group_v0(self.ka, self.group, self.gen2, a_id,
                             [(a_id, consumer_assignment(t, [0])),
                              (b_id, consumer_assignment(t, [1]))]) == \
            (NONE, consumer_assignment(t, [0]))
        assert sync_group_v0(self.kb, self.group, self.gen2, b_id, []) == \
            (NONE, consumer_assignment(t, [1]))

    def close(self):
        for k, m in ((self.kb, getattr(self, "b_id", None)),
                     (self.ka, getattr(self, "a_id", None))):
            try:
                if m:
                    leave_group_v0(k, self.group, m)
            except Exception:  # noqa: BLE001 - best effort
                pass
            k.close()


def test_member_id_required_and_rebalance_in_progress(gc):
    """JoinGroup v4 without a member id gets MEMBER_ID_REQUIRED and an id to rejoin with;
    when a second member joins, the first one's heartbeat says REBALANCE_IN_PROGRESS, its
    rejoin completes the next generation for both, and the old generation is refused."""
    topic, group = uniq("rj"), uniq("g-rj")
    create_topic(gc.bootstrap, topic, 2)
    tm = TwoMembers(gc.bootstrap, topic, group)
    try:
        tm.join()
        tm.sync()
        # the old generation is over
        assert heartbeat_v0(tm.ka, group, tm.gen1, tm.a_id) == ILLEGAL_GENERATION
        assert offset_commit_v2(tm.ka, group, tm.gen1, tm.a_id, topic, {0: 1}) == \
            {0: ILLEGAL_GENERATION}
        assert heartbeat_v0(tm.ka, group, tm.gen2, tm.a_id) == NONE
        assert heartbeat_v0(tm.kb, group, tm.gen2, tm.b_id) == NONE
        assert leave_group_v0(tm.kb, group, tm.b_id) == NONE
        assert leave_group_v0(tm.ka, group, tm.a_id) == NONE
    finally:
        tm.close()


def test_commits_while_completing_rebalance(gc):
    """Between JoinGroup and SyncGroup (CompletingRebalance) Kafka 3.x checks member and
    generation first: a commit of the previous generation is ILLEGAL_GENERATION, one of
    the new generation REBALANCE_IN_PROGRESS; nothing is stored."""
    topic, group = uniq("cr"), uniq("g-cr")
    create_topic(gc.bootstrap, topic, 2)
    tm = TwoMembers(gc.bootstrap, topic, group)
    try:
        tm.join()
        assert offset_commit_v2(tm.ka, group, tm.gen2, tm.a_id, topic, {0: 7}) == \
            {0: REBALANCE_IN_PROGRESS}
        assert offset_commit_v2(tm.ka, group, tm.gen1, tm.a_id, topic, {0: 8}) == \
            {0: ILLEGAL_GENERATION}
        assert offset_commit_v2(tm.ka, group, tm.gen2, "no-such-member", topic, {0: 9}) == \
            {0: UNKNOWN_MEMBER_ID}
        tm.sync()
        assert offset_fetch_v1(tm.ka, group, topic, [0]) == {0: (-1, NONE)}
    finally:
        tm.close()


def test_oversized_frame_closes_connection(raw_member):
    """A JoinGroup whose frame is larger than socket.request.max.bytes: the broker closes
    the connection without reading it, and the group is unchanged."""
    st = raw_member
    with conn_to(st["host"], st["port"]) as k:
        meta = b"\0" * (REQUEST_MAX + 1024)
        frame, _ = k.request_bytes(11, 0, W.string(st["group"]) + W.i32(30000) + W.string("") +
                                   W.string("consumer") +
                                   W.array([W.string("range") + W.nbytes(meta)]))
        try:
            k.send_raw(frame[:64 * 1024])       # the size prefix says > the limit
        except OSError:
            pass
        closed, data = k.wait_closed(20)
        assert closed and data == b"", (closed, data[:100])
    assert_group_unchanged(st)


@pytest.mark.parametrize("what", ["protocols-count", "metadata-length", "members-count",
                                  "truncated"])
def test_malformed_group_bodies(raw_member, what):
    """Array counts and byte lengths far beyond the request, and a cut-off body: a closed
    connection or an error answer (never a crash, never a change to the group)."""
    st = raw_member
    g, topic = st["group"], st["topic"]
    if what == "protocols-count":
        api, body = 11, W.string(g) + W.i32(30000) + W.string("") + W.string("consumer") + \
            W.i32(0x7FFFFFFF) + W.string("range") + W.nbytes(b"x")
    elif what == "metadata-length":
        api, body = 11, W.string(g) + W.i32(30000) + W.string("") + W.string("consumer") + \
            W.i32(1) + W.string("range") + W.i32(0x7FFFFFF0) + b"xyz"
    elif what == "members-count":
        api, body = 14, W.string(g) + W.i32(st["generation"]) + W.string(st["member_id"]) + \
            W.i32(0x7FFFFFFF) + W.string(st["member_id"]) + W.nbytes(b"")
    else:
        api, body = 8, W.string(g) + W.i32(st["generation"]) + W.string(st["member_id"]) + \
            W.i64(-1) + W.i32(1) + W.string(topic) + W.i32(1) + W.i32(0)   # no offset
    with conn_to(st["host"], st["port"]) as k:
        frame, corr = k.request_bytes(api, 0 if api != 8 else 2, body)
        k.send_raw(frame)
        closed, data = k.wait_closed(15)
        if not closed:
            # an answer instead (JoinGroup / SyncGroup v0 start with the error code): it
            # must carry an error; an unparsable OffsetCommit can only be refused by closing
            assert api != 8 and len(data) >= 10, data
            size, got_corr, err = struct.unpack(">iih", data[:10])
            assert got_corr == corr and err != NONE, data[:40]
    assert_group_unchanged(st)


def test_describe_tool_shows_members_of_active_group(gc):
    """While a confluent consumer is in the group, --describe names it on its partitions
    and --members / --state agree with the broker's view."""
    b = gc.bootstrap
    topic, group = uniq("active"), uniq("g-active")
    create_topic(b, topic, 2)
    m = Member(b, group, topic, "the-client")
    try:
        stable_ownership([m], 2)
        node, host, port = find_coordinator(b, group)
        with conn_to(host, port) as k:
            d = describe_group_v0(k, group)
        assert [x[1] for x in d["members"]] == ["the-client"], d
        member_id = d["members"][0][0]
        r = run("skein-consumer-groups", "--bootstrap-server", b, "--describe", "--group",
                group, timeout=60)
        assert r.rc == 0, r
        assert "has no active members" not in r.stdout
        rows = [x.split() for x in r.stdout.splitlines() if x.startswith(group + " ")]
        assert len(rows) == 2, r.stdout
        for x in rows:
            assert x[6] == member_id and x[8] == "the-client", r.stdout
            assert x[3] == "-" and x[5] == "-"           # nothing committed yet
        r = run("skein-consumer-groups", "--bootstrap-server", b, "--describe", "--group",
                group, "--state", timeout=60)
        assert r.rc == 0, r
        row = [x for x in r.stdout.splitlines() if x.startswith(group + " ")][0]
        assert "(%d)" % node in row and " range " in row and " Stable " in row, r.stdout
        assert row.split()[-1] == "1"
    finally:
        m.close()
