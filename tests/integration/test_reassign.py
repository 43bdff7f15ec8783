"""Partition reassignment (issue 11 part 3): the controller moves replicas through the
/admin/reassign_partitions znode (Kafka's legacy JSON, version 1) and through
AlterPartitionReassignments / ListPartitionReassignments (KIP-455), driven by
skein-reassign-partitions with kafka-reassign-partitions.sh's flags. Three brokers, real
clients: a 6-partition RF 2 topic moves from brokers {0,1} to {1,2} under a continuous acks=all
producer without losing an acknowledged record; the old replicas' directories go; a controller
killed midway is replaced and the move completes; a cancellation returns to the original
replicas; bad input is refused with nothing written; a throttle slows a catch-up."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from ackcheck import AckChecker  # noqa: E402
import kafka_wire as W  # noqa: E402

ZNODE = "/admin/reassign_partitions"
PARTS = 6


def tool():
    p = os.path.join(os.path.dirname(H.skeind_path()), "skein-reassign-partitions")
    assert os.access(p, os.X_OK), p
    return p


def run_tool(*args, timeout=60):
    p = subprocess.run([tool()] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def new_cluster(make_cluster, **kw):
    c = make_cluster(3, auto_create_topics_enable="false", replica_lag_time_max_ms="5000", **kw)
    H.wait_for(lambda: H.registered_ids(c) == [0, 1, 2], 60, "three brokers registered")
    return c


def topic_node(c, topic):
    return c.zk_json("/brokers/topics/%s" % topic)


def replicas(c, topic):
    return {int(p): r for p, r in topic_node(c, topic)["partitions"].items()}


def state(c, topic, p):
    return H.partition_state(c, topic, p)


def create(c, topic, assignment):
    """Create topic with {partition: [replicas]}, wait until every ISR is full."""
    a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    try:
        a.create_topics([NewTopic(topic, num_partitions=-1, replication_factor=-1,
                                  replica_assignments=assignment)])
    finally:
        a.close()
    n = len(assignment)
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/%d/state"
                                            % (topic, n - 1)), 30, topic + " has leaders")
    H.wait_for(lambda: all(sorted(state(c, topic, p)["isr"]) == sorted(assignment[p])
                           for p in range(n)), 30, topic + " fully in sync")


def reassignment_json(topic, target):
    return {"version": 1, "partitions": [{"topic": topic, "partition": p, "replicas": r}
                                         for p, r in sorted(target.items())]}


def done(c, topic, target, ordered=True):
    node = topic_node(c, topic)
    if node["adding_replicas"] or node["removing_replicas"]:
        return False
    now = replicas(c, topic)
    if not ordered:
        now = {p: sorted(r) for p, r in now.items()}
        target = {p: sorted(r) for p, r in target.items()}
    if now != target:
        return False
    return all(sorted(state(c, topic, p)["isr"]) == sorted(target[p]) for p in target)


def from_01():
    return {p: ([0, 1] if p % 2 == 0 else [1, 0]) for p in range(PARTS)}


def to_12():
    return {p: ([1, 2] if p % 2 == 0 else [2, 1]) for p in range(PARTS)}


# ---- AlterPartitionReassignments v0 by hand (flexible: header v2, compact fields), so the
# API's own checks are seen without the tool's

def _cstr(s):
    return W.uvarint(len(s.encode()) + 1) + s.encode()


def _carray(items):
    items = list(items)
    return W.uvarint(len(items) + 1) + b"".join(items)


def _read_cstr(r):
    n = W.read_uvarint(r) - 1
    return None if n < 0 else r.take(n).decode()


def alter_reassignments(c, targets):
    """{(topic, partition): replicas or None (cancel)} to the controller; returns
    {(topic, partition): (error code, message)}."""
    by_topic = {}
    for (t, p), reps in targets.items():
        by_topic.setdefault(t, []).append((p, reps))
    body = W.i32(30000) + _carray(
        _cstr(t) + _carray(W.i32(p) + (b"\x00" if reps is None else
                                       _carray(W.i32(b) for b in reps)) + b"\x00"
                           for p, reps in parts) + b"\x00"
        for t, parts in by_topic.items()) + b"\x00"
    ctl = H.controller_id(c)
    host, port = c.brokers[ctl].bootstrap.rsplit(":", 1)
    with W.KafkaConn(host, int(port)) as conn:
        hdr = W.i16(45) + W.i16(0) + W.i32(7) + W.string("skein-test") + b"\x00"
        conn.send_raw(W.i32(len(hdr) + len(body)) + hdr + body)
        r = W.Reader(conn.recv_frame())
        assert r.i32() == 7
        W.skip_tags(r)
        r.i32()
        top = r.i16()
        _read_cstr(r)
        assert top == 0, top
        out = {}
        for _ in range(W.read_uvarint(r) - 1):
            name = _read_cstr(r)
            for _ in range(W.read_uvarint(r) - 1):
                p = r.i32()
                err = r.i16()
                msg = _read_cstr(r)
                W.skip_tags(r)
                out[(name, p)] = (err, msg)
            W.skip_tags(r)
        return out


def write(tmp_path, name, obj):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def verify_status(c, f, *mode):
    rc, out, err = run_tool(*(mode or ("--bootstrap-server", c.bootstrap)), "--verify",
                            "--reassignment-json-file", f)
    assert rc == 0, err
    return out


def wait_verified(c, f, target, topic, *mode, timeout=90):
    """--verify until it reports every partition complete; returns its last output."""
    last = {}

    def complete():
        last["out"] = verify_status(c, f, *mode)
        return ("still in progress" not in last["out"] and
                all("Reassignment of partition %s-%d is complete" % (topic, p) in last["out"]
                    for p in target))
    H.wait_for(complete, timeout, "--verify to report every partition complete", interval=0.5)
    return last["out"]


def test_move_under_produce_loses_nothing(make_cluster, tmp_path):
    """{0,1} -> {1,2} for a 6-partition RF 2 topic while an acks=all producer runs:
    every acknowledged record is still there, --verify says complete, broker 0's dirs go."""
    c = new_cluster(make_cluster)
    topic = "ra-move"
    create(c, topic, from_01())
    chk = AckChecker(c.bootstrap, topic, partitions=PARTS)
    chk.start()
    try:
        chk.wait_more_acks(150, timeout=60)
        target = to_12()
        f = write(tmp_path, "move.json", reassignment_json(topic, target))
        rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--execute",
                                "--reassignment-json-file", f)
        assert rc == 0, err
        assert "Current partition replica assignment" in out
        current = json.loads(out.split("\n")[2])
        assert {(e["partition"]): e["replicas"] for e in current["partitions"]} == from_01()
        assert "Successfully started partition reassignments for " in out
        out = wait_verified(c, f, target, topic)
        assert out.startswith("Status of partition reassignment:")
        chk.wait_more_acks(150, timeout=60, what="acks after the move")
    finally:
        chk.stop()
    report = chk.verify(c.bootstrap)
    assert report is None or report is not False
    assert done(c, topic, target)
    H.wait_for(lambda: not any(c.brokers[0].partition_dir(topic, p).exists()
                               for p in range(PARTS)), 30, "broker 0's replicas deleted")
    for p in range(PARTS):
        assert c.brokers[2].partition_dir(topic, p).exists()
        assert state(c, topic, p)["leader"] in target[p]
    # Kafka's clients see the new replicas
    a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    try:
        md = a.describe_topics([topic])[0]
    finally:
        a.close()
    assert {p["partition"]: sorted(p["replicas"]) for p in md["partitions"]} == \
        {p: [1, 2] for p in range(PARTS)}
    # ListPartitionReassignments has nothing left
    rc, out, _ = run_tool("--bootstrap-server", c.bootstrap, "--cancel",
                          "--reassignment-json-file", f)
    assert rc == 0 and "None of the specified partition reassignments are active." in out


