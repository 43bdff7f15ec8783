"""skein-verify (issue 13 part 3), the shipped correctness checker, against real brokers.

1. A clean run: three brokers, a topic of 3 partitions x 3 replicas with
   min.insync.replicas=2 that skein-verify creates itself, two idempotent producers and a
   consumer group, while the leader of partition 0 is killed with kill -9 and restarted.
   skein-verify exits 0 and its JSON report has no violation.
2. The checker can fail: with unclean.leader.election.enable=true, records acknowledged by a
   leader alone (RF 2, min.insync.replicas=1, the follower stopped) vanish when the leader
   dies and the stale follower is elected. A produce-only run writes a state file; a
   consume-only run later finds every acknowledged record lost and exits 1, while a run
   made before the follower was stopped is still reported clean.

skein-verify is found next to $SKEIND (or in $SKEIN_TOOLS_DIR). Run this file alone:
    SKEIND=$PWD/build/skeind tests/run-integration.sh tests/integration/test_verify.py
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from test_tools_helpers import run, tool_path  # noqa: E402

SESSION_MS = 6000       # zookeeper.session.timeout.ms
LAG_MS = 4000           # replica.lag.time.max.ms
SESSION_S = SESSION_MS / 1000.0
ALL = [0, 1, 2]

PROGRESS = re.compile(r"^\[\s*[\d.]+ s\] [^:]+: (\d+) sent, (\d+) acknowledged")


def verify(*args, **kw):
    return run("skein-verify", *args, **kw)


def cluster(make_cluster, **extra):
    return make_cluster(3, props={"controlled.shutdown.retry.backoff.ms": "300"},
                        zookeeper_session_timeout_ms=str(SESSION_MS),
                        replica_lag_time_max_ms=str(LAG_MS), auto_create_topics_enable="false",
                        **extra)


def state(c, topic, p=0):
    return H.partition_state(c, topic, p)


def wait_registered(c, ids, timeout=SESSION_S + 20):
    H.wait_for(lambda: H.registered_ids(c) == sorted(ids), timeout,
               "brokers %s registered (and no others)" % sorted(ids), interval=0.1)


def topic_exists(c, topic, parts):
    zkc = c.zk_client()
    return all(zkc.exists("/brokers/topics/%s/partitions/%d/state" % (topic, p))
               for p in range(parts))


def wait_isr(c, topic, parts, isr, timeout, what):
    def ok():
        if not topic_exists(c, topic, parts):
            return False
        st = [state(c, topic, p) for p in range(parts)]
        return all(sorted(s["isr"]) == sorted(isr) and s["leader"] >= 0 for s in st) and st
    return H.wait_for(ok, timeout, what, interval=0.1)


def acked_so_far(stderr_path):
    """Acknowledgements in skein-verify's last progress line (0 before the first one)."""
    try:
        text = Path(stderr_path).read_text(errors="replace")
    except OSError:
        return 0
    n = 0
    for line in text.splitlines():
        m = PROGRESS.match(line)
        if m:
            n = int(m.group(2))
    return n


class Background:
    """skein-verify running in the background; stopped at teardown if still running."""

    def __init__(self, args, tmp_path):
        self.out_path = tmp_path / "verify.out"
        self.err_path = tmp_path / "verify.err"
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen([tool_path("skein-verify")] + [str(a) for a in args],
                                     stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)

    def acked(self):
        return acked_so_far(self.err_path)

    def wait_acked(self, n, timeout, what):
        """Wait for n acknowledgements; a run that ended meanwhile is judged by its report."""
        def ok():
            rc = self.proc.poll()
            if rc not in (None, 0):
                raise H.Fatal("skein-verify exited with %s:\n%s" % (rc, self.stderr()[-3000:]))
            return rc == 0 or self.acked() >= n
        H.wait_for(ok, timeout, what, interval=0.2)

    def finish(self, timeout):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError("skein-verify still running after %.0f s:\n%s"
                                 % (timeout, self.stderr()[-3000:])) from None
        self.out.close()
        self.err.close()
        return rc, self.out_path.read_text(), self.stderr()

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.out.close()
        self.err.close()


