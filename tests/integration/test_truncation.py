"""Follower truncation by leader epoch (KIP-101/279) and OffsetForLeaderEpoch.

Three brokers: A (0) and B (1) hold topics of one partition with replicas [A, B]; C (2)
is the controller and holds no replica. B is paused (SIGSTOP) while A, the leader, takes
acks=1 records B never gets; A is killed, the controller makes B leader (B stayed in the
ISR: replica.lag.time.max.ms is high, and B's ZooKeeper session long); B resumes and takes
other records; A restarts as a follower. A must cut its divergent records (found by leader
epoch, not by its high watermark) and copy B's, so that when A leads again it serves
exactly B's records.

  - "long": A's divergent tail is longer than B's new records (A's log end is above B's);
  - "short": A's divergent tail is shorter (A's log end is below B's: fetching on from it
    without truncation would silently keep the divergent records).
"""
import json
import socket
import struct
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402

A, B, C = 0, 1, 2
SESSION_A_MS = 6000
SESSION_B_MS = 90000   # B stays registered while paused, however slow the machine
SESSION_C_MS = 20000
BASE = 20                                  # records both replicas have
SHAPES = {"long": (30, 12), "short": (4, 40)}   # topic -> (A's divergent, B's new)

OFFSET_FOR_LEADER_EPOCH = 23
NONE, NOT_LEADER, UNKNOWN_TOPIC = 0, 6, 3
FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH = 74, 75


def topic(shape):
    return "trunc-" + shape


def state(c, t):
    return json.loads(c.zk_client().get("/brokers/topics/%s/partitions/0/state" % t)[0])


def produce(bootstrap, t, values, acks):
    p = Producer({"bootstrap.servers": bootstrap, "acks": acks, "message.timeout.ms": 60000,
                  "enable.idempotence": False, "linger.ms": 0,
                  "max.in.flight.requests.per.connection": 1})   # retries keep the order
    acked, errors = [], []
    for v in values:
        p.produce(t, value=v, partition=0,
                  on_delivery=lambda e, m: (errors if e else acked).append(e or m.value()))
        p.poll(0)
    left = p.flush(90)
    assert left == 0 and errors == [], (left, errors)
    assert acked == values
    return acked


def batches(log_dir):
    """[(base offset, last offset, leader epoch)] of a partition directory's segments."""
    out = []
    for f in sorted(Path(log_dir).glob("*.log")):
        data = f.read_bytes()
        pos = 0
        while pos + 61 <= len(data):
            base, length, epoch = struct.unpack_from(">qii", data, pos)
            last_delta = struct.unpack_from(">i", data, pos + 23)[0]
            out.append((base, base + last_delta, epoch))
            pos += 12 + length
    return out


def log_end(log_dir):
    b = batches(log_dir)
    return b[-1][1] + 1 if b else 0


def log_bytes(log_dir):
    return b"".join(f.read_bytes() for f in sorted(Path(log_dir).glob("*.log")))


def consume_all(bootstrap, t, expect):
    """(offset, value) of every record, reading until `expect` records came (or 60 s), then
    a little longer to see any extra one."""
    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tp = TopicPartition(t, 0)
    cons.assign([tp])
    cons.seek_to_beginning(tp)
    recs = []

    def more():
        for batch in cons.poll(timeout_ms=500).values():
            recs.extend((r.offset, r.value) for r in batch)
        return len(recs) >= expect
    try:
        H.wait_for(more, 60, "%d records of %s" % (expect, t), interval=0)
        for _ in range(3):
            more()
    finally:
        cons.close()
    return recs


# ---- OffsetForLeaderEpoch on the wire (v2/v3 classic, v4 flexible) ----

def _uvarint(n):
    out = b""
    while True:
        b7 = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b7 | 0x80])
        else:
            return out + bytes([b7])


def _str(s, flex):
    raw = s.encode()
    return (_uvarint(len(raw) + 1) if flex else struct.pack(">h", len(raw))) + raw


