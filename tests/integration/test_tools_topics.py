"""skein-topics against one real broker and ZooKeeper (what works today).

Both connection modes: --bootstrap-server (librdkafka admin API + Metadata) and
--zookeeper (znodes read and written directly). With one broker, topics created
through ZooKeeper whose only replica is that broker are picked up by it without a
controller, so they can be described with leaders and used. Tests that need the
controller or the broker's DeleteTopics/CreatePartitions/DescribeConfigs are in
test_tools_cluster.py.
"""

import json
import re


from test_tools_helpers import H, metadata_topics, topics, zk_connect

TOPIC_LINE = re.compile(
    r"^Topic: (?P<name>[^\t]+)(\tTopicId: (?P<id>[A-Za-z0-9_-]{22}))?\tPartitionCount: (?P<pc>\d+)"
    r"\tReplicationFactor: (?P<rf>\d+)\tConfigs: (?P<configs>[^\t]*)"
    r"(?P<deleted>\tMarkedForDeletion: true)?$")


def describe_lines(stdout):
    return [line for line in stdout.split("\n") if line]


def wait_leaders(cluster, topic, n_partitions, leader=0, timeout=20):
    """Wait until the broker's Metadata shows topic with n partitions all led by leader."""
    def ok():
        md = metadata_topics(cluster.bootstrap).get(topic)
        return md is not None and len(md) == n_partitions and \
            all(v[0] == leader for v in md.values())
    H.wait_for(ok, timeout, "%s with %d partitions led by %d in Metadata"
               % (topic, n_partitions, leader))


# ----------------------------------------------------------------- usage, no broker needed

def test_help_and_usage_errors():
    r = topics("--help", check=0)
    for opt in ("--bootstrap-server", "--zookeeper", "--create", "--describe",
                "--replica-assignment", "--under-replicated-partitions", "--if-not-exists"):
        assert opt in r.stdout
    for args in (["--list"],                                            # no connection
                 ["--bootstrap-server", "x:1"],                         # no action
                 ["--bootstrap-server", "x:1", "--list", "--delete"],   # two actions
                 ["--bootstrap-server", "x:1", "--create"],             # no topic
                 ["--zookeeper", "x:1", "--create", "--topic", "t"],    # no partitions / RF
                 ["--bootstrap-server", "x:1", "--create", "--topic", "t", "--partitions", "0"],
                 ["--bootstrap-server", "x:1", "--create", "--topic", "t",
                  "--replica-assignment", "0:0"],
                 ["--bootstrap-server", "x:1", "--describe", "--topic", "a("],
                 ["--bootstrap-server", "x:1", "--list", "--nonsense"]):
        r = topics(*args)
        assert r.rc == 2, r
        assert r.stdout == ""
        assert "skein-topics: " in r.stderr and len(r.stderr.splitlines()) <= 2, r


def test_unreachable_zookeeper_chroot_without_cluster(cluster):
    r = topics("--zookeeper", cluster.zk.connect + "/no-such-chroot", "--list")
    assert r.rc == 1, r
    assert "/brokers/topics does not exist" in r.stderr


# ----------------------------------------------------------------- --bootstrap-server

def test_bootstrap_create_describe_list(cluster):
    b = cluster.bootstrap
    r = topics("--bootstrap-server", b, "--create", "--topic", "tb1", "--partitions", "3",
               "--replication-factor", "1", "--config", "retention.ms=3600000", check=0)
    assert r.stdout == "Created topic tb1.\n"

    # the broker wrote Kafka's znodes
    node = cluster.zk_json("/brokers/topics/tb1")
    assert node["partitions"] == {"0": [0], "1": [0], "2": [0]}
    assert cluster.zk_json("/config/topics/tb1")["config"] == {"retention.ms": "3600000"}

    r = topics("--bootstrap-server", b, "--describe", "--topic", "tb1", check=0)
    lines = describe_lines(r.stdout)
    assert len(lines) == 4, r
    m = TOPIC_LINE.match(lines[0])
    assert m, lines[0]
    assert (m["name"], m["pc"], m["rf"]) == ("tb1", "3", "1")
    # configs need DescribeConfigs; a broker without it gets a warning, not a failure
    assert m["configs"] in ("", "retention.ms=3600000"), lines[0]
    if m["configs"] == "":
        assert "DescribeConfigs" in r.stderr
    for p in range(3):
        assert lines[1 + p] == "\tTopic: tb1\tPartition: %d\tLeader: 0\tReplicas: 0\tIsr: 0" % p

    r = topics("--bootstrap-server", b, "--list", check=0)
    names = r.stdout.split()
    assert "tb1" in names
    assert names == sorted(names)