@pytest.fixture
def background(tmp_path):
    started = []

    def start(*args):
        b = Background(args, tmp_path)
        started.append(b)
        return b

    yield start
    for b in started:
        b.stop()


def test_usage():
    r = verify("--help", check=0)
    assert "--bootstrap-server" in r.stdout and "Exit status" in r.stdout
    for args in ([], ["--bootstrap-server", "x:1"],
                 ["--bootstrap-server", "x:1", "--topic", "t"],
                 ["--bootstrap-server", "x:1", "--topic", "t", "--duration", "10x"],
                 ["--bootstrap-server", "x:1", "--topic", "t", "--duration", "10s",
                  "--record-size", "10"],
                 ["--bootstrap-server", "x:1", "--topic", "t", "--duration", "10s",
                  "--produce-only"],
                 ["--bootstrap-server", "x:1", "--consume-only"],
                 ["--bootstrap-server", "x:1", "--consume-only", "--state-file", "/nonexistent",
                  "--rate", "5"],
                 ["--bootstrap-server", "x:1", "--topic", "t", "--duration", "1s", "--bogus"],
                 ["--bootstrap-server", "x:1", "--topic", "t", "--duration", "1s",
                  "--producer-property", "no.such.property=1"]):
        r = verify(*args)
        assert r.rc == 2, r
        assert r.stderr.startswith("skein-verify: "), r


def test_bad_state_file(tmp_path):
    st = tmp_path / "state"
    st.write_text("skein-verify-state 1\nrun 00112233445566zz\n")
    r = verify("--bootstrap-server", "127.0.0.1:1", "--consume-only", "--state-file", st)
    assert r.rc == 2, r
    assert "line 2: expected 'run <16 hex digits>'" in r.stderr, r


def test_clean_run_while_a_leader_is_killed(make_cluster, background, tmp_path):
    c = cluster(make_cluster)
    wait_registered(c, ALL)
    topic = "verify-clean"
    v = background("--bootstrap-server", c.bootstrap, "--topic", topic, "--duration", "30s",
                   "--partitions", 3, "--replication-factor", 3,
                   "--topic-config", "min.insync.replicas=2", "--producers", 2,
                   "--rate", 400, "--drain-timeout", "90s", "--reporting-interval", "500ms",
                   "--state-file", tmp_path / "clean.state", "--json")
    wait_isr(c, topic, 3, ALL, 30, "the topic skein-verify created, all replicas in sync")
    v.wait_acked(1000, 30, "1000 acknowledgements before the kill")

    victim = state(c, topic, 0)["leader"]
    c.brokers[victim].kill()
    H.wait_for(lambda: all(state(c, topic, p)["leader"] not in (victim, -1) and
                           victim not in state(c, topic, p)["isr"] for p in range(3)),
               SESSION_S + 15, "leaders and ISRs without broker %d" % victim, interval=0.1)
    before = v.acked()
    c.brokers[victim].start(ready_timeout=SESSION_S + 30)
    wait_isr(c, topic, 3, ALL, 40, "broker %d back in every ISR" % victim)
    v.wait_acked(before + 500, 30, "500 more acknowledgements after the restart")

    rc, out, err = v.finish(30 + 90 + 60)
    rep = json.loads(out)
    assert rc == 0, (out, err[-3000:])
    assert rep["clean"] is True and rep["drained"] is True
    viol = rep["violations"]
    assert viol["lost"] == 0 and viol["duplicated"] == 0 and viol["total"] == 0, rep
    acked = rep["produced"]["acknowledged"]
    assert acked >= before + 500
    assert rep["produced"]["sent"] == acked + rep["produced"]["failed"]
    assert rep["producer_errors"] == 0 and rep["mode"] == "produce-consume"
    assert isinstance(rep["longest_ack_gap_ms"], int) and rep["longest_ack_gap_ms"] >= 0
    assert rep["consumed"]["offsets"] >= acked
    assert rep["latency_ms"]["produce"]["count"] == acked
    lat = rep["latency_ms"]["end_to_end"]
    assert lat["count"] >= acked and 0 < lat["p50"] <= lat["p99"] <= lat["max"]
    assert sorted(p["partition"] for p in rep["partitions"]) == [0, 1, 2]
    # every partition's committed offset reached its end
    assert all(p["committed"] == p["end"] for p in rep["partitions"]), rep["partitions"]
    # the state file holds the same run: checking it again finds it clean
    r = verify("--bootstrap-server", c.bootstrap, "--consume-only", "--state-file",
               tmp_path / "clean.state", "--reporting-interval", "0", timeout=120)
    assert r.rc == 0, r
    assert "RESULT: CLEAN" in r.stdout and "run %s" % rep["run"] in r.stdout


