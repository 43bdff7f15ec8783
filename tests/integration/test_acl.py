"""Authorization (issue 10, part 3): authorizer.class.name, super.users, ACLs in ZooKeeper in
Kafka's layout and JSON, and the checks on every API.

Principals come from TLS client certificates made here with the openssl command (CN=alice ->
User:CN=alice, Kafka's default mapping); a PLAINTEXT connection is User:ANONYMOUS. Brokers talk
to each other over SSL with the broker certificate (User:CN=localhost), which is the super user.
ACLs are written straight into ZooKeeper with kazoo, as Kafka's AclAuthorizer (and
kafka-acls.sh --authorizer-properties) writes them: the resource znode, then a change
notification."""
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kcat  # noqa: E402
from kafka_wire import KafkaConn, array, i8, i16, i32, i64, string, record_batch  # noqa: E402

TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
CLUSTER_AUTHORIZATION_FAILED = 31
SUPER = "User:CN=localhost"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("aclcerts")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=skein acl ca",
            cwd=d)

    def cert(name, cn, san):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
        (d / (name + ".ext")).write_text("subjectAltName=%s\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile",
                name + ".ext", cwd=d)

    cert("broker", "localhost", "DNS:localhost,IP:127.0.0.1")
    for who in ("alice", "bob", "carol"):
        cert(who, who, "DNS:" + who)
    (d / "broker-keystore.pem").write_text((d / "broker.key").read_text()
                                           + (d / "broker.pem").read_text())
    return d


def acl_props(certs, **more):
    p = {"ssl.keystore.type": "PEM",
         "ssl.keystore.location": str(certs / "broker-keystore.pem"),
         "ssl.truststore.type": "PEM",
         "ssl.truststore.location": str(certs / "ca.pem"),
         "ssl.client.auth": "required",
         "inter.broker.listener.name": "SSL",
         "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
         "super.users": SUPER,
         "auto.create.topics.enable": "false",
         "offsets.topic.replication.factor": "1",
         "group.initial.rebalance.delay.ms": "0"}
    p.update(more)
    return p


