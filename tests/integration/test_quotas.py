"""Client quotas (issue 11 part 6): /config/users, /config/clients and
/config/users/<u>/clients/<c> in Kafka's JSON, DescribeClientQuotas and AlterClientQuotas
(KIP-546), and enforcement: a client over its byte rate is answered with throttle_time_ms
and its connection muted for that time (KIP-219), nothing dropped.

librdkafka 2.0.2 (confluent-kafka) and kafka-python 2.0.2 have no client quota calls, so
the two APIs are driven with hand-built requests (kafka_wire.py)."""
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kp_consume_all, wait_topic_in_metadata  # noqa: E402
from kafka_wire import (KafkaConn, alter_client_quotas, describe_client_quotas,  # noqa: E402
                        fetch_throttled, produce_throttled, record_batch)

INVALID_REQUEST = 42
UNSUPPORTED_VERSION = 35
CLUSTER_AUTHORIZATION_FAILED = 31
MB = 1 << 20


def znode(zkc, path):
    if not zkc.exists(path):
        return None
    data, _ = zkc.get(path)
    return json.loads(data.decode()) if data else None


def notifications(zkc):
    out = []
    for name in sorted(zkc.get_children("/config/changes")):
        data, _ = zkc.get("/config/changes/" + name)
        out.append(json.loads(data.decode())["entity_path"])
    return out


def set_zk_quota(zkc, entity_path, config):
    """As kafka-configs.sh --zookeeper does: the entity znode, then a notification."""
    path = "/config/" + entity_path
    data = json.dumps({"version": 1, "config": config}).encode()
    if zkc.exists(path):
        zkc.set(path, data)
    else:
        zkc.create(path, data, makepath=True)
    zkc.create("/config/changes/config_change_",
               json.dumps({"version": 2, "entity_path": entity_path}).encode(), sequence=True)


@pytest.fixture(scope="module")
def one(zk, skeind_bin, tmp_path_factory):
    port = H.free_port()
    # quota.window.num=2: throttles of at most 2 s (a scheduling hiccup on a busy test
    # machine, counted as request time, cannot mute a connection for 11 s)
    c = H.Cluster(1, tmp_path_factory.mktemp("quotas"), zk=zk,
                  props={"metrics.listener": "http://127.0.0.1:%d" % port,
                         "quota.window.num": "2"})
    c.metrics_port = port
    yield c
    c.stop()