def test_znode_moves_partitions_and_generate(make_cluster, tmp_path):
    """The legacy way in (--zookeeper writes /admin/reassign_partitions, the controller acts
    on it and deletes it when done), and --generate's proposal over --broker-list."""
    c = new_cluster(make_cluster)
    topic = "ra-znode"
    create(c, topic, from_01())
    zkc = c.brokers[0].zk_connect
    tf = write(tmp_path, "topics.json", {"topics": [{"topic": topic}], "version": 1})
    rc, out, err = run_tool("--zookeeper", zkc, "--generate", "--topics-to-move-json-file", tf,
                            "--broker-list", "1,2")
    assert rc == 0, err
    lines = out.split("\n")
    assert lines[0] == "Current partition replica assignment"
    cur = json.loads(lines[1])
    assert lines[3] == "Proposed partition reassignment configuration"
    prop = json.loads(lines[4])
    assert {e["partition"]: e["replicas"] for e in cur["partitions"]} == from_01()
    assert all(e["log_dirs"] == ["any", "any"] for e in prop["partitions"])
    proposed = {e["partition"]: e["replicas"] for e in prop["partitions"]}
    assert sorted(proposed) == list(range(PARTS))
    assert all(sorted(r) == [1, 2] for r in proposed.values())
    # the same from --bootstrap-server
    rc, out2, err = run_tool("--bootstrap-server", c.bootstrap, "--generate",
                             "--topics-to-move-json-file", tf, "--broker-list", "1,2")
    assert rc == 0, err
    assert json.loads(out2.split("\n")[1]) == cur

    f = write(tmp_path, "prop.json", prop)
    rc, out, err = run_tool("--zookeeper", zkc, "--execute", "--reassignment-json-file", f)
    assert rc == 0, err
    out = wait_verified(c, f, proposed, topic, "--zookeeper", zkc)
    H.wait_for(lambda: not c.zk_client().exists(ZNODE), 30, ZNODE + " deleted")
    assert done(c, topic, proposed)
    H.wait_for(lambda: not any(c.brokers[0].partition_dir(topic, p).exists()
                               for p in range(PARTS)), 30, "broker 0's replicas deleted")


