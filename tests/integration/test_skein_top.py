"""skein-top (issue 12 part 5): the live view read from every broker's /metrics.

Three brokers with metrics listeners (test_metrics.start_cluster), driven by confluent-kafka,
and skein-top's plain-text frames (stdout is a pipe here) compared with what the cluster
says by other means:

- each broker has a row; the leader of a topic being produced to shows a non-zero
  bytes-in rate (the counters' change between two scrapes); the LEADERS and PARTITIONS
  columns equal the leaders and replicas Metadata gives each broker; the header names the
  broker in /controller; --bootstrap-server finds the same endpoints (metrics.listener,
  through DescribeConfigs);
- a group's lag rows equal skein-consumer-groups --describe's LAG column;
- a paused broker (SIGSTOP) is shown as down (no answer) and the others still shown; a
  follower stopped for good makes the under-replicated count rise and is shown as down;
- bad arguments exit 2, an endpoint where nothing listens is shown as down (exit 1: no
  broker answered);
- on a terminal (a pty) the screen is cleared before each frame.

Malformed /metrics bodies and HTTP answers are the unit test's (tests/unit/check_promparse)
and the fuzz target's (tests/fuzz/fuzz_prom).
"""

import os
import pty
import re
import subprocess
import threading

import pytest

import clients as C
import skein_harness as H
from test_groups import create_topic, produce
from test_metrics import describe_lags, start_cluster, uniq
from test_tools_helpers import metadata_topics, run, tool_path

pytest.importorskip("confluent_kafka")


@pytest.fixture(scope="module")
def tc(zk, skeind_bin, tmp_path_factory):
    c = start_cluster(zk, tmp_path_factory.mktemp("top"))
    yield c
    c.stop()


def label(b):
    return "127.0.0.1:%d" % b.metrics_port


def urls(cluster):
    return ",".join("http://" + label(b) for b in cluster.brokers)


class Frame:
    """The last frame of skein-top's plain-text output."""

    def __init__(self, text):
        frames = [f for f in text.split("skein-top  ") if f.strip()]
        assert frames, text
        self.text = "skein-top  " + frames[-1]
        lines = self.text.splitlines()
        m = re.match(r"skein-top  \S+ \S+ UTC  brokers: (\d+) up, (\d+) down  controller: (.+)$",
                     lines[0])
        assert m, lines[0]
        self.up, self.down, self.controller = int(m.group(1)), int(m.group(2)), m.group(3)
        m = re.match(r"partitions: (\d+) leaders, (\d+) replicas  under-replicated: (\d+)  "
                     r"under-min-isr: (\d+)  offline: (\d+)$", lines[1])
        assert m, lines[1]
        (self.leaders, self.replicas, self.under_replicated, self.under_min_isr,
         self.offline) = map(int, m.groups())
        self.brokers, self.lags = {}, {}
        head = lines.index(next(x for x in lines if x.startswith("BROKER")))
        i = head + 1
        while i < len(lines) and lines[i].strip():
            f = lines[i].split()
            if f[1] == "up":
                self.brokers[f[0]] = dict(status="up", bytes_in=f[2], bytes_out=f[3],
                                          msgs_in=f[4], requests=f[5], leaders=int(f[6]),
                                          partitions=int(f[7]), urp=int(f[8]),
                                          under_min_isr=int(f[9]), controller=f[10])
            else:
                self.brokers[f[0]] = dict(status=f[1], error=" ".join(f[2:]))
            i += 1
        for line in lines[i:]:
            f = line.split()
            if len(f) == 5 and f[0] != "GROUP":
                self.lags[(f[0], f[1], int(f[2]))] = int(f[3])


def top(*args, check=0):
    r = run("skein-top", *args, timeout=60)
    assert r.rc == check, r
    assert "\033" not in r.stdout        # not a terminal: no escape codes
    return Frame(r.stdout)


def rate(s):
    """A rate column as a number ("1.5k" = 1500)."""
    mult = {"k": 1e3, "M": 1e6, "G": 1e9}
    return float(s[:-1]) * mult[s[-1]] if s[-1] in mult else float(s)


def metadata_counts(bootstrap, ids):
    """{broker id: (partitions led, replicas held)} over every topic, from Metadata."""
    leaders = {i: 0 for i in ids}
    replicas = {i: 0 for i in ids}
    for parts in metadata_topics(bootstrap).values():
        for leader, reps, _ in parts.values():
            if leader in leaders:
                leaders[leader] += 1
            for r in reps:
                replicas[r] += 1
    return {i: (leaders[i], replicas[i]) for i in ids}


def test_usage_and_an_endpoint_that_does_not_answer(tc):
    r = run("skein-top", "--help", check=0)
    assert "--metrics" in r.stdout and "--bootstrap-server" in r.stdout
    for bad in ([], ["--metrics", "https://x:1"], ["--metrics", "x:0"],
                ["--metrics", urls(tc), "--interval", "0"],
                ["--metrics", urls(tc), "--iterations", "0"],
                ["--metrics", urls(tc), "--bootstrap-server", tc.bootstrap],
                ["--metrics", urls(tc), "stray"]):
        r = run("skein-top", *bad, check=2)
        assert r.stderr.startswith("skein-top: "), r
    port = H.free_port()
    f = top("--metrics", "http://127.0.0.1:%d" % port, "--once", "--interval", "0.2", check=1)
    assert f.brokers["127.0.0.1:%d" % port] == dict(status="down",
                                                    error="connect: Connection refused")
    assert (f.up, f.down, f.controller) == (0, 1, "none")