def acl_broker(zk, tmp_path, certs, name="b", broker_id=0, chroot=None, start=True, **more):
    plain, tls = H.free_port(), H.free_port()
    props = {"listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (plain, tls),
             "advertised.listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (plain, tls)}
    props.update(acl_props(certs, **more))
    b = H.Broker(broker_id, zk, tmp_path / name, port=plain, overrides=props, start=False,
                 chroot=chroot or "/acl-" + tmp_path.name)
    b.tls_bootstrap = "127.0.0.1:%d" % tls
    b.tls_port = tls
    if start:
        b.start()
        wait_serving(b)
    return b


def wait_serving(b):
    """Listeners open only once the ACLs are loaded (and a controller is known)."""
    H.wait_for(lambda: "serving SSL://" in b.log_text(current_run_only=True), 30,
               "%s to serve" % b.name)


def tls_conn(b, certs, who):
    """A KafkaConn over TLS with who's client certificate (who "broker" is the super user)."""
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    ctx.load_cert_chain(str(certs / (who + ".pem")), str(certs / (who + ".key")))
    raw = socket.create_connection(("127.0.0.1", b.tls_port), timeout=10)
    conn = KafkaConn.__new__(KafkaConn)
    conn.sock = ctx.wrap_socket(raw, server_hostname="localhost")
    conn.client_id = "acl-test-" + who
    conn.corr = 0
    return conn


def kcat_tls(certs, who):
    return ["-X", "security.protocol=ssl", "-X", "ssl.ca.location=%s" % (certs / "ca.pem"),
            "-X", "ssl.certificate.location=%s" % (certs / (who + ".pem")),
            "-X", "ssl.key.location=%s" % (certs / (who + ".key"))]


# ---- ACLs written the way Kafka writes them -------------------------------------------------

def ace(principal, op, perm="Allow", host="*"):
    return {"principal": principal, "permissionType": perm, "operation": op, "host": host}


def put_acls(zkc, rtype, name, entries, pattern="LITERAL"):
    """Replace a resource's ACLs in ZooKeeper (Kafka's JSON), then notify the brokers."""
    if pattern == "LITERAL":
        path = "/kafka-acl/%s/%s" % (rtype, name)
    else:
        path = "/kafka-acl-extended/prefixed/%s/%s" % (rtype, name)
    data = json.dumps({"version": 1, "acls": entries}, separators=(",", ":")).encode()
    if zkc.exists(path):
        zkc.set(path, data)
    else:
        zkc.create(path, data, makepath=True)
    if pattern == "LITERAL":
        zkc.create("/kafka-acl-changes/acl_changes_", ("%s:%s" % (rtype, name)).encode(),
                   sequence=True, makepath=True)
    else:
        body = {"version": 1, "resourceType": {"Topic": "TOPIC", "Group": "GROUP",
                                                "Cluster": "CLUSTER"}[rtype],
                "name": name, "patternType": "PREFIXED"}
        zkc.create("/kafka-acl-extended-changes/acl_changes_", json.dumps(body).encode(),
                   sequence=True, makepath=True)


def create_topic(b, certs, topic, partitions=1, rf=1):
    """CreateTopics v0 as the super user; waits until the topic has a leader. A replication
    factor above the brokers the controller knows yet (INVALID_REPLICATION_FACTOR, 38) is tried
    again for a while: brokers register one by one."""
    with tls_conn(b, certs, "broker") as c:
        body = array([string(topic) + i32(partitions) + i16(rf) + array([]) + array([])]) \
            + i32(15000)
        deadline = time.monotonic() + 20
        while True:
            r = c.request(19, 0, body)
            res = r.array(lambda: (r.string(), r.i16()))
            if res != [(topic, 38)] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert res == [(topic, 0)], res

        def led():
            m = c.metadata([topic])
            err, parts = m["topics"][topic]
            return err == 0 and parts and all(l >= 0 for _e, l in parts.values())
        H.wait_for(led, 30, "topic %s to have a leader" % topic)


def batch(*values):
    return record_batch([(None, v, ()) for v in values])


def fetch_err(conn, topic):
    err, _hw, _recs = conn.fetch(topic, 0, 0, max_wait_ms=0)
    return err


# ---- one broker shared by the tests that do not disturb it -----------------------------------

@pytest.fixture(scope="module")
def broker(zk, certs, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("acl")
    chroot = "/acl-" + tmp.name
    # An ACL written before the broker starts is loaded at start-up.
    zkc = zk.client(None)
    zkc.ensure_path(chroot)
    zkc.stop()
    zkc = zk.client(chroot)
    put_acls(zkc, "Group", "g", [ace("User:CN=alice", "Read")])
    zkc.stop()
    b = acl_broker(zk, tmp, certs, chroot=chroot)
    yield b
    b.stop()


def test_acls_loaded_at_start_and_roots_created(broker):
    zkc = broker.zk_client()
    for t in ("Topic", "Group", "Cluster", "TransactionalId", "DelegationToken"):
        assert zkc.exists("/kafka-acl/" + t), t
        assert zkc.exists("/kafka-acl-extended/prefixed/" + t), t
    assert zkc.exists("/kafka-acl-changes") and zkc.exists("/kafka-acl-extended-changes")
    assert "loaded 1 ACLs on 1 resources from ZooKeeper" in broker.log_text()


def test_alice_consumes_bob_refused(broker, certs):
    create_topic(broker, certs, "t")
    with tls_conn(broker, certs, "broker") as admin:
        assert admin.produce("t", 0, batch(b"one", b"two"))[0] == 0
    put_acls(broker.zk_client(), "Topic", "t", [ace("User:CN=alice", "Read")])
    boot = broker.tls_bootstrap
    with tls_conn(broker, certs, "alice") as alice:
        H.wait_for(lambda: fetch_err(alice, "t") == 0, 5, "alice's Read to take effect")
    # a real consumer in group g (Read on the group was there before start)
    out = kcat(["-C", "-b", boot, "-G", "g", "t", "-o", "beginning", "-e", "-q",
                "-X", "enable.partition.eof=true"] + kcat_tls(certs, "alice"),
               timeout=60).stdout
    assert out.split() == [b"one", b"two"], out
    zkc = broker.zk_client()
    H.wait_for(lambda: zkc.exists("/brokers/topics/__consumer_offsets"), 10, "offsets topic")
    # bob: every API refuses him on t, and Metadata does not list t
    with tls_conn(broker, certs, "bob") as bob:
        assert fetch_err(bob, "t") == TOPIC_AUTHORIZATION_FAILED
        assert bob.produce("t", 0, batch(b"x"))[0] == TOPIC_AUTHORIZATION_FAILED
        assert bob.list_offsets("t", 0, -1)[0] == TOPIC_AUTHORIZATION_FAILED
        assert "t" not in bob.metadata()["topics"]
        assert bob.metadata(["t"])["topics"]["t"][0] == TOPIC_AUTHORIZATION_FAILED
    with tls_conn(broker, certs, "alice") as alice:
        assert "t" in alice.metadata()["topics"]  # Read implies Describe
        assert alice.produce("t", 0, batch(b"x"))[0] == TOPIC_AUTHORIZATION_FAILED
    # bob's consumer sees Kafka's error
    r = subprocess.run(["kcat", "-C", "-b", boot, "-t", "t", "-p", "0", "-o", "beginning", "-e",
                        "-q"] + kcat_tls(certs, "bob"), capture_output=True, timeout=60)
    assert r.returncode != 0
    assert b"authorization failed" in r.stderr.lower(), r.stderr


def test_group_refused_without_group_acl(broker, certs):
    create_topic(broker, certs, "tg")
    put_acls(broker.zk_client(), "Topic", "tg", [ace("User:CN=carol", "Read")])
    with tls_conn(broker, certs, "carol") as carol:
        # FindCoordinator v0 for a group carol has no ACL on
        H.wait_for(lambda: fetch_err(carol, "tg") == 0, 5, "carol's Read")
        r = carol.request(10, 0, string("nogroup"))
        assert r.i16() == GROUP_AUTHORIZATION_FAILED
        # OffsetCommit v2 to that group
        body = string("nogroup") + i32(-1) + string("") + i64(-1) \
            + array([string("tg") + array([i32(0) + i64(1) + string("")])])
        r = carol.request(8, 2, body)
        topics = r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16()))))
        assert topics == [("tg", [(0, GROUP_AUTHORIZATION_FAILED)])], topics


