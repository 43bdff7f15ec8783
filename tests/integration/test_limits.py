"""Limits (issue 10 part 4): connections.max.idle.ms, max.connections.per.ip (and its
overrides), a client that pipelines requests and never reads its answers, absurd partition
counts in CreateTopics / CreatePartitions, and a CreateTopics naming one topic 20,000 times.
Real ZooKeeper, real skeind, raw frames."""

import resource
import selectors
import socket
import time

import pytest

import skein_harness as H
from kafka_wire import ConnectionClosed, KafkaConn, Reader, array, i8, i16, i32, i64, string

INVALID_PARTITIONS = 37
INVALID_REQUEST = 42
NOT_CONTROLLER = 41
POLICY_VIOLATION = 44
N_IDLE = 2000


@pytest.fixture(scope="module", autouse=True)
def many_fds():
    """2,000 client sockets here and 2,000 accepted ones in skeind, which inherits this
    process's limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 16384) if hard != resource.RLIM_INFINITY else 16384
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < 2 * N_IDLE + 200:
        pytest.skip("RLIMIT_NOFILE hard limit %d is too low" % hard)
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def sanitized(path):
    """An ASan build keeps freed memory in its quarantine (256 MB by default), which shows in
    RSS without being held by the broker."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def connect_from(bootstrap, src_ip, timeout=10.0):
    host, port = bootstrap.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout, source_address=(src_ip, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    k = KafkaConn.__new__(KafkaConn)
    k.sock, k.client_id, k.corr = s, "skein-test", 0
    return k


def works(k):
    err, keys = k.api_versions()
    return err == 0 and 18 in keys


def create_topics_v1(k, topics, validate_only):
    """topics: [(name, partitions)] with replication factor 1. Returns [(name, error, msg)]
    in answer order."""
    body = array([string(n) + i32(p) + i16(1) + array([]) + array([]) for n, p in topics])
    body += i32(30000) + i8(1 if validate_only else 0)
    r = k.request(19, 1, body)
    return r.array(lambda: (r.string(), r.i16(), r.string()))


def create_partitions_v0(k, topic, count, validate_only):
    body = array([string(topic) + i32(count) + i32(-1)]) + i32(30000) + i8(
        1 if validate_only else 0)
    r = k.request(37, 0, body)
    r.i32()  # throttle
    return r.array(lambda: (r.string(), r.i16(), r.string()))


def as_controller(c, fn):
    """Admin requests go to the controller: retry while it is not elected yet."""
    deadline = time.monotonic() + 30
    while True:
        with KafkaConn.to(c.bootstrap, timeout=60) as k:
            got = fn(k)
        if all(e != NOT_CONTROLLER for _, e, _ in got) or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


@pytest.fixture(scope="module")
def lc(zk, skeind_bin, tmp_path_factory, many_fds):
    # the per-IP limit is tested from 127.0.0.2/.3; 127.0.0.1 (the broker's own
    # inter-broker connections, the other tests) gets an override
    c = H.Cluster(1, tmp_path_factory.mktemp("limits"), zk=zk,
                  connections_max_idle_ms="3000",
                  max_connections_per_ip="3",
                  props={"max.connections.per.ip.overrides": "127.0.0.1:10000,127.0.0.3:1"})
    yield c
    c.stop()


def test_idle_connections_closed(lc):
    socks = []
    try:
        for _ in range(N_IDLE):
            socks.append(connect_from(lc.bootstrap, "127.0.0.1").sock)
        busy = KafkaConn.to(lc.bootstrap)
        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        closed = set()
        deadline = time.monotonic() + 60
        while len(closed) < N_IDLE and time.monotonic() < deadline:
            # a connection that keeps asking is not idle
            assert works(busy)
            for key, _ in sel.select(timeout=0.5):
                try:
                    data = key.fileobj.recv(16)
                except ConnectionResetError:
                    data = b""
                assert data == b"", "an idle connection got unasked-for bytes"
                closed.add(key.fileobj)
                sel.unregister(key.fileobj)
        assert len(closed) == N_IDLE, "%d of %d idle connections closed within 60 s" % (
            len(closed), N_IDLE)
        assert works(busy), "the busy connection was closed as idle"
        busy.close()
        log = lc.brokers[0].log_text()
        assert log.count("(connections.max.idle.ms") >= N_IDLE, "one log line per idle close"
    finally:
        for s in socks:
            s.close()


def test_max_connections_per_ip(lc):
    first = [connect_from(lc.bootstrap, "127.0.0.2") for _ in range(3)]
    try:
        assert all(works(k) for k in first)
        extra = connect_from(lc.bootstrap, "127.0.0.2")
        with pytest.raises((ConnectionClosed, ConnectionResetError, BrokenPipeError)):
            works(extra)
        extra.close()
        # the first three and another address keep working
        assert all(works(k) for k in first)
        with connect_from(lc.bootstrap, "127.0.0.4") as other:
            assert works(other)
        # an override: 127.0.0.3 may have one
        one = connect_from(lc.bootstrap, "127.0.0.3")
        assert works(one)
        two = connect_from(lc.bootstrap, "127.0.0.3")
        with pytest.raises((ConnectionClosed, ConnectionResetError, BrokenPipeError)):
            works(two)
        two.close()
        assert works(one)
        one.close()
        log = lc.brokers[0].log_text()
        assert "max.connections.per.ip allows 3" in log
        assert "max.connections.per.ip.overrides allows 1" in log
    finally:
        for k in first:
            k.close()
    # a closed connection frees its place
    deadline = time.monotonic() + 10
    while True:
        k = connect_from(lc.bootstrap, "127.0.0.2")
        try:
            if works(k):
                break
        except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
            assert time.monotonic() < deadline, "the closed connections never freed the limit"
            time.sleep(0.1)
        finally:
            k.close()


def test_pipelining_client_that_never_reads(lc, skeind_bin):
    pid = lc.brokers[0].proc.pid
    bound_mb = 64 + (256 if sanitized(skeind_bin) else 0)
    before = rss_kb(pid)
    slow = KafkaConn.to(lc.bootstrap)
    # ApiVersions v0: a ~20-byte request, a few hundred bytes of answer
    chunk = b"".join(slow.request_bytes(18, 0, b"", corr=i)[0] for i in range(2000))
    slow.sock.setblocking(False)
    sent, stuck_since, limit = 0, None, 256 << 20
    try:
        while sent < limit:
            try:
                sent += slow.sock.send(chunk)
                stuck_since = None
            except BlockingIOError:
                now = time.monotonic()
                stuck_since = stuck_since or now
                if now - stuck_since > 3.0:
                    break
                time.sleep(0.01)
        grown_mb = (rss_kb(pid) - before) / 1024.0
        # others are served meanwhile
        with KafkaConn.to(lc.bootstrap) as k:
            assert works(k)
            k.metadata([])
        assert sent < limit, "the broker read %d MB from a client that never reads" % (
            sent >> 20)
        assert grown_mb < bound_mb, "broker RSS grew %.0f MB for a client that never reads" % (
            grown_mb)
    finally:
        slow.close()


def test_absurd_partition_counts(lc):
    pid = lc.brokers[0].proc.pid
    before = rss_kb(pid)
    for validate_only in (True, False):
        t0 = time.monotonic()
        got = as_controller(lc, lambda k: create_topics_v1(
            k, [("absurd", 2**31 - 1)], validate_only))
        assert time.monotonic() - t0 < 10
        assert got[0][1] == INVALID_PARTITIONS, got
        assert "max.partitions.per.request" in got[0][2]
    # the bound counts over the request: 6,000 + 6,000 passes 10,000
    got = as_controller(lc, lambda k: create_topics_v1(k, [("big-a", 6000), ("big-b", 6000)],
                                                       True))
    assert [e for _, e, _ in got] == [0, POLICY_VIOLATION], got
    # CreatePartitions on an existing topic
    got = as_controller(lc, lambda k: create_topics_v1(k, [("grow", 1)], False))
    assert got[0][1] == 0, got
    for validate_only in (True, False):
        got = as_controller(lc, lambda k: create_partitions_v0(k, "grow", 2**31 - 1,
                                                                validate_only))
        assert got[0][1] == INVALID_PARTITIONS, got
        assert "max.partitions.per.request" in got[0][2]
    assert (rss_kb(pid) - before) / 1024.0 < 64, "RSS jumped on an absurd partition count"
    with KafkaConn.to(lc.bootstrap) as k:
        assert works(k)


def test_same_topic_20000_times(lc):
    n = 20000
    got = as_controller(lc, lambda k: create_topics_v1(
        k, [("twice", 1)] * n + [("once-only", 1)], True))
    assert len(got) == n + 1
    assert all(name == "twice" and err == INVALID_REQUEST for name, err, _ in got[:n]), \
        set((name, err) for name, err, _ in got[:n])
    assert got[n][:2] == ("once-only", 0), got[n]


def refused(k):
    try:
        works(k)
        return False
    except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
        return True


def test_max_connections_inter_broker_listener_exempt(zk, tmp_path):
    internal, external = H.free_port(), H.free_port()
    b = H.Broker(0, zk, tmp_path / "b0", port=internal, start=False, overrides={
        "listeners": "INTERNAL://127.0.0.1:%d,EXTERNAL://127.0.0.1:%d" % (internal, external),
        "advertised.listeners": "INTERNAL://127.0.0.1:%d,EXTERNAL://127.0.0.1:%d"
                                % (internal, external),
        "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
        "inter.broker.listener.name": "INTERNAL",
        "max.connections": "6",
    })
    b.start()
    ext = "127.0.0.1:%d" % external
    held = []
    try:
        # EXTERNAL takes connections up to the broker-wide limit (the broker's own
        # inter-broker connection counts too), then refuses the next
        while True:
            k = KafkaConn.to(ext)
            if refused(k):
                k.close()
                break
            held.append(k)
            assert len(held) <= 6, "max.connections=6 never refused a connection"
        assert len(held) >= 3
        assert all(works(k) for k in held)
        # the inter-broker listener is exempt (counted, not refused)
        inter = [KafkaConn.to(b.bootstrap) for _ in range(3)]
        assert all(works(k) for k in inter)
        with KafkaConn.to(ext) as k:
            assert refused(k)
        for k in inter:
            k.close()
        held.pop().close()
        # a place freed on EXTERNAL is taken again
        deadline = time.monotonic() + 10
        while True:
            k = KafkaConn.to(ext)
            ok = not refused(k)
            k.close()
            if ok:
                break
            assert time.monotonic() < deadline, "a closed connection never freed its place"
            time.sleep(0.1)
        assert "max.connections is 6" in b.log_text()
    finally:
        for k in held:
            k.close()
        b.stop()


def test_elect_leaders_same_partition_20000_times(lc):
    got = as_controller(lc, lambda k: create_topics_v1(k, [("elect", 2)], False))
    assert got[0][1] == 0, got

    def elect(k):
        parts = array([i32(0)] * 20000 + [i32(1)])
        body = array([string("elect") + parts, string("elect") + array([i32(0)])]) + i32(30000)
        r = k.request(43, 0, body)
        r.i32()  # throttle
        return r.array(lambda: (r.string(), r.array(lambda: (r.i32(), r.i16(), r.string()))))

    deadline = time.monotonic() + 30
    while True:
        with KafkaConn.to(lc.bootstrap, timeout=60) as k:
            res = elect(k)
        errs = [e for _, ps in res for _, e, _ in ps]
        if NOT_CONTROLLER not in errs or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # each named partition once, grouped under its topic, whatever the election decided
    assert [(t, sorted(p for p, _, _ in ps)) for t, ps in res] == [("elect", [0, 1])], res


def test_queued_max_request_bytes(zk, skeind_bin, tmp_path):
    c = H.Cluster(1, tmp_path / "queued", zk=zk, queued_max_request_bytes="100")
    try:
        got = as_controller(c, lambda k: create_topics_v1(k, [("w", 1)], False))
        assert got[0][1] == 0, got
        poll = KafkaConn.to(c.bootstrap, client_id="c" * 80)
        other = KafkaConn.to(c.bootstrap)
        try:
            # a long-polled Fetch of about 150 bytes (more than the bound) stays
            # unanswered for 2 s ...
            body = (i32(-1) + i32(2000) + i32(1 << 20) + i32(1 << 20) + i8(0)
                    + array([string("w") + array([i32(0) + i64(0) + i32(1 << 20)])]))
            frame, corr = poll.request_bytes(1, 4, body)
            t0 = time.monotonic()
            poll.send_raw(frame)
            time.sleep(0.3)
            # ... so a request on another connection waits for room
            frame2, corr2 = other.request_bytes(3, 0, array([string("x" * 100)]))
            other.send_raw(frame2)
            r2 = Reader(other.recv_frame())
            waited = time.monotonic() - t0
            r1 = Reader(poll.recv_frame())
            assert r1.i32() == corr and r2.i32() == corr2
            assert waited > 1.5, "the second request was read at once (%.2f s)" % waited
            assert works(other) and works(poll)
        finally:
            poll.close()
            other.close()
    finally:
        c.stop()


def test_socket_buffer_sizes_applied(lc):
    """socket.send.buffer.bytes / socket.receive.buffer.bytes (Kafka's defaults, 102400) are
    set on an accepted connection's socket: the kernel reports twice the value asked for
    (its bookkeeping overhead), where an unset socket shows its autotuned sizes."""
    import re
    import subprocess
    k = KafkaConn.to(lc.bootstrap)
    try:
        assert works(k)
        port = int(lc.bootstrap.rsplit(":", 1)[1])
        mine = k.sock.getsockname()[1]
        out = subprocess.run(["ss", "-tmnH", "state", "established", "( sport = :%d and "
                              "dport = :%d )" % (port, mine)], stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout
        m = re.search(r"skmem:\(r\d+,rb(\d+),t\d+,tb(\d+)", out)
        assert m, "no socket of the broker's for port %d in ss: %r" % (mine, out)
        assert (int(m.group(1)), int(m.group(2))) == (2 * 102400, 2 * 102400), out
    finally:
        k.close()


def test_max_broker_partitions_and_max_partitions(make_cluster):
    """KIP-578's keys (Kafka never shipped them): with max.broker.partitions=10 and
    max.partitions=20 on two brokers, confluent-kafka's create_topics / create_partitions
    and kafka-python's create_topics that would take a broker past 10 replicas, or the
    cluster past 20, are refused with POLICY_VIOLATION, validate_only too, and ZooKeeper
    shows nothing written for them."""
    from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
    from confluent_kafka import KafkaException
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic as KpNewTopic
    from kafka.errors import PolicyViolationError

    c = make_cluster(2, max_broker_partitions="10", max_partitions="20")
    c.wait_brokers_known()
    a = AdminClient({"bootstrap.servers": c.bootstrap})

    def create(topic, validate=False):
        return a.create_topics([topic], operation_timeout=30,
                               validate_only=validate)[topic.topic].result(30)

    def refused(fut_fn, what):
        with pytest.raises(KafkaException) as ei:
            fut_fn()
        err = ei.value.args[0]
        assert err.code() == POLICY_VIOLATION, (what, err)
        return err.str()

    create(NewTopic("a", 6, 2))                           # 6 replicas on each broker
    create(NewTopic("c", 1, replica_assignment=[[1]]))      # broker 1: 7; 13 in all
    zkc = c.zk_client()
    topics_before = sorted(zkc.get_children("/brokers/topics"))
    assert topics_before == ["a", "c"]
    a_before, c_before = zkc.get("/brokers/topics/a")[0], zkc.get("/brokers/topics/c")[0]

    for validate in (True, False):
        # five more on broker 0 (room over both brokers is 7, total 18 <= 20)
        msg = refused(lambda: create(NewTopic("per-broker", 5, replica_assignment=[[0]] * 5),
                                     validate), "per-broker create")
        assert "Broker 0 would host 11" in msg and "max.broker.partitions (10)" in msg, msg
        msg = refused(lambda: create(NewTopic("whole", 5, 2), validate), "cluster create")
        assert "max.partitions (20)" in msg and "has 13" in msg, msg
        msg = refused(lambda: a.create_partitions(
            [NewPartitions("c", 6, replica_assignment=[[0]] * 5)], validate_only=validate,
            operation_timeout=30)["c"].result(30), "per-broker create_partitions")
        assert "Broker 0 would host 11" in msg, msg
        msg = refused(lambda: a.create_partitions(
            [NewPartitions("a", 11)], validate_only=validate,
            operation_timeout=30)["a"].result(30), "cluster create_partitions")
        assert "max.partitions (20)" in msg, msg

    kp = KafkaAdminClient(bootstrap_servers=c.bootstrap, request_timeout_ms=30000)
    try:
        with pytest.raises(PolicyViolationError):
            # the controller is asked; kafka-python raises on the topic's error code
            kp.create_topics([KpNewTopic("kp-whole", 4, 2)], timeout_ms=30000)
    finally:
        kp.close()

    assert sorted(zkc.get_children("/brokers/topics")) == topics_before
    assert zkc.get("/brokers/topics/a")[0] == a_before
    assert zkc.get("/brokers/topics/c")[0] == c_before
    for t in ("per-broker", "whole", "kp-whole"):
        assert not zkc.exists("/config/topics/" + t), t
    # what fits is still created: broker 0 takes 3 more (9), broker 1 none (7)
    a.create_partitions([NewPartitions("c", 4, replica_assignment=[[0]] * 3)],
                        operation_timeout=30)["c"].result(30)
    assert len(c.zk_json("/brokers/topics/c")["partitions"]) == 4