def _arr(items, flex):
    return (_uvarint(len(items) + 1) if flex else struct.pack(">i", len(items))) + b"".join(items)


def ofle_body(version, replica_id, topics):
    """topics: {name: [(partition, current_leader_epoch, leader_epoch)]}"""
    flex = version >= 4
    tag = b"\x00" if flex else b""
    body = struct.pack(">i", replica_id) if version >= 3 else b""
    tl = []
    for name, parts in topics.items():
        pl = [struct.pack(">iii", p, cur, le) + tag for p, cur, le in parts]
        tl.append(_str(name, flex) + _arr(pl, flex) + tag)
    return body + _arr(tl, flex) + tag


def send_request(sock, api_key, version, corr, body):
    flex = version >= 4
    hdr = struct.pack(">hhi", api_key, version, corr) + struct.pack(">h", 4) + b"test"
    if flex:
        hdr += b"\x00"
    msg = hdr + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_frame(sock):
    h = recv_exact(sock, 4)
    if h is None:
        return None
    return recv_exact(sock, struct.unpack(">i", h)[0])


class _Rd:
    def __init__(self, data, flex):
        self.d, self.p, self.flex = data, 0, flex

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def uvarint(self):
        shift = n = 0
        while True:
            b = self.d[self.p]
            self.p += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def count(self):
        return self.uvarint() - 1 if self.flex else self.take(">i")

    def string(self):
        n = self.uvarint() - 1 if self.flex else self.take(">h")
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def tags(self):
        if self.flex:
            assert self.uvarint() == 0


def ofle(bootstrap, version, topics, replica_id=-1):
    """{(topic, partition): (error, leader_epoch, end_offset)}"""
    host, port = bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=15) as s:
        send_request(s, OFFSET_FOR_LEADER_EPOCH, version, 7, ofle_body(version, replica_id, topics))
        frame = recv_frame(s)
    assert frame is not None, "the broker closed the connection"
    r = _Rd(frame, version >= 4)
    assert r.take(">i") == 7
    r.tags()
    r.take(">i")                                  # throttle
    out = {}
    for _ in range(r.count()):
        name = r.string()
        for _ in range(r.count()):
            err, part, le, end = r.take(">hiiq")
            r.tags()
            out[(name, part)] = (err, le, end)
        r.tags()
    r.tags()
    assert r.p == len(frame)
    return out


