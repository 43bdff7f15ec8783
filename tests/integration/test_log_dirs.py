"""Log directories (issue 11 part 5): DescribeLogDirs (key 35, v0-4) and AlterReplicaLogDirs
(key 34, v0-2) on a broker with two log.dirs, and skein-log-dirs (kafka-log-dirs.sh --describe).

Debian's clients have neither API (kafka-python 2.0.2 has no describe_log_dirs nor
alter_replica_log_dirs, librdkafka 2.0.2 neither), so the requests are hand-built here
(kafka_wire) at every version, and skein-log-dirs speaks DescribeLogDirs itself."""

import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

import skein_harness as H
from ackcheck import AckChecker
from clients import cf_produce, cf_producer, DeliveryLog, kp_consume_all, wait_topic_in_metadata
from kafka_wire import KafkaConn, Reader, i16, i32, read_uvarint, skip_tags, string, uvarint

REPLICA_NOT_AVAILABLE = 9
LOG_DIR_NOT_FOUND = 57


@pytest.fixture(scope="module")
def ld(zk, skeind_bin, tmp_path_factory):
    base = tmp_path_factory.mktemp("logdirs")
    dirs = [str(base / "disk-a"), str(base / "disk-b")]
    c = H.cluster_with_broker_overrides(1, base / "cluster", zk=zk,
                                        per_broker={0: {"log.dirs": ",".join(dirs)}})
    c.dirs = dirs
    yield c
    c.stop()