def test_bootstrap_create_errors(cluster):
    b = cluster.bootstrap
    topics("--bootstrap-server", b, "--create", "--topic", "tb2", "--partitions", "1",
           "--replication-factor", "1", check=0)
    r = topics("--bootstrap-server", b, "--create", "--topic", "tb2", "--partitions", "1",
               "--replication-factor", "1")
    assert r.rc == 1, r
    assert r.stderr.startswith("Error while executing topic command : ")
    assert "already exists" in r.stderr
    # --if-not-exists: silent success
    r = topics("--bootstrap-server", b, "--create", "--topic", "tb2", "--partitions", "1",
               "--replication-factor", "1", "--if-not-exists", check=0)
    assert r.stdout == ""
    # more replicas than brokers
    r = topics("--bootstrap-server", b, "--create", "--topic", "tb3", "--partitions", "1",
               "--replication-factor", "2")
    assert r.rc == 1, r
    assert "larger than available brokers" in r.stderr or "REPLICATION_FACTOR" in r.stderr.upper()
    # an invalid name
    r = topics("--bootstrap-server", b, "--create", "--topic", "bad/name", "--partitions", "1",
               "--replication-factor", "1")
    assert r.rc == 1, r
    assert "tb3" not in metadata_topics(b)


def test_bootstrap_create_defaults_and_assignment(cluster):
    b = cluster.bootstrap
    # no --partitions/--replication-factor: the broker's num.partitions (1 here)
    topics("--bootstrap-server", b, "--create", "--topic", "tb-default", check=0)
    assert cluster.zk_json("/brokers/topics/tb-default")["partitions"] == {"0": [0]}
    topics("--bootstrap-server", b, "--create", "--topic", "tb-assigned",
           "--replica-assignment", "0,0,0,0", check=0)
    assert cluster.zk_json("/brokers/topics/tb-assigned")["partitions"] == \
        {str(p): [0] for p in range(4)}


def test_bootstrap_describe_missing_and_filters(cluster):
    b = cluster.bootstrap
    r = topics("--bootstrap-server", b, "--describe", "--topic", "no-such-topic")
    assert r.rc == 1, r
    assert "Topic 'no-such-topic' does not exist as expected" in r.stderr
    r = topics("--bootstrap-server", b, "--describe", "--topic", "no-such-topic", "--if-exists",
               check=0)
    assert r.stdout == ""
    for t in ("rx-a", "rx-b", "other-rx"):
        topics("--bootstrap-server", b, "--create", "--topic", t, "--partitions", "1",
               "--replication-factor", "1", check=0)
    # --topic is a regular expression over whole names; ',' means "or"
    r = topics("--bootstrap-server", b, "--describe", "--topic", "rx-.*", check=0)
    shown = [TOPIC_LINE.match(x)["name"] for x in describe_lines(r.stdout) if x.startswith("Topic")]
    assert shown == ["rx-a", "rx-b"]
    r = topics("--bootstrap-server", b, "--list", "--topic", "rx-b,other-rx", check=0)
    assert r.stdout == "other-rx\nrx-b\n"
    # healthy single-broker topics: no under-replicated or unavailable partitions
    r = topics("--bootstrap-server", b, "--describe", "--under-replicated-partitions", check=0)
    assert r.stdout == ""
    r = topics("--bootstrap-server", b, "--describe", "--unavailable-partitions", check=0)
    assert r.stdout == ""


def test_bootstrap_unreachable_broker():
    port = H.free_port()
    r = topics("--bootstrap-server", "127.0.0.1:%d" % port, "--list", timeout=90)
    assert r.rc == 1, r
    assert "Error while executing topic command" in r.stderr


# ----------------------------------------------------------------- --zookeeper

