"""Burrow, the usual consumer-lag monitor (Debian's `burrow` 1.2.1, a sarama client speaking
Kafka 0.10's versions: ListOffsets v0, Fetch v2 of __consumer_offsets, Metadata v1), against
three brokers: the per-partition lag it serves at /v3/kafka/<cluster>/consumer/<group>/lag is
what skein-consumer-groups --describe prints.

Burrow reads the group's commits from __consumer_offsets itself (consumer module "kafka", no
ZooKeeper-stored offsets) and the log-end offsets with ListOffsets; its own coordinator needs a
ZooKeeper, given the cluster's under a separate root. The package is fetched with
`apt-get download` and unpacked with `dpkg-deb -x` into $SKEIN_CACHE_DIR (default
/tmp/skein-cache), once; the test is skipped, saying why, only when it cannot be fetched."""

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import skein_harness as H

CACHE = Path(os.environ.get("SKEIN_CACHE_DIR", "/tmp/skein-cache")) / "burrow"


def burrow_binary():
    """The cached Burrow binary; fetched and unpacked on first use."""
    exe = CACHE / "root" / "usr" / "bin" / "Burrow"
    if os.access(exe, os.X_OK):
        return exe
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fetch-", dir=CACHE))
    try:
        r = subprocess.run(["apt-get", "download", "burrow"], cwd=work, capture_output=True,
                           text=True, timeout=120)
        debs = list(work.glob("burrow_*.deb"))
        if r.returncode != 0 or not debs:
            pytest.skip("Debian's burrow package cannot be fetched (apt-get download burrow: "
                        "exit %d: %s)" % (r.returncode, r.stderr.strip()[-300:]))
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(work / "root")], check=True,
                       timeout=60)
        try:
            os.rename(work / "root", CACHE / "root")  # atomic: a parallel run may win
        except OSError:
            pass
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert os.access(exe, os.X_OK), exe
    return exe


def burrow_config(c, http_port, root):
    servers = ", ".join('"%s"' % b.bootstrap for b in c.brokers)
    return """
[general]
pidfile="{root}/burrow.pid"
[logging]
level="info"
[zookeeper]
servers=[ "{zk}" ]
root-path="/burrow"
[client-profile.skein]
client-id="burrow-test"
kafka-version="0.10.0"
[cluster.skein]
class-name="kafka"
servers=[ {servers} ]
client-profile="skein"
topic-refresh=1
offset-refresh=1
[consumer.skein]
class-name="kafka"
cluster="skein"
servers=[ {servers} ]
client-profile="skein"
offsets-topic="__consumer_offsets"
start-latest=false
[httpserver.default]
address="127.0.0.1:{port}"
[storage.default]
class-name="inmemory"
workers=2
intervals=10
min-distance=1
""".format(root=root, zk=c.zk.connect, servers=servers, port=http_port)


def tool_lags(c, group):
    """{(topic, partition): lag} from skein-consumer-groups --describe."""
    out = subprocess.run([H.tool_path("skein-consumer-groups"), "--bootstrap-server",
                          c.bootstrap, "--describe", "--group", group],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    lags = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 6 and f[0] == group and f[2].isdigit():
            lags[(f[1], int(f[2]))] = int(f[5])
    return lags


def burrow_lags(port, group):
    """{(topic, partition): current_lag} from Burrow, or None while it has no answer."""
    url = "http://127.0.0.1:%d/v3/kafka/skein/consumer/%s/lag" % (port, group)
    try:
        body = json.loads(urllib.request.urlopen(url, timeout=2).read())
    except (urllib.error.URLError, ConnectionError, ValueError):
        return None
    if body.get("error"):
        return None
    return {(p["topic"], p["partition"]): p["current_lag"]
            for p in body["status"]["partitions"]}


def test_burrow_lag_equals_describe(make_cluster, tmp_path):
    exe = burrow_binary()
    # Burrow starts a partition consumer after another (~0.1 s each, sarama's pace): a
    # smaller __consumer_offsets keeps the test short
    c = make_cluster(3, offsets_topic_num_partitions=4)
    topic, group = "burrow-t", "burrow-g"
    admin = AdminClient({"bootstrap.servers": c.bootstrap})
    admin.create_topics([NewTopic(topic, 3, 3)])[topic].result(30)
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all"})
    for i in range(300):
        p.produce(topic, value=b"m%d" % i, partition=i % 3)
    assert p.flush(30) == 0
    # the group's commits: partition 0 caught up, 1 and 2 behind by 80 and 45
    cons = Consumer({"bootstrap.servers": c.bootstrap, "group.id": group})
    cons.commit(offsets=[TopicPartition(topic, 0, 100), TopicPartition(topic, 1, 20),
                         TopicPartition(topic, 2, 55)], asynchronous=False)
    cons.close()
    expected = {(topic, 0): 0, (topic, 1): 80, (topic, 2): 45}
    assert tool_lags(c, group) == expected
    port = H.free_port()
    (tmp_path / "burrow.toml").write_text(burrow_config(c, port, tmp_path))
    log = open(tmp_path / "burrow.log", "w")
    proc = subprocess.Popen([str(exe), "-config-dir", str(tmp_path)], stdout=log,
                            stderr=subprocess.STDOUT, cwd=str(tmp_path),
                            start_new_session=True)
    try:
        got = {}

        def burrow_sees_all():
            if proc.poll() is not None:
                return True  # failed below, at once
            now = burrow_lags(port, group)
            if now is not None:
                got.clear()
                got.update(now)
            return set(got) == set(expected) and None not in got.values()
        H.wait_for(burrow_sees_all, 30, "Burrow to report the lag of all 3 partitions",
                   interval=0.5)
        assert proc.poll() is None, "Burrow exited: " + H.tail(tmp_path / "burrow.log")
        assert got == expected == tool_lags(c, group)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
