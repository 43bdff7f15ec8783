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


# ---------------------------------------------------------------- AlterConfigs and friends

from test_describe_configs import describe_configs  # noqa: E402

TOPIC, BROKER = 2, 4
SRC_TOPIC, SRC_DYN_BROKER, SRC_DYN_DEFAULT, SRC_STATIC, SRC_DEFAULT = 1, 2, 3, 4, 5
INVALID_CONFIG, INVALID_REQUEST = 40, 42


def describe_everywhere(c, rtype, name, keys):
    """{broker id: {key: (value, source)}} from DescribeConfigs v1 sent to every broker."""
    out = {}
    for b in c.brokers:
        with KafkaConn.to(b.bootstrap) as k:
            err, cfg = describe_configs(k, 1, [(rtype, name, keys)], synonyms=True)[name]
        assert err == 0, (b.id, err)
        out[b.id] = {key: (v["value"], v["source"]) for key, v in cfg.items()}
    return out


def wait_described(c, rtype, name, want, brokers=None):
    """Every broker (or the brokers given: broker resources) describes want {key: (value,
    source)}."""
    def ok():
        for b in brokers or c.brokers:
            with KafkaConn.to(b.bootstrap) as k:
                err, cfg = describe_configs(k, 1, [(rtype, name, list(want))])[name]
            got = {key: (v["value"], v["source"]) for key, v in cfg.items()}
            if err or got != want:
                return False
        return True
    H.wait_for(ok, 20, "%s %s described as %s" % (rtype, name, want))


def zk_state(c, path):
    """A znode's data and version, and how many change notifications there are."""
    zkc = c.zk_client()
    st = zkc.exists(path)
    data = zkc.get(path)[0] if st else None
    return data, st.version if st else None, len(zkc.get_children("/config/changes"))


def broker_log_says(b, text):
    return text in b.log_text()


