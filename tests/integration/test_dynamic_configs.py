"""Dynamic configuration (issue 11 parts 1, 2 and 8's AlterConfigs half): settings in
/config/<type>/<name>, announced through /config/changes/config_change_NNNNNNNNNN, reach
every broker of a running cluster without a restart (broker/meta/cfgchange.c)."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import wait_topic_in_metadata  # noqa: E402
from kafka_wire import KafkaConn, record_batch  # noqa: E402


@pytest.fixture(scope="module")
def three(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("dyncfg"), zk=zk,
                  log_retention_check_interval_ms="300", log_cleaner_backoff_ms="300")
    yield c
    c.stop()


def create_topic(c, name, config=None, rf=3):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    a.create_topics([NewTopic(name, num_partitions=1, replication_factor=rf,
                              config=config or {})])[name].result(30)
    wait_topic_in_metadata(c.bootstrap, name, 1)


def segments(broker, topic):
    d = broker.log_dir / ("%s-0" % topic)
    return sorted(p.name for p in d.glob("*.log"))


def fill(c, topic, n=40, size=1000):
    """n one-record batches of size bytes, acks=all (every replica has them)."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "linger.ms": 0,
                  "batch.num.messages": 1})
    for i in range(n):
        p.produce(topic, value=b"v" * size, partition=0)
        p.poll(0)
    assert p.flush(30) == 0


def notify(zkc, entity_path):
    zkc.create("/config/changes/config_change_",
               json.dumps({"version": 2, "entity_path": entity_path}).encode(), sequence=True)


def set_topic_config_zk(zkc, topic, config):
    path = "/config/topics/%s" % topic
    data = json.dumps({"version": 1, "config": config}).encode()
    if zkc.exists(path):
        zkc.set(path, data)
    else:
        zkc.create(path, data, makepath=True)
    notify(zkc, "topics/%s" % topic)


def test_zk_change_of_retention_deletes_old_segments_on_every_replica(three):
    """A topic's retention.ms lowered in ZooKeeper (as Kafka's tools do it) deletes the
    old segments of every replica without a restart."""
    create_topic(three, "dyn-ret", {"segment.bytes": "4096"})
    fill(three, "dyn-ret")
    before = {b.id: segments(b, "dyn-ret") for b in three.brokers}
    assert all(len(s) >= 5 for s in before.values()), before
    zkc = three.zk_client()
    set_topic_config_zk(zkc, "dyn-ret", {"segment.bytes": "4096", "retention.ms": "1"})
    H.wait_for(lambda: all(len(segments(b, "dyn-ret")) == 1 for b in three.brokers), 30,
               "old segments deleted on every replica after retention.ms was lowered")


def test_malformed_notifications_and_entities_are_skipped(three):
    """Garbage in /config/changes or in an entity node is logged and skipped; the brokers
    stay up and apply the next good change."""
    create_topic(three, "dyn-bad", {"segment.bytes": "4096"})
    fill(three, "dyn-bad")
    zkc = three.zk_client()
    for junk in [b"", b"{", b"[]", b'{"version":9,"entity_path":"topics/dyn-bad"}',
                 b'{"version":2,"entity_path":"topics/../../brokers"}',
                 b'{"version":2,"entity_path":"nope/x"}', b"\xff\xfe"]:
        zkc.create("/config/changes/config_change_", junk, sequence=True)
    # an entity node that is not Kafka's JSON, announced properly
    zkc.set("/config/topics/dyn-bad", b'{"version":1,"config":{"retention.ms":1}}')
    notify(zkc, "topics/dyn-bad")
    H.wait_for(lambda: all("ignoring /config/topics/dyn-bad" in b.log_text()
                           for b in three.brokers), 20, "every broker logs the bad entity")
    assert all("ignoring notification" in b.log_text() for b in three.brokers)
    assert all(b.running() for b in three.brokers)
    assert all(len(segments(b, "dyn-bad")) >= 5 for b in three.brokers)
    # the next good change is applied
    set_topic_config_zk(zkc, "dyn-bad", {"retention.ms": "1"})
    H.wait_for(lambda: all(len(segments(b, "dyn-bad")) == 1 for b in three.brokers), 30,
               "retention applied after the malformed notifications")
