"""Controlled shutdown (issue 4 part 5): on SIGTERM a broker asks the controller to
move its leaderships to other in-sync replicas before it exits, so producers with
acks=all see only retriable errors and lose nothing.

"Before it exits" is checked in ZooKeeper's own order: every state znode the shutdown
changed was written (mzxid) before the broker's registration went away (the pzxid of
/brokers/ids after the exit), which the broker-death path cannot do."""
import json
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, Producer
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402

PARTS = 3
# The whole controlled shutdown is bounded by max.retries x retry.backoff.ms (+ 3 s): 60 x 500 ms
# outlasts the 20 s session timeout that test_retry_with_the_next_controller waits through.
RETRIES = 60


@pytest.fixture(scope="module")
def c3(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("ctlsd"), zk=zk,
                  auto_create_topics_enable="false",
                  auto_leader_rebalance_enable="false",
                  controlled_shutdown_retry_backoff_ms="500",
                  controlled_shutdown_max_retries=str(RETRIES),
                  min_insync_replicas="2",
                  replica_lag_time_max_ms="5000",
                  zookeeper_session_timeout_ms="20000")
    yield c
    c.stop()


def registered_ids(c):
    return sorted(int(x) for x in c.zk_client().get_children("/brokers/ids"))


def controller_id(c):
    return c.zk_json("/controller")["brokerid"]


def state(c, topic, p):
    data, st = c.zk_client().get("/brokers/topics/%s/partitions/%d/state" % (topic, p))
    return json.loads(data), st


def all_registered(c):
    return registered_ids(c) == [0, 1, 2]


def full_isr(c, topic):
    """Every partition has all three replicas in its ISR (and a leader)."""
    for p in range(PARTS):
        s, _ = state(c, topic, p)
        if sorted(s["isr"]) != [0, 1, 2] or s["leader"] < 0:
            return False
    return True


def create(c, topic):
    H.wait_for(lambda: all_registered(c), 60, "three brokers registered")
    a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    a.create_topics([NewTopic(topic, PARTS, 3)])
    a.close()
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/%d/state"
                                            % (topic, PARTS - 1)), 30, topic + " has leaders")
    H.wait_for(lambda: full_isr(c, topic), 30, topic + " fully in sync")


class Load:
    """A producer thread (acks=all) sending numbered messages until stopped; records
    acknowledged values and delivery errors."""

    def __init__(self, c, topic):
        self.c, self.topic = c, topic
        self.acked, self.errors = [], []
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        p = Producer({"bootstrap.servers": self.c.bootstrap, "acks": "all",
                      "message.timeout.ms": 60000, "linger.ms": 5})

        def cb(err, msg):
            if err:
                self.errors.append(err)
            else:
                self.acked.append((msg.partition(), msg.value()))
        i = 0
        while not self.stop_ev.is_set():
            try:
                p.produce(self.topic, value=b"m-%d" % i, partition=i % PARTS, on_delivery=cb)
                i += 1
            except BufferError:
                pass
            p.poll(0.01)
        p.flush(90)

    def wait_acked(self, n, timeout=60):
        base = len(self.acked)
        H.wait_for(lambda: len(self.acked) >= base + n, timeout, "%d more acked messages" % n)

    def finish(self):
        self.stop_ev.set()
        self.thread.join(120)
        assert not self.thread.is_alive(), "producer did not finish"


RETRIABLE = {KafkaError._MSG_TIMED_OUT, KafkaError.REQUEST_TIMED_OUT,
             KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.NOT_ENOUGH_REPLICAS,
             KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND, KafkaError.LEADER_NOT_AVAILABLE,
             KafkaError._TRANSPORT}


def check_load(c, load):
    bad = [e for e in load.errors if not (e.retriable() or e.code() in RETRIABLE)]
    assert not bad, "non-retriable produce errors: %r" % bad[:5]
    got = read_everything(c, load.topic)
    missing = [v for v in load.acked if v not in got]
    assert not missing, "%d acknowledged messages lost, e.g. %r" % (len(missing), missing[:5])
    assert load.acked, "nothing was acknowledged"