def test_kafka_python_alter_configs_topic_and_default_broker(three):
    """kafka-python's alter_configs (AlterConfigs v1): a topic's retention.ms and
    cleanup.policy, and the cluster default of log.cleaner.threads; every broker describes
    them with their source, and the lowered retention deletes old segments."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
    create_topic(three, "kp-alter", {"segment.bytes": "4096"})
    fill(three, "kp-alter")
    a = KafkaAdminClient(bootstrap_servers=three.bootstrap)
    try:
        resp = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-alter", configs={
            "segment.bytes": "4096", "retention.ms": "1", "cleanup.policy": "delete"})])
        assert [(e, n) for e, _m, _t, n in resp.resources] == [(0, "kp-alter")]
        resp = a.alter_configs([ConfigResource(ConfigResourceType.BROKER, "", configs={
            "log.cleaner.threads": "3"})])
        assert [e for e, _m, _t, _n in resp.resources] == [0]
    finally:
        a.close()
    zkc = three.zk_client()
    assert json.loads(zkc.get("/config/topics/kp-alter")[0]) == {"version": 1, "config": {
        "segment.bytes": "4096", "retention.ms": "1", "cleanup.policy": "delete"}}
    assert json.loads(zkc.get("/config/brokers/<default>")[0]) == {
        "version": 1, "config": {"log.cleaner.threads": "3"}}
    wait_described(three, TOPIC, "kp-alter", {"retention.ms": ("1", SRC_TOPIC),
                                               "cleanup.policy": ("delete", SRC_TOPIC)})
    for b in three.brokers:
        wait_described(three, BROKER, str(b.id), {"log.cleaner.threads": ("3", SRC_DYN_DEFAULT)},
                       brokers=[b])
    wait_described(three, BROKER, "", {"log.cleaner.threads": ("3", SRC_DYN_DEFAULT)})
    H.wait_for(lambda: all(len(segments(b, "kp-alter")) == 1 for b in three.brokers), 30,
               "old segments deleted on every replica")
    H.wait_for(lambda: all(broker_log_says(b, "log cleaner started: 3 thread(s)")
                           for b in three.brokers), 20, "every broker's cleaner runs 3 threads")


def test_confluent_alter_configs_topic_and_one_broker(three):
    """confluent-kafka's alter_configs (librdkafka: AlterConfigs, a broker resource sent to
    that broker): the topic's settings and broker 1's own log.cleaner.threads, which wins
    over the cluster default on broker 1 only."""
    from confluent_kafka.admin import AdminClient, ConfigResource
    create_topic(three, "cf-alter", {"segment.bytes": "4096"})
    fill(three, "cf-alter")
    a = AdminClient({"bootstrap.servers": three.bootstrap})
    rt = ConfigResource(ConfigResource.Type.TOPIC, "cf-alter", set_config={
        "segment.bytes": "4096", "retention.ms": "1", "cleanup.policy": "compact,delete"})
    rb = ConfigResource(ConfigResource.Type.BROKER, "1", set_config={"log.cleaner.threads": "2"})
    for res, fut in a.alter_configs([rt, rb]).items():
        fut.result(30)
    wait_described(three, TOPIC, "cf-alter", {"retention.ms": ("1", SRC_TOPIC),
                                               "cleanup.policy": ("compact,delete", SRC_TOPIC)})
    wait_described(three, BROKER, "1", {"log.cleaner.threads": ("2", SRC_DYN_BROKER)},
                   brokers=[three.brokers[1]])
    # synonyms, most precedent first: broker 1's own, then the default (when one is set)
    with KafkaConn.to(three.brokers[1].bootstrap) as k:
        err, cfg = describe_configs(k, 1, [(BROKER, "1", ["log.cleaner.threads"])],
                                    synonyms=True)["1"]
    syn = cfg["log.cleaner.threads"]["synonyms"]
    assert syn[0] == ("log.cleaner.threads", "2", SRC_DYN_BROKER), syn
    assert syn[-1] == ("log.cleaner.threads", "1", SRC_DEFAULT), syn
    assert not cfg["log.cleaner.threads"]["read_only"]
    H.wait_for(lambda: broker_log_says(three.brokers[1], "log cleaner started: 2 thread(s)"), 20,
               "broker 1's cleaner runs 2 threads")
    H.wait_for(lambda: all(len(segments(b, "cf-alter")) == 1 for b in three.brokers), 30,
               "old segments deleted on every replica")
    # confluent-kafka's describe from every broker agrees
    for b in three.brokers:
        d = AdminClient({"bootstrap.servers": b.bootstrap})
        got = d.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "cf-alter")])
        cfg = list(got.values())[0].result(30)
        assert cfg["retention.ms"].value == "1"
        assert cfg["retention.ms"].source == SRC_TOPIC


def raw_alter(k, version, resources, validate_only=False):
    """AlterConfigs (33) v0/v1 hand-built: resources [(type, name, {key: value or None})].
    Returns [(error, message, type, name)]."""
    body = array([i8(t) + string(n) + array([string(key) + string(v) for key, v in cfg.items()])
                  for t, n, cfg in resources]) + i8(1 if validate_only else 0)
    r = k.request(33, version, body)
    r.i32()
    return r.array(lambda: (r.i16(), r.string(), r.i8(), r.string()))


def raw_incremental(k, resources, validate_only=False):
    """IncrementalAlterConfigs (44) v0 hand-built: resources [(type, name, [(key, op,
    value)])]. Returns [(error, message, type, name)]."""
    body = array([i8(t) + string(n) + array([string(key) + i8(op) + string(v)
                                             for key, op, v in ops])
                  for t, n, ops in resources]) + i8(1 if validate_only else 0)
    r = k.request(44, 0, body)
    r.i32()
    return r.array(lambda: (r.i16(), r.string(), r.i8(), r.string()))


from kafka_wire import array, i8, string  # noqa: E402


def test_refusals_write_nothing(three):
    """A read-only broker key, a bad value, an unknown topic key and APPEND on a number are
    refused with Kafka's codes and messages, and ZooKeeper is unchanged; validate_only
    checks without writing."""
    create_topic(three, "refuse", {"retention.ms": "100000"})
    b0 = three.brokers[0]
    before_t = zk_state(three, "/config/topics/refuse")
    before_b = zk_state(three, "/config/brokers/0")
    with KafkaConn.to(b0.bootstrap) as k:
        got = raw_alter(k, 1, [(BROKER, "0", {"broker.id": "7"})])
        assert got[0][0] == INVALID_REQUEST
        assert got[0][1] == ("Invalid config value for resource ConfigResource(type=BROKER, "
                             "name='0'): Cannot update these configs dynamically: Set(broker.id)")
        got = raw_alter(k, 0, [(TOPIC, "refuse", {"retention.ms": "abc"})])
        assert got[0][0] == INVALID_REQUEST
        assert got[0][1].startswith("Invalid config value for resource ConfigResource("
                                    "type=TOPIC, name='refuse'): Invalid value abc for "
                                    "configuration retention.ms"), got
        got = raw_alter(k, 1, [(BROKER, "0", {"log.cleaner.threads": "99"})])
        assert got[0][0] == INVALID_REQUEST and "log.cleaner.threads" in got[0][1]
        got = raw_alter(k, 1, [(TOPIC, "refuse", {"no.such.key": "1"})])
        assert got[0][:2] == (INVALID_CONFIG, "Unknown topic config name: no.such.key")
        got = raw_incremental(k, [(TOPIC, "refuse", [("retention.ms", 2, "5")])])
        assert got[0][:2] == (INVALID_CONFIG,
                              "Config value append is not allowed for config key: retention.ms")
        got = raw_alter(k, 1, [(TOPIC, "refuse", {"retention.ms": "5"})], validate_only=True)
        assert got[0][0] == 0
        got = raw_alter(k, 1, [(TOPIC, "no-such-topic", {"retention.ms": "5"})])
        assert got[0][0] == 3  # UNKNOWN_TOPIC_OR_PARTITION
        got = raw_alter(k, 1, [(BROKER, "2", {"log.cleaner.threads": "2"})])
        assert got[0][0] == INVALID_REQUEST  # a broker's resource goes to that broker
    assert zk_state(three, "/config/topics/refuse") == before_t
    assert zk_state(three, "/config/brokers/0") == before_b
    assert all(b.running() for b in three.brokers)


def test_incremental_alter_configs_four_ops(three):
    """IncrementalAlterConfigs hand-built: SET, APPEND, SUBTRACT, DELETE, each leaving
    Kafka's JSON in /config/topics/<t>, and a SET on the broker."""
    create_topic(three, "incr", {"segment.bytes": "100000"})
    zkc = three.zk_client()

    def cfg():
        return json.loads(zkc.get("/config/topics/incr")[0])["config"]
    with KafkaConn.to(three.brokers[2].bootstrap) as k:
        assert raw_incremental(k, [(TOPIC, "incr", [("retention.ms", 0, "3600000")])])[0][0] == 0
        assert cfg() == {"segment.bytes": "100000", "retention.ms": "3600000"}
        assert raw_incremental(k, [(TOPIC, "incr", [("cleanup.policy", 2, "compact")])])[0][0] == 0
        assert cfg()["cleanup.policy"] == "delete,compact"
        assert raw_incremental(k, [(TOPIC, "incr", [("cleanup.policy", 3, "delete")])])[0][0] == 0
        assert cfg()["cleanup.policy"] == "compact"
        assert raw_incremental(k, [(TOPIC, "incr", [("retention.ms", 1, None),
                                                    ("segment.bytes", 0, "200000")])])[0][0] == 0
        assert cfg() == {"segment.bytes": "200000", "cleanup.policy": "compact"}
        assert raw_incremental(k, [(BROKER, "2", [("log.retention.bytes", 0, "999999")])])[0][0] == 0
    wait_described(three, TOPIC, "incr", {"cleanup.policy": ("compact", SRC_TOPIC),
                                          "segment.bytes": ("200000", SRC_TOPIC)})
    wait_described(three, BROKER, "2", {"log.retention.bytes": ("999999", SRC_DYN_BROKER)},
                   brokers=[three.brokers[2]])
    # a topic without its own retention.bytes now falls back on broker 2's dynamic value
    with KafkaConn.to(three.brokers[2].bootstrap) as k:
        err, c = describe_configs(k, 1, [(TOPIC, "incr", ["retention.bytes"])])["incr"]
    assert c["retention.bytes"]["value"] == "999999"
    assert c["retention.bytes"]["source"] == SRC_DYN_BROKER
    # deleting it brings the file's value back
    with KafkaConn.to(three.brokers[2].bootstrap) as k:
        assert raw_incremental(k, [(BROKER, "2", [("log.retention.bytes", 1, None)])])[0][0] == 0
    wait_described(three, BROKER, "2", {"log.retention.bytes": ("-1", SRC_DEFAULT)},
                   brokers=[three.brokers[2]])


