"""ZooKeeper security (issue 10 part 5): zookeeper.set.acl with digest authentication
(zookeeper.digest.file), the tools' --zk-digest-file, and the start-up refusals.

Kafka's ACLs (ZkData.defaultAcls): the brokers' identity may do everything, everyone else may
only read, except /config/users and /config/brokers (nobody else may read) and /consumers
(open). With digest credentials user:password the identity is
digest:user:base64(SHA-1("user:password")), which ZooKeeper computes and stores."""

import base64
import hashlib
import json

import pytest
from kazoo.exceptions import NoAuthError
from kazoo.security import ACL, Id

import skein_harness as H
from clients import kp_admin, wait_topic_in_metadata
from kafka_wire import KafkaConn, record_batch
from test_tools_helpers import run, topics

USER, PASSWORD = "kafka", "s3cret:with=odd chars"
ALL, READ = 31, 1


def digest_id(user, password):
    raw = hashlib.sha1(("%s:%s" % (user, password)).encode()).digest()
    return "%s:%s" % (user, base64.b64encode(raw).decode())


BROKERS_ACL = ACL(ALL, Id("digest", digest_id(USER, PASSWORD)))
WORLD_READ = ACL(READ, Id("world", "anyone"))
OPEN = ACL(ALL, Id("world", "anyone"))


def write_digest(path, user=USER, password=PASSWORD):
    # Java .properties: '=', ':' and ' ' inside a value are literal after the separator
    path.write_text("# the brokers' ZooKeeper identity\nusername=%s\npassword=%s\n"
                    % (user, password))
    return path


def zk_client(c, auth=True):
    from kazoo.client import KazooClient
    kc = KazooClient(hosts=c.zk.connect + c.chroot, timeout=15,
                     auth_data=[("digest", "%s:%s" % (USER, PASSWORD))] if auth else None)
    kc.start(timeout=15)
    return kc


def acls(kc, path):
    return sorted(kc.get_acls(path)[0], key=lambda a: (a.id.scheme, a.perms))


def create_topic(c, name, rf):
    from kafka.admin import NewTopic
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic(name, 1, rf)])
    finally:
        a.close()
    wait_topic_in_metadata(c.bootstrap, name, 1)


def partition_state(kc, topic):
    data, _ = kc.get("/brokers/topics/%s/partitions/0/state" % topic)
    return json.loads(data)