def ensure_controller_not(c, broker):
    """Restart `broker` while it is the controller, so another broker takes the role."""
    for _ in range(3):
        if H.controller_id(c) != broker:
            return
        c.brokers[broker].stop()
        H.wait_for(lambda: c.zk_client().exists("/controller") and H.controller_id(c) != broker,
                   30, "another controller")
        c.brokers[broker].start()
    assert H.controller_id(c) != broker


def test_controller_killed_midway_completes(make_cluster, tmp_path):
    """kill -9 the controller while broker 2 (a new replica, paused) cannot catch up: the
    next controller resumes from the topic node and the move completes."""
    c = new_cluster(make_cluster)
    topic = "ra-failover"
    create(c, topic, from_01())
    chk = AckChecker(c.bootstrap, topic, partitions=PARTS)
    chk.start()
    try:
        chk.wait_more_acks(100, timeout=60)
        ensure_controller_not(c, 2)
        ctl = H.controller_id(c)
        target = to_12()
        f = write(tmp_path, "move.json", reassignment_json(topic, target))
        c.brokers[2].pause()
        try:
            rc, out, err = run_tool("--bootstrap-server", c.brokers[ctl].bootstrap, "--execute",
                                    "--reassignment-json-file", f)
            assert rc == 0, err
            # answered once the topic znode holds the move (as Kafka's controller answers)
            node = topic_node(c, topic)
            assert sorted(int(p) for p in node["adding_replicas"]) == list(range(PARTS))
            assert all(v == [2] for v in node["adding_replicas"].values())
            assert all(v == [0] for v in node["removing_replicas"].values())
            assert "still in progress" in verify_status(c, f)
            c.brokers[ctl].kill()
            H.wait_for(lambda: c.zk_client().exists("/controller") and
                       H.controller_id(c) != ctl, 30, "a new controller")
        finally:
            c.brokers[2].resume()
        c.brokers[ctl].start()
        H.wait_for(lambda: done(c, topic, target), 90, "the move to complete after failover")
        chk.wait_more_acks(100, timeout=60, what="acks after the failover")
    finally:
        chk.stop()
    chk.verify(c.bootstrap)
    H.wait_for(lambda: not any(c.brokers[0].partition_dir(topic, p).exists()
                               for p in range(PARTS)), 30, "broker 0's replicas deleted")


def test_topic_node_written_meanwhile_is_not_overwritten(make_cluster):
    """The controller's topic-node writes are conditional on the node's version: while the
    controller is stopped, a reassignment is written to /admin/reassign_partitions and then a
    partition is added to the topic node (as Kafka's AdminZkClient adds one). The controller
    wakes to both; its reassignment write, based on the node before the new partition, is
    refused by ZooKeeper and made again from the node as it is now, so the new partition
    survives and the reassignment completes. Before, the write overwrote the node and the
    partition was lost."""
    c = new_cluster(make_cluster)
    topic = "ra-race"
    create(c, topic, {0: [0, 1]})
    ctl = c.brokers[H.controller_id(c)]
    zkc = c.zk_client()
    node = topic_node(c, topic)
    ctl.pause()
    try:
        zkc.create(ZNODE, json.dumps(reassignment_json(topic, {0: [1, 2]})).encode())
        node["partitions"]["1"] = [2, 0]
        zkc.set("/brokers/topics/" + topic, json.dumps(node).encode())
    finally:
        ctl.resume()
    target = {0: [1, 2], 1: [2, 0]}
    H.wait_for(lambda: done(c, topic, target), 60, "the move done with partition 1 kept")
    assert replicas(c, topic) == target