def test_alter_right_after_create(three):
    """AlterConfigs on a topic created a moment ago works on every broker, even one whose
    metadata has not caught up (it reads /brokers/topics/<t> from ZooKeeper)."""
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": three.brokers[0].bootstrap})
    names = ["race-%d" % i for i in range(3)]
    futs = a.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names],
                           operation_timeout=0)
    for f in futs.values():
        f.result(30)
    for i, n in enumerate(names):
        with KafkaConn.to(three.brokers[(i + 1) % 3].bootstrap) as k:
            got = raw_alter(k, 1, [(TOPIC, n, {"retention.ms": "123456"})])
        assert got[0][0] == 0, got
        assert json.loads(three.zk_client().get("/config/topics/" + n)[0])["config"] == {
            "retention.ms": "123456"}


# ---------------------------------------------------------------- skein-configs

def configs(*args, check=True):
    import subprocess
    p = subprocess.run([H.tool_path("skein-configs")] + list(args), capture_output=True,
                       timeout=60)
    if check:
        assert p.returncode == 0, (args, p.stderr.decode())
    return p


def test_skein_configs_bootstrap_and_zookeeper(three):
    """skein-configs with kafka-configs.sh's flags: --bootstrap-server (describe, merge,
    AlterConfigs) changes a topic's retention.ms and cleanup.policy keeping its other
    override; --zookeeper changes broker 2's log.cleaner.threads, a user's and a client's
    quotas; Kafka's output; refusals exit 2 and write nothing."""
    create_topic(three, "sc-alter", {"segment.bytes": "4096"})
    fill(three, "sc-alter")
    zk = three.brokers[0].zk_connect
    boot = three.bootstrap
    out = configs("--bootstrap-server", boot, "--entity-type", "topics", "--entity-name",
                  "sc-alter", "--alter", "--add-config",
                  "retention.ms=1,cleanup.policy=[compact,delete]").stdout.decode()
    assert out == "Completed updating config for topic sc-alter.\n"
    assert json.loads(three.zk_client().get("/config/topics/sc-alter")[0])["config"] == {
        "segment.bytes": "4096", "retention.ms": "1", "cleanup.policy": "compact,delete"}
    out = configs("--bootstrap-server", boot, "--entity-type", "topics", "--entity-name",
                  "sc-alter", "--describe").stdout.decode()
    lines = out.splitlines()
    assert lines[0] == "Dynamic configs for topic sc-alter are:"
    assert "  retention.ms=1 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1, " \
           "DEFAULT_CONFIG:log.retention.ms=604800000}" in lines, out
    assert len(lines) == 4, out
    H.wait_for(lambda: all(len(segments(b, "sc-alter")) == 1 for b in three.brokers), 30,
               "old segments deleted on every replica")
    out = configs("--bootstrap-server", boot, "--entity-type", "topics", "--entity-name",
                  "sc-alter", "--alter", "--delete-config", "cleanup.policy").stdout.decode()
    assert json.loads(three.zk_client().get("/config/topics/sc-alter")[0])["config"] == {
        "segment.bytes": "4096", "retention.ms": "1"}

    # a broker through ZooKeeper
    out = configs("--zookeeper", zk, "--entity-type", "brokers", "--entity-name", "2",
                  "--alter", "--add-config", "log.cleaner.threads=4").stdout.decode()
    assert out == "Completed updating config for entity: brokers '2'.\n"
    out = configs("--zookeeper", zk, "--entity-type", "brokers", "--entity-name", "2",
                  "--describe").stdout.decode()
    assert out == "Configs for brokers '2' are log.cleaner.threads=4\n"
    H.wait_for(lambda: broker_log_says(three.brokers[2], "log cleaner started: 4 thread(s)"), 20,
               "broker 2's cleaner runs 4 threads")
    out = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-name", "2",
                  "--describe").stdout.decode()
    assert "  log.cleaner.threads=4 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:" \
           "log.cleaner.threads=4" in out, out

    # quotas of a user, a user's client and the clients' default: znodes and notifications
    zkc = three.zk_client()
    before = len(zkc.get_children("/config/changes"))
    configs("--zookeeper", zk, "--entity-type", "users", "--entity-name", "al ice",
            "--alter", "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048")
    configs("--zookeeper", zk, "--entity-type", "users", "--entity-name", "al ice",
            "--entity-type", "clients", "--entity-name", "app", "--alter", "--add-config",
            "request_percentage=50")
    configs("--zookeeper", zk, "--entity-type", "clients", "--entity-default", "--alter",
            "--add-config", "producer_byte_rate=4096")
    assert json.loads(zkc.get("/config/users/al%20ice")[0]) == {"version": 1, "config": {
        "producer_byte_rate": "1024", "consumer_byte_rate": "2048"}}
    assert json.loads(zkc.get("/config/users/al%20ice/clients/app")[0])["config"] == {
        "request_percentage": "50"}
    assert json.loads(zkc.get("/config/clients/<default>")[0])["config"] == {
        "producer_byte_rate": "4096"}
    notes = sorted(zkc.get_children("/config/changes"))[before:]
    assert [json.loads(zkc.get("/config/changes/" + n)[0])["entity_path"] for n in notes] == [
        "users/al%20ice", "users/al%20ice/clients/app", "clients/<default>"]
    out = configs("--zookeeper", zk, "--entity-type", "clients", "--entity-default",
                  "--describe").stdout.decode()
    assert out == "Configs for default client-id are producer_byte_rate=4096\n"

    # refusals: nothing written
    state = (zk_state(three, "/config/topics/sc-alter"), zk_state(three, "/config/brokers/2"))
    for args in (["--zookeeper", zk, "--entity-type", "brokers", "--entity-name", "2", "--alter",
                  "--add-config", "broker.id=5"],
                 ["--zookeeper", zk, "--entity-type", "topics", "--entity-name", "sc-alter",
                  "--alter", "--add-config", "retention.ms=soon"],
                 ["--bootstrap-server", boot, "--entity-type", "topics", "--entity-name",
                  "sc-alter", "--alter", "--add-config", "no.such.key=1"],
                 ["--zookeeper", zk, "--entity-type", "topics", "--entity-name", "sc-alter",
                  "--alter", "--delete-config", "cleanup.policy"],
                 ["--zookeeper", zk, "--entity-type", "users", "--entity-name", "x", "--alter",
                  "--add-config", "producer_byte_rate=fast"],
                 ["--zookeeper", zk, "--entity-type", "topics", "--entity-name", "sc-alter",
                  "--alter", "--add-config", "retention.ms=[1"],
                 ["--zookeeper", zk, "--entity-type", "widgets", "--entity-name", "w",
                  "--describe"]):
        p = configs(*args, check=False)
        assert p.returncode == 2 and p.stderr, (args, p)
    p = configs("--zookeeper", zk, "--entity-type", "brokers", "--entity-name", "2", "--alter",
                "--add-config", "broker.id=5", check=False)
    assert p.stderr.decode() == ("skein-configs: Cannot update these configs dynamically: "
                                 "Set(broker.id)\n")
    assert (zk_state(three, "/config/topics/sc-alter"), zk_state(three, "/config/brokers/2")) \
        == state
    assert configs("--help").stdout.decode().startswith("Usage: skein-configs")


