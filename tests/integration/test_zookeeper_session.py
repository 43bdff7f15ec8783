"""The broker's ZooKeeper session: expiry leads to re-registration; a ZooKeeper restart shorter
than the session timeout changes nothing for clients."""

import skein_harness as H
from clients import kp_admin, wait_topic_in_metadata
from kafka_wire import KafkaConn, record_batch


def create(c, topic):
    from kafka.admin import NewTopic
    a = kp_admin(c.bootstrap)
    try:
        a.create_topics([NewTopic(topic, 1, 1)])
    finally:
        a.close()
    wait_topic_in_metadata(c.bootstrap, topic, 1)


def test_session_expiry_reregisters(make_cluster):
    c = make_cluster(1, zookeeper_session_timeout_ms=4000)
    b = c.broker(0)
    zkc = c.zk_client()
    data0, st0 = b.registration()
    create(c, "expiry-t")
    with KafkaConn.to(c.bootstrap) as k:
        assert k.produce("expiry-t", 0, record_batch([(None, b"before", [])])) == (0, 0)

    b.pause()                      # no pings: ZooKeeper expires the session
    try:
        H.wait_for(lambda: zkc.exists("/brokers/ids/0") is None, 20,
                   "ZooKeeper to expire the paused broker's session")
    finally:
        b.resume()
    st1 = H.wait_for(lambda: zkc.exists("/brokers/ids/0"), 30,
                     "the broker to re-register after session expiry")
    assert st1.czxid != st0.czxid and st1.ephemeralOwner != st0.ephemeralOwner
    data1, _ = b.registration()
    assert b"127.0.0.1:%d" % b.port in data1
    assert b.running()
    with KafkaConn.to(c.bootstrap) as k:
        err, base = k.produce("expiry-t", 0, record_batch([(None, b"after", [])]))
        assert err == 0
        _, _, recs = k.fetch("expiry-t", 0, 0)
        assert [r["value"] for r in recs][-1] == b"after"
    log = b.log_text(current_run_only=True).lower()
    assert "expire" in log, "no log line about the session expiry"


def test_zookeeper_restart_keeps_broker_registered_and_serving(skeind_bin, tmp_path):
    # a private ZooKeeper: this test stops it
    with H.Cluster(1, tmp_path, zookeeper_session_timeout_ms=20000) as c:
        b = c.broker(0)
        create(c, "zk-restart")
        _, st0 = b.registration()
        c._zkc = None
        c.zk.stop()
        b._zkc = None
        # ZooKeeper is down: the data path does not need it
        with KafkaConn.to(c.bootstrap) as k:
            assert k.produce("zk-restart", 0, record_batch([(None, b"zk-down", [])])) == (0, 0)
            _, _, recs = k.fetch("zk-restart", 0, 0)
            assert [r["value"] for r in recs] == [b"zk-down"]
        c.zk.start()
        zkc = c.zk_client()
        st1 = H.wait_for(lambda: zkc.exists("/brokers/ids/0"), 30, "registration after ZK restart")
        # same session (reconnected within the timeout), or re-registered: either way present
        assert st1 is not None
        with KafkaConn.to(c.bootstrap) as k:
            assert k.produce("zk-restart", 0, record_batch([(None, b"zk-up", [])])) == (0, 1)
        assert b.running()
        assert st0.ephemeralOwner == st1.ephemeralOwner, "session was not resumed"
        assert b.stop() == 0