def test_zookeeper_create_writes_kafka_znodes(cluster):
    z = zk_connect(cluster)
    r = topics("--zookeeper", z, "--create", "--topic", "tz1", "--partitions", "2",
               "--replication-factor", "1", "--config", "cleanup.policy=compact",
               "--config", "retention.ms=1000", check=0)
    assert r.stdout == "Created topic tz1.\n"
    zkc = cluster.zk_client()
    raw, _ = zkc.get("/brokers/topics/tz1")
    node = json.loads(raw)
    # v3 JSON, Kafka's (Scala 2.13) key order, a 22-character topic id
    assert list(node) == ["partitions", "topic_id", "adding_replicas", "removing_replicas",
                          "version"]
    assert node["version"] == 3
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", node["topic_id"])
    assert node["partitions"] == {"0": [0], "1": [0]}
    assert node["adding_replicas"] == {} and node["removing_replicas"] == {}
    raw, _ = zkc.get("/config/topics/tz1")
    assert json.loads(raw) == {"version": 1, "config": {"cleanup.policy": "compact",
                                                        "retention.ms": "1000"}}

    # the broker (sole replica) takes the partitions: Metadata and the state nodes
    wait_leaders(cluster, "tz1", 2)
    H.wait_for(lambda: all(zkc.exists("/brokers/topics/tz1/partitions/%d/state" % p)
                           for p in range(2)), 20, "state znodes of tz1")

    r = topics("--zookeeper", z, "--describe", "--topic", "tz1", check=0)
    assert describe_lines(r.stdout) == [
        "Topic: tz1\tTopicId: %s\tPartitionCount: 2\tReplicationFactor: 1\t"
        "Configs: cleanup.policy=compact,retention.ms=1000" % node["topic_id"],
        "\tTopic: tz1\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0",
        "\tTopic: tz1\tPartition: 1\tLeader: 0\tReplicas: 0\tIsr: 0",
    ]
    # both modes list it
    assert "tz1" in topics("--zookeeper", z, "--list", check=0).stdout.split()
    assert "tz1" in topics("--bootstrap-server", cluster.bootstrap, "--list",
                           check=0).stdout.split()


def test_zookeeper_assignment_spreads_over_live_brokers(cluster):
    # one live broker: every replica on broker 0, whatever the random start
    z = zk_connect(cluster)
    topics("--zookeeper", z, "--create", "--topic", "tz-spread", "--partitions", "5",
           "--replication-factor", "1", check=0)
    assert cluster.zk_json("/brokers/topics/tz-spread")["partitions"] == \
        {str(p): [0] for p in range(5)}
    wait_leaders(cluster, "tz-spread", 5)


def test_zookeeper_create_errors(cluster):
    z = zk_connect(cluster)
    topics("--zookeeper", z, "--create", "--topic", "tz2", "--partitions", "1",
           "--replication-factor", "1", check=0)
    r = topics("--zookeeper", z, "--create", "--topic", "tz2", "--partitions", "1",
               "--replication-factor", "1")
    assert r.rc == 1 and "Topic 'tz2' already exists." in r.stderr, r
    topics("--zookeeper", z, "--create", "--topic", "tz2", "--partitions", "1",
           "--replication-factor", "1", "--if-not-exists", check=0)
    r = topics("--zookeeper", z, "--create", "--topic", "tz3", "--partitions", "1",
               "--replication-factor", "2")
    assert r.rc == 1 and "Replication factor: 2 larger than available brokers: 1." in r.stderr
    r = topics("--zookeeper", z, "--create", "--topic", "tz3", "--partitions", "1",
               "--replication-factor", "1", "--config", "no.such.config=1")
    assert r.rc == 1 and "Unknown topic config name: no.such.config" in r.stderr
    r = topics("--zookeeper", z, "--create", "--topic", "bad name", "--partitions", "1",
               "--replication-factor", "1")
    assert r.rc == 1, r
    # '.' and '_' collide
    r = topics("--zookeeper", z, "--create", "--topic", "tz.dot", "--partitions", "1",
               "--replication-factor", "1", check=0)
    assert "WARNING: Due to limitations in metric names" in r.stdout
    r = topics("--zookeeper", z, "--create", "--topic", "tz_dot", "--partitions", "1",
               "--replication-factor", "1")
    assert r.rc == 1 and "collides with existing topics: tz.dot" in r.stderr
    zkc = cluster.zk_client()
    for t in ("tz3", "tz_dot"):
        assert zkc.exists("/brokers/topics/" + t) is None