@pytest.fixture(scope="module")
def diverged(zk, skeind_bin, tmp_path_factory):
    """Runs the whole scenario once; the tests check its outcome."""
    per = {A: {"zookeeper.session.timeout.ms": str(SESSION_A_MS)},
           B: {"zookeeper.session.timeout.ms": str(SESSION_B_MS)},
           C: {"zookeeper.session.timeout.ms": str(SESSION_C_MS)}}
    c = H.cluster_with_broker_overrides(
        3, tmp_path_factory.mktemp("trunc"), zk=zk, per_broker=per, start_order=[C, A, B],
        replica_lag_time_max_ms="120000", auto_create_topics_enable="false",
        log_level="debug")
    try:
        ctl = json.loads(c.zk_client().get("/controller")[0])["brokerid"]
        assert ctl == C
        H.wait_for(lambda: sorted(c.zk_client().get_children("/brokers/ids")) == ["0", "1", "2"],
                   30, "three brokers registered")
        a, b = c.brokers[A], c.brokers[B]
        adm = KafkaAdminClient(bootstrap_servers=c.brokers[C].bootstrap)
        adm.create_topics([NewTopic(topic(s), -1, -1, replica_assignments={0: [A, B]})
                           for s in list(SHAPES) + ["pad"]])
        adm.close()
        for s in list(SHAPES) + ["pad"]:
            H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/0/state"
                                                    % topic(s)), 30, topic(s) + " has a leader")
        res = {"cluster": c, "epoch0": {}}
        base = {}
        for s in SHAPES:
            st = state(c, topic(s))
            assert st["leader"] == A and sorted(st["isr"]) == [A, B]
            res["epoch0"][s] = st["leader_epoch"]
            base[s] = produce(a.bootstrap, topic(s), [b"base-%d" % i for i in range(BASE)], "all")
        # B stalls in the ISR; A takes records B never sees
        b.pause()
        try:
            # B may have a fetch parked at A (long-polled): it is answered with this record
            # only, before any divergent record exists (B follows trunc-pad from A too)
            produce(a.bootstrap, topic("pad"), [b"pad"], "1")
            for s, (n_div, _) in SHAPES.items():
                produce(a.bootstrap, topic(s), [b"divergent-%d" % i for i in range(n_div)], "1")
            res["a_end_before"] = {s: log_end(a.partition_dir(topic(s), 0)) for s in SHAPES}
            a.kill()
            for s in SHAPES:
                H.wait_for(lambda: state(c, topic(s))["leader"] == B, SESSION_A_MS / 1000 + 30,
                           "the controller makes B leader of " + topic(s))
                st = state(c, topic(s))
                assert st["leader_epoch"] == res["epoch0"][s] + 1 and st["isr"] == [B]
        finally:
            b.resume()
        res["b_records"] = {}
        for s, (_, n_new) in SHAPES.items():
            res["b_records"][s] = base[s] + produce(
                b.bootstrap, topic(s), [b"from-b-%d" % i for i in range(n_new)], "1")
        a_log_at = a.log_size()
        a.start(ready_timeout=60)
        for s in SHAPES:
            H.wait_for(lambda: A in state(c, topic(s))["isr"], 60,
                       "A rejoins the ISR of " + topic(s))
        # A holds B's log byte for byte before it leads again
        for s in SHAPES:
            H.wait_for(lambda: log_bytes(a.partition_dir(topic(s), 0))
                       == log_bytes(b.partition_dir(topic(s), 0)), 30,
                       "A's log of %s equals B's" % topic(s))
        res["a_log"] = a.log_since(a_log_at)
        res["a_batches"] = {s: batches(a.partition_dir(topic(s), 0)) for s in SHAPES}
        # A leads again: B stops (its ZooKeeper session closes at once)
        b.stop()
        for s in SHAPES:
            H.wait_for(lambda: state(c, topic(s))["leader"] == A, 60,
                       "A leads %s again" % topic(s))
        res["consumed"] = {s: consume_all(a.bootstrap, topic(s), len(res["b_records"][s]))
                           for s in SHAPES}
        yield res
    finally:
        c.stop()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_diverged_follower_truncates_by_leader_epoch(diverged, shape):
    n_div, n_new = SHAPES[shape]
    t = topic(shape)
    assert diverged["a_end_before"][shape] == BASE + n_div
    # one INFO line names the partition, the leader, the epoch and both log ends
    want = ("partition %s-0: truncated by leader epoch" % t)
    lines = [ln for ln in diverged["a_log"].splitlines() if want in ln]
    assert len(lines) == 1, diverged["a_log"][-4000:]
    e1 = diverged["epoch0"][shape] + 1
    assert ("leader %d, leader epoch %d: log end offset %d -> %d"
            % (B, e1, BASE + n_div, BASE)) in lines[0], lines[0]
    # A's log: the base records in the first epoch, then B's in B's epoch, nothing else
    bs = diverged["a_batches"][shape]
    assert bs[-1][1] + 1 == BASE + n_new
    assert all(e == diverged["epoch0"][shape] for (_, last, e) in bs if last < BASE)
    assert all(e == e1 for (base, _, e) in bs if base >= BASE)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_old_leader_serves_exactly_the_new_leaders_records(diverged, shape):
    recs = diverged["consumed"][shape]
    assert [o for o, _ in recs] == list(range(len(recs)))
    assert [v for _, v in recs] == diverged["b_records"][shape]
    assert not any(v.startswith(b"divergent-") for _, v in recs)