def test_skein_configs_entity_default_over_bootstrap(three):
    """--entity-type brokers --entity-default with --bootstrap-server (librdkafka cannot name
    the resource ""): IncrementalAlterConfigs SET and DELETE on /config/brokers/<default> with
    kafka-configs.sh's output, every broker describing the value as the dynamic default, and
    Kafka's refusals with nothing written."""
    boot, key = three.bootstrap, "log.cleaner.delete.retention.ms"
    zkc = three.zk_client()
    before = len(zkc.get_children("/config/changes"))
    out = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-default",
                  "--alter", "--add-config", key + "=3600000").stdout.decode()
    assert out == "Completed updating default config for brokers in the cluster.\n"
    assert json.loads(zkc.get("/config/brokers/<default>")[0])["config"][key] == "3600000"
    notes = sorted(zkc.get_children("/config/changes"))[before:]
    assert [json.loads(zkc.get("/config/changes/" + n)[0])["entity_path"] for n in notes] == [
        "brokers/<default>"]
    for b in three.brokers:
        wait_described(three, BROKER, str(b.id), {key: ("3600000", SRC_DYN_DEFAULT)}, [b])
    out = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-default",
                  "--describe").stdout.decode()
    assert out.splitlines()[0] == "Default configurations for brokers are:", out
    assert ("  %s=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:%s=3600000}"
            % (key, key)) in out.splitlines(), out
    every = configs("--bootstrap-server", boot, "--entity-type", "brokers",
                    "--describe").stdout.decode()
    assert every.index("Dynamic configs for broker 2 are:") < \
        every.index("Default configurations for brokers are:"), every

    # refusals: Kafka's messages, nothing written
    state = zk_state(three, "/config/brokers/<default>")
    p = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-default",
                "--alter", "--delete-config", "log.retention.hours", check=False)
    assert (p.returncode, p.stderr.decode()) == (
        2, "skein-configs: Invalid config(s): log.retention.hours\n")
    p = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-default",
                "--alter", "--add-config", "listener.name.ssl.ssl.keystore.location=/k.p12",
                check=False)
    assert p.returncode == 1 and p.stderr.decode() == (
        "skein-configs: Invalid config value for resource ConfigResource(type=BROKER, "
        "name=''): Cannot update these configs at default cluster level, broker id must be "
        "specified: Set(listener.name.ssl.ssl.keystore.location)\n"), p.stderr
    p = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-default",
                "--alter", "--add-config", "broker.id=7", check=False)
    assert (p.returncode, p.stderr.decode()) == (
        2, "skein-configs: Cannot update these configs dynamically: Set(broker.id)\n")
    assert zk_state(three, "/config/brokers/<default>") == state

    out = configs("--bootstrap-server", boot, "--entity-type", "brokers", "--entity-default",
                  "--alter", "--delete-config", key).stdout.decode()
    assert out == "Completed updating default config for brokers in the cluster.\n"
    assert key not in json.loads(zkc.get("/config/brokers/<default>")[0])["config"]
    for b in three.brokers:
        wait_described(three, BROKER, str(b.id), {key: ("86400000", SRC_DEFAULT)}, [b])


