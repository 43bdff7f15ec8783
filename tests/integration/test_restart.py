"""Lifecycle: SIGTERM, clean restart, kill -9 while producing, duplicate broker.id."""

import threading
import time

import skein_harness as H
from clients import DeliveryLog, cf_produce, cf_producer, kp_consume_all, wait_topic_in_metadata
from kafka_wire import KafkaConn


def create_topic(c, name, partitions):
    from kafka.admin import NewTopic
    from clients import kp_admin
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic(name, partitions, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(c.bootstrap, name, partitions)


def test_sigterm_exits_0_and_deregisters_at_once(make_cluster):
    # a long session timeout: if the broker merely dropped the connection, the znode would linger
    c = make_cluster(1, zookeeper_session_timeout_ms=30000)
    b = c.broker(0)
    zkc = c.zk_client()
    assert zkc.exists("/brokers/ids/0") is not None
    t0 = time.monotonic()
    rc = b.stop(timeout=15)
    assert rc == 0, "skeind exit status %s on SIGTERM" % rc
    H.wait_for(lambda: zkc.exists("/brokers/ids/0") is None, 3,
               "/brokers/ids/0 to disappear after SIGTERM")
    assert time.monotonic() - t0 < 15


def test_clean_restart_keeps_data_and_continues_offsets(make_cluster):
    c = make_cluster(1)
    b = c.broker(0)
    create_topic(c, "restart-t", 2)
    p = cf_producer(c.bootstrap)
    dlog = DeliveryLog()
    cf_produce(p, "restart-t", [(b"k%d" % i, b"before-%d" % i) for i in range(3000)], dlog)
    assert dlog.errors == []
    before = {(part, off): v for part, off, _, v, _ in dlog.ok}
    ends = {part: 1 + max(off for pp, off in before if pp == part) for part in (0, 1)}
    del p

    assert b.stop() == 0
    b.start()
    wait_topic_in_metadata(c.bootstrap, "restart-t", 2)

    got = kp_consume_all(c.bootstrap, "restart-t", [0, 1])
    for part in (0, 1):
        assert [r.offset for r in got[part]] == list(range(ends[part]))
        for r in got[part]:
            assert r.value == before[(part, r.offset)]

    # new offsets continue where the log ended
    p2 = cf_producer(c.bootstrap)
    dlog2 = DeliveryLog()
    cf_produce(p2, "restart-t", [(None, b"after-%d" % i) for i in range(100)], dlog2, partition=0)
    assert dlog2.errors == []
    assert sorted(off for _, off, *_ in dlog2.ok) == list(range(ends[0], ends[0] + 100))
    # a clean shutdown leaves Kafka's recovery-point checkpoint at the log end
    assert b.stop() == 0
    cp = b.log_dir / "recovery-point-offset-checkpoint"
    assert cp.exists()
    lines = cp.read_text().splitlines()
    assert lines[0] == "0" and int(lines[1]) == len(lines) - 2
    entries = {tuple(l.split()[:2]): int(l.split()[2]) for l in lines[2:]}
    assert entries.get(("restart-t", "0")) == ends[0] + 100
    assert entries.get(("restart-t", "1")) == ends[1]


class ContinuousProducer(threading.Thread):
    """Sends continuously (acks=1) to one partition and records every acknowledged
    (partition, offset, value)."""

    def __init__(self, bootstrap, topic):
        super().__init__(daemon=True)
        self.topic = topic
        self.p = cf_producer(bootstrap, acks=1, **{"linger.ms": 2, "message.timeout.ms": 8000,
                                                   "retries": 0})
        self.dlog = DeliveryLog()
        self.stop_evt = threading.Event()
        self.sent = 0
        self.lock = threading.Lock()

    def acked(self):
        return len(self.dlog.ok)

    def run(self):
        i = 0
        while not self.stop_evt.is_set():
            try:
                self.p.produce(self.topic, value=b"live-%07d" % i, partition=0,
                               on_delivery=self.dlog)
                i += 1
            except BufferError:
                pass
            self.p.poll(0.001 if i % 50 == 0 else 0)
        self.sent = i
        self.p.flush(20)


def test_kill9_during_produce_loses_no_acknowledged_message(make_cluster):
    # short session: after kill -9 the old registration must expire before skeind can start
    c = make_cluster(1, zookeeper_session_timeout_ms=6000)
    b = c.broker(0)
    create_topic(c, "kill9-t", 1)
    prod = ContinuousProducer(c.bootstrap, "kill9-t")
    prod.start()
    try:
        H.wait_for(lambda: prod.acked() >= 20000, 60, "20000 acknowledged messages")
        b.kill()
        killed_at = prod.acked()
    finally:
        prod.stop_evt.set()
        prod.join(60)
    assert not prod.is_alive()
    acked = {off: v for part, off, _, v, _ in prod.dlog.ok}
    assert len(acked) == len(prod.dlog.ok), "duplicate offsets acknowledged"
    assert len(acked) >= killed_at

    b.start()
    wait_topic_in_metadata(c.bootstrap, "kill9-t", 1)
    got = kp_consume_all(c.bootstrap, "kill9-t", [0], timeout=120)[0]
    offsets = [r.offset for r in got]
    assert offsets == list(range(len(offsets))), "gap or duplicate in the recovered log"
    by_off = {r.offset: r.value for r in got}
    missing = [o for o in acked if o not in by_off]
    wrong = [o for o in acked if o in by_off and by_off[o] != acked[o]]
    assert missing == [], "%d acknowledged offsets missing after kill -9, e.g. %s" \
        % (len(missing), sorted(missing)[:10])
    assert wrong == [], "acknowledged offsets with other values, e.g. %s" % wrong[:10]
    end = len(offsets)

    # new produce continues at the log end, no gap, no duplicate
    p = cf_producer(c.bootstrap)
    dlog = DeliveryLog()
    cf_produce(p, "kill9-t", [(None, b"post-%d" % i) for i in range(500)], dlog, partition=0)
    assert dlog.errors == []
    assert sorted(o for _, o, *_ in dlog.ok) == list(range(end, end + 500))
    with KafkaConn.to(c.bootstrap) as k:
        assert k.list_offsets("kill9-t", 0, -1)[2] == end + 500
        err, _hw, recs = k.fetch("kill9-t", 0, end - 1)
        assert err == 0
        recs = [r for r in recs if r["offset"] >= end - 1]
        assert [r["offset"] for r in recs[:2]] == [end - 1, end]
        assert recs[0]["value"] == by_off[end - 1] and recs[1]["value"] == b"post-0"


def test_duplicate_broker_id_refuses_to_start(make_cluster, tmp_path):
    c = make_cluster(1)
    first = c.broker(0)
    dup = H.Broker(0, c.zk, tmp_path / "dup", chroot=c.chroot, start=False)
    dup.spawn()
    rc = dup.wait_exit(30)
    assert rc is not None, "second broker with broker.id 0 is still running"
    assert rc != 0
    log = dup.log_text()
    assert "already registered" in log or "broker.id" in log or "broker id" in log, log[-2000:]
    # the first broker is unaffected: still registered (same session) and serving
    data, stat = first.registration()
    assert ("127.0.0.1:%d" % first.port).encode() in data
    with KafkaConn.to(first.bootstrap) as k:
        md = k.metadata()
    assert [br[0] for br in md["brokers"]] == [0]
    assert first.running()


def test_duplicate_broker_id_is_logged_once(make_cluster, tmp_path):
    """One line per event: the refusal is one ERROR line, not two."""
    c = make_cluster(1)
    dup = H.Broker(0, c.zk, tmp_path / "dup", chroot=c.chroot, start=False)
    dup.spawn()
    assert dup.wait_exit(30) not in (None, 0)
    lines = [l for l in dup.log_text().splitlines() if "already registered" in l]
    assert len(lines) == 1, "\n".join(lines)