def test_secure_cluster_acls_tools_expiry_failover(make_cluster, tmp_path):
    digest = write_digest(tmp_path / "zk-digest.properties")
    c = make_cluster(2, zookeeper_set_acl="true", zookeeper_digest_file=str(digest),
                     zookeeper_session_timeout_ms=4000)
    auth = zk_client(c)
    anon = zk_client(c, auth=False)
    try:
        create_topic(c, "secure-t", 2)
        H.wait_for(lambda: auth.exists("/brokers/topics/secure-t/partitions/0/state"), 20,
                   "the partition state znode of secure-t")

        # Kafka's ACLs on what the brokers created: registration, controller, topic, state,
        # config, change notifications; sensitive subtrees without world read; /consumers open
        readable = ["/brokers/ids", "/brokers/ids/0", "/brokers/ids/1", "/controller",
                    "/controller_epoch", "/brokers/topics", "/brokers/topics/secure-t",
                    "/brokers/topics/secure-t/partitions/0/state", "/config",
                    "/config/topics", "/config/changes", "/admin/delete_topics", "/cluster/id"]
        for p in readable:
            assert acls(auth, p) == [BROKERS_ACL, WORLD_READ], p
        for p in ("/config/users", "/config/brokers"):
            assert acls(auth, p) == [BROKERS_ACL], p
        assert acls(auth, "/consumers") == [OPEN]

        # the keys in DescribeConfigs, as every key of the table (read-only, static)
        from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
        res = ConfigResource(ConfigResource.Type.BROKER, "0")
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        got = admin.describe_configs([res])[res].result(30)
        assert got["zookeeper.set.acl"].value == "true"
        assert got["zookeeper.digest.file"].value == str(digest)
        assert got["zookeeper.digest.file"].source == ConfigSource.STATIC_BROKER_CONFIG.value
        assert got["zookeeper.ssl.client.enable"].value == "false"
        assert got["zookeeper.ssl.client.enable"].is_default

        # an unauthenticated client reads what is world-readable and writes nothing
        assert sorted(anon.get_children("/brokers/ids")) == ["0", "1"]
        assert anon.get("/brokers/topics/secure-t")[0]
        for write in (lambda: anon.create("/brokers/topics/rogue", b"{}"),
                      lambda: anon.set("/controller", b'{"brokerid":7}'),
                      lambda: anon.delete("/controller"),
                      lambda: anon.create("/config/topics/rogue", b"{}"),
                      lambda: anon.create("/config/changes/config_change_", b"{}",
                                          sequence=True),
                      lambda: anon.set("/brokers/topics/secure-t", b"{}"),
                      lambda: anon.get_children("/config/users"),
                      lambda: anon.get("/config/brokers")):
            with pytest.raises(NoAuthError):
                write()
        assert anon.exists("/brokers/topics/rogue") is None

        # the tools: with the brokers' credentials a topic is created (and taken up by the
        # controller), without them ZooKeeper refuses and nothing is written
        zconn = c.zk.connect + c.chroot
        r = topics("--zookeeper", zconn, "--create", "--topic", "tool-t", "--partitions", "1",
                   "--replication-factor", "2", check=1)
        assert "NoAuth" in r.stderr and "--zk-digest-file" in r.stderr, r
        assert auth.exists("/brokers/topics/tool-t") is None
        r = topics("--zookeeper", zconn, "--zk-digest-file", digest, "--create", "--topic",
                   "tool-t", "--partitions", "1", "--replication-factor", "2", check=0)
        assert r.stdout == "Created topic tool-t.\n"
        assert acls(auth, "/brokers/topics/tool-t") == [BROKERS_ACL, WORLD_READ]
        wait_topic_in_metadata(c.bootstrap, "tool-t", 1)
        H.wait_for(lambda: auth.exists("/brokers/topics/tool-t/partitions/0/state"), 20,
                   "the controller to write tool-t's partition state")
        # skein-configs: a topic override needs the credentials too; users need them to read
        r = run("skein-configs", "--zookeeper", zconn, "--entity-type", "topics",
                "--entity-name", "tool-t", "--alter", "--add-config", "retention.ms=60000")
        assert r.rc != 0 and "not authenticated" in r.stderr.lower() + r.stdout.lower(), r
        run("skein-configs", "--zookeeper", zconn, "--zk-digest-file", digest, "--entity-type",
            "topics", "--entity-name", "tool-t", "--alter", "--add-config",
            "retention.ms=60000", check=0)
        assert acls(auth, "/config/topics/tool-t") == [BROKERS_ACL, WORLD_READ]
        r = topics("--zookeeper", zconn, "--zk-digest-file", tmp_path / "missing", "--list")
        assert r.rc != 0 and "--zk-digest-file" in r.stderr, r
        # skein-reassign-partitions: /admin/reassign_partitions likewise (tool-t's replicas
        # reordered, which the controller completes at once and then deletes the node)
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps({"version": 1, "partitions": [
            {"topic": "tool-t", "partition": 0, "replicas": [1, 0]}]}))
        r = run("skein-reassign-partitions", "--zookeeper", zconn, "--execute",
                "--reassignment-json-file", plan)
        assert r.rc != 0 and "NoAuth" in r.stderr, r
        assert auth.exists("/admin/reassign_partitions") is None
        run("skein-reassign-partitions", "--zookeeper", zconn, "--zk-digest-file", digest,
            "--execute", "--reassignment-json-file", plan, check=0)
        H.wait_for(lambda: json.loads(auth.get("/brokers/topics/tool-t")[0])["partitions"]
                   == {"0": [1, 0]} and not auth.exists("/admin/reassign_partitions"), 20,
                   "the controller to complete the reassignment of tool-t")

        # session expiry of the controller: the other broker takes over (writes /controller
        # and the leaders), the expired one opens a new, re-authenticated session and
        # registers again under /brokers/ids, which only the brokers' identity may write
        ctrl = c.zk_json("/controller")["brokerid"]
        b = c.broker(ctrl)
        _, st0 = auth.get("/brokers/ids/%d" % ctrl)
        b.pause()
        try:
            H.wait_for(lambda: auth.exists("/brokers/ids/%d" % ctrl) is None, 20,
                       "ZooKeeper to expire the paused controller's session")
        finally:
            b.resume()
        st1 = H.wait_for(lambda: auth.exists("/brokers/ids/%d" % ctrl), 30,
                         "the broker to register again after its session expired")
        assert st1.ephemeralOwner != st0.ephemeralOwner
        assert acls(auth, "/brokers/ids/%d" % ctrl) == [BROKERS_ACL, WORLD_READ]
        H.wait_for(lambda: auth.exists("/controller"), 20, "a controller again")
        assert acls(auth, "/controller") == [BROKERS_ACL, WORLD_READ]
        log = b.log_text(current_run_only=True)
        assert "established after expiry" in log and "digest user kafka" in log

        # the broker keeps writing after the expiry: a topic created now through it
        create_topic(c, "after-expiry", 2)
        H.wait_for(lambda: auth.exists("/brokers/topics/after-expiry/partitions/0/state"), 20,
                   "after-expiry's partition state")

        # failover: once both replicas are in sync again (the expired broker left the ISRs),
        # kill the controller; the survivor is elected and leads everything
        topics_all = ("secure-t", "tool-t", "after-expiry")
        H.wait_for(lambda: all(sorted(partition_state(auth, t)["isr"]) == [0, 1]
                               for t in topics_all), 30, "both brokers back in every ISR")
        ctrl = c.zk_json("/controller")["brokerid"]
        other = 1 - ctrl
        c.broker(ctrl).kill()
        H.wait_for(lambda: auth.exists("/controller") and
                   c.zk_json("/controller")["brokerid"] == other, 30,
                   "broker %d to become controller" % other)
        for t in topics_all:
            H.wait_for(lambda t=t: partition_state(auth, t)["leader"] == other, 30,
                       "broker %d to lead %s" % (other, t))
        assert acls(auth, "/controller") == [BROKERS_ACL, WORLD_READ]
        with KafkaConn.to(c.broker(other).bootstrap) as k:
            err, _ = k.produce("secure-t", 0, record_batch([(None, b"after failover", [])]))
            assert err == 0
    finally:
        for kc in (auth, anon):
            kc.stop()
            kc.close()


