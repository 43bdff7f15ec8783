"""DescribeCluster (key 60) at both versions Kafka 3.7 accepts, hand-built (confluent-kafka 1.7
has no describe_cluster): the live brokers at the listener's endpoint, the controller, the
cluster id, the cluster's operations when asked (every one without an authorizer, as Kafka),
v1's EndpointType (KIP-919: a broker refuses a request for the controllers' endpoints with
MISMATCHED_ENDPOINT_TYPE)."""

import pytest

import skein_harness as H
from kafka_wire import KafkaConn, Reader, i16, i32, i8, read_uvarint, skip_tags, string, uvarint

NONE, MISMATCHED_ENDPOINT_TYPE = 0, 114
CLUSTER_ALL_OPERATIONS = 0x1FA0  # CREATE ALTER DESCRIBE CLUSTER_ACTION (DESCRIBE|ALTER)_CONFIGS IDEMPOTENT_WRITE


def describe_cluster(k, version, include_ops=False, endpoint_type=1):
    body = i8(1 if include_ops else 0)
    if version >= 1:
        body += i8(endpoint_type)
    body += b"\x00"
    k.corr += 1
    hdr = i16(60) + i16(version) + i32(k.corr) + string(k.client_id) + b"\x00"
    k.sock.sendall(i32(len(hdr + body)) + hdr + body)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    skip_tags(r)

    def cs():
        n = read_uvarint(r) - 1
        return None if n < 0 else r.take(n).decode()

    d = dict(throttle=r.i32(), error=r.i16(), message=cs())
    if version >= 1:
        d["endpoint_type"] = r.i8()
    d["cluster_id"], d["controller"] = cs(), r.i32()
    brokers = {}
    for _ in range(read_uvarint(r) - 1):
        bid, host, port, rack = r.i32(), cs(), r.i32(), cs()
        skip_tags(r)
        brokers[bid] = (host, port, rack)
    d["brokers"], d["ops"] = brokers, r.i32()
    skip_tags(r)
    assert r.p == len(r.d)
    return d


@pytest.fixture(scope="module")
def two(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(2, tmp_path_factory.mktemp("dcluster"), zk=zk)
    yield c
    c.stop()


def test_api_versions(two):
    with KafkaConn.to(two.brokers[0].bootstrap) as k:
        err, ranges = k.api_versions()
    assert err == 0 and ranges[60] == (0, 1)


@pytest.mark.parametrize("version", [0, 1])
def test_both_versions_from_each_broker(two, version):
    ctrl = H.controller_id(two)
    for b in two.brokers:
        with KafkaConn.to(b.bootstrap) as k:
            d = H.wait_for(lambda: (lambda x: x if len(x["brokers"]) == 2 else None)(
                describe_cluster(k, version)), 20, "both brokers live")
            assert d["error"] == NONE and d["message"] is None
            assert d["controller"] == ctrl
            assert d["cluster_id"]
            assert d["ops"] == -2 ** 31  # not asked for
            for other in two.brokers:
                host, port, rack = d["brokers"][other.id]
                assert port == other.port and rack is None
            if version >= 1:
                assert d["endpoint_type"] == 1
            asked = describe_cluster(k, version, include_ops=True)
            assert asked["ops"] == CLUSTER_ALL_OPERATIONS


def test_v1_controller_endpoints_refused(two):
    with KafkaConn.to(two.brokers[0].bootstrap) as k:
        d = describe_cluster(k, 1, endpoint_type=2)
        assert d["error"] == MISMATCHED_ENDPOINT_TYPE and d["message"]
        assert d["brokers"] == {} and d["controller"] == -1
        # the connection stays usable
        assert describe_cluster(k, 1)["error"] == NONE