@pytest.mark.parametrize("version", [2, 3, 4])
def test_offset_for_leader_epoch_answers(diverged, version):
    """A now leads (epoch e0+2, or more if B's removal from the ISR bumped it again): its
    cache holds e0 at 0, e0+1 (B's) at BASE and its current epoch at its log end."""
    c = diverged["cluster"]
    a = c.brokers[A]
    for shape, (_, n_new) in SHAPES.items():
        t = topic(shape)
        e0 = diverged["epoch0"][shape]
        cur = state(c, t)["leader_epoch"]
        assert cur >= e0 + 2
        end = BASE + n_new
        got = ofle(a.bootstrap, version, {t: [(0, cur, e0)]})
        assert got[(t, 0)] == (NONE, e0, BASE)
        got = ofle(a.bootstrap, version, {t: [(0, -1, e0 + 1)]}, replica_id=B)
        assert got[(t, 0)] == (NONE, e0 + 1, end)
        got = ofle(a.bootstrap, version, {t: [(0, cur, cur)]})
        assert got[(t, 0)] == (NONE, cur, end)
        got = ofle(a.bootstrap, version, {t: [(0, cur, cur + 5)]})
        assert got[(t, 0)] == (NONE, -1, -1)
        got = ofle(a.bootstrap, version, {t: [(0, cur - 1, e0)]})
        assert got[(t, 0)][0] == FENCED_LEADER_EPOCH
        got = ofle(a.bootstrap, version, {t: [(0, cur + 1, e0)]})
        assert got[(t, 0)][0] == UNKNOWN_LEADER_EPOCH
        got = ofle(c.brokers[C].bootstrap, version, {t: [(0, cur, e0)]})
        assert got[(t, 0)][0] == NOT_LEADER
    got = ofle(a.bootstrap, version, {"no-such-topic": [(0, -1, 0)], topic("long"): [(7, -1, 0)]})
    assert got[("no-such-topic", 0)][0] == UNKNOWN_TOPIC
    assert got[(topic("long"), 7)][0] == UNKNOWN_TOPIC


@pytest.mark.parametrize("version", [3, 4])
def test_malformed_offset_for_leader_epoch_closes_the_connection(diverged, version):
    a = diverged["cluster"].brokers[A]
    good = ofle_body(version, -1, {topic("long"): [(0, -1, 0)]})
    bad_bodies = [
        good[:-3],                                       # truncated
        good[:4] + (b"\xff\xff\xff\xff\x07" if version >= 4 else struct.pack(">i", 1 << 30)),
        good[:4] + (b"\x02\x05" if version >= 4 else struct.pack(">ih", 1, 300)),  # short name
        b"",
    ]
    host, port = a.bootstrap.split(":")
    for body in bad_bodies:
        with socket.create_connection((host, int(port)), timeout=15) as s:
            send_request(s, OFFSET_FOR_LEADER_EPOCH, version, 9, body)
            assert recv_frame(s) is None, "answered a malformed body %r" % body
    # the broker still answers
    assert ofle(a.bootstrap, version, {topic("long"): [(0, -1, 0)]})[(topic("long"), 0)][0] == NONE


# ---- a restarted follower: epochs, not its high watermark; below the leader's log start ----

def _hw_checkpoint(data_dir, t):
    """The high watermark of t-0 in replication-offset-checkpoint, or None."""
    f = Path(data_dir) / "replication-offset-checkpoint"
    if not f.exists():
        return None
    for ln in f.read_text().splitlines()[2:]:
        parts = ln.split()
        if len(parts) == 3 and parts[0] == t and parts[1] == "0":
            return int(parts[2])
    return None


@pytest.fixture
def pair(zk, skeind_bin, tmp_path):
    """Broker 0 (controller, leader) and broker 1 (follower)."""
    c = H.cluster_with_broker_overrides(
        2, tmp_path / "pair", zk=zk, start_order=[0, 1],
        zookeeper_session_timeout_ms="6000", auto_create_topics_enable="false",
        replica_high_watermark_checkpoint_interval_ms="3600000",
        log_retention_check_interval_ms="200", log_level="debug")
    yield c
    c.stop()