BAD_START = [
    ("missing-file", {"zookeeper.set.acl": "true", "zookeeper.digest.file": "MISSING"},
     "zookeeper.digest.file"),
    ("no-password", {"zookeeper.set.acl": "true", "zookeeper.digest.file": "NOPASS"},
     "zookeeper.digest.file"),
    ("unknown-key", {"zookeeper.digest.file": "EXTRA"}, "zookeeper.digest.file"),
    ("set-acl-without-file", {"zookeeper.set.acl": "true"}, "zookeeper.set.acl"),
    ("zk-tls", {"zookeeper.ssl.client.enable": "true"}, "zookeeper.ssl.client.enable"),
]


@pytest.mark.parametrize("props,key", [b[1:] for b in BAD_START], ids=[b[0] for b in BAD_START])
def test_bad_zookeeper_security_stops_startup(skeind_bin, tmp_path, props, key):
    files = {"MISSING": str(tmp_path / "no-such-file"), "NOPASS": str(tmp_path / "nopass"),
             "EXTRA": str(tmp_path / "extra")}
    (tmp_path / "nopass").write_text("username=kafka\n")
    (tmp_path / "extra").write_text("username=kafka\npassword=x\nuser=other\n")
    props = {k: files.get(v, v) for k, v in props.items()}
    dead_zk = "127.0.0.1:%d/skein" % H.free_port()
    b = H.Broker(0, None, tmp_path / "b", overrides=props, zk_connect=dead_zk, start=False)
    b.spawn()
    rc = b.wait_exit(15)
    if rc is None:
        b.kill()
    out = b.log_text(current_run_only=True)
    assert rc == 2, "exit status %s; output:\n%s" % (rc, out)
    assert key in out, out
    if key == "zookeeper.ssl.client.enable":
        assert "not supported" in out and "libzookeeper_mt" in out, out