def read_everything(c, topic):
    live = ",".join(b.bootstrap for b in c.brokers if b.running())
    cons = KafkaConsumer(bootstrap_servers=live, enable_auto_commit=False,
                         consumer_timeout_ms=2000)
    tps = [TopicPartition(topic, p) for p in range(PARTS)]
    cons.assign(tps)
    cons.seek_to_beginning(*tps)
    end = cons.end_offsets(tps)
    got = set()
    deadline = time.monotonic() + 60
    while any(cons.position(tp) < end[tp] for tp in tps):
        assert time.monotonic() < deadline, "could not read %s to its end" % topic
        for tp, recs in cons.poll(timeout_ms=500).items():
            for r in recs:
                got.add((tp.partition, r.value))
    cons.close()
    return got


def sigterm_and_check(c, topic, victim):
    """SIGTERM broker `victim` under load; check leadership moved before it exited."""
    b = c.brokers[victim]
    led = [p for p in range(PARTS) if state(c, topic, p)[0]["leader"] == victim]
    log_off = b.log_size()
    load = Load(c, topic)
    load.wait_acked(200)
    b.proc.popen.send_signal(signal.SIGTERM)
    rc = b.wait_exit(60)
    assert rc == 0, "broker %d exited with %r" % (victim, rc)
    load.wait_acked(200, timeout=90)
    load.finish()
    # After the exit: the deregistration is the last child change of /brokers/ids.
    _, ids_stat = c.zk_client().get("/brokers/ids")
    gone_zxid = ids_stat.pzxid
    for p in range(PARTS):
        s, st = state(c, topic, p)
        assert s["leader"] != victim and s["leader"] >= 0, (p, s)
        assert victim not in s["isr"], (p, s)
        assert st.mzxid < gone_zxid, \
            "partition %d was changed only after broker %d deregistered: %r" % (p, victim, s)
    log = b.log_since(log_off)
    assert "controlled shutdown succeeded" in log, log[-3000:]
    assert "controlled shutdown attempt 1 of %d" % RETRIES in log
    check_load(c, load)
    return led


def restart_and_rejoin(c, topic, victim):
    c.brokers[victim].start()
    H.wait_for(lambda: full_isr(c, topic), 60, "broker %d back in every ISR" % victim)


def test_sigterm_leader_moves_leadership_first(c3):
    topic = "cs-leader"
    create(c3, topic)
    ctl = controller_id(c3)
    leader0 = state(c3, topic, 0)[0]["leader"]
    victim = leader0
    led = sigterm_and_check(c3, topic, victim)
    assert 0 in led
    if victim != ctl:
        ctl_log = c3.brokers[ctl].log_text()
        assert "controlled shutdown requested by broker %d" % victim in ctl_log
    restart_and_rejoin(c3, topic, victim)


def test_sigterm_controller(c3):
    topic = "cs-ctl"
    create(c3, topic)
    ctl = controller_id(c3)
    sigterm_and_check(c3, topic, ctl)
    H.wait_for(lambda: c3.zk_client().exists("/controller") is not None and
               controller_id(c3) != ctl, 30, "another controller")
    restart_and_rejoin(c3, topic, ctl)


def test_disabled_still_exits_cleanly(c3):
    topic = "cs-off"
    create(c3, topic)
    ctl = controller_id(c3)
    victim = [i for i in range(3) if i != ctl][0]
    b = c3.brokers[victim]
    assert b.stop() == 0
    b.props["controlled.shutdown.enable"] = "false"
    try:
        b.start()
        H.wait_for(lambda: full_isr(c3, topic), 60, "broker %d back in every ISR" % victim)
        ctl_off = c3.brokers[ctl].log_size()
        off = b.log_size()
        b.proc.popen.send_signal(signal.SIGTERM)
        assert b.wait_exit(30) == 0
        log = b.log_since(off)
        assert "controlled.shutdown.enable=false: no ControlledShutdown sent" in log
        assert "controlled shutdown attempt" not in log
        assert ("controlled shutdown requested by broker %d" % victim
                not in c3.brokers[ctl].log_since(ctl_off))
        # the broker-death path still moves its leaderships
        H.wait_for(lambda: all(state(c3, topic, p)[0]["leader"] not in (victim, -1)
                               for p in range(PARTS)), 40, "leaders moved after the exit")
    finally:
        b.props.pop("controlled.shutdown.enable", None)
        if not b.running():
            b.start()
    H.wait_for(lambda: full_isr(c3, topic), 60, "broker %d back in every ISR" % victim)


