"""A broker that has started but not yet heard from the controller (no UpdateMetadata since
start-up) does not know which topics exist. Asked for a topic it does not know, it answers
LEADER_NOT_AVAILABLE (retriable), not UNKNOWN_TOPIC_OR_PARTITION: librdkafka takes the latter
for a deleted topic and fails produce() with "Unknown topic" (issue 13's fault campaign met
this when a restarted broker was asked first). Once the controller speaks, the topic is there.

The window is held open on purpose: the controller is stopped with SIGSTOP while the other
broker restarts, and resumed before its ZooKeeper session could expire."""

import pytest

from kafka.admin import NewTopic

import skein_harness as H
from clients import kp_admin
from kafka_wire import KafkaConn

UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE = 3, 5
SESSION_MS = 30000


@pytest.fixture
def two(zk, skeind_bin, tmp_path):
    c = H.Cluster(2, tmp_path / "ms", zk=zk, auto_create_topics_enable="false",
                  zookeeper_session_timeout_ms=str(SESSION_MS))
    yield c
    for b in c.brokers:
        if b.running():
            b.resume()
    c.stop()


def topic_answer(broker, topic):
    with KafkaConn.to(broker.bootstrap) as k:
        md = k.metadata([topic])
    return md["topics"][topic]


def test_unknown_before_first_update_metadata(two):
    c = two
    ctl = H.controller_id(c)
    other = c.broker(1 - ctl)
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic("ms", -1, -1, replica_assignments={0: [ctl]})])
    finally:
        a.close()
    H.wait_for(lambda: topic_answer(other, "ms")[0] == 0, 30, "topic ms known to both brokers")
    # a topic nobody created is unknown, as in Kafka
    assert topic_answer(other, "never-created")[0] == UNKNOWN_TOPIC_OR_PARTITION

    other.stop()
    c.broker(ctl).pause()                      # the controller cannot send UpdateMetadata
    try:
        other.start(ready_timeout=20)          # registered in ZooKeeper, listening
        err, parts = topic_answer(other, "ms")
        assert err == LEADER_NOT_AVAILABLE, "a restarted broker without metadata answered %d" % err
        assert parts == {}
        # nor does it know that a topic does not exist
        assert topic_answer(other, "never-created")[0] == LEADER_NOT_AVAILABLE
    finally:
        c.broker(ctl).resume()
    ans = H.wait_for(lambda: (lambda a: a if a[0] == 0 else None)(topic_answer(other, "ms")), 30,
                     "the topic in the restarted broker's metadata after UpdateMetadata")
    assert ans[1][0] == (0, ctl)
    assert topic_answer(other, "never-created")[0] == UNKNOWN_TOPIC_OR_PARTITION