def test_a_terminal_gets_a_redrawn_screen(tc):
    master, slave = pty.openpty()
    try:
        p = subprocess.run([tool_path("skein-top"), "--metrics", urls(tc), "--iterations", "2",
                            "--interval", "0.2"], stdout=slave, stderr=subprocess.PIPE,
                           timeout=30)
        os.close(slave)
        slave = None
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:     # EIO: the other side is closed and everything was read
                break
            if not chunk:
                break
            out += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0, p.stderr
    text = out.decode()
    assert text.count("\033[H\033[2J") == 2, text    # the screen cleared for each frame
    assert "brokers: 3 up, 0 down" in text


def test_brokers_rates_counts_and_controller(tc):
    topic = uniq("top")
    create_topic(tc.bootstrap, topic, 1)
    by_id = {b.id: b for b in tc.brokers}
    leader = by_id[metadata_topics(tc.bootstrap)[topic][0][0]]

    stop, delivering = threading.Event(), threading.Event()
    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(err)
        else:
            delivering.set()

    def keep_producing():
        p = C.cf_producer(tc.bootstrap, acks="1", **{"linger.ms": 5})
        while not stop.is_set():
            try:
                p.produce(topic, b"v" * 200, partition=0, on_delivery=delivered)
                p.poll(0)
            except BufferError:
                p.poll(0.05)
            stop.wait(0.002)
        p.flush(10)
    t = threading.Thread(target=keep_producing, daemon=True)
    t.start()
    try:
        assert delivering.wait(30), "the producer delivered nothing"
        f = top("--metrics", urls(tc), "--iterations", "2", "--interval", "0.5")
    finally:
        stop.set()
        t.join(20)
    assert not errors, errors[:3]
    print(f.text)
    assert set(f.brokers) == {label(b) for b in tc.brokers}
    assert all(v["status"] == "up" for v in f.brokers.values()), f.text
    assert (f.up, f.down) == (3, 0)
    row = f.brokers[label(leader)]
    assert rate(row["bytes_in"]) > 0 and rate(row["msgs_in"]) > 0, f.text
    assert rate(row["requests"]) > 0, f.text

    ctrl = by_id[tc.zk_json("/controller")["brokerid"]]
    assert f.controller == label(ctrl), f.text
    assert [k for k, v in f.brokers.items() if v["controller"] == "yes"] == [label(ctrl)]
    assert f.offline == 0

    # leaders and replicas per broker as Metadata gives them (retried: a frame and a
    # Metadata answer are two moments)
    def same():
        fr = top("--metrics", urls(tc), "--once", "--interval", "0.2")
        md = metadata_counts(tc.bootstrap, list(by_id))
        got = {b.id: (fr.brokers[label(b)]["leaders"], fr.brokers[label(b)]["partitions"])
               for b in tc.brokers}
        return (got, fr) if got == md else None
    got, fr = H.wait_for(same, 20, "LEADERS and PARTITIONS = Metadata's")
    assert got[leader.id][0] >= 1 and fr.leaders == sum(v[0] for v in got.values())

    # the same endpoints found from the bootstrap servers
    fb = top("--bootstrap-server", tc.bootstrap, "--once", "--interval", "0.2")
    assert set(fb.brokers) == {"%d/%s" % (b.id, label(b)) for b in tc.brokers}, fb.text
    assert all(v["status"] == "up" for v in fb.brokers.values()), fb.text


def test_group_lag_equals_consumer_groups_describe(tc):
    topic, group = uniq("topl"), uniq("g-top")
    create_topic(tc.bootstrap, topic, 3)
    produce(tc.bootstrap, topic, 20, range(3))
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": tc.bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        res = c.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 20),
                                TopicPartition(topic, 2, 11)], asynchronous=False)
        assert all(tp.error is None for tp in res), res
    finally:
        c.close()
    want = {(topic, 0): 15, (topic, 1): 0, (topic, 2): 9}
    assert describe_lags(tc.bootstrap, group) == want

    def shown():
        f = top("--metrics", urls(tc), "--once", "--interval", "0.2", "--top-lags", "1000")
        got = {(t, p): v for (g, t, p), v in f.lags.items() if g == group}
        return f if got == want else None
    f = H.wait_for(shown, 20, "skein-top's lag rows of %s = %s" % (group, want))
    # the largest first
    rows = [v for (g, _, _), v in f.lags.items()]
    assert rows == sorted(rows, reverse=True)


def test_stopped_brokers_are_shown_down_and_under_replicated_rises(tc):
    topic = uniq("topu")
    create_topic(tc.bootstrap, topic, 3)
    ctrl = tc.zk_json("/controller")["brokerid"]
    victim = next(b for b in tc.brokers if b.id != ctrl)

    # paused: it keeps its sockets and answers nothing
    victim.pause()
    try:
        f = top("--metrics", urls(tc), "--once", "--interval", "0.3", "--timeout-ms", "700")
    finally:
        victim.resume()
    assert f.brokers[label(victim)]["status"] == "down", f.text
    assert f.brokers[label(victim)]["error"] == "no answer within 700 ms"
    assert (f.up, f.down) == (2, 1)

    H.wait_for(lambda: top("--metrics", urls(tc), "--once", "--interval", "0.2")
               .under_replicated == 0, 30, "no under-replicated partition before")
    victim.stop()           # the follower goes away: the controller shrinks the ISRs
    f = H.wait_for(lambda: (lambda fr: fr if fr.under_replicated >= 1 else None)(
        top("--metrics", urls(tc), "--once", "--interval", "0.2", check=0)),
        30, "under-replicated rises with a follower stopped")
    print(f.text)
    assert f.brokers[label(victim)] == dict(status="down", error="connect: Connection refused")
    assert sum(v["urp"] for v in f.brokers.values() if v["status"] == "up") == \
        f.under_replicated