def metric(c, name, **labels):
    """One sample of broker c's /metrics (0 when absent)."""
    import urllib.request
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % c.metrics_port,
                                  timeout=10).read().decode()
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in body.splitlines():
        if line.startswith(name + ("{%s}" % want if labels else " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# ------------------------------------------------------------------ the APIs

def test_alter_and_describe_agree_with_the_znodes(one):
    zkc = one.zk_client()
    zkc.ensure_path("/config/users/bob")
    scram = ("salt=c2FsdA==,stored_key=c3RvcmVk,server_key=c2VydmVy,iterations=4096")
    zkc.set("/config/users/bob", json.dumps(
        {"version": 1, "config": {"SCRAM-SHA-256": scram}}).encode())
    with KafkaConn.to(one.bootstrap) as k:
        _t, res = alter_client_quotas(k, [
            ({"user": "alice", "client-id": "app"},
             [("producer_byte_rate", 1048576), ("request_percentage", 200)]),
            ({"client-id": None}, [("consumer_byte_rate", 2000000)]),
            ({"user": None}, [("producer_byte_rate", 5000)]),
            ({"user": "bob"}, [("consumer_byte_rate", 3000)]),
            ({"user": "CN=x y*"}, [("request_percentage", 12.5)]),
        ])
        assert [r[0] for r in res] == [0] * 5, res
        assert res[0][2] == {"user": "alice", "client-id": "app"}
        assert res[1][2] == {"client-id": None}
        # the znodes, in Kafka's JSON and names (sanitized)
        assert znode(zkc, "/config/users/alice/clients/app") == {
            "version": 1, "config": {"producer_byte_rate": "1048576",
                                     "request_percentage": "200.0"}}
        assert znode(zkc, "/config/clients/<default>")["config"] == {
            "consumer_byte_rate": "2000000"}
        assert znode(zkc, "/config/users/<default>")["config"] == {"producer_byte_rate": "5000"}
        assert znode(zkc, "/config/users/bob")["config"] == {
            "SCRAM-SHA-256": scram, "consumer_byte_rate": "3000"}
        assert znode(zkc, "/config/users/CN%3Dx%20y%2A")["config"] == {
            "request_percentage": "12.5"}
        notes = notifications(zkc)
        for p in ("users/alice/clients/app", "clients/<default>", "users/<default>",
                  "users/bob", "users/CN%3Dx%20y%2A"):
            assert p in notes, notes

        # Describe (v0 and v1) lists what the znodes hold
        for v in (0, 1):
            _t, err, msg, entries = describe_client_quotas(k, [], strict=False, version=v)
            assert err == 0 and msg is None
            got = {tuple(sorted(e.items(), key=lambda x: x[0])): vals for e, vals in entries}
            assert got == {
                (("client-id", "app"), ("user", "alice")): {"producer_byte_rate": 1048576.0,
                                                           "request_percentage": 200.0},
                (("client-id", None),): {"consumer_byte_rate": 2000000.0},
                (("user", None),): {"producer_byte_rate": 5000.0},
                (("user", "bob"),): {"consumer_byte_rate": 3000.0},
                (("user", "CN=x y*"),): {"request_percentage": 12.5},
            }, got

        def names(components, strict):
            _t, err, _m, entries = describe_client_quotas(k, components, strict, version=1)
            assert err == 0
            return sorted(json.dumps(e, sort_keys=True) for e, _ in entries)

        # exact user, strict: only the user-alone entity; not strict: with its clients too
        assert names([("user", 0, "alice")], True) == []
        assert names([("user", 0, "alice")], False) == [
            '{"client-id": "app", "user": "alice"}']
        assert names([("user", 0, "bob")], True) == ['{"user": "bob"}']
        # default user (match type 1); any client id (2), the default one included (Kafka)
        assert names([("user", 1, None)], True) == ['{"user": null}']
        assert names([("client-id", 2, None)], False) == [
            '{"client-id": "app", "user": "alice"}', '{"client-id": null}']
        assert names([("client-id", 1, None)], True) == ['{"client-id": null}']
        assert names([("user", 2, None), ("client-id", 0, "app")], True) == [
            '{"client-id": "app", "user": "alice"}']

        # removing a quota keeps the SCRAM credential beside it
        _t, res = alter_client_quotas(k, [({"user": "bob"}, [("consumer_byte_rate", None)])],
                                      version=1)
        assert res[0][0] == 0
        assert znode(zkc, "/config/users/bob")["config"] == {"SCRAM-SHA-256": scram}
        assert names([("user", 0, "bob")], True) == []

        # all removed: Describe is empty, the znodes stay with an empty config (as Kafka's)
        _t, res = alter_client_quotas(k, [
            ({"user": "alice", "client-id": "app"},
             [("producer_byte_rate", None), ("request_percentage", None)]),
            ({"client-id": None}, [("consumer_byte_rate", None)]),
            ({"user": None}, [("producer_byte_rate", None)]),
            ({"user": "CN=x y*"}, [("request_percentage", None)])])
        assert [r[0] for r in res] == [0] * 4
        assert describe_client_quotas(k, [])[3] == []
        assert znode(zkc, "/config/users/<default>") == {"version": 1, "config": {}}


def test_skein_configs_and_the_apis_agree(one):
    """Quotas written by skein-configs --zookeeper (kafka-configs.sh's way) are what
    DescribeClientQuotas answers, and what AlterClientQuotas writes skein-configs lists."""
    import subprocess
    zk = one.brokers[0].zk_connect

    def configs(*args):
        p = subprocess.run([H.tool_path("skein-configs"), "--zookeeper", zk] + list(args),
                           capture_output=True, timeout=60)
        assert p.returncode == 0, (args, p.stderr.decode())
        return p.stdout.decode()

    configs("--entity-type", "users", "--entity-name", "carol", "--entity-type", "clients",
            "--entity-name", "etl", "--alter", "--add-config",
            "producer_byte_rate=4096,request_percentage=50")
    want = {"producer_byte_rate": 4096.0, "request_percentage": 50.0}
    with KafkaConn.to(one.bootstrap) as k:
        def described():
            got = describe_client_quotas(k, [("user", 0, "carol")], strict=False)[3]
            return got == [({"user": "carol", "client-id": "etl"}, want)]
        H.wait_for(described, 10, "skein-configs' quota in DescribeClientQuotas")
        _t, res = alter_client_quotas(k, [({"client-id": "etl2"}, [("consumer_byte_rate", 8192)])])
        assert res[0][0] == 0
    out = configs("--entity-type", "clients", "--entity-name", "etl2", "--describe")
    assert "consumer_byte_rate=8192" in out, out
    configs("--entity-type", "users", "--entity-name", "carol", "--entity-type", "clients",
            "--entity-name", "etl", "--alter", "--delete-config",
            "producer_byte_rate,request_percentage")
    with KafkaConn.to(one.bootstrap) as k:
        H.wait_for(lambda: describe_client_quotas(k, [("user", 0, "carol")])[3] == [], 10,
                   "the quota deleted by skein-configs gone from DescribeClientQuotas")
        alter_client_quotas(k, [({"client-id": "etl2"}, [("consumer_byte_rate", None)])])


def test_bad_alterations_are_refused_and_nothing_written(one):
    zkc = one.zk_client()
    before = notifications(zkc)
    cases = [
        ({"user": "u1"}, [("producer_byte_rate", 1000), ("fly", 3)], "Invalid configuration key fly"),
        ({"user": "u2"}, [("producer_byte_rate", -1)], "producer_byte_rate"),
        ({"user": "u3"}, [("consumer_byte_rate", 10.5)], "must be a LONG value"),
        ({"user": "u4"}, [("request_percentage", float("nan"))], "request_percentage"),
        ({"group": "g"}, [("producer_byte_rate", 1000)], "Unhandled client quota entity type"),
        ({"user": ""}, [("producer_byte_rate", 1000)], "Empty user not supported"),
        ({}, [("producer_byte_rate", 1000)], "Invalid client quota entity"),
        ([("user", "u5"), ("user", "u6")], [("producer_byte_rate", 1000)], "Duplicate"),
    ]
    with KafkaConn.to(one.bootstrap) as k:
        for version in (0, 1):
            _t, res = alter_client_quotas(k, [(e, o) for e, o, _ in cases], version=version)
            assert len(res) == len(cases)
            for (err, msg, _e), (_e2, _o, want) in zip(res, cases):
                assert err == INVALID_REQUEST and want in msg, (err, msg, want)
        # validate_only: checked, answered, not written
        _t, res = alter_client_quotas(k, [({"user": "u7"}, [("producer_byte_rate", 1000)]),
                                          ({"user": "u8"}, [("fly", 1)])], validate_only=True)
        assert [r[0] for r in res] == [0, INVALID_REQUEST]
        # bad Describe filters
        for comps, code in (([("group", 0, "g")], UNSUPPORTED_VERSION),
                            ([("user", 0, "a"), ("user", 0, "b")], INVALID_REQUEST),
                            ([("user", 7, None)], INVALID_REQUEST),
                            ([("user", 0, None)], INVALID_REQUEST),
                            ([("ip", 2, None), ("user", 2, None)], INVALID_REQUEST)):
            _t, err, msg, entries = describe_client_quotas(k, comps, version=1)
            assert err == code and msg and entries is None, (comps, err, msg)
    for u in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"):
        assert not zkc.exists("/config/users/" + u)
    assert notifications(zkc) == before


def test_quota_apis_need_cluster_configs_acls(make_cluster):
    """With an authorizer, Describe needs DescribeConfigs on the cluster and Alter needs
    AlterConfigs, as Kafka checks them (ANONYMOUS has neither here)."""
    c = make_cluster(1, start=False,
                     props={"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
                            "controlled.shutdown.enable": "false"})
    # ANONYMOUS (every connection here) may act as a broker, nothing more
    zkc = c.zk_client()
    zkc.ensure_path("/kafka-acl/Cluster")
    zkc.create("/kafka-acl/Cluster/kafka-cluster", json.dumps({"version": 1, "acls": [
        {"principal": "User:ANONYMOUS", "permissionType": "Allow", "operation": op,
         "host": "*"} for op in ("ClusterAction", "Describe")]}).encode())
    c.start()
    with KafkaConn.to(c.bootstrap) as k:
        _t, err, msg, entries = describe_client_quotas(k, [])
        assert err == CLUSTER_AUTHORIZATION_FAILED and entries is None
        _t, res = alter_client_quotas(k, [({"user": "a"}, [("producer_byte_rate", 1)])])
        assert res[0][0] == CLUSTER_AUTHORIZATION_FAILED
    assert not c.zk_client().exists("/config/users/a")


# ------------------------------------------------------------------ enforcement

def test_zookeeper_quota_takes_effect_on_a_live_connection(one):
    """A quota written to ZooKeeper as kafka-configs.sh --zookeeper writes it throttles a
    connection that is already open: produce answers carry throttle_time_ms and the
    connection is muted (the next answer waits), and a consumer_byte_rate throttles
    Fetch the same way. Removing the quota lifts it."""
    topic = "quota-live"
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": one.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    wait_topic_in_metadata(one.bootstrap, topic, 1)
    zkc = one.zk_client()
    batch = record_batch([(None, b"x" * 50000, [])])
    with KafkaConn.to(one.bootstrap, client_id="live-app", timeout=30) as k:
        for _ in range(3):
            assert produce_throttled(k, topic, 0, batch) == (0, 0)
        set_zk_quota(zkc, "clients/live-app", {"producer_byte_rate": "20000"})
        throttle = 0
        deadline = time.monotonic() + 20
        while throttle == 0 and time.monotonic() < deadline:
            err, throttle = produce_throttled(k, topic, 0, batch)
            assert err == 0
        assert throttle > 0, "no throttle within 20 s of the quota in ZooKeeper"
        while throttle < 500:  # above the quota the throttle grows with each batch
            err, throttle = produce_throttled(k, topic, 0, batch)
        # muted: the next request is answered only after (most of) the throttle time
        t0 = time.monotonic()
        err, throttle2 = produce_throttled(k, topic, 0, record_batch([(None, b"y", [])]))
        waited = time.monotonic() - t0
        print("produce throttled %d ms; the next answer came after %.3f s" % (throttle, waited))
        assert err == 0 and waited >= throttle / 1000.0 * 0.8, (throttle, waited)
        assert throttle2 > 0
        assert metric(one, "kafka_server_quota_throttled_total", quota="produce") >= 2
        assert metric(one, "kafka_server_quota_throttle_time_seconds_total",
                      quota="produce") * 1000 >= throttle + throttle2 - 1
        # fetch: consumer_byte_rate of this client id throttles Fetch answers; as Kafka's,
        # the throttled answer carries no records (they are not counted either)
        # (each answer is one 50 KB batch: under the quota of one window, so it is served
        # once the mute is over; a batch above quota x window never would be, in Kafka too)
        set_zk_quota(zkc, "clients/live-app", {"consumer_byte_rate": "100000"})
        deadline = time.monotonic() + 30
        fthrottle = 0
        while fthrottle == 0 and time.monotonic() < deadline:
            fthrottle, err, n = fetch_throttled(k, topic, 0, 0, max_bytes=60000)
            assert (fthrottle, err) == (0, 0) and n > 0 or (fthrottle > 0 and n == 0), (
                fthrottle, err, n)
        assert fthrottle > 0
        # after the mute the records come again
        fthrottle2, err, n = fetch_throttled(k, topic, 0, 0, max_bytes=60000)
        assert err == 0 and n > 0
        # removed: answers come back unthrottled (after the mute in force has ended)
        set_zk_quota(zkc, "clients/live-app", {})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            err, t = produce_throttled(k, topic, 0, batch)
            ft, _e, _n = fetch_throttled(k, topic, 0, 0, max_bytes=60000)
            if t == 0 and ft == 0:
                break
        assert (t, ft) == (0, 0)


def run_producers(bootstrap, topic, seconds, free_bytes):
    """A producer with client.id 'limited' sends 10 KB records as fast as it may for
    `seconds`; another with client.id 'free' sends free_bytes at the same time. Returns
    per producer (acknowledged bytes, acknowledged records, seconds, throttle events)."""
    from confluent_kafka import Producer
    out = {}

    def run(cid, limit_s, limit_bytes):
        throttles = []
        acked = [0, 0]

        def dr(err, msg):
            if err is None:
                acked[0] += len(msg.value())
                acked[1] += 1

        p = Producer({"bootstrap.servers": bootstrap, "client.id": cid, "acks": 1,
                      "linger.ms": 5, "batch.size": 100000,
                      "queue.buffering.max.kbytes": 2048,
                      "throttle_cb": lambda ev: throttles.append(ev.throttle_time)})
        value = os.urandom(10000)
        start = time.monotonic()
        sent = 0
        while time.monotonic() - start < limit_s and sent < limit_bytes:
            try:
                p.produce(topic, value=value, partition=0, on_delivery=dr)
                sent += len(value)
            except BufferError:
                p.poll(0.05)
            p.poll(0)
        remaining = p.flush(60)
        out[cid] = (acked[0], acked[1], time.monotonic() - start, throttles, remaining)

    ts = [threading.Thread(target=run, args=("limited", seconds, 1 << 40)),
          threading.Thread(target=run, args=("free", seconds, free_bytes))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def producer_rate_case(c, seconds, band, topic):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": c.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    wait_topic_in_metadata(c.bootstrap, topic, 1)
    with KafkaConn.to(c.bootstrap) as k:
        _t, res = alter_client_quotas(k, [({"client-id": "limited"},
                                           [("producer_byte_rate", MB)])])
        assert res[0][0] == 0
    out = run_producers(c.bootstrap, topic, seconds, 40 * MB)
    lim_bytes, lim_n, lim_s, lim_thr, lim_left = out["limited"]
    free_bytes, free_n, free_s, free_thr, free_left = out["free"]
    assert lim_left == 0 and free_left == 0
    rate = lim_bytes / lim_s
    print("limited: %.0f bytes in %.1f s = %.3f MB/s, %d throttle events (max %.0f ms); "
          "free: %.0f bytes in %.1f s = %.1f MB/s, %d throttle events"
          % (lim_bytes, lim_s, rate / MB, len(lim_thr), 1000 * max(lim_thr or [0]), free_bytes,
             free_s, free_bytes / free_s / MB, len(free_thr)))
    assert abs(rate - MB) <= band * MB, "limited producer at %.3f MB/s" % (rate / MB)
    assert lim_thr and max(lim_thr) > 0
    # the other client id in the same run: no throttle, and far above the quota
    assert not any(free_thr), free_thr
    assert free_bytes / free_s > 3 * MB
    # nothing lost: every acknowledged record is in the log
    got = kp_consume_all(c.bootstrap, topic, [0], timeout=120)
    assert len(got[0]) == lim_n + free_n


def test_producer_byte_rate_short(make_cluster):
    """The suite's version: 7 s against a broker measuring over 3 windows of 1 s
    (quota.window.num=3), so Kafka's initial allowance (num - 1 windows' worth) weighs
    less; within 40 % of 1 MB/s. The 20 s version with Kafka's 11 windows is
    test_producer_byte_rate_20s (long)."""
    c = make_cluster(1, quota_window_num="3")
    producer_rate_case(c, 7, 0.40, "quota-rate-short")


@pytest.mark.long
def test_producer_byte_rate_20s(make_cluster):
    """Issue 11's acceptance: a producer limited to 1 MB/s measures within 20 % of that
    over 20 s (Kafka's default windows, 11 x 1 s), sees throttle_time_ms > 0, another
    client id is unaffected and nothing is lost."""
    c = make_cluster(1)
    producer_rate_case(c, 20, 0.20, "quota-rate-20s")


def test_request_percentage_mutes_a_busy_client(one):
    """request_percentage: the loop's time on a client's requests as a share of its one
    thread; a client above it has its connection muted (its next answer waits), while
    another client id is served at once."""
    set_zk_quota(one.zk_client(), "clients/busy-app", {"request_percentage": "0.05"})
    with KafkaConn.to(one.bootstrap, client_id="busy-app", timeout=30) as k, \
            KafkaConn.to(one.bootstrap, client_id="other-app") as other:
        H.wait_for(lambda: metric(one, "kafka_server_quota_entities") >= 1, 10,
                   "the quota read from ZooKeeper")
        name = "kafka_server_quota_throttle_time_seconds_total"
        before = metric(one, name, quota="request") * 1000
        start = time.monotonic()
        muted_ms = 0
        for i in range(200):
            for _ in range(50):
                k.metadata([])
            muted_ms = metric(one, name, quota="request") * 1000 - before
            if muted_ms >= 300:
                break
        wall = time.monotonic() - start
        print("request_percentage: %d requests, %.0f ms of throttle, %.2f s" % (
            (i + 1) * 50, muted_ms, wall))
        assert muted_ms >= 300, "10,000 Metadata requests and under 300 ms of throttle"
        # the mutes were served: the client waited at least that long in all
        assert wall >= 0.9 * muted_ms / 1000.0
        t0 = time.monotonic()
        other.metadata([])
        assert time.monotonic() - t0 < 0.2
        # answers whose body starts with ThrottleTimeMs carry the request throttle
        deadline = time.monotonic() + 10
        throttle = 0
        while throttle == 0 and time.monotonic() < deadline:
            throttle = describe_client_quotas(k, [])[0]
        assert throttle > 0
        assert describe_client_quotas(other, [])[0] == 0
    set_zk_quota(one.zk_client(), "clients/busy-app", {})