def test_prefixed_acl(broker, certs):
    create_topic(broker, certs, "orders-eu")
    create_topic(broker, certs, "payments")
    put_acls(broker.zk_client(), "Topic", "orders-", [ace("User:CN=alice", "Write")],
             pattern="PREFIXED")
    with tls_conn(broker, certs, "alice") as alice:
        H.wait_for(lambda: alice.produce("orders-eu", 0, batch(b"a"))[0] == 0, 5,
                   "the prefixed Write")
        assert alice.produce("payments", 0, batch(b"a"))[0] == TOPIC_AUTHORIZATION_FAILED
        # Write implies Describe, also through a prefix
        topics = alice.metadata()["topics"]
        assert "orders-eu" in topics and "payments" not in topics


def test_deny_overrides_allow(broker, certs):
    create_topic(broker, certs, "dt")
    zkc = broker.zk_client()
    put_acls(zkc, "Topic", "dt", [ace("User:CN=carol", "All")])
    with tls_conn(broker, certs, "carol") as carol:
        H.wait_for(lambda: fetch_err(carol, "dt") == 0, 5, "carol's All")
        # a Deny for everybody (User:*) on Read, from a prefixed ACL
        put_acls(zkc, "Topic", "d", [ace("User:*", "Read", "Deny")], pattern="PREFIXED")
        H.wait_for(lambda: fetch_err(carol, "dt") == TOPIC_AUTHORIZATION_FAILED, 5,
                   "the Deny to win")
        assert carol.produce("dt", 0, batch(b"w"))[0] == 0  # Write is still allowed


def test_acl_added_while_connected_takes_effect_within_a_second(broker, certs):
    create_topic(broker, certs, "live")
    with tls_conn(broker, certs, "bob") as bob:
        assert fetch_err(bob, "live") == TOPIC_AUTHORIZATION_FAILED
        t0 = time.monotonic()
        put_acls(broker.zk_client(), "Topic", "live", [ace("User:CN=bob", "Read")])
        while fetch_err(bob, "live") != 0:
            assert time.monotonic() - t0 < 1.0, "the new ACL took more than a second"
            time.sleep(0.02)
        # a notification in Kafka 2.0's form (<Type>:LITERAL:<name>) is followed too
        zkc = broker.zk_client()
        zkc.set("/kafka-acl/Topic/live", json.dumps(
            {"version": 1, "acls": [ace("User:CN=bob", "Read", "Deny")]}).encode())
        zkc.create("/kafka-acl-changes/acl_changes_", b"Topic:LITERAL:live", sequence=True)
        H.wait_for(lambda: fetch_err(bob, "live") == TOPIC_AUTHORIZATION_FAILED, 1,
                   "the 2.0-style notification")
        put_acls(zkc, "Topic", "live", [ace("User:CN=bob", "Read")])
        H.wait_for(lambda: fetch_err(bob, "live") == 0, 1, "the ACL back")
        # and removed again (the znode deleted, as Kafka does for the last ACL)
        zkc = broker.zk_client()
        zkc.delete("/kafka-acl/Topic/live")
        zkc.create("/kafka-acl-changes/acl_changes_", b"Topic:live", sequence=True)
        H.wait_for(lambda: fetch_err(bob, "live") == TOPIC_AUTHORIZATION_FAILED, 1,
                   "the removal to take effect")


