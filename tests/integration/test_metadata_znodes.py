"""kcat -L and the znodes a single broker writes (spec/zookeeper-layout.md §1-§2)."""

import json
import re
import time

import pytest

import skein_harness as H
from clients import kcat_metadata, kcat, kp_admin, wait_topic_in_metadata

URLSAFE22 = re.compile(r"^[A-Za-z0-9_-]{22}$")

TOP_LEVEL = [
    "/consumers", "/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/changes",
    "/admin/delete_topics", "/isr_change_notification", "/latest_producer_id_block",
    "/log_dir_event_notification", "/config/topics", "/config/clients", "/config/users",
    "/config/brokers", "/config/ips",
]


def ordered_json(raw):
    """Parse JSON keeping key order: returns (value, key order of the top-level object)."""
    pairs_holder = []

    def hook(pairs):
        pairs_holder.append([k for k, _ in pairs])
        return dict(pairs)
    v = json.loads(raw.decode("utf-8"), object_pairs_hook=hook)
    return v, pairs_holder[-1]


def assert_compact(raw):
    v = json.loads(raw.decode("utf-8"))
    assert raw.decode("utf-8") == json.dumps(v, separators=(",", ":"), ensure_ascii=False), \
        "JSON is not compact: %r" % raw


@pytest.fixture(scope="module")
def topic3(cluster):
    """A 3-partition topic made with kafka-python's admin (CreateTopics)."""
    from kafka.admin import NewTopic
    a = kp_admin(cluster.bootstrap)
    try:
        a.create_topics([NewTopic("znode-topic", 3, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(cluster.bootstrap, "znode-topic", 3)
    return "znode-topic"


def test_kcat_lists_broker_with_host_and_port(cluster):
    b = cluster.broker(0)
    md = kcat_metadata(cluster.bootstrap)
    brokers = {br["id"]: br["name"] for br in md["brokers"]}
    assert brokers == {0: "127.0.0.1:%d" % b.port}


def test_kcat_lists_topics(cluster, topic3):
    md = kcat_metadata(cluster.bootstrap)
    topics = {t["topic"]: t for t in md["topics"]}
    assert topic3 in topics
    parts = sorted(topics[topic3]["partitions"], key=lambda p: p["partition"])
    assert [p["partition"] for p in parts] == [0, 1, 2]
    for p in parts:
        assert p["leader"] == 0
        assert [r["id"] for r in p["replicas"]] == [0]
        assert [r["id"] for r in p["isrs"]] == [0]
    # the plain-text listing a user reads
    out = kcat(["-b", cluster.bootstrap, "-L"]).stdout.decode()
    assert "broker 0 at 127.0.0.1:%d" % cluster.broker(0).port in out
    assert 'topic "%s" with 3 partitions' % topic3 in out


def test_broker_registration_znode(cluster):
    b = cluster.broker(0)
    raw, stat = b.registration()
    v, order = ordered_json(raw)
    assert_compact(raw)
    assert order == ["features", "listener_security_protocol_map", "endpoints", "jmx_port",
                     "port", "host", "version", "timestamp"]
    assert v["features"] == {}
    assert v["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"}
    assert v["endpoints"] == ["PLAINTEXT://127.0.0.1:%d" % b.port]
    assert v["jmx_port"] == -1
    assert v["port"] == b.port
    assert v["host"] == "127.0.0.1"
    assert v["version"] == 5
    assert isinstance(v["timestamp"], str) and v["timestamp"].isdigit()
    ts = int(v["timestamp"])
    now = int(time.time() * 1000)
    assert now - 3600_000 < ts <= now + 1000
    # ephemeral, owned by a live session
    assert stat.ephemeralOwner != 0


def test_broker_registration_is_multi_create_then_set(cluster):
    # Kafka 2.2+: create(null, EPHEMERAL) + setData(json, version 0) in one multi -> dataVersion 1
    _, stat = cluster.broker(0).registration()
    assert stat.version == 1


def test_cluster_id_znode(cluster):
    raw, _ = cluster.zk_client().get("/cluster/id")
    v, order = ordered_json(raw)
    assert_compact(raw)
    assert order == ["version", "id"]
    assert v["version"] == "1"
    assert URLSAFE22.match(v["id"]), v["id"]
    # /cluster itself has null data
    assert cluster.zk_client().get("/cluster")[0] in (None, b"")


def test_top_level_paths_exist_under_chroot(cluster):
    zkc = cluster.zk_client()
    missing = [p for p in TOP_LEVEL if zkc.exists(p) is None]
    assert missing == []
    assert sorted(zkc.get_children("/brokers")) == ["ids", "seqid", "topics"]
    assert zkc.get_children("/brokers/ids") == ["0"]


def test_chroot_is_honoured(cluster, topic3):
    root = cluster.zk.client()
    assert root.exists(cluster.chroot) is not None
    # nothing Kafka-shaped outside the chroot
    kafka_names = {"brokers", "cluster", "config", "consumers", "admin", "isr_change_notification",
                   "latest_producer_id_block", "log_dir_event_notification", "controller",
                   "controller_epoch"}
    leaked = kafka_names & set(root.get_children("/"))
    assert leaked == set(), "created outside chroot %s: %s" % (cluster.chroot, leaked)
    assert root.exists(cluster.chroot + "/brokers/ids/0") is not None
    assert root.exists(cluster.chroot + "/brokers/topics/" + topic3) is not None


def test_topic_znode(cluster, topic3):
    zkc = cluster.zk_client()
    raw, _ = zkc.get("/brokers/topics/" + topic3)
    v, order = ordered_json(raw)
    assert_compact(raw)
    expected_order = ["partitions", "topic_id", "adding_replicas", "removing_replicas", "version"]
    if "topic_id" not in v:
        expected_order.remove("topic_id")
    else:
        assert URLSAFE22.match(v["topic_id"]) and not v["topic_id"].startswith("-")
    assert order == expected_order
    assert v["partitions"] == {"0": [0], "1": [0], "2": [0]}
    assert list(v["partitions"]) == ["0", "1", "2"]
    assert v["adding_replicas"] == {} and v["removing_replicas"] == {}
    assert v["version"] == 3


def test_partition_state_znodes(cluster, topic3):
    zkc = cluster.zk_client()
    assert sorted(zkc.get_children("/brokers/topics/%s/partitions" % topic3)) == ["0", "1", "2"]
    for p in range(3):
        assert zkc.get_children("/brokers/topics/%s/partitions/%d" % (topic3, p)) == ["state"]
        raw, _ = zkc.get("/brokers/topics/%s/partitions/%d/state" % (topic3, p))
        v, order = ordered_json(raw)
        assert_compact(raw)
        assert order == ["controller_epoch", "leader", "version", "leader_epoch", "isr"]
        assert v["leader"] == 0
        assert v["version"] == 1
        assert v["leader_epoch"] == 0
        assert v["isr"] == [0]
        assert isinstance(v["controller_epoch"], int) and v["controller_epoch"] >= 0


def test_topic_config_znode(cluster, topic3):
    raw, _ = cluster.zk_client().get("/config/topics/" + topic3)
    v, order = ordered_json(raw)
    assert_compact(raw)
    assert order == ["version", "config"]
    assert v == {"version": 1, "config": {}}


def test_partition_dirs_on_disk(cluster, topic3):
    b = cluster.broker(0)
    for p in range(3):
        d = b.partition_dir(topic3, p)
        H.wait_for(d.is_dir, 10, "partition dir %s" % d)
        assert (d / ("%020d.log" % 0)).exists()


def test_meta_properties_records_broker_and_cluster_id(cluster):
    b = cluster.broker(0)
    mp = b.log_dir / "meta.properties"
    H.wait_for(mp.exists, 10, "%s" % mp)
    props = {}
    for line in mp.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            props[k.strip()] = v.strip()
    assert props.get("broker.id") == "0"
    assert props.get("version") == "0"
    cid = cluster.zk_json("/cluster/id")["id"]
    assert props.get("cluster.id") == cid