def test_dynamic_default_broker_keys_act_at_once(three):
    """The cluster default of message.max.bytes and min.insync.replicas, set and deleted
    with IncrementalAlterConfigs, bound produce on the topic's leader at once."""
    from confluent_kafka.admin import AdminClient
    create_topic(three, "dyn-limits")
    md = AdminClient({"bootstrap.servers": three.bootstrap}).list_topics("dyn-limits", timeout=10)
    leader = md.topics["dyn-limits"].partitions[0].leader
    lb = [b for b in three.brokers if b.id == leader][0]

    def produce(size, acks):
        with KafkaConn.to(lb.bootstrap) as k:
            return k.produce("dyn-limits", 0, record_batch([(None, b"m" * size, [])]), acks=acks)[0]

    def set_default(ops):
        with KafkaConn.to(three.brokers[0].bootstrap) as k:
            assert raw_incremental(k, [(BROKER, "", ops)])[0][0] == 0

    assert produce(5000, -1) == 0
    set_default([("message.max.bytes", 0, "2000"), ("min.insync.replicas", 0, "4")])
    H.wait_for(lambda: produce(5000, 1) == 10, 20, "MESSAGE_TOO_LARGE over the new bound")
    H.wait_for(lambda: produce(100, -1) == 19, 20, "NOT_ENOUGH_REPLICAS under min.insync 4")
    assert produce(100, 1) == 0
    set_default([("message.max.bytes", 1, None), ("min.insync.replicas", 1, None)])
    H.wait_for(lambda: produce(5000, -1) == 0, 20, "the file's values back")