# ---- the inter-broker APIs from a plain client ------------------------------------------------

def leader_and_isr_v2(topic, leader, epoch):
    part = (i32(0) + i32(1 << 30) + i32(leader) + i32(epoch) + array([i32(leader)]) + i32(99)
            + array([i32(leader)]) + i8(0))
    return (i32(leader) + i32(1 << 30) + i64(-1) + array([string(topic) + array([part])])
            + array([i32(leader) + string("127.0.0.1") + i32(1)]))


def update_metadata_v5(topic, leader):
    part = (i32(0) + i32(1 << 30) + i32(7) + i32(999) + array([i32(7)]) + i32(99)
            + array([i32(7)]) + array([]))
    ep = i32(1) + string("evil.example") + string("PLAINTEXT") + i16(0)
    return (i32(leader) + i32(1 << 30) + i64(-1) + array([string(topic) + array([part])])
            + array([i32(7) + array([ep]) + string(None)]))


def stop_replica_v1(topic, leader):
    return i32(leader) + i32(1 << 30) + i64(-1) + i8(1) \
        + array([string(topic) + array([i32(0)])])


def follower_fetch_v4(topic, replica_id, offset):
    return (i32(replica_id) + i32(0) + i32(1) + i32(1 << 20) + i8(0)
            + array([string(topic) + array([i32(0) + i64(offset) + i32(1 << 20)])]))


def snapshot(b, certs, topic):
    """What a forged request could change: the partition's znode, its leader as Metadata tells
    it, its high watermark, and its log bytes."""
    zkc = b.zk_client()
    state = zkc.get("/brokers/topics/%s/partitions/0/state" % topic)[0]
    with tls_conn(b, certs, "broker") as admin:
        leader = admin.metadata([topic])["topics"][topic][1][0][1]
        hw = admin.list_offsets(topic, 0, -1)[2]
    seg = b.log_dir / ("%s-0" % topic) / ("0" * 20 + ".log")
    return state, leader, hw, seg.read_bytes(), sorted(zkc.get_children("/brokers/topics"))


def test_plain_client_cannot_use_inter_broker_apis(broker, certs):
    create_topic(broker, certs, "ib")
    with tls_conn(broker, certs, "broker") as admin:
        assert admin.produce("ib", 0, batch(b"a", b"b", b"c"), acks=-1)[0] == 0
    before = snapshot(broker, certs, "ib")
    with KafkaConn.to(broker.bootstrap) as plain:  # User:ANONYMOUS
        r = plain.request(4, 2, leader_and_isr_v2("ib", broker.id, 1 << 20))
        assert r.i16() == CLUSTER_AUTHORIZATION_FAILED
        r = plain.request(6, 5, update_metadata_v5("ib", broker.id))
        assert r.i16() == CLUSTER_AUTHORIZATION_FAILED
        r = plain.request(5, 1, stop_replica_v1("ib", broker.id))
        assert r.i16() == CLUSTER_AUTHORIZATION_FAILED
        # a follower's fetch (replica id 1) far ahead: would move the HW if counted
        r = plain.request(1, 4, follower_fetch_v4("ib", 1, 3))
        r.i32()
        topics = r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16(), r.i64(),
                                                                 r.i64(), r.i32(), r.nbytes()))))
        assert topics[0][1][0][1] == CLUSTER_AUTHORIZATION_FAILED, topics
        # a controlled shutdown asked for by a client (ControlledShutdown v1)
        r = plain.request(7, 1, i32(broker.id))
        assert r.i16() == CLUSTER_AUTHORIZATION_FAILED
        # the same as alice (a client certificate, no ClusterAction)
        with tls_conn(broker, certs, "alice") as alice:
            r = alice.request(4, 2, leader_and_isr_v2("ib", broker.id, 1 << 20))
            assert r.i16() == CLUSTER_AUTHORIZATION_FAILED
    time.sleep(0.5)
    assert snapshot(broker, certs, "ib") == before
    # the broker still serves, and the controller's own epochs were not poisoned
    create_topic(broker, certs, "ib-after")
    log = broker.log_text()
    assert "without ClusterAction: refused" in log