def test_second_signal_exits_at_once(c3):
    """With the controller unreachable for the shutdown request (it is paused), a second
    SIGTERM ends the wait and the broker exits cleanly."""
    topic = "cs-twice"
    create(c3, topic)
    ctl = controller_id(c3)
    victim = [i for i in range(3) if i != ctl][0]
    b = c3.brokers[victim]
    off = b.log_size()
    c3.brokers[ctl].pause()
    try:
        b.proc.popen.send_signal(signal.SIGTERM)
        H.wait_for(lambda: "controlled shutdown attempt 1 of %d" % RETRIES in b.log_since(off), 20,
                   "first attempt logged")
        t0 = time.monotonic()
        b.proc.popen.send_signal(signal.SIGTERM)
        assert b.wait_exit(15) == 0
        assert time.monotonic() - t0 < 10
        assert "during controlled shutdown: shutting down now" in b.log_since(off)
    finally:
        c3.brokers[ctl].resume()
    b.start()
    H.wait_for(lambda: full_isr(c3, topic), 60, "broker %d back in every ISR" % victim)


def raw_controlled_shutdown(port, version, broker_id, broker_epoch):
    """Send one ControlledShutdown request; return (error code, remaining count). v0 goes
    with request header v0 (no client id), as Kafka's v0 does."""
    import socket
    import struct
    flex = version >= 3
    if version == 0:
        hdr = struct.pack(">hhi", 7, version, 11)
    else:
        hdr = struct.pack(">hhih", 7, version, 11, 1) + b"t" + (b"\x00" if flex else b"")
    body = struct.pack(">i", broker_id)
    if version >= 2:
        body += struct.pack(">q", broker_epoch)
    if flex:
        body += b"\x00"
    msg = hdr + body
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        n = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
        resp = s.recv(n, socket.MSG_WAITALL)
    finally:
        s.close()
    assert struct.unpack(">i", resp[:4])[0] == 11
    pos = 5 if flex else 4
    err = struct.unpack(">h", resp[pos:pos + 2])[0]
    if flex:
        remaining = resp[pos + 2] - 1
    else:
        remaining = struct.unpack(">i", resp[pos + 2:pos + 6])[0]
    return err, remaining


def test_request_errors(c3):
    """Only the active controller answers (NOT_CONTROLLER elsewhere); a wrong broker epoch
    gets STALE_BROKER_EPOCH, an unknown broker BROKER_NOT_AVAILABLE (Kafka's "Broker id 99
    does not exist"), and neither changes anything; v0 (header without client id) alike."""
    topic = "cs-errors"
    create(c3, topic)
    ctl = controller_id(c3)
    other = [i for i in range(3) if i != ctl][0]
    before = {p: state(c3, topic, p)[0] for p in range(PARTS)}
    assert raw_controlled_shutdown(c3.brokers[other].port, 3, other, 1) == (41, 0)
    assert raw_controlled_shutdown(c3.brokers[ctl].port, 3, other, 123456789) == (77, 0)
    assert raw_controlled_shutdown(c3.brokers[ctl].port, 2, other, 123456789) == (77, 0)
    assert raw_controlled_shutdown(c3.brokers[ctl].port, 1, 99, -1) == (8, 0)
    assert raw_controlled_shutdown(c3.brokers[ctl].port, 0, 99, -1) == (8, 0)
    assert raw_controlled_shutdown(c3.brokers[other].port, 0, other, -1) == (41, 0)
    assert {p: state(c3, topic, p)[0] for p in range(PARTS)} == before
    assert all(b.running() for b in c3.brokers)


def test_retry_with_the_next_controller(c3):
    """The controller hangs (SIGSTOP) while a broker asks it; when it is declared dead and
    another broker takes over, the next attempt goes to the new controller and succeeds."""
    topic = "cs-retry"
    create(c3, topic)
    ctl = controller_id(c3)
    victim, third = [i for i in range(3) if i != ctl]
    b = c3.brokers[victim]
    off = b.log_size()
    c3.brokers[ctl].pause()
    try:
        b.proc.popen.send_signal(signal.SIGTERM)
        H.wait_for(lambda: "controlled shutdown attempt 1 of %d: asking controller %d" % (RETRIES, ctl)
                   in b.log_since(off), 20, "first attempt to the hung controller")
        c3.brokers[ctl].kill()
        assert b.wait_exit(60) == 0
        log = b.log_since(off)
        assert "controlled shutdown attempt 1 of %d failed" % RETRIES in log, log[-3000:]
        assert "controlled shutdown succeeded" in log, log[-3000:]
        for p in range(PARTS):
            s, _ = state(c3, topic, p)
            assert s["leader"] == third and s["isr"] == [third], (p, s)
    finally:
        c3.brokers[ctl].resume()
        if not c3.brokers[ctl].running():
            c3.brokers[ctl].start()
        if not b.running():
            b.start()
    H.wait_for(lambda: full_isr(c3, topic), 60, "everyone back in every ISR")