def _create(c, t, configs=None):
    adm = KafkaAdminClient(bootstrap_servers=c.brokers[0].bootstrap)
    adm.create_topics([NewTopic(t, -1, -1, replica_assignments={0: [0, 1]},
                                topic_configs=configs or {})])
    adm.close()
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/0/state" % t), 30,
               t + " has a leader")
    H.wait_for(lambda: sorted(state(c, t)["isr"]) == [0, 1], 30, t + " has both in its ISR")


def test_restarted_follower_does_not_truncate_to_its_high_watermark(pair):
    """The follower is killed holding records above its checkpointed high watermark
    (the checkpoint interval is an hour, so none was written): after the restart it keeps
    them, because the leader's epochs say they are the leader's (KIP-101)."""
    c, t = pair, "keep-above-hw"
    _create(c, t)
    f = c.brokers[1]
    values = [b"r-%d" % i for i in range(50)]
    produce(c.brokers[0].bootstrap, t, values, "all")
    H.wait_for(lambda: log_end(f.partition_dir(t, 0)) == 50, 30, "the follower holds 50")
    hw = _hw_checkpoint(f.log_dir, t)
    assert hw is None or hw < 50        # what HW truncation would cut to
    f.kill()
    at = f.log_size()
    f.start(ready_timeout=60)
    H.wait_for(lambda: "partition %s-0: log agrees with leader 0" % t in f.log_since(at), 30,
               "the restarted follower checked its log against the leader's epochs")
    log = f.log_since(at)
    assert "log agrees with leader 0 at leader epoch %d up to 50" % state(c, t)["leader_epoch"] \
        in log, log[-3000:]
    assert "truncated" not in log, log[-3000:]
    produce(c.brokers[0].bootstrap, t, [b"after"], "all")
    H.wait_for(lambda: log_bytes(f.partition_dir(t, 0))
               == log_bytes(c.brokers[0].partition_dir(t, 0)), 30, "the logs are equal")


def test_follower_below_the_leaders_log_start_restarts_there(pair):
    """While the follower is down, retention on the leader deletes segments past the
    follower's log end: its fetch gets OFFSET_OUT_OF_RANGE, and it empties its log and
    starts again at the leader's log start."""
    c, t = pair, "below-start"
    _create(c, t, {"segment.bytes": "1024", "retention.bytes": "2048"})
    lead, f = c.brokers[0], c.brokers[1]
    produce(lead.bootstrap, t, [b"early-%03d" % i for i in range(5)], "all")
    H.wait_for(lambda: log_end(f.partition_dir(t, 0)) == 5, 30, "the follower holds 5")
    f.kill()
    H.wait_for(lambda: state(c, t)["isr"] == [0], 30, "the dead follower leaves the ISR")
    p = Producer({"bootstrap.servers": lead.bootstrap, "acks": "1", "linger.ms": 0})
    for i in range(30):        # one batch each: many small segments
        p.produce(t, value=b"late-%03d-" % i + b"x" * 300, partition=0)
        assert p.flush(30) == 0

    def leader_start():
        bs = batches(lead.partition_dir(t, 0))
        return bs[0][0] if bs else 0
    H.wait_for(lambda: leader_start() > 5, 30, "retention removes the leader's first segments")
    at = f.log_size()
    f.start(ready_timeout=60)
    H.wait_for(lambda: 0 in state(c, t)["isr"] and 1 in state(c, t)["isr"], 60,
               "the follower rejoins the ISR")
    log = f.log_since(at)
    assert "partition %s-0: log end offset 5 is below leader 0's log start" % t in log, \
        log[-3000:]
    H.wait_for(lambda: log_end(f.partition_dir(t, 0)) == 35, 30, "the follower catches up")
    fb = batches(f.partition_dir(t, 0))
    assert fb[0][0] > 5
    lb = {x[0]: x for x in batches(lead.partition_dir(t, 0))}
    assert all(lb.get(x[0], x) == x for x in fb)
