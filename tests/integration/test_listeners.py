"""Several listeners: a client is told the addresses of the listener it came in on
(Metadata, DescribeCluster, FindCoordinator), as Kafka answers, while brokers replicate
over the inter-broker listener. Two brokers, each with an INTERNAL listener advertised as
127.0.0.1 and an EXTERNAL one advertised as localhost."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kcat, kcat_metadata  # noqa: E402
from kafka_wire import KafkaConn, string  # noqa: E402


def start_broker(i, zk, tmp_path):
    internal, external = H.free_port(), H.free_port()
    b = H.Broker(i, zk, tmp_path / ("b%d" % i), port=internal, start=False, overrides={
        "listeners": "INTERNAL://127.0.0.1:%d,EXTERNAL://127.0.0.1:%d" % (internal, external),
        "advertised.listeners": "INTERNAL://127.0.0.1:%d,EXTERNAL://localhost:%d"
                                % (internal, external),
        "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
        "inter.broker.listener.name": "INTERNAL",
        "default.replication.factor": "2",
    })
    b.external = external
    b.start()
    return b


def brokers_seen(bootstrap):
    md = kcat_metadata(bootstrap)
    return sorted((x["id"], x["name"]) for x in md["brokers"])


def find_coordinator(host_port, group):
    with KafkaConn.to(host_port) as conn:
        r = conn.request(10, 0, string(group))
        return r.i16(), r.i32(), r.string(), r.i32()


def test_each_listener_sees_its_own_addresses(zk, tmp_path):
    b0 = start_broker(0, zk, tmp_path)
    b1 = start_broker(1, zk, tmp_path)
    try:
        ext0 = "127.0.0.1:%d" % b0.external
        want_int = [(0, "127.0.0.1:%d" % b0.port), (1, "127.0.0.1:%d" % b1.port)]
        want_ext = [(0, "localhost:%d" % b0.external), (1, "localhost:%d" % b1.external)]
        H.wait_for(lambda: brokers_seen(b0.bootstrap) == want_int, 30,
                   "both brokers on the internal listener")
        assert brokers_seen(ext0) == want_ext
        assert brokers_seen("127.0.0.1:%d" % b1.external) == want_ext
        # replication runs over INTERNAL: a replicated topic gets a full ISR, and a
        # client on EXTERNAL produces and consumes through localhost addresses
        kcat(["-P", "-b", ext0, "-t", "two", "-p", "0", "-X", "acks=all"],
             input_data=b"hello\nworld\n")
        def isr():
            data, _ = b0.zk_client().get("/brokers/topics/two/partitions/0/state")
            return sorted(json.loads(data)["isr"])
        H.wait_for(lambda: isr() == [0, 1], 30, "both replicas in sync over INTERNAL")
        out = kcat(["-C", "-b", ext0, "-t", "two", "-p", "0", "-o", "beginning", "-e", "-q"])
        assert out.stdout.decode().split() == ["hello", "world"]
        # the group coordinator is given at the client's listener too
        err, node, host, port = H.wait_for(
            lambda: (lambda r: r if r[0] == 0 else None)(find_coordinator(ext0, "g1")), 30,
            "a coordinator for g1")
        ext_of = {0: b0.external, 1: b1.external}
        assert (host, port) == ("localhost", ext_of[node])
        err, node2, host2, port2 = find_coordinator(b0.bootstrap, "g1")
        assert err == 0 and node2 == node
        assert (host2, port2) == ("127.0.0.1", {0: b0.port, 1: b1.port}[node])
    finally:
        b1.stop()
        b0.stop()


def test_brokers_registered_under_a_host_name_replicate(zk, tmp_path):
    """Brokers advertise their one listener as localhost: the controller's channel and the
    followers' fetchers resolve the name (off the event loop) and replication works as with
    a numeric address."""
    brokers = []
    try:
        for i in range(2):
            port = H.free_port()
            b = H.Broker(i, zk, tmp_path / ("n%d" % i), port=port, start=False, overrides={
                "listeners": "PLAINTEXT://127.0.0.1:%d" % port,
                "advertised.listeners": "PLAINTEXT://localhost:%d" % port,
                "default.replication.factor": "2",
            })
            brokers.append(b)
            b.start()
        b0, b1 = brokers
        H.wait_for(lambda: brokers_seen(b0.bootstrap) == [(0, "localhost:%d" % b0.port),
                                                          (1, "localhost:%d" % b1.port)],
                   30, "both brokers registered as localhost")
        kcat(["-P", "-b", b0.bootstrap, "-t", "named", "-p", "0", "-X", "acks=all"],
             input_data=b"one\ntwo\nthree\n")
        def isr():
            data, _ = b0.zk_client().get("/brokers/topics/named/partitions/0/state")
            return sorted(json.loads(data)["isr"])
        H.wait_for(lambda: isr() == [0, 1], 30, "both replicas in sync through localhost")
        out = kcat(["-C", "-b", b0.bootstrap, "-t", "named", "-p", "0", "-o", "beginning",
                    "-e", "-q"])
        assert out.stdout.decode().split() == ["one", "two", "three"]
    finally:
        for b in reversed(brokers):
            b.stop()
