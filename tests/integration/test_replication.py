"""Replication between three brokers: followers fetch from the leader, the ISR
shrinks when a follower stalls and grows back when it catches up (AlterPartition
through the controller), and no acknowledged acks=all message is lost."""
import json
import re
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kp_consume_all  # noqa: E402

LAG_MS = 3000
# well above LAG_MS and the few seconds the stalled-follower tests pause a broker: the ISR
# shrinks by lag, not by session loss (a killed follower restarts once its session is gone)
SESSION_MS = 12000


@pytest.fixture(scope="module")
def rc3(zk, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("repl3"), zk=zk,
                  replica_lag_time_max_ms=str(LAG_MS),
                  zookeeper_session_timeout_ms=str(SESSION_MS),
                  auto_create_topics_enable="false")
    yield c
    c.stop()


def state(c, topic, p=0):
    return json.loads(c.zk_client().get("/brokers/topics/%s/partitions/%d/state" % (topic, p))[0])


def create(c, topic, parts=1, rf=3):
    H.wait_for(lambda: sorted(c.zk_client().get_children("/brokers/ids")) == ["0", "1", "2"],
               SESSION_MS / 1000 + 20, "all three brokers registered")
    a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    a.create_topics([NewTopic(topic, parts, rf)])
    a.close()
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/%d/state"
                                            % (topic, parts - 1)), 30, topic + " has leaders")


def plain_follower(c, st):
    """A follower that is not also the controller (pausing the controller would stop
    the ISR change it has to write)."""
    ctl = json.loads(c.zk_client().get("/controller")[0])["brokerid"]
    return [r for r in st["isr"] if r != st["leader"] and r != ctl][0]


def produce(c, topic, n, tag):
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all",
                  "message.timeout.ms": 30000})
    acked, errors = [], []
    for i in range(n):
        p.produce(topic, value=b"%s-%d" % (tag, i),
                  on_delivery=lambda e, m: (errors if e else acked).append(e or m.value()))
        p.poll(0)
    p.flush(60)
    return acked, errors


def read_all(c, topic, bootstrap=None):
    """The values of partition 0 from its start to its end offset (the high watermark) when
    asked, read with kafka-python."""
    return [r.value for r in kp_consume_all(bootstrap or c.bootstrap, topic, [0])[0]]


def test_stalled_follower_leaves_and_rejoins_the_isr(rc3):
    create(rc3, "isr-t")
    s0 = state(rc3, "isr-t")
    assert sorted(s0["isr"]) == [0, 1, 2]
    follower = plain_follower(rc3, s0)
    rc3.brokers[follower].pause()
    try:
        t0 = time.monotonic()
        H.wait_for(lambda: follower not in state(rc3, "isr-t")["isr"], LAG_MS / 1000 + 10,
                   "the stalled follower leaves the ISR")
        # the last fetch (long-polled up to 500 ms) may precede the pause
        assert time.monotonic() - t0 >= LAG_MS / 1000 - 1.0
        s1 = state(rc3, "isr-t")
        assert s1["leader"] == s0["leader"] and s1["leader_epoch"] == s0["leader_epoch"]
        acked, errors = produce(rc3, "isr-t", 200, b"paused")
        assert errors == [] and len(acked) == 200
    finally:
        rc3.brokers[follower].resume()
    H.wait_for(lambda: follower in state(rc3, "isr-t")["isr"], 30,
               "the follower rejoins the ISR once caught up")
    assert read_all(rc3, "isr-t") == acked
    # the leader learnt the controller's versions first and proposed with the newest
    # (AlterPartition v3: members with broker epochs, the topic by its id)
    log = rc3.brokers[s0["leader"]].log_text()
    assert re.findall(r"partition isr-t-0: proposing .*\(AlterPartition (v\d)\)", log) == \
        ["v3", "v3"]


def test_killed_follower_returns_to_the_isr(rc3):
    create(rc3, "isr-k")
    s0 = state(rc3, "isr-k")
    follower = plain_follower(rc3, s0)
    acked1, errors = produce(rc3, "isr-k", 100, b"before")
    assert errors == []
    rc3.brokers[follower].kill()
    H.wait_for(lambda: follower not in state(rc3, "isr-k")["isr"], SESSION_MS / 1000 + 10,
               "the dead follower leaves the ISR")
    acked2, errors = produce(rc3, "isr-k", 100, b"while-down")
    assert errors == []
    rc3.brokers[follower].start(ready_timeout=SESSION_MS / 1000 + 20)
    H.wait_for(lambda: follower in state(rc3, "isr-k")["isr"], 30,
               "the restarted follower returns to the ISR")
    assert read_all(rc3, "isr-k") == acked1 + acked2
    # the returned follower holds the same bytes as the leader
    leader = rc3.brokers[state(rc3, "isr-k")["leader"]]

    def same():
        a = b"".join(f.read_bytes() for f in sorted((leader.log_dir / "isr-k-0").glob("*.log")))
        d = rc3.brokers[follower].log_dir / "isr-k-0"
        return a == b"".join(f.read_bytes() for f in sorted(d.glob("*.log")))
    H.wait_for(same, 20, "the follower's log equals the leader's")


def test_min_insync_replicas(rc3):
    """min.insync.replicas=2: with both followers stalled out of the ISR, acks=all
    produce fails with NOT_ENOUGH_REPLICAS and writes nothing; consumers still read
    up to the high watermark; once the followers are back, writes resume."""
    from confluent_kafka import KafkaError
    a = KafkaAdminClient(bootstrap_servers=rc3.bootstrap)
    H.wait_for(lambda: sorted(rc3.zk_client().get_children("/brokers/ids")) == ["0", "1", "2"],
               SESSION_MS / 1000 + 20, "all three brokers registered")
    # The controller leads (first replica), so both followers can be stalled
    # while the controller stays able to write the ISR changes.
    ctl = json.loads(rc3.zk_client().get("/controller")[0])["brokerid"]
    followers = [b for b in (0, 1, 2) if b != ctl]
    a.create_topics([NewTopic("minisr", -1, -1, replica_assignments={0: [ctl] + followers},
                              topic_configs={"min.insync.replicas": "2"})])
    a.close()
    H.wait_for(lambda: rc3.zk_client().exists("/brokers/topics/minisr/partitions/0/state"), 30,
               "minisr has a leader")
    acked, errors = produce(rc3, "minisr", 50, b"ok")
    assert errors == [] and len(acked) == 50
    s0 = state(rc3, "minisr")
    assert s0["leader"] == ctl
    for f in followers:
        rc3.brokers[f].pause()
    try:
        H.wait_for(lambda: state(rc3, "minisr")["isr"] == [s0["leader"]], LAG_MS / 1000 + 10,
                   "the ISR shrinks to the leader")
        leader = rc3.brokers[ctl].bootstrap    # the stalled brokers cannot answer
        p = Producer({"bootstrap.servers": leader, "acks": "all", "retries": 0,
                      "message.timeout.ms": 5000})
        codes = []
        p.produce("minisr", value=b"refused", on_delivery=lambda e, m: codes.append(e and e.code()))
        p.flush(15)
        assert codes == [KafkaError.NOT_ENOUGH_REPLICAS]
        assert read_all(rc3, "minisr", leader) == acked   # nothing written, HW readable
    finally:
        for f in followers:
            rc3.brokers[f].resume()
    H.wait_for(lambda: len(state(rc3, "minisr")["isr"]) >= 2, 30, "followers rejoin")
    more, errors = produce(rc3, "minisr", 20, b"again")
    assert errors == []
    assert read_all(rc3, "minisr") == acked + more