def init_producer_id(conn):
    """InitProducerId v0 for an idempotent producer: (error, producer id)."""
    r = conn.request(22, 0, string(None) + i32(60000))
    r.i32()
    return r.i16(), r.i64()


def test_idempotent_producer_needs_write_somewhere(broker, certs):
    """InitProducerId without a transactional id: IdempotentWrite on the cluster, or Write on
    some topic (KIP-679)."""
    zkc = broker.zk_client()
    put_acls(zkc, "Topic", "pid-", [ace("User:CN=carol", "Write")], pattern="PREFIXED")
    with tls_conn(broker, certs, "carol") as carol:
        H.wait_for(lambda: init_producer_id(carol)[0] == 0, 5, "carol's Write to count")
        assert init_producer_id(carol)[1] >= 0
    with KafkaConn.to(broker.bootstrap) as anon:
        assert init_producer_id(anon)[0] == CLUSTER_AUTHORIZATION_FAILED
    put_acls(zkc, "Cluster", "kafka-cluster", [ace("User:ANONYMOUS", "IdempotentWrite")])
    with KafkaConn.to(broker.bootstrap) as anon:
        H.wait_for(lambda: init_producer_id(anon)[0] == 0, 5, "IdempotentWrite to count")
    zkc.delete("/kafka-acl/Cluster/kafka-cluster")
    zkc.create("/kafka-acl-changes/acl_changes_", b"Cluster:kafka-cluster", sequence=True)


def test_kafka_python_admin_sees_only_what_it_may(broker, certs):
    from kafka import KafkaConsumer
    create_topic(broker, certs, "kp")
    put_acls(broker.zk_client(), "Topic", "kp", [ace("User:CN=alice", "Describe")])
    ssl_args = dict(security_protocol="SSL", ssl_cafile=str(certs / "ca.pem"),
                    ssl_certfile=str(certs / "alice.pem"), ssl_keyfile=str(certs / "alice.key"),
                    ssl_check_hostname=False)

    def alice_topics():
        c = KafkaConsumer(bootstrap_servers=broker.tls_bootstrap, **ssl_args)
        try:
            return c.topics()
        finally:
            c.close()
    H.wait_for(lambda: "kp" in alice_topics(), 10, "kafka-python to see kp")
    assert "payments" not in alice_topics()


# ---- configuration ------------------------------------------------------------------------

def test_unknown_authorizer_refused(zk, tmp_path, certs):
    b = acl_broker(zk, tmp_path, certs, start=False,
                   **{"authorizer.class.name": "com.example.MyAuthorizer"})
    b.spawn()
    assert b.wait_exit(20) == 2
    assert "authorizer.class.name" in b.log_text()


def test_skein_alias_and_allow_everyone(zk, tmp_path, certs):
    """skein.acl is accepted; allow.everyone.if.no.acl.found lets anyone use a resource without
    ACLs, but not one that has some."""
    b = acl_broker(zk, tmp_path, certs, **{"authorizer.class.name": "skein.acl",
                                           "allow.everyone.if.no.acl.found": "true"})
    try:
        create_topic(b, certs, "open")
        create_topic(b, certs, "closed")
        put_acls(b.zk_client(), "Topic", "closed", [ace("User:CN=alice", "Read")])
        with tls_conn(b, certs, "bob") as bob:
            assert fetch_err(bob, "open") == 0
            H.wait_for(lambda: fetch_err(bob, "closed") == TOPIC_AUTHORIZATION_FAILED, 5,
                       "the ACL on closed")
    finally:
        b.stop()


# ---- a cluster --------------------------------------------------------------------------------