def test_dynamic_configs_apply_after_a_restart(three):
    """A restarted broker reads /config/brokers at start: the cluster default of
    log.cleaner.threads (3, set above) is in force and described as such again."""
    b = three.brokers[0]
    b.stop()
    b.start()
    H.wait_for(lambda: "log cleaner started: 3 thread(s)" in b.log_text(current_run_only=True),
               20, "the restarted broker's cleaner runs the dynamic default's 3 threads")
    wait_described(three, BROKER, "0", {"log.cleaner.threads": ("3", SRC_DYN_DEFAULT)},
                   brokers=[b])


def test_unclean_leader_election_enabled_at_once(make_cluster):
    """unclean.leader.election.enable set as the cluster default: the controller elects the
    live out-of-sync replica of an offline partition at once, without another event."""
    from confluent_kafka.admin import AdminClient, NewTopic
    c = make_cluster(3, replica_lag_time_max_ms="1500", zookeeper_session_timeout_ms="4000")
    ctl = H.controller_id(c)
    leader, follower = [b for b in (0, 1, 2) if b != ctl]
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    a.create_topics([NewTopic("unclean", num_partitions=1,
                              replica_assignment=[[leader, follower]])])["unclean"].result(30)
    H.wait_for(lambda: sorted(H.partition_state(c, "unclean", 0)["isr"]) ==
               sorted([leader, follower]), 20, "both replicas in sync")
    c.brokers[follower].stop()
    H.wait_for(lambda: H.partition_state(c, "unclean", 0)["isr"] == [leader], 20,
               "the stopped follower out of the ISR")
    c.brokers[leader].kill()
    H.wait_for(lambda: H.partition_state(c, "unclean", 0)["leader"] == -1, 30,
               "the partition offline once its only in-sync replica is gone")
    c.brokers[follower].start()
    H.wait_for(lambda: follower in H.registered_ids(c), 20, "the old follower back")
    st = H.partition_state(c, "unclean", 0)
    assert st["leader"] == -1 and st["isr"] == [leader], st  # clean election: stays offline
    with KafkaConn.to(c.brokers[ctl].bootstrap) as k:
        assert raw_incremental(k, [(BROKER, "", [("unclean.leader.election.enable", 0,
                                                  "true")])])[0][0] == 0
    H.wait_for(lambda: H.partition_state(c, "unclean", 0)["leader"] == follower, 20,
               "the live out-of-sync replica elected")
    assert "unclean leader election for unclean-0" in c.brokers[ctl].log_text()