def test_security_migration_secures_existing_znodes(make_cluster, tmp_path):
    """skein-zookeeper-security-migration (Kafka's zookeeper-security-migration.sh flags): a
    cluster run without zookeeper.set.acl has open znodes, which a restart with it does not
    change; --zookeeper.acl=secure gives them Kafka's ACLs (kazoo get_acls), after which an
    unauthenticated client writes nothing and the broker keeps creating topics; unsecure
    opens them again. Usage errors exit 2, a refusal by ZooKeeper 1."""
    digest = write_digest(tmp_path / "zk-digest.properties")
    c = make_cluster(1)
    zconn = c.zk.connect + c.chroot
    create_topic(c, "old-t", 1)
    run("skein-configs", "--zookeeper", zconn, "--entity-type", "users", "--entity-name", "u",
        "--alter", "--add-config", "SCRAM-SHA-256=[password=p]", check=0)
    b = c.brokers[0]
    b.stop()
    b.props.update({"zookeeper.set.acl": "true", "zookeeper.digest.file": str(digest)})
    b.start()
    auth = zk_client(c)
    anon = zk_client(c, auth=False)
    try:
        old = ["/brokers/topics/old-t", "/brokers/topics/old-t/partitions/0/state",
               "/config/topics/old-t", "/config/users/u", "/brokers/topics"]
        for p in old:
            assert acls(auth, p) == [OPEN], p   # kept through the restart

        migrate = ("skein-zookeeper-security-migration",)
        r = run(*migrate, "--zookeeper.acl=secure", "--zookeeper.connect", zconn, check=2)
        assert "--zk-digest-file" in r.stderr, r
        run(*migrate, "--zookeeper.acl", "bogus", "--zookeeper.connect", zconn, check=2)
        run(*migrate, "--zookeeper.acl=secure", "--zookeeper.connect",
            c.zk.connect + "/no-such-chroot", "--zk-digest-file", digest,
            "--enable.path.check", check=1)
        r = run(*migrate, "--zookeeper.acl=secure", "--zookeeper.connect", zconn,
                "--zk-digest-file", digest, "--enable.path.check", check=0)
        out = r.stdout
        assert out.startswith("Set secure ACLs on ") and out.endswith(" znodes.\n"), out
        for p in ("/brokers/topics/old-t", "/brokers/topics/old-t/partitions/0/state",
                  "/config/topics/old-t", "/brokers/topics", "/brokers/ids/0", "/controller",
                  "/config/changes", "/cluster/id"):
            assert acls(auth, p) == [BROKERS_ACL, WORLD_READ], p
        for p in ("/config/users", "/config/users/u", "/config/brokers"):
            assert acls(auth, p) == [BROKERS_ACL], p
        assert acls(auth, "/consumers") == [OPEN]
        for write in (lambda: anon.set("/brokers/topics/old-t", b"{}"),
                      lambda: anon.create("/brokers/topics/rogue", b"{}"),
                      lambda: anon.get("/config/users/u")):
            with pytest.raises(NoAuthError):
                write()
        create_topic(c, "new-t", 1)   # the broker, authenticated, still writes
        assert acls(auth, "/brokers/topics/new-t") == [BROKERS_ACL, WORLD_READ]

        # back: without the identity ZooKeeper refuses; with it everything is open again
        r = run(*migrate, "--zookeeper.acl=unsecure", "--zookeeper.connect", zconn, check=1)
        assert "--zk-digest-file" in r.stderr, r
        run(*migrate, "--zookeeper.acl=unsecure", "--zookeeper.connect", zconn,
            "--zk-digest-file", digest, check=0)
        for p in old + ["/brokers/topics/new-t", "/config/users"]:
            assert acls(auth, p) == [OPEN], p
    finally:
        auth.stop()
        anon.stop()