def test_three_brokers_as_super_users_replicate_and_fail_over(zk, tmp_path, certs):
    chroot = "/acl3-" + tmp_path.name
    bs = [acl_broker(zk, tmp_path, certs, name="b%d" % i, broker_id=i, chroot=chroot,
                     start=False, **{"min.insync.replicas": "2",
                                     "replica.lag.time.max.ms": "10000"})
          for i in range(3)]
    try:
        for b in bs:
            b.spawn()
        for b in bs:
            b.wait_ready()
            wait_serving(b)
        zkc = bs[0].zk_client()
        ctrl = json.loads(zkc.get("/controller")[0])["brokerid"]  # CreateTopics goes there
        create_topic(bs[ctrl], certs, "rep", partitions=1, rf=3)

        def state():
            return json.loads(zkc.get("/brokers/topics/rep/partitions/0/state")[0])
        put_acls(zkc, "Topic", "rep", [ace("User:CN=alice", "Write"),
                                      ace("User:CN=alice", "Read")])
        for b in bs:  # every broker has read the notification
            with tls_conn(b, certs, "alice") as alice:
                H.wait_for(lambda: alice.metadata(["rep"])["topics"]["rep"][0] == 0, 5,
                           "alice's ACL on broker %d" % b.id)
        boot = ",".join(b.tls_bootstrap for b in bs)
        data = b"".join(b"r%04d\n" % i for i in range(500))
        kcat(["-P", "-b", boot, "-t", "rep", "-p", "0", "-X", "acks=all",
              "-X", "message.timeout.ms=60000"] + kcat_tls(certs, "alice"), input_data=data,
             timeout=90)
        H.wait_for(lambda: sorted(state()["isr"]) == [0, 1, 2], 30, "all three in sync")
        for b in bs:
            assert "refused" not in b.log_text() or "ClusterAction" not in b.log_text(), b.name
        leader = state()["leader"]
        bs[leader].stop()
        H.wait_for(lambda: state()["leader"] not in (-1, leader), 40, "a new leader")
        other = bs[state()["leader"]]
        out = kcat(["-C", "-b", other.tls_bootstrap, "-t", "rep", "-p", "0", "-o", "beginning",
                    "-e", "-q"] + kcat_tls(certs, "alice"), timeout=60).stdout
        assert out == data
    finally:
        for b in bs:
            b.stop()


# ---- CreateAcls / DescribeAcls / DeleteAcls ---------------------------------------------------

def test_log_dirs_need_cluster_describe_and_alter(broker, certs):
    """DescribeLogDirs needs Describe on the cluster, AlterReplicaLogDirs Alter, as Kafka:
    without, v3+ answer CLUSTER_AUTHORIZATION_FAILED and no dirs (v0-2 just no dirs), and
    every partition of an AlterReplicaLogDirs gets CLUSTER_AUTHORIZATION_FAILED."""
    from test_log_dirs import alter_replica_log_dirs, describe_log_dirs
    create_topic(broker, certs, "ldacl")
    logdir = str(broker.log_dir)
    zkc = broker.zk_client()
    path = "/kafka-acl/Cluster/kafka-cluster"
    before = json.loads(zkc.get(path)[0])["acls"] if zkc.exists(path) else []
    try:
        with tls_conn(broker, certs, "carol") as c:
            assert describe_log_dirs(c, 3) == (CLUSTER_AUTHORIZATION_FAILED, {})
            assert describe_log_dirs(c, 1) == (None, {})
            assert alter_replica_log_dirs(c, 1, {logdir: {"ldacl": [0]}}) == {
                ("ldacl", 0): CLUSTER_AUTHORIZATION_FAILED}
            put_acls(zkc, "Cluster", "kafka-cluster",
                     before + [ace("User:CN=carol", "Describe"), ace("User:CN=carol", "Alter")])
            H.wait_for(lambda: describe_log_dirs(c, 3)[0] == 0, 5, "carol's Describe")
            top, dirs = describe_log_dirs(c, 3)
            assert list(dirs) == [logdir] and ("ldacl", 0, False) in dirs[logdir]["parts"]
            # allowed: the dir it is in already, nothing to move
            assert alter_replica_log_dirs(c, 1, {logdir: {"ldacl": [0]}}) == {("ldacl", 0): 0}
    finally:
        put_acls(zkc, "Cluster", "kafka-cluster", before)


def kp_admin(b, certs, who):
    from kafka.admin import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=b.tls_bootstrap, security_protocol="SSL",
                            ssl_cafile=str(certs / "ca.pem"),
                            ssl_certfile=str(certs / (who + ".pem")),
                            ssl_keyfile=str(certs / (who + ".key")), ssl_check_hostname=False,
                            request_timeout_ms=30000)