def test_waits_for_a_follower_to_rejoin(c3):
    """The only other replica is live but out of the ISR: the controller cannot move the
    leadership, answers with the partition as remaining, and the broker retries until the
    follower is back in the ISR and the leadership moves to it."""
    topic = "cs-rejoin"
    ctl = controller_id(c3)
    victim, follower = [i for i in range(3) if i != ctl]
    H.wait_for(lambda: all_registered(c3), 60, "three brokers registered")
    a = KafkaAdminClient(bootstrap_servers=c3.bootstrap)
    a.create_topics([NewTopic(topic, -1, -1, replica_assignments={0: [victim, follower]})])
    a.close()
    H.wait_for(lambda: c3.zk_client().exists("/brokers/topics/%s/partitions/0/state" % topic)
               and sorted(state(c3, topic, 0)[0]["isr"]) == sorted([victim, follower]), 30,
               topic + " in sync")
    b = c3.brokers[victim]
    c3.brokers[follower].pause()
    try:
        H.wait_for(lambda: state(c3, topic, 0)[0]["isr"] == [victim], 15,
                   "the paused follower to leave the ISR")
        off = b.log_size()
        b.proc.popen.send_signal(signal.SIGTERM)
        H.wait_for(lambda: "controlled shutdown attempt 1 of %d failed: 1 partition(s) still "
                   "led by this broker (first %s-0)" % (RETRIES, topic) in b.log_since(off),
                   20, "an attempt answered with the partition remaining")
    finally:
        c3.brokers[follower].resume()
    assert b.wait_exit(60) == 0
    assert "controlled shutdown succeeded" in b.log_since(off)
    s, _ = state(c3, topic, 0)
    assert s["leader"] == follower and s["isr"] == [follower], s
    b.start()
    H.wait_for(lambda: sorted(state(c3, topic, 0)[0]["isr"]) == sorted([victim, follower]), 60,
               "broker %d back in the ISR" % victim)


def test_state_writes_batched_in_multi_ops(c3):
    """The partition states a controller changes in one pass are written in ZooKeeper
    multi-ops, not one transaction each (issue 14 part 4): a controlled shutdown of a broker
    that is in all 12 partitions of a topic (leader of some, follower of the rest) changes
    every one of their states, and they share a few mzxids (one per multi) instead of 12."""
    topic, n = "cs-batched", 12
    H.wait_for(lambda: all_registered(c3), 60, "three brokers registered")
    a = KafkaAdminClient(bootstrap_servers=c3.bootstrap)
    a.create_topics([NewTopic(topic, n, 3)])
    a.close()

    def in_sync():
        for p in range(n):
            try:
                s, _ = state(c3, topic, p)
            except Exception:  # noqa: BLE001 - not created yet
                return False
            if sorted(s["isr"]) != [0, 1, 2] or s["leader"] < 0:
                return False
        return True
    H.wait_for(in_sync, 30, topic + " fully in sync")
    victim = next(i for i in range(3) if i != controller_id(c3))
    before = {p: state(c3, topic, p)[1].mzxid for p in range(n)}
    b = c3.brokers[victim]
    b.proc.popen.send_signal(signal.SIGTERM)
    assert b.wait_exit(60) == 0
    after = {}
    for p in range(n):
        s, st = state(c3, topic, p)
        assert s["leader"] not in (victim, -1) and victim not in s["isr"], (p, s)
        assert st.mzxid != before[p], "partition %d's state was not rewritten" % p
        after[p] = st.mzxid
    zxids = sorted(set(after.values()))
    assert len(zxids) <= 3, "%d partition states written in %d transactions: %r" % (
        n, len(zxids), zxids)
    b.start()
    H.wait_for(in_sync, 60, "broker %d back in every ISR" % victim)