def test_cancel_returns_to_original(make_cluster, tmp_path):
    """A reassignment that cannot finish (its new replica's broker is paused) is cancelled:
    the replicas are the original ones again and the added replica is deleted."""
    c = new_cluster(make_cluster)
    topic = "ra-cancel"
    orig = {0: [0, 1], 1: [1, 0]}
    create(c, topic, orig)
    ensure_controller_not(c, 2)
    target = {0: [1, 2], 1: [2, 1]}
    f = write(tmp_path, "move.json", reassignment_json(topic, target))
    c.brokers[2].pause()
    try:
        rc, _, err = run_tool("--bootstrap-server", c.bootstrap, "--execute",
                              "--reassignment-json-file", f)
        assert rc == 0, err
        # the full replica set RS = target ++ original, written before the answer
        assert replicas(c, topic) == {0: [1, 2, 0], 1: [2, 1, 0]}
        rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--cancel",
                                "--reassignment-json-file", f)
        assert rc == 0, err
        assert "Successfully cancelled partition reassignments for: %s-0,%s-1" % (topic, topic) \
            in out
    finally:
        c.brokers[2].resume()
    # the original set (in Kafka's order for it: the full set less the replicas being added)
    H.wait_for(lambda: done(c, topic, orig, ordered=False), 60, "back to the original replicas")
    out = verify_status(c, f)
    assert "There is no active reassignment of partition %s-0, but replica set is 1,0 rather " \
        "than 1,2." % topic in out
    H.wait_for(lambda: not any(c.brokers[2].partition_dir(topic, p).exists() for p in orig),
               30, "broker 2's added replicas deleted")


def list_reassignments(c):
    """ListPartitionReassignments v0 (all) from the controller: {(topic, p): (replicas,
    adding, removing)}."""
    ctl = H.controller_id(c)
    host, port = c.brokers[ctl].bootstrap.rsplit(":", 1)
    body = W.i32(30000) + b"\x00" + b"\x00"  # null topics = all, no tags
    with W.KafkaConn(host, int(port)) as conn:
        hdr = W.i16(46) + W.i16(0) + W.i32(9) + W.string("skein-test") + b"\x00"
        conn.send_raw(W.i32(len(hdr) + len(body)) + hdr + body)
        r = W.Reader(conn.recv_frame())
        assert r.i32() == 9
        W.skip_tags(r)
        r.i32()
        assert r.i16() == 0
        _read_cstr(r)

        def ids():
            return [r.i32() for _ in range(W.read_uvarint(r) - 1)]
        out = {}
        for _ in range(W.read_uvarint(r) - 1):
            name = _read_cstr(r)
            for _ in range(W.read_uvarint(r) - 1):
                p = r.i32()
                out[(name, p)] = (ids(), ids(), ids())
                W.skip_tags(r)
            W.skip_tags(r)
        return out


def test_dead_target_waits(make_cluster, tmp_path):
    """A target broker that dies midway: the reassignment waits (List and --verify report it),
    the original replicas stay in the ISR, and it completes once the broker is back."""
    c = new_cluster(make_cluster, zookeeper_session_timeout_ms="4000")
    topic = "ra-dead"
    orig = {0: [0, 1]}
    create(c, topic, orig)
    ensure_controller_not(c, 2)
    target = {0: [1, 2]}
    f = write(tmp_path, "move.json", reassignment_json(topic, target))
    c.brokers[2].pause()
    rc, _, err = run_tool("--bootstrap-server", c.bootstrap, "--execute",
                          "--reassignment-json-file", f)
    assert rc == 0, err
    c.brokers[2].kill()
    H.wait_for(lambda: 2 not in H.registered_ids(c), 30, "broker 2's registration gone")
    H.wait_for(lambda: list_reassignments(c).get((topic, 0)) == ([1, 2, 0], [2], [0]), 30,
               "ListPartitionReassignments to report the waiting move")
    assert "Reassignment of partition %s-0 is still in progress." % topic in verify_status(c, f)
    s = state(c, topic, 0)
    assert sorted(s["isr"]) == [0, 1] and s["leader"] in (0, 1)
    assert replicas(c, topic) == {0: [1, 2, 0]}
    c.brokers[2].start()
    H.wait_for(lambda: done(c, topic, target), 60, "the move to complete with broker 2 back")
    assert list_reassignments(c) == {}