def test_admin_api_create_describe_delete(broker, certs):
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType,
                             ACLResourcePatternType, ResourcePattern, ResourcePatternFilter,
                             ResourceType)
    from kafka.errors import ClusterAuthorizationFailedError
    create_topic(broker, certs, "adm-1")
    admin = kp_admin(broker, certs, "broker")
    try:
        acls = [ACL("User:CN=bob", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                    ResourcePattern(ResourceType.TOPIC, "adm-", ACLResourcePatternType.PREFIXED)),
                ACL("User:CN=bob", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
                    ResourcePattern(ResourceType.TOPIC, "adm-1", ACLResourcePatternType.LITERAL))]
        res = admin.create_acls(acls)
        assert not res["failed"] and len(res["succeeded"]) == 2, res
        # written as Kafka writes them
        zkc = broker.zk_client()
        data = json.loads(zkc.get("/kafka-acl-extended/prefixed/Topic/adm-")[0])
        assert data == {"version": 1, "acls": [ace("User:CN=bob", "Read")]}
        assert any(zkc.get("/kafka-acl-extended-changes/" + c)[0].startswith(b"{")
                   for c in zkc.get_children("/kafka-acl-extended-changes"))
        assert b"Topic:adm-1" in [zkc.get("/kafka-acl-changes/" + c)[0]
                                  for c in zkc.get_children("/kafka-acl-changes")]
        # in force at once
        with tls_conn(broker, certs, "bob") as bob:
            assert fetch_err(bob, "adm-1") == 0
            assert bob.produce("adm-1", 0, batch(b"b"))[0] == 0
        got, err = admin.describe_acls(ACLFilter(
            "User:CN=bob", None, ACLOperation.ANY, ACLPermissionType.ANY,
            ResourcePatternFilter(ResourceType.TOPIC, None, ACLResourcePatternType.ANY)))
        assert err.errno == 0
        seen = sorted((a.resource_pattern.resource_name, a.resource_pattern.pattern_type.name,
                       a.operation.name) for a in got)
        assert seen == [("adm-", "PREFIXED", "READ"), ("adm-1", "LITERAL", "WRITE")], seen
        # MATCH: what applies to topic adm-1
        got, err = admin.describe_acls(ACLFilter(
            None, None, ACLOperation.ANY, ACLPermissionType.ANY,
            ResourcePatternFilter(ResourceType.TOPIC, "adm-1", ACLResourcePatternType.MATCH)))
        assert sorted(a.resource_pattern.resource_name for a in got) == ["adm-", "adm-1"]
        # delete the Write
        out = admin.delete_acls([ACLFilter(
            "User:CN=bob", None, ACLOperation.WRITE, ACLPermissionType.ANY,
            ResourcePatternFilter(ResourceType.TOPIC, "adm-1", ACLResourcePatternType.LITERAL))])
        _f, deleted, err = out[0]
        assert err.errno == 0 and len(deleted) == 1, out
        assert zkc.exists("/kafka-acl/Topic/adm-1") is None  # no ACL left: the znode goes
        with tls_conn(broker, certs, "bob") as bob:
            assert bob.produce("adm-1", 0, batch(b"b"))[0] == TOPIC_AUTHORIZATION_FAILED
            assert fetch_err(bob, "adm-1") == 0  # the prefixed Read stays
    finally:
        admin.close()
    # alice may not manage ACLs (Alter on the cluster)
    admin = kp_admin(broker, certs, "alice")
    try:
        with pytest.raises(ClusterAuthorizationFailedError):
            admin.describe_acls(ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                          ResourcePatternFilter(ResourceType.ANY, None,
                                                                ACLResourcePatternType.ANY)))
        res = admin.create_acls([ACL("User:CN=alice", "*", ACLOperation.ALL,
                                     ACLPermissionType.ALLOW,
                                     ResourcePattern(ResourceType.CLUSTER, "kafka-cluster"))])
        assert not res["succeeded"] and len(res["failed"]) == 1, res
    finally:
        admin.close()


# ---- skein-acls ---------------------------------------------------------------------------------

def skein_acls(b, certs, who, *args, check=True):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_tools_helpers import tool_path
    cfg = certs / ("%s.properties" % who)
    cfg.write_text("security.protocol=ssl\nssl.ca.location=%s\nssl.certificate.location=%s\n"
                   "ssl.key.location=%s\n" % (certs / "ca.pem", certs / (who + ".pem"),
                                              certs / (who + ".key")))
    p = subprocess.run([tool_path("skein-acls"), "--bootstrap-server", b.tls_bootstrap,
                        "--command-config", str(cfg)] + list(args), capture_output=True,
                       timeout=60)
    if check:
        assert p.returncode == 0, p.stderr.decode()
    return p