def test_zookeeper_alter_partitions(cluster):
    z = zk_connect(cluster)
    topics("--zookeeper", z, "--create", "--topic", "tz-grow", "--partitions", "2",
           "--replication-factor", "1", check=0)
    before = cluster.zk_json("/brokers/topics/tz-grow")
    wait_leaders(cluster, "tz-grow", 2)
    r = topics("--zookeeper", z, "--alter", "--topic", "tz-grow", "--partitions", "5", check=0)
    assert "Adding partitions succeeded!" in r.stdout
    after = cluster.zk_json("/brokers/topics/tz-grow")
    assert after["topic_id"] == before["topic_id"]
    assert after["partitions"] == {str(p): [0] for p in range(5)}
    wait_leaders(cluster, "tz-grow", 5)
    # shrinking is refused and changes nothing
    r = topics("--zookeeper", z, "--alter", "--topic", "tz-grow", "--partitions", "3")
    assert r.rc == 1 and "can only be increased" in r.stderr, r
    # explicit assignment: the list covers all partitions; brokers must be live
    r = topics("--zookeeper", z, "--alter", "--topic", "tz-grow", "--partitions", "6",
               "--replica-assignment", "0,0,0,0,0,7")
    assert r.rc == 1 and "Unknown broker(s) in replica assignment: 7." in r.stderr, r
    r = topics("--zookeeper", z, "--alter", "--topic", "tz-grow", "--partitions", "7",
               "--replica-assignment", "0,0,0,0,0,0")
    assert r.rc == 1 and "assignments provided" in r.stderr, r
    assert len(cluster.zk_json("/brokers/topics/tz-grow")["partitions"]) == 5
    topics("--zookeeper", z, "--alter", "--topic", "tz-grow", "--partitions", "6",
           "--replica-assignment", "0,0,0,0,0,0", check=0)
    assert len(cluster.zk_json("/brokers/topics/tz-grow")["partitions"]) == 6
    r = topics("--zookeeper", z, "--alter", "--topic", "tz-none", "--partitions", "6")
    assert r.rc == 1 and "does not exist as expected" in r.stderr
    topics("--zookeeper", z, "--alter", "--topic", "tz-none", "--partitions", "6",
           "--if-exists", check=0)


def test_zookeeper_delete_marks_topic(cluster):
    """--delete writes Kafka's deletion mark; the controller then deletes the topic
    (znodes and data) and removes the mark, after which the name can be reused."""
    z = zk_connect(cluster)
    topics("--zookeeper", z, "--create", "--topic", "tz-del", "--partitions", "1",
           "--replication-factor", "1", check=0)
    zkc = cluster.zk_client()
    H.wait_for(lambda: zkc.exists("/brokers/topics/tz-del/partitions/0/state"), 30,
               "tz-del gets a leader")
    r = topics("--zookeeper", z, "--delete", "--topic", "tz-del", check=0)
    assert "Topic tz-del is marked for deletion." in r.stdout
    H.wait_for(lambda: not zkc.exists("/brokers/topics/tz-del")
               and not zkc.exists("/admin/delete_topics/tz-del")
               and not zkc.exists("/config/topics/tz-del"), 30,
               "the controller deletes tz-del and its mark")
    H.wait_for(lambda: not [d for b in cluster.brokers for d in b.log_dir.glob("tz-del-*")],
               30, "the partition directory of tz-del leaves every broker's disk")
    assert "tz-del" not in topics("--zookeeper", z, "--list", check=0).stdout
    topics("--zookeeper", z, "--create", "--topic", "tz-del", "--partitions", "1",
           "--replication-factor", "1", check=0)
    r = topics("--zookeeper", z, "--delete", "--topic", "tz-never")
    assert r.rc == 1 and "does not exist as expected" in r.stderr
    topics("--zookeeper", z, "--delete", "--topic", "tz-never", "--if-exists", check=0)


def test_zookeeper_unavailable_and_under_replicated(cluster):
    z = zk_connect(cluster)
    # replicas on brokers that do not exist: no leader, empty ISR
    topics("--zookeeper", z, "--create", "--topic", "tz-orphan", "--replica-assignment", "5:6",
           check=0)
    expected = ["\tTopic: tz-orphan\tPartition: 0\tLeader: none\tReplicas: 5,6\tIsr: "]
    r = topics("--zookeeper", z, "--describe", "--topic", "tz-orphan", "--unavailable-partitions",
               check=0)
    assert describe_lines(r.stdout) == expected
    r = topics("--zookeeper", z, "--describe", "--topic", "tz-orphan",
               "--under-replicated-partitions", check=0)
    assert describe_lines(r.stdout) == expected
    # healthy topics are not listed by the filters
    topics("--zookeeper", z, "--create", "--topic", "tz-ok", "--partitions", "1",
           "--replication-factor", "1", check=0)
    wait_leaders(cluster, "tz-ok", 1)
    r = topics("--zookeeper", z, "--describe", "--unavailable-partitions", check=0)
    assert "tz-ok" not in r.stdout and "tz-orphan" in r.stdout
    # --topics-with-overrides: only topics with configs, only their topic line
    topics("--zookeeper", z, "--create", "--topic", "tz-ovr", "--partitions", "1",
           "--replication-factor", "1", "--config", "retention.ms=5000", check=0)
    r = topics("--zookeeper", z, "--describe", "--topics-with-overrides", "--topic", "tz-o.*",
               check=0)
    lines = describe_lines(r.stdout)
    assert len(lines) == 1 and lines[0].startswith("Topic: tz-ovr\t"), r