def create(c, topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": c.bootstrap})
    a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[
        topic].result(30)
    wait_topic_in_metadata(c.bootstrap, topic, partitions)


def produce(c, topic, partitions, per_partition, size=100):
    p = cf_producer(c.bootstrap, acks="all")
    dlog = DeliveryLog()
    for part in range(partitions):
        cf_produce(p, topic, [(None, b"%d:%d:" % (part, i) + b"x" * size)
                              for i in range(per_partition)], dlog, partition=part)
    assert not dlog.errors, dlog.errors


def where_on_disk(c, topic, partition):
    """The log dir holding <topic>-<partition>/ (exactly one), and the bytes of its .log files."""
    found = [d for d in c.dirs if os.path.isdir(os.path.join(d, "%s-%d" % (topic, partition)))]
    assert len(found) == 1, "%s-%d in %s" % (topic, partition, found)
    pdir = os.path.join(found[0], "%s-%d" % (topic, partition))
    size = sum(os.path.getsize(os.path.join(pdir, f)) for f in os.listdir(pdir)
               if f.endswith(".log"))
    return found[0], size


def offsets_values(recs):
    return {p: [(r.offset, r.value) for r in v] for p, v in recs.items()}


def leftovers(c, topic):
    """Directories of topic's future or deleted copies still on disk."""
    return [n for d in c.dirs for n in os.listdir(d)
            if n.startswith(topic + "-") and (n.endswith("-future") or n.endswith("-delete"))]


# ------------------------------------------------------------------ hand-built requests

def _codec(version, flex_from):
    flex = version >= flex_from

    def s(v):
        if v is None:
            return b"\x00" if flex else i16(-1)
        return (uvarint(len(v) + 1) + v.encode()) if flex else string(v)

    def arr(items):
        if items is None:
            return b"\x00" if flex else i32(-1)
        return (uvarint(len(items) + 1) if flex else i32(len(items))) + b"".join(items)
    return flex, s, arr


def _send(k, key, version, flex, body):
    k.corr += 1
    hdr = i16(key) + i16(version) + i32(k.corr) + string(k.client_id) + (b"\x00" if flex else b"")
    k.sock.sendall(i32(len(hdr + body)) + hdr + body)
    r = Reader(k.recv_frame())
    assert r.i32() == k.corr
    if flex:
        skip_tags(r)
    return r


def describe_log_dirs(k, version, topics=None):
    """DescribeLogDirs at version; topics: None (all) or {topic: [partitions]}. Returns
    (top error or None below v3, {dir: dict(error, total, usable, parts={(t, p, future): (size,
    lag)})})."""
    flex, s, arr = _codec(version, 2)
    tags = b"\x00" if flex else b""
    body = arr(None if topics is None else
               [s(t) + arr([i32(p) for p in ps]) + tags for t, ps in topics.items()]) + tags
    r = _send(k, 35, version, flex, body)

    def count():
        return read_uvarint(r) - 1 if flex else r.i32()

    def rs():
        n = read_uvarint(r) - 1 if flex else r.i16()
        return r.take(n).decode()

    r.i32()  # throttle
    top = r.i16() if version >= 3 else None
    out = {}
    for _ in range(count()):
        err, path = r.i16(), rs()
        parts = {}
        for _ in range(count()):
            name = rs()
            for _ in range(count()):
                p, size, lag, fut = r.i32(), r.i64(), r.i64(), r.i8()
                if flex:
                    skip_tags(r)
                parts[(name, p, bool(fut))] = (size, lag)
            if flex:
                skip_tags(r)
        d = dict(error=err, parts=parts)
        if version >= 4:
            d["total"], d["usable"] = r.i64(), r.i64()
        if flex:
            skip_tags(r)
        out[path] = d
    if flex:
        skip_tags(r)
    assert r.p == len(r.d), "trailing bytes in the v%d response" % version
    return top, out


def alter_replica_log_dirs(k, version, moves):
    """AlterReplicaLogDirs at version; moves: {path: {topic: [partitions]}}. Returns
    {(topic, partition): error}."""
    flex, s, arr = _codec(version, 2)
    tags = b"\x00" if flex else b""
    body = arr([s(path) + arr([s(t) + arr([i32(p) for p in ps]) + tags
                               for t, ps in topics.items()]) + tags
                for path, topics in moves.items()]) + tags
    r = _send(k, 34, version, flex, body)

    def count():
        return read_uvarint(r) - 1 if flex else r.i32()

    r.i32()  # throttle
    out = {}
    for _ in range(count()):
        n = read_uvarint(r) - 1 if flex else r.i16()
        topic = r.take(n).decode()
        for _ in range(count()):
            p, err = r.i32(), r.i16()
            if flex:
                skip_tags(r)
            out[(topic, p)] = err
        if flex:
            skip_tags(r)
    if flex:
        skip_tags(r)
    assert r.p == len(r.d)
    return out


def log_dirs_tool(c, *args, check=True):
    p = subprocess.run([H.tool_path("skein-log-dirs"), "--bootstrap-server", c.bootstrap]
                       + list(args), capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def tool_json(c, *args):
    lines = log_dirs_tool(c, "--describe", *args).stdout.splitlines()
    assert lines[0] == "Querying brokers for log directories information"
    assert lines[1].startswith("Received log directory information from brokers ")
    assert len(lines) == 3
    return lines[1], json.loads(lines[2])


# ------------------------------------------------------------------ describe

def test_tool_describes_partitions_in_their_dirs_with_disk_sizes(ld):
    create(ld, "ldsz", 4)
    produce(ld, "ldsz", 4, 50)
    received, doc = tool_json(ld)
    assert received == "Received log directory information from brokers 0"
    assert doc["version"] == 1 and [b["broker"] for b in doc["brokers"]] == [0]
    logdirs = {d["logDir"]: d for d in doc["brokers"][0]["logDirs"]}
    assert sorted(logdirs) == sorted(ld.dirs)
    used = set()
    for p in range(4):
        where, size = where_on_disk(ld, "ldsz", p)
        used.add(where)
        entry = [e for e in logdirs[where]["partitions"] if e["partition"] == "ldsz-%d" % p]
        assert entry == [{"partition": "ldsz-%d" % p, "size": size, "offsetLag": 0,
                          "isFuture": False}]
        assert size > 50 * 100
        other = [d for d in ld.dirs if d != where][0]
        assert not [e for e in logdirs[other]["partitions"] if e["partition"] == "ldsz-%d" % p]
        assert logdirs[where]["error"] is None
    assert used == set(ld.dirs)  # new partitions go to the dir with the fewest
    # the exact JSON shape kafka-log-dirs.sh prints, key order included
    line = log_dirs_tool(ld, "--describe", "--topic-list", "ldsz").stdout.splitlines()[2]
    assert line.startswith('{"version":1,"brokers":[{"broker":0,"logDirs":[{"logDir":')
    assert '"error":null,"partitions":[{"partition":"ldsz-' in line


def test_tool_filters_and_refuses_unknown_brokers(ld):
    create(ld, "ldf", 1)
    _, doc = tool_json(ld, "--topic-list", "ldf,nosuch", "--broker-list", "0")
    parts = [e["partition"] for d in doc["brokers"][0]["logDirs"] for e in d["partitions"]]
    assert parts == ["ldf-0"]
    bad = log_dirs_tool(ld, "--describe", "--broker-list", "0,7", check=False)
    assert bad.returncode == 1 and bad.stdout == ""
    assert ("ERROR: The given brokers do not exist from --broker-list: 7. Current existent "
            "brokers: 0") in bad.stderr
    usage = log_dirs_tool(ld, check=False)
    assert usage.returncode == 2 and "--describe" in usage.stderr
    cfg = ld.dir / "ssl.properties"
    cfg.write_text("security.protocol=SSL\n")
    tls = log_dirs_tool(ld, "--describe", "--command-config", str(cfg), check=False)
    assert tls.returncode == 2 and "PLAINTEXT" in tls.stderr
    cfg.write_text("client.id=ops\nrequest.timeout.ms=5000\n")
    _, doc = tool_json(ld, "--command-config", str(cfg), "--topic-list", "ldf")
    assert doc["brokers"][0]["broker"] == 0


@pytest.mark.parametrize("version", range(0, 5))
def test_describe_every_version(ld, version):
    topic = "ldv%d" % version
    create(ld, topic, 2)
    produce(ld, topic, 2, 10)
    with KafkaConn.to(ld.bootstrap) as k:
        top, dirs = describe_log_dirs(k, version, {topic: [0, 1, 5]})
        _, everything = describe_log_dirs(k, version, None)
    assert top == (0 if version >= 3 else None)
    assert sorted(dirs) == sorted(ld.dirs)
    for p in (0, 1):
        where, size = where_on_disk(ld, topic, p)
        assert dirs[where]["parts"] == {(topic, p, False): (size, 0)} or \
            dirs[where]["parts"][(topic, p, False)] == (size, 0)
        assert (topic, p, False) in everything[where]["parts"]
    listed = [key for d in dirs.values() for key in d["parts"]]
    assert sorted(listed) == [(topic, 0, False), (topic, 1, False)]
    for d in dirs.values():
        assert d["error"] == 0
        if version >= 4:
            assert d["total"] > 0 and 0 <= d["usable"] <= d["total"]


# ------------------------------------------------------------------ moves

def test_unknown_dir_and_unknown_partition_refused(ld):
    create(ld, "ldbad", 1)
    where, _ = where_on_disk(ld, "ldbad", 0)
    other = [d for d in ld.dirs if d != where][0]
    before = {d: sorted(os.listdir(d)) for d in ld.dirs}
    with KafkaConn.to(ld.bootstrap) as k:
        for version in range(0, 3):
            got = alter_replica_log_dirs(k, version, {
                "/nonexistent/dir": {"ldbad": [0]},
                other: {"nosuchtopic": [0], "ldbad": [3]},
            })
            assert got == {("ldbad", 0): LOG_DIR_NOT_FOUND,
                           ("nosuchtopic", 0): REPLICA_NOT_AVAILABLE,
                           ("ldbad", 3): REPLICA_NOT_AVAILABLE}, (version, got)
        # the dir it is in already: nothing to do
        assert alter_replica_log_dirs(k, 1, {where: {"ldbad": [0]}}) == {("ldbad", 0): 0}
    assert {d: sorted(os.listdir(d)) for d in ld.dirs} == before
    assert where_on_disk(ld, "ldbad", 0)[0] == where


def test_dir_asked_before_the_partition_exists_is_where_it_is_created(ld):
    """As Kafka: AlterReplicaLogDirs for a partition without a log here is refused
    (REPLICA_NOT_AVAILABLE) but remembered, and the log is created in that dir, not in the one
    with the fewest partitions."""
    from confluent_kafka.admin import AdminClient, NewPartitions
    create(ld, "ldpref", 1)
    counts = {d: len([n for n in os.listdir(d) if re.fullmatch(r".+-[0-9]+", n)])
              for d in ld.dirs}
    emptier = min(ld.dirs, key=lambda d: (counts[d], ld.dirs.index(d)))
    want = [d for d in ld.dirs if d != emptier][0]
    with KafkaConn.to(ld.bootstrap) as k:
        assert alter_replica_log_dirs(k, 1, {want: {"ldpref": [1]}}) == {
            ("ldpref", 1): REPLICA_NOT_AVAILABLE}
    a = AdminClient({"bootstrap.servers": ld.bootstrap})
    a.create_partitions([NewPartitions("ldpref", 2)])["ldpref"].result(30)
    wait_topic_in_metadata(ld.bootstrap, "ldpref", 2)
    assert where_on_disk(ld, "ldpref", 1)[0] == want


def moved(c, topic, partition, target):
    with KafkaConn.to(c.bootstrap) as k:
        _, dirs = describe_log_dirs(k, 4, {topic: [partition]})
    return list(dirs[target]["parts"]) == [(topic, partition, False)] and all(
        not d["parts"] for path, d in dirs.items() if path != target)


def test_move_live_partition_under_acks_all_idempotent_load(ld):
    topic = "ldmove"
    create(ld, topic, 1)
    produce(ld, topic, 1, 4000, size=2000)  # ~8 MB before the move: several copy rounds
    where, _ = where_on_disk(ld, topic, 0)
    target = [d for d in ld.dirs if d != where][0]
    chk = AckChecker(ld.bootstrap, topic, partitions=1, interval=0.001,
                     producer_conf={"enable.idempotence": True,
                                    "max.in.flight.requests.per.connection": 5})
    chk.start()
    try:
        chk.wait_more_acks(200, timeout=30, what="acks before the move")
        with KafkaConn.to(ld.bootstrap) as k:
            assert alter_replica_log_dirs(k, 2, {target: {topic: [0]}}) == {(topic, 0): 0}
        H.wait_for(lambda: moved(ld, topic, 0, target), 30, "%s-0 to move to %s" % (topic, target))
        chk.wait_more_acks(200, timeout=30, what="acks after the move")
    finally:
        report = chk.verify(ld.bootstrap, allow_prefixes=(b"0:",))
    assert report["failed"] == 0 and report["duplicates"] == 0
    assert report["acked"] >= 400
    assert where_on_disk(ld, topic, 0)[0] == target
    H.wait_for(lambda: not leftovers(ld, topic), 20, "the old copy of %s-0 removed" % topic)
    # the 4000 records written before are there too, once, in order
    recs = kp_consume_all(ld.bootstrap, topic, [0])
    pre = [r.value for r in recs[0] if not r.value.startswith(b"seq:")]
    assert pre == [b"0:%d:" % i + b"x" * 2000 for i in range(4000)]
    log = ld.brokers[0].log_path.read_text()
    assert "%s-0: moving from %s to %s" % (topic, where, target) in log
    assert "%s-0: moved from %s/%s-0 to %s/%s-0" % (topic, where, topic, target, topic) in log

    # a restart keeps it in the new dir, with everything
    ld.brokers[0].restart()
    ld.wait_brokers_known()
    assert moved(ld, topic, 0, target)
    assert where_on_disk(ld, topic, 0)[0] == target
    again = kp_consume_all(ld.bootstrap, topic, [0])
    assert offsets_values(again) == offsets_values(recs)


def test_restart_resumes_or_completes_an_interrupted_move(ld):
    """A restart finds what a crash mid-move leaves: a -future dir next to the current log
    (the move resumes and completes) or, crashed during the swap, the current log already
    renamed to -delete and the complete -future dir alone (it becomes the log)."""
    create(ld, "ldres", 2)
    produce(ld, "ldres", 2, 300)
    before = kp_consume_all(ld.bootstrap, "ldres", [0, 1])
    b = ld.brokers[0]
    b.stop()
    # partition 0: half a copy in the other dir, as an interrupted copy leaves it
    w0, _ = where_on_disk(ld, "ldres", 0)
    t0 = [d for d in ld.dirs if d != w0][0]
    fut0 = os.path.join(t0, "ldres-0.%s-future" % uuid.uuid4().hex)
    os.mkdir(fut0)
    # partition 1: the swap's first step done (current renamed for deletion), future complete
    w1, _ = where_on_disk(ld, "ldres", 1)
    t1 = [d for d in ld.dirs if d != w1][0]
    cur1 = os.path.join(w1, "ldres-1")
    shutil.copytree(cur1, os.path.join(t1, "ldres-1.%s-future" % uuid.uuid4().hex))
    os.rename(cur1, cur1 + ".%s-delete" % uuid.uuid4().hex)
    b.start()
    ld.wait_brokers_known()
    H.wait_for(lambda: moved(ld, "ldres", 0, t0) and moved(ld, "ldres", 1, t1), 30,
               "both partitions in their new dirs")
    H.wait_for(lambda: not leftovers(ld, "ldres"), 20, "no -future or -delete dirs left")
    after = kp_consume_all(ld.bootstrap, "ldres", [0, 1])
    assert offsets_values(after) == offsets_values(before)
    log = b.log_path.read_text()
    assert "ldres-0: resuming the move from %s to %s" % (w0, t0) in log
    assert "ldres-1: completing a move interrupted during its swap" in log


# ------------------------------------------------------------------ two brokers, RF 2

def test_two_brokers_move_follower_and_leader_replicas_under_load(zk, skeind_bin, tmp_path):
    """Each of two brokers has two log dirs; an RF 2 topic's follower replica moves (its log
    gets the leader's batches through the fetcher while it is copied and swapped), then the
    leader's, under an idempotent acks=all producer. skein-log-dirs asks both brokers."""
    dirs = {i: [str(tmp_path / ("b%d-a" % i)), str(tmp_path / ("b%d-b" % i))] for i in (0, 1)}
    c = H.cluster_with_broker_overrides(2, tmp_path / "cluster", zk=zk, per_broker={
        i: {"log.dirs": ",".join(dirs[i])} for i in (0, 1)})
    try:
        c.wait_brokers_known()
        from confluent_kafka.admin import AdminClient, NewTopic
        a = AdminClient({"bootstrap.servers": c.bootstrap})
        a.create_topics([NewTopic("ld2", num_partitions=1, replica_assignment=[[0, 1]])])[
            "ld2"].result(30)
        wait_topic_in_metadata(c.bootstrap, "ld2", 1)
        received, doc = tool_json(c)
        assert received == "Received log directory information from brokers 0,1"
        assert [b["broker"] for b in doc["brokers"]] == [0, 1]
        for b in doc["brokers"]:
            assert sorted(d["logDir"] for d in b["logDirs"]) == sorted(dirs[b["broker"]])

        def where(i):
            found = [d for d in dirs[i] if os.path.isdir(os.path.join(d, "ld2-0"))]
            assert len(found) == 1, found
            return found[0]

        chk = AckChecker(c.bootstrap, "ld2", partitions=1, interval=0.001,
                         producer_conf={"enable.idempotence": True})
        chk.start()
        try:
            chk.wait_more_acks(300, timeout=30, what="acks before the moves")
            for broker in (1, 0):  # the follower, then the leader
                target = [d for d in dirs[broker] if d != where(broker)][0]
                with KafkaConn.to(c.brokers[broker].bootstrap) as k:
                    assert alter_replica_log_dirs(k, 1, {target: {"ld2": [0]}}) == {
                        ("ld2", 0): 0}
                    H.wait_for(lambda: list(describe_log_dirs(k, 4, {"ld2": [0]})[1][target][
                        "parts"]) == [("ld2", 0, False)], 30, "broker %d's move" % broker)
                assert where(broker) == target
                chk.wait_more_acks(200, timeout=30, what="acks after broker %d's move" % broker)
        finally:
            report = chk.verify(c.bootstrap)
        assert report["failed"] == 0 and report["duplicates"] == 0
        # both replicas hold the same batches, byte for byte, in their new dirs

        def log_bytes(i):
            pdir = os.path.join(where(i), "ld2-0")
            return b"".join(open(os.path.join(pdir, f), "rb").read()
                            for f in sorted(os.listdir(pdir)) if f.endswith(".log"))
        H.wait_for(lambda: log_bytes(0) == log_bytes(1), 20, "the follower's log equal to the "
                   "leader's")
        assert len(log_bytes(0)) > 500 * 20
        for b in c.brokers:
            assert "ld2-0: moved from" in b.log_path.read_text()
        assert not [n for i in (0, 1) for d in dirs[i] for n in os.listdir(d)
                    if n.endswith("-future")]
    finally:
        c.stop()