def test_skein_acls_tool_and_kafka_python_agree(broker, certs):
    from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType,
                             ACLResourcePatternType, ResourcePatternFilter, ResourceType)
    create_topic(broker, certs, "tool-t")
    out = skein_acls(broker, certs, "broker", "--add", "--allow-principal", "User:CN=carol",
                     "--consumer", "--topic", "tool-t", "--group", "tool-g").stdout.decode()
    assert ("Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=tool-t, "
            "patternType=LITERAL)`: \n \t(principal=User:CN=carol, host=*, operation=READ, "
            "permissionType=ALLOW)\n\t(principal=User:CN=carol, host=*, operation=DESCRIBE, "
            "permissionType=ALLOW) \n") in out, out
    # the consumer convenience works for carol at once
    with tls_conn(broker, certs, "carol") as carol:
        assert fetch_err(carol, "tool-t") == 0
        r = carol.request(10, 0, string("tool-g"))
        assert r.i16() in (0, 15)  # allowed (the coordinator may still be loading)
    skein_acls(broker, certs, "broker", "--add", "--deny-principal", "User:CN=carol",
               "--operation", "Write", "--topic", "tool-", "--resource-pattern-type", "prefixed")
    listed = skein_acls(broker, certs, "broker", "--list").stdout.decode()
    assert ("Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=tool-, "
            "patternType=PREFIXED)`: \n \t(principal=User:CN=carol, host=*, operation=WRITE, "
            "permissionType=DENY) \n") in listed, listed
    # the tool and kafka-python see the same ACLs
    lines = set()
    for block in listed.split("Current ACLs for resource `")[1:]:
        head, body = block.split("`: \n", 1)
        fields = dict(kv.split("=") for kv in head[len("ResourcePattern("):-1].split(", "))
        for entry in body.strip().splitlines():
            e = dict(kv.split("=", 1) for kv in entry.strip()[1:-1].split(", "))
            lines.add((fields["resourceType"], fields["name"], fields["patternType"],
                       e["principal"], e["host"], e["operation"], e["permissionType"]))
    admin = kp_admin(broker, certs, "broker")
    try:
        got, err = admin.describe_acls(ACLFilter(
            None, None, ACLOperation.ANY, ACLPermissionType.ANY,
            ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
        assert err.errno == 0
        kp = {(a.resource_pattern.resource_type.name, a.resource_pattern.resource_name,
               a.resource_pattern.pattern_type.name, a.principal, a.host, a.operation.name,
               a.permission_type.name) for a in got}
    finally:
        admin.close()
    assert kp == lines, (kp ^ lines)
    assert ("GROUP", "tool-g", "LITERAL", "User:CN=carol", "*", "READ", "ALLOW") in kp
    # remove everything on tool-t
    out = skein_acls(broker, certs, "broker", "--remove", "--force", "--topic", "tool-t")
    assert broker.zk_client().exists("/kafka-acl/Topic/tool-t") is None
    with tls_conn(broker, certs, "carol") as carol:
        assert fetch_err(carol, "tool-t") == TOPIC_AUTHORIZATION_FAILED
    # bob may not
    p = skein_acls(broker, certs, "bob", "--add", "--allow-principal", "User:CN=bob",
                   "--operation", "All", "--cluster", check=False)
    assert p.returncode == 1 and b"authoriz" in p.stderr.lower(), p.stderr
    # usage errors
    p = skein_acls(broker, certs, "broker", "--add", "--topic", "x", check=False)
    assert p.returncode == 2


def test_delete_records_needs_delete_and_describe_producers_read(broker, certs):
    """DeleteRecords needs Delete on the topic, DescribeProducers Read (Kafka's checks);
    without them each partition gets TOPIC_AUTHORIZATION_FAILED and nothing moves. (Not a
    name starting with "d": test_deny_overrides_allow denies Read on that prefix.)"""
    from test_delete_records import delete_records, describe_producers
    create_topic(broker, certs, "recdel-auth")
    with tls_conn(broker, certs, "broker") as su:
        assert su.produce("recdel-auth", 0, batch(b"a", b"b", b"c"), acks=-1)[0] == 0
    bs = broker.bootstrap  # plaintext: User:ANONYMOUS
    assert delete_records(bs, "recdel-auth", {0: 2}) == {0: (-1, TOPIC_AUTHORIZATION_FAILED)}
    assert describe_producers(bs, "recdel-auth", [0]) == {0: (TOPIC_AUTHORIZATION_FAILED, [])}
    with tls_conn(broker, certs, "broker") as su:
        assert su.list_offsets("recdel-auth", 0, -2)[2] == 0
    put_acls(broker.zk_client(), "Topic", "recdel-auth",
             [ace("User:ANONYMOUS", "Delete"), ace("User:ANONYMOUS", "Read")])
    H.wait_for(lambda: delete_records(bs, "recdel-auth", {0: 2}) == {0: (2, 0)}, 5,
               "Delete on recdel-auth to count")
    assert describe_producers(bs, "recdel-auth", [0]) == {0: (0, [])}