def test_bad_input_refused_nothing_written(make_cluster, tmp_path):
    """Malformed JSON, unknown brokers, duplicate replicas, an empty list, a topic being
    deleted: the tool and the API refuse with Kafka's messages; no znode changes."""
    c = new_cluster(make_cluster, delete_topic_enable="true")
    topic = "ra-bad"
    create(c, topic, {0: [0, 1]})
    before = topic_node(c, topic)
    boot = ("--bootstrap-server", c.bootstrap)
    zkc = ("--zookeeper", c.brokers[0].zk_connect)

    def refused(content, expect, *modes):
        f = write(tmp_path, "bad.json", content)
        for mode in modes or (boot, zkc):
            rc, out, err = run_tool(*mode, "--execute", "--reassignment-json-file", f)
            assert rc == 1, (content, out, err)
            assert expect in err, (content, err)
        assert topic_node(c, topic) == before
        assert not c.zk_client().exists(ZNODE)

    refused("{not json", "invalid JSON")
    refused({"version": 1, "partitions": []}, "Partition reassignment list cannot be empty.")
    refused({"version": 2, "partitions": [{"topic": topic, "partition": 0, "replicas": [1]}]},
            "version")
    refused({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": [1, 1]}]},
            "Partition replica lists may not contain duplicate entries")
    refused({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": [1]},
                                          {"topic": topic, "partition": 0, "replicas": [2]}]},
            "Reassignment JSON file contains duplicate partitions")
    refused({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": [1, 7]}]},
            "Unknown broker id 7")
    refused({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": "1"}]},
            "replicas")
    refused({"version": 1, "partitions": [{"topic": topic, "partition": 5, "replicas": [1]}]},
            "%s-5 not found" % topic)
    refused({"version": 1, "partitions": [{"topic": "nope", "partition": 0, "replicas": [1]}]},
            "Topic nope not found.")

    # The API itself (a client that skips the tool's checks): Kafka's codes and messages
    res = alter_reassignments(c, {(topic, 0): [1, 1], (topic, 1): [1], ("nope", 0): [1],
                                  (topic, 0 + 100): None})
    assert res[(topic, 0)][0] == 39 and "Duplicate replica ids" in res[(topic, 0)][1]
    assert res[(topic, 1)][0] == 3 and res[(topic, 1)][1] == "The partition does not exist."
    assert res[("nope", 0)][0] == 3
    assert res[(topic, 100)][0] == 3
    res = alter_reassignments(c, {(topic, 0): [1, 9]})
    assert res[(topic, 0)][0] == 39 and "brokers that are not alive" in res[(topic, 0)][1]
    res = alter_reassignments(c, {(topic, 0): []})
    assert res[(topic, 0)][0] == 39 and \
        res[(topic, 0)][1] == "Empty replica list specified in partition reassignment."
    res = alter_reassignments(c, {(topic, 0): None})
    assert res[(topic, 0)][0] == 85
    assert topic_node(c, topic) == before

    # a malformed znode is logged and deleted, nothing moves
    c.zk_client().create(ZNODE, b'{"version":1,"partitions":[{"topic":')
    H.wait_for(lambda: not c.zk_client().exists(ZNODE), 30, "the malformed znode deleted")
    assert topic_node(c, topic) == before

    # a topic being deleted (its deletion waits for broker 2) is not reassigned
    ensure_controller_not(c, 2)
    create(c, "ra-del", {0: [2]})
    del_before = topic_node(c, "ra-del")
    c.brokers[2].stop()
    c.zk_client().create("/admin/delete_topics/ra-del")  # as kafka-topics.sh --delete does
    ctl = H.controller_id(c)
    H.wait_for(lambda: "deletion of topic ra-del waits" in c.brokers[ctl].log_text(), 30,
               "the controller to hold the deletion of ra-del (broker 2 is down)")
    res = alter_reassignments(c, {("ra-del", 0): [1]})
    assert res[("ra-del", 0)] == (3, "The partition does not exist.")
    assert topic_node(c, "ra-del") == del_before
    c.brokers[2].start()
    H.wait_for(lambda: not c.zk_client().exists("/brokers/topics/ra-del"), 30, "ra-del deleted")


def produce_bytes(c, topic, mb):
    """mb MiB of 1 KiB records into partition 0 (acks=all), flushed."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "linger.ms": 20,
                  "batch.size": 1 << 20, "queue.buffering.max.kbytes": 1 << 20})
    value = b"x" * 1024
    for _ in range(mb * 1024):
        while True:
            try:
                p.produce(topic, value, partition=0)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(60) == 0


def throttled_move(c, tmp_path, topic, mb, rate, zookeeper=False):
    """Move topic-0 from [0] to [0, 1] with --throttle rate (IncrementalAlterConfigs, or the
    config znodes with --zookeeper); returns the seconds until the reassignment completed.
    --verify then removes the throttles."""
    create(c, topic, {0: [0]})
    produce_bytes(c, topic, mb)
    mode = ("--zookeeper", c.brokers[0].zk_connect) if zookeeper else \
        ("--bootstrap-server", c.bootstrap)
    target = {0: [0, 1]}
    f = write(tmp_path, topic + ".json", reassignment_json(topic, target))
    start = time.monotonic()
    rc, out, err = run_tool(*mode, "--execute", "--reassignment-json-file", f,
                            "--throttle", rate)
    assert rc == 0, err
    assert "The inter-broker throttle limit was set to %d B/s" % rate in out
    cfg = c.zk_json("/config/topics/" + topic)["config"]
    assert cfg["leader.replication.throttled.replicas"] == "0:0"
    assert cfg["follower.replication.throttled.replicas"] == "0:1"
    for b in range(3):
        bc = c.zk_json("/config/brokers/%d" % b)["config"]
        assert bc["follower.replication.throttled.rate"] == str(rate)
        assert bc["leader.replication.throttled.rate"] == str(rate)
    H.wait_for(lambda: done(c, topic, target), 30 + 2 * mb, "the throttled catch-up",
               interval=0.2)
    took = time.monotonic() - start
    out = verify_status(c, f, *mode)
    assert "Reassignment of partition %s-0 is completed." % topic in out
    assert "Clearing broker-level throttles on brokers 0,1,2" in out
    assert "Clearing topic-level throttles on topic %s" % topic in out
    cfg = c.zk_json("/config/topics/" + topic)["config"]
    assert not any("throttled" in k for k in cfg)
    for b in range(3):
        assert not any("throttled" in k for k in c.zk_json("/config/brokers/%d" % b)["config"])
    return took


def test_throttle_slows_catch_up(make_cluster, tmp_path):
    """A throttle of 1 MB/s makes an 8 MB catch-up take >= 6 s (the suite's version of the
    50 MB / 40 s acceptance test below); set and cleared through IncrementalAlterConfigs, and
    (4 MB, >= 2.5 s) through the config znodes with --zookeeper; then the leader side alone
    (4 MB, >= 2.5 s)."""
    c = new_cluster(make_cluster)
    took = throttled_move(c, tmp_path, "ra-thr", 8, 1000000)
    assert took >= 6.0, took
    took = throttled_move(c, tmp_path, "ra-thr-zk", 4, 1000000, zookeeper=True)
    assert took >= 2.5, took
    # the leader side alone: only leader.replication.throttled.* set (for broker 0, the
    # leader), written as kafka-configs.sh --zookeeper does
    topic = "ra-thr-lead"
    create(c, topic, {0: [0]})
    produce_bytes(c, topic, 4)
    zkc = c.zk_client()
    zkc.set("/config/topics/" + topic, json.dumps(  # written by CreateTopics
        {"version": 1, "config": {"leader.replication.throttled.replicas": "0:0"}}).encode())
    zkc.set("/config/brokers/0", json.dumps(
        {"version": 1, "config": {"leader.replication.throttled.rate": "1000000"}}).encode())
    for path in ("topics/" + topic, "brokers/0"):
        zkc.create("/config/changes/config_change_", json.dumps(
            {"version": 2, "entity_path": path}).encode(), sequence=True)
    target = {0: [0, 1]}
    f = write(tmp_path, topic + ".json", reassignment_json(topic, target))
    start = time.monotonic()
    rc, _, err = run_tool("--bootstrap-server", c.bootstrap, "--execute",
                          "--reassignment-json-file", f)
    assert rc == 0, err
    H.wait_for(lambda: done(c, topic, target), 40, "the leader-throttled catch-up", interval=0.2)
    took = time.monotonic() - start
    assert took >= 2.5, took


@pytest.mark.long
def test_throttle_1mb_50mb_takes_40s(make_cluster, tmp_path):
    """The acceptance wording: a throttle of 1 MB/s makes a 50 MB catch-up take >= 40 s."""
    c = new_cluster(make_cluster)
    took = throttled_move(c, tmp_path, "ra-thr-long", 50, 1000000)
    assert took >= 40.0, took