def test_unclean_election_loses_acknowledged_records(make_cluster, tmp_path):
    c = cluster(make_cluster, unclean_leader_election_enable="true")
    wait_registered(c, ALL)
    ctl = H.controller_id(c)
    leader, follower = [b for b in ALL if b != ctl]
    topic = "verify-unclean"
    adm = KafkaAdminClient(bootstrap_servers=c.bootstrap, request_timeout_ms=30000)
    try:
        adm.create_topics([NewTopic(topic, -1, -1, replica_assignments={0: [leader, follower]},
                                    topic_configs={"min.insync.replicas": "1"})])
    finally:
        adm.close()
    wait_isr(c, topic, 1, [leader, follower], 30, topic + " in sync")
    assert state(c, topic)["leader"] == leader
    base = ["--bootstrap-server", c.bootstrap, "--reporting-interval", "0"]

    # records both replicas have
    safe = tmp_path / "safe.state"
    r = verify(*base, "--topic", topic, "--num-records", 100, "--rate", -1, "--produce-only",
               "--state-file", safe, timeout=120)
    assert r.rc == 0, r
    wait_isr(c, topic, 1, [leader, follower], 30, "the follower caught up")

    # the follower leaves (controlled shutdown); the leader alone acknowledges more
    assert c.brokers[follower].stop() == 0
    H.wait_for(lambda: state(c, topic)["isr"] == [leader], 30, "ISR = [leader]")
    doomed = tmp_path / "doomed.state"
    r = verify(*base, "--topic", topic, "--num-records", 200, "--rate", -1, "--produce-only",
               "--state-file", doomed, "--json", timeout=120)
    assert r.rc == 0, r
    assert json.loads(r.stdout)["produced"]["acknowledged"] == 200

    # the leader dies; the stale follower comes back and is elected uncleanly
    c.brokers[leader].kill()
    H.wait_for(lambda: state(c, topic)["leader"] == -1, SESSION_S + 15, topic + " offline")
    c.brokers[follower].start()
    H.wait_for(lambda: state(c, topic)["leader"] == follower, 30,
               "broker %d elected uncleanly" % follower)
    # the old leader rejoins as a follower and truncates to the new leader's log
    c.brokers[leader].start(ready_timeout=SESSION_S + 30)
    wait_isr(c, topic, 1, [leader, follower], 40, "the old leader back in the ISR")

    r = verify(*base, "--consume-only", "--state-file", doomed, "--json",
               "--drain-timeout", "60s", timeout=120)
    assert r.rc == 1, r
    rep = json.loads(r.stdout)
    assert rep["clean"] is False and rep["drained"] is True, rep
    assert rep["violations"]["lost"] == 200, rep["violations"]
    assert rep["violations"]["total"] == 200
    lost = [e for e in rep["examples"] if e["kind"] == "lost"]
    assert len(lost) == 10 and all(e["partition"] == 0 and e["offset"] >= 100 for e in lost)

    # the text report says the same; the records made before are all there
    r = verify(*base, "--consume-only", "--state-file", doomed, timeout=120)
    assert r.rc == 1, r
    assert re.search(r"^lost: +200$", r.stdout, re.M), r
    assert "RESULT: 200 VIOLATIONS" in r.stdout, r
    r = verify(*base, "--consume-only", "--state-file", safe, "--topic", topic, timeout=120)
    assert r.rc == 0, r
    assert "RESULT: CLEAN" in r.stdout
