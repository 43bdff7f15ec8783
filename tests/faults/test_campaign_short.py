"""The fault campaign's short run (one round of each fault kind) and the checkers' own tests.

    /usr/bin/python3 -m pytest -q tests/faults          (SKEIND=... to choose the binary)

test_campaign_short needs root (network namespaces, nftables, tmpfs); it is skipped otherwise.
The other tests build segment files and records by hand and check that the campaign's checks
catch a divergence, a loss, a duplicate and a backwards commit.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "harness"))
sys.path.insert(0, str(HERE))

import campaign  # noqa: E402
import kafka_wire as W  # noqa: E402
import segments  # noqa: E402
import workload  # noqa: E402


def _skeind():
    return os.path.abspath(os.environ.get("SKEIND", str(REPO / "build" / "skeind")))


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("ip"),
                    reason="needs root, ip and nft (scripts/install-deps.sh)")
def test_campaign_short(tmp_path):
    """One round of each fault kind (or of those in SKF_KINDS); fails on any crash, lost, duplicated or
    misplaced acknowledged record, replica divergence, backwards commit or sanitizer report."""
    skeind = _skeind()
    if not os.access(skeind, os.X_OK):
        pytest.fail("skeind %s not found; build it or set SKEIND" % skeind)
    report = tmp_path / "campaign"
    seed = int(os.environ.get("SKF_SEED", "0")) or int(time.time()) % 100000
    # SKF_KINDS: a comma list of kinds (default every kind), one round each
    kinds = [k for k in os.environ.get("SKF_KINDS", "").split(",") if k] or list(campaign.KINDS)
    unknown = [k for k in kinds if k not in campaign.KINDS]
    assert not unknown, "unknown fault kinds in SKF_KINDS: %s" % unknown
    argv = [sys.executable, str(HERE / "campaign.py"), "--rounds", str(len(kinds)),
            "--kinds", ",".join(kinds), "--seed", str(seed), "--skeind", skeind,
            "--report", str(report)]
    # the run directory goes under /tmp (removed when clean, kept with the brokers' logs and
    # data when not): pytest's own tmp dirs are rotated away by later pytest runs
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1200)
    out = p.stdout.decode("utf-8", "replace")
    print(out[-20000:])
    assert p.returncode == 0, "campaign (seed %d) failed:\n%s" % (
        seed, Path(str(report) + ".txt").read_text() if Path(str(report) + ".txt").exists()
        else out[-5000:])


# ---------------------------------------------------------------- replica comparison

def _batch(base, values, epoch=0):
    b = bytearray(W.record_batch([(None, v, []) for v in values], base_timestamp=1000))
    b[0:8] = base.to_bytes(8, "big", signed=True)
    b[12:16] = epoch.to_bytes(4, "big", signed=True)
    return bytes(b)


def _write_log(d, segs):
    """segs: {base offset of the segment: [batch bytes, ...]}"""
    d.mkdir(parents=True, exist_ok=True)
    for base, batches in segs.items():
        (d / ("%020d.log" % base)).write_bytes(b"".join(batches))


def test_replicas_identical_with_different_segment_boundaries(tmp_path):
    b0, b1, b2 = _batch(0, [b"a", b"b"]), _batch(2, [b"c"]), _batch(3, [b"d", b"e"])
    _write_log(tmp_path / "r0", {0: [b0, b1, b2]})
    _write_log(tmp_path / "r1", {0: [b0], 2: [b1, b2]})
    # r2 holds an extra uncommitted batch beyond the HW: not compared
    _write_log(tmp_path / "r2", {0: [b0, b1], 3: [b2, _batch(5, [b"x"])]})
    res = segments.compare_replicas({0: tmp_path / "r0", 1: tmp_path / "r1",
                                     2: tmp_path / "r2"}, hw=5)
    assert res["divergent"] == [] and res["short"] == [] and res["torn"] == []
    assert res["batches"] == 3


def test_replica_divergence_is_caught(tmp_path):
    b0 = _batch(0, [b"a", b"b"])
    _write_log(tmp_path / "r0", {0: [b0, _batch(2, [b"c"])]})
    _write_log(tmp_path / "r1", {0: [b0, _batch(2, [b"C"])]})              # other record
    _write_log(tmp_path / "r2", {0: [b0, _batch(2, [b"c"], epoch=1)]})     # other epoch
    res = segments.compare_replicas({0: tmp_path / "r0", 1: tmp_path / "r1",
                                     2: tmp_path / "r2"}, hw=3)
    assert len(res["divergent"]) == 1 and "offset 2" in res["divergent"][0]
    # different batch boundaries over the same offsets: two records at offset 1
    _write_log(tmp_path / "s0", {0: [_batch(0, [b"a", b"b"]), _batch(2, [b"c"])]})
    _write_log(tmp_path / "s1", {0: [_batch(0, [b"a"]), _batch(1, [b"z", b"c"])]})
    res = segments.compare_replicas({0: tmp_path / "s0", 1: tmp_path / "s1"}, hw=3)
    assert res["divergent"], res


def test_replica_short_or_holed_is_caught(tmp_path):
    b0, b1, b2 = _batch(0, [b"a"]), _batch(1, [b"b"]), _batch(2, [b"c"])
    _write_log(tmp_path / "r0", {0: [b0, b1, b2]})
    _write_log(tmp_path / "r1", {0: [b0, b1]})           # ends below the HW
    _write_log(tmp_path / "r2", {0: [b0], 2: [b2]})      # hole at offset 1
    res = segments.compare_replicas({0: tmp_path / "r0", 1: tmp_path / "r1",
                                     2: tmp_path / "r2"}, hw=3)
    assert any("broker 1" in s and "below the HW" in s for s in res["short"]), res
    assert any("broker 2" in s and "hole" in s for s in res["short"]), res
    # a torn batch in a segment that is not the last
    _write_log(tmp_path / "t0", {0: [b0, b1[:-3]], 2: [b2]})
    res = segments.compare_replicas({0: tmp_path / "t0", 1: tmp_path / "r0"}, hw=3)
    assert res["torn"], res


# ---------------------------------------------------------------- record checks

class _FakeSlot:
    def __init__(self, gens):
        self.gens = gens


def _campaign_with(gens):
    c = campaign.Campaign.__new__(campaign.Campaign)
    c.producers = [_FakeSlot(gens)]
    return c


def _gen(name_slot, acked):
    g = workload.Generation(name_slot, 0)
    for off in acked:
        g.acked.append(off)
    g.sent = len(acked)
    return g


def _violations():
    return {k: [] for k in ("lost", "moved", "duplicated", "reordered", "corrupt", "read_gaps",
                            "replica_divergence", "replica_short", "committed_backwards",
                            "consumed_not_in_log")}


def test_record_checks():
    P = campaign.PARTITIONS
    g = _gen(0, [0, 0, -1, -2])           # seq 0 -> p0@0, seq 1 -> p1@0, seq 3 no offset
    c = _campaign_with([g])
    val = lambda s: workload.make_value(g.name, s)  # noqa: E731
    recs = {p: {} for p in range(P)}
    recs[0][0] = val(0)
    recs[1][0] = val(1)
    recs[3][0] = val(3)
    hw = {p: len(recs[p]) for p in range(P)}
    v = _violations()
    info = c.check_records(hw, recs, v)
    assert all(x == [] for x in v.values()), v
    assert info["acked"] == 3
    # seq 1 missing, seq 0 duplicated, seq 3 (no offset) missing, a corrupt value
    recs2 = {p: {} for p in range(P)}
    recs2[0] = {0: val(0), 1: val(0)}
    recs2[1] = {0: val(7)[:-1] + b"0"}
    hw2 = {p: len(recs2[p]) for p in range(P)}
    v = _violations()
    c.check_records(hw2, recs2, v)
    assert len(v["lost"]) == 2 and len(v["duplicated"]) == 1 and len(v["corrupt"]) == 1, v
    # acknowledged at one offset, stored at another
    recs3 = {p: {} for p in range(P)}
    recs3[0] = {0: b"skf-other", 1: val(0)}
    recs3[1] = {0: val(1)}
    recs3[3] = {0: val(3)}
    v = _violations()
    c.check_records({p: len(recs3[p]) for p in range(P)}, recs3, v)
    assert len(v["moved"]) == 1 and len(v["corrupt"]) == 1, v


def test_value_checksum():
    v = workload.make_value("P0.0", 42)
    assert workload.parse_value(v) == ("P0.0", 42)
    assert workload.parse_value(v.replace(b"|42|", b"|43|")) is None
    assert workload.parse_value(b"other") is None


def test_committed_backwards_is_caught():
    c = campaign.Campaign.__new__(campaign.Campaign)
    c.t0 = 0.0

    class M:
        commits = [(1.0, 0, 10), (2.0, 0, 20), (3.0, 0, 15)]
    c.members = [M()]

    class Mon:
        samples = [(1.0, {0: 10}), (2.0, {0: 20}), (3.0, {0: -1001}), (4.0, {0: 30})]
    c.committed = Mon()
    v = _violations()
    c.check_committed({0: 25}, v)
    # the client-side commit 15 after 20, the offset gone at t=3, 30 beyond the HW 25
    assert len(v["committed_backwards"]) == 3, v
