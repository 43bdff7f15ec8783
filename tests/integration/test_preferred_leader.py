"""Preferred leader election (issue 4 part 5): after a broker restart its partitions
are led by others; the controller gives leadership back to the preferred replica
(the first in the assignment) by auto rebalance, by skein-leader-election
(ElectLeaders) or through /admin/preferred_replica_election."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402

PARTS = 3
PREFER = "/admin/preferred_replica_election"


def tool():
    p = os.path.join(os.path.dirname(H.skeind_path()), "skein-leader-election")
    assert os.access(p, os.X_OK), p
    return p


def run_tool(*args, timeout=60):
    p = subprocess.run([tool()] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def cluster(zk, tmp_path_factory, name, rebalance):
    return H.Cluster(3, tmp_path_factory.mktemp(name), zk=zk,
                     auto_create_topics_enable="false",
                     auto_leader_rebalance_enable=rebalance,
                     leader_imbalance_check_interval_seconds="2",
                     controlled_shutdown_retry_backoff_ms="500",
                     replica_lag_time_max_ms="5000")


@pytest.fixture(scope="module")
def auto_on(zk, skeind_bin, tmp_path_factory):
    c = cluster(zk, tmp_path_factory, "pref-auto", "true")
    yield c
    c.stop()


@pytest.fixture(scope="module")
def auto_off(zk, skeind_bin, tmp_path_factory):
    c = cluster(zk, tmp_path_factory, "pref-off", "false")
    yield c
    c.stop()


def state(c, topic, p):
    return c.zk_json("/brokers/topics/%s/partitions/%d/state" % (topic, p))


def replicas(c, topic):
    t = c.zk_json("/brokers/topics/%s" % topic)
    return {int(p): r for p, r in t["partitions"].items()}


def full_isr(c, topic):
    return all(sorted(state(c, topic, p)["isr"]) == [0, 1, 2] for p in range(PARTS))


def preferred_lead(c, topic):
    reps = replicas(c, topic)
    return all(state(c, topic, p)["leader"] == reps[p][0] for p in range(PARTS))


def create(c, topic):
    H.wait_for(lambda: sorted(c.zk_client().get_children("/brokers/ids")) == ["0", "1", "2"],
               60, "three brokers registered")
    a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    a.create_topics([NewTopic(topic, PARTS, 3)])
    a.close()
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/%d/state"
                                            % (topic, PARTS - 1)), 30, topic + " has leaders")
    H.wait_for(lambda: full_isr(c, topic), 30, topic + " fully in sync")
    assert preferred_lead(c, topic)


def bounce(c, topic, broker):
    """Restart `broker`; return the partitions it prefers (all led by others now), once it
    is back in every ISR."""
    reps = replicas(c, topic)
    mine = [p for p in range(PARTS) if reps[p][0] == broker]
    assert mine
    assert c.brokers[broker].stop() == 0
    for p in mine:
        assert state(c, topic, p)["leader"] != broker
    c.brokers[broker].start()
    H.wait_for(lambda: full_isr(c, topic), 60, "broker %d back in every ISR" % broker)
    return mine


def test_auto_rebalance_returns_leadership(auto_on):
    c = auto_on
    topic = "pref-auto"
    create(c, topic)
    ctl = c.zk_json("/controller")["brokerid"]
    victim = [i for i in range(3) if i != ctl][0]
    mine = bounce(c, topic, victim)
    epochs = {p: state(c, topic, p)["leader_epoch"] for p in mine}
    H.wait_for(lambda: preferred_lead(c, topic), 30,
               "auto rebalance to give broker %d its partitions back" % victim)
    for p in mine:
        s = state(c, topic, p)
        assert s["leader"] == victim
        assert s["leader_epoch"] > epochs[p]
        assert sorted(s["isr"]) == [0, 1, 2]
    assert "auto leader rebalance" in c.brokers[ctl].log_text()


def test_tool_usage_errors():
    assert run_tool("--help")[0] == 0
    assert run_tool()[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1")[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "sideways",
                    "--all-topic-partitions")[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "preferred")[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "preferred",
                    "--topic", "t")[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "preferred",
                    "--topic", "t", "--partition", "x")[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "preferred",
                    "--all-topic-partitions", "--topic", "t", "--partition", "0")[0] == 2
    assert run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "preferred",
                    "--path-to-json-file", "/nonexistent/x.json")[0] == 2
    # nothing listens there: a failure, not a usage error
    rc, _, err = run_tool("--bootstrap-server", "127.0.0.1:1", "--election-type", "preferred",
                          "--all-topic-partitions")
    assert rc == 1 and "Error completing leader election" in err


def test_no_auto_rebalance_then_tool(auto_off, tmp_path):
    c = auto_off
    topic = "pref-tool"
    create(c, topic)
    ctl = c.zk_json("/controller")["brokerid"]
    victim = [i for i in range(3) if i != ctl][0]
    mine = bounce(c, topic, victim)
    others = [p for p in range(PARTS) if p not in mine]
    # Auto rebalance is off: over more than one check interval nothing moves back.
    seen = []
    H.wait_for(lambda: seen.append(1) or len(seen) > 40, 30, "an observation window",
               interval=0.1)
    assert all(state(c, topic, p)["leader"] != victim for p in mine)
    before = {p: state(c, topic, p) for p in range(PARTS)}

    rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--election-type", "preferred",
                            "--all-topic-partitions")
    assert rc == 0, (out, err)
    moved = ", ".join("%s-%d" % (topic, p) for p in mine)
    assert "Successfully completed leader election (PREFERRED) for partitions %s" % moved in out
    assert "Valid replica already elected for partitions" in out
    for p in others:
        assert "%s-%d" % (topic, p) in out.split("Valid replica already elected")[1]
    for p in mine:
        s = state(c, topic, p)
        assert s["leader"] == victim
        assert s["leader_epoch"] == before[p]["leader_epoch"] + 1
        assert sorted(s["isr"]) == sorted(before[p]["isr"])
    for p in others:
        assert state(c, topic, p) == before[p]

    # Again: nothing to do.
    rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--election-type", "preferred",
                            "--topic", topic, "--partition", mine[0])
    assert rc == 0, (out, err)
    assert out.strip() == "Valid replica already elected for partitions %s-%d" % (topic, mine[0])
    # Unclean with a live leader: not needed either.
    rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--election-type", "unclean",
                            "--topic", topic, "--partition", 0)
    assert rc == 0 and "Valid replica already elected for partitions %s-0" % topic in out
    # Unknown partitions fail with exit 1, from a JSON file.
    f = tmp_path / "parts.json"
    f.write_text(json.dumps({"partitions": [{"topic": topic, "partition": 7},
                                            {"topic": "nope", "partition": 0}]}))
    rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--election-type", "preferred",
                            "--path-to-json-file", f)
    assert rc == 1
    assert ("Error completing leader election (PREFERRED) for partition: %s-7: "
            "UNKNOWN_TOPIC_OR_PARTITION" % topic) in out
    assert "for partition: nope-0: UNKNOWN_TOPIC_OR_PARTITION" in out
    # skein-topics --describe shows the preferred leaders again.
    topics_bin = os.path.join(os.path.dirname(H.skeind_path()), "skein-topics")
    d = subprocess.run([topics_bin, "--bootstrap-server", c.bootstrap, "--describe", "--topic",
                        topic], stdout=subprocess.PIPE, timeout=60).stdout.decode()
    reps = replicas(c, topic)
    for p in range(PARTS):
        assert "Partition: %d\tLeader: %d\t" % (p, reps[p][0]) in d, d


def test_admin_znode(auto_off):
    c = auto_off
    topic = "pref-znode"
    create(c, topic)
    zkc = c.zk_client()
    ctl = c.zk_json("/controller")["brokerid"]
    victim = [i for i in range(3) if i != ctl][-1]
    mine = bounce(c, topic, victim)
    # Invalid content: logged and deleted, nothing elected.
    off = c.brokers[ctl].log_size()
    zkc.create(PREFER, b"{not json")
    H.wait_for(lambda: zkc.exists(PREFER) is None, 30, "the invalid znode to be deleted")
    assert "ignoring %s" % PREFER in c.brokers[ctl].log_since(off)
    assert all(state(c, topic, p)["leader"] != victim for p in mine)
    # Valid: the listed partition (only) gets its preferred leader, then the znode goes.
    req = {"version": 1, "partitions": [{"topic": topic, "partition": mine[0]}]}
    zkc.create(PREFER, json.dumps(req).encode())
    H.wait_for(lambda: zkc.exists(PREFER) is None, 30, "the znode to be deleted")
    H.wait_for(lambda: state(c, topic, mine[0])["leader"] == victim, 30,
               "broker %d to lead %s-%d again" % (victim, topic, mine[0]))
    for p in mine[1:]:
        assert state(c, topic, p)["leader"] != victim


def test_elect_leaders_not_controller(auto_off):
    """ElectLeaders sent to a broker that is not the controller: NOT_CONTROLLER (v2)."""
    import socket
    import struct
    c = auto_off
    ctl = c.zk_json("/controller")["brokerid"]
    other = [b for b in c.brokers if b.id != ctl][0]
    # v2 request: header v2 (key 43, version 2, corr 7, client id "t", no tags), body:
    # ElectionType 0, TopicPartitions null (compact: 0), TimeoutMs 1000, no tags
    hdr = struct.pack(">hhih", 43, 2, 7, 1) + b"t" + b"\x00"
    body = b"\x00" + b"\x00" + struct.pack(">i", 1000) + b"\x00"
    msg = hdr + body
    s = socket.create_connection(("127.0.0.1", other.port), timeout=10)
    s.sendall(struct.pack(">i", len(msg)) + msg)
    n = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
    resp = s.recv(n, socket.MSG_WAITALL)
    s.close()
    corr, = struct.unpack(">i", resp[:4])
    assert corr == 7
    # header v1 tags (1 byte), throttle (4), error code
    err, = struct.unpack(">h", resp[9:11])
    assert err == 41  # NOT_CONTROLLER


def test_unclean_election_on_request(auto_off):
    """A partition whose only in-sync replica died stays offline (unclean election is off
    in the config) until an unclean ElectLeaders makes a live out-of-sync replica lead."""
    c = auto_off
    topic = "pref-unclean"
    ctl = c.zk_json("/controller")["brokerid"]
    a, b = [i for i in range(3) if i != ctl]
    H.wait_for(lambda: sorted(c.zk_client().get_children("/brokers/ids")) == ["0", "1", "2"],
               60, "three brokers registered")
    adm = KafkaAdminClient(bootstrap_servers=c.bootstrap)
    adm.create_topics([NewTopic(topic, -1, -1, replica_assignments={0: [a, b]})])
    adm.close()
    H.wait_for(lambda: c.zk_client().exists("/brokers/topics/%s/partitions/0/state" % topic)
               and sorted(state(c, topic, 0)["isr"]) == sorted([a, b]), 30,
               topic + " in sync")
    assert state(c, topic, 0)["leader"] == a
    # b leaves cleanly (out of the ISR), then a dies: nobody in sync is left.
    assert c.brokers[b].stop() == 0
    assert state(c, topic, 0)["isr"] == [a]
    c.brokers[a].kill()
    H.wait_for(lambda: state(c, topic, 0)["leader"] == -1, 40, topic + "-0 offline")
    c.brokers[b].start()
    try:
        H.wait_for(lambda: str(b) in c.zk_client().get_children("/brokers/ids"), 30,
                   "broker %d registered" % b)
        assert state(c, topic, 0)["leader"] == -1
        rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--election-type",
                                "preferred", "--topic", topic, "--partition", 0)
        assert rc == 1
        assert ("Error completing leader election (PREFERRED) for partition: %s-0: "
                "PREFERRED_LEADER_NOT_AVAILABLE" % topic) in out
        epoch = state(c, topic, 0)["leader_epoch"]
        rc, out, err = run_tool("--bootstrap-server", c.bootstrap, "--election-type",
                                "unclean", "--topic", topic, "--partition", 0)
        assert rc == 0, (out, err)
        assert "Successfully completed leader election (UNCLEAN) for partitions %s-0" % topic \
            in out
        s = state(c, topic, 0)
        assert s["leader"] == b and s["isr"] == [b] and s["leader_epoch"] == epoch + 1
    finally:
        c.brokers[a].start()