def test_dynamic_connection_limit(three):
    """max.connections.per.ip.overrides set for broker 0 with IncrementalAlterConfigs limits
    the next connections from that address at once; deleting it lifts the limit."""
    from test_limits import connect_from, works
    from kafka_wire import ConnectionClosed
    b = three.brokers[0]
    with KafkaConn.to(b.bootstrap) as k:
        assert raw_incremental(k, [(BROKER, "0", [("max.connections.per.ip.overrides", 0,
                                                   "127.0.0.5:1")])])[0][0] == 0
    H.wait_for(lambda: "max.connections.per.ip.overrides = 127.0.0.5:1" in b.log_text(), 20,
               "broker 0 applies the override")
    one = connect_from(b.bootstrap, "127.0.0.5")
    try:
        assert works(one)
        two = connect_from(b.bootstrap, "127.0.0.5")
        with pytest.raises((ConnectionClosed, ConnectionResetError, BrokenPipeError)):
            works(two)
        two.close()
    finally:
        one.close()
    with KafkaConn.to(b.bootstrap) as k:
        assert raw_incremental(k, [(BROKER, "0", [("max.connections.per.ip.overrides", 1,
                                                   None)])])[0][0] == 0
    H.wait_for(lambda: "max.connections.per.ip.overrides =  (static again)" in b.log_text(), 20,
               "broker 0 drops the override")
    conns = [connect_from(b.bootstrap, "127.0.0.5") for _ in range(3)]
    try:
        assert all(works(c) for c in conns)
    finally:
        for c in conns:
            c.close()
