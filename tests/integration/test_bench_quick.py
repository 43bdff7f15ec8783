"""bench/skein-bench --quick: the benchmark runs end to end and prints every row.

Figures are never asserted (2 shared cores): only that the run completes, every row of the
table carries a number for Skein (and for the mock cluster where it has one), --json keeps
the same rows, and no broker, ZooKeeper or mock cluster outlives it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import skein_harness as H

BENCH = H.REPO / "bench" / "skein-bench"

# label, Skein figure, mock figure ("-" where the mock has none), Skein / mock
ROW = re.compile(r"^(?P<label>.+?)\s{2,}(?P<skein>[\d.]+ (?:MB/s|rec/s|ms|MB|s))\s{2,}"
                 r"(?P<mock>[\d.]+ (?:MB/s|rec/s|ms)|-)\s{2,}(?P<ratio>[\d.]+|-)$")
CLIENT_KEYS = ["rf3_acks_all_mbps", "rf1_acks1_rps", "rf1_acks1_mbps", "consume_mbps",
               "latency_offered_mbps", "latency_achieved_mbps", "latency_p50_ms",
               "latency_p99_ms", "latency_p999_ms"]
SKEIN_ONLY = ["rss_broker0_mb", "rss_broker1_mb", "rss_broker2_mb", "leaders_s"]


def processes_mentioning(text):
    """PIDs whose command line contains text (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmd:
            out.append(int(d))
    return out


def test_bench_quick(skeind_bin, tmp_path):
    out_json = tmp_path / "bench.json"
    p = subprocess.Popen([sys.executable, str(BENCH), "--quick", "--skeind", skeind_bin,
                          "--json", str(out_json)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    stdout, stderr = stdout.decode(), stderr.decode()
    assert p.returncode == 0, stdout + stderr
    lines = stdout.strip().split("\n")
    assert lines[0].startswith("skein-bench quick:"), stdout
    assert lines[1].split() == ["case", "Skein", "mock", "Skein/mock"], stdout
    rows = [ROW.match(l) for l in lines[3:] if not l.startswith("note: ")]
    assert all(rows), stdout
    assert len(rows) == len(CLIENT_KEYS) + len(SKEIN_ONLY), stdout
    for m in rows[:len(CLIENT_KEYS)]:
        assert m["mock"] != "-" and m["ratio"] != "-", m.group(0)
    for m in rows[len(CLIENT_KEYS):]:
        assert m["mock"] == "-", m.group(0)

    doc = json.loads(out_json.read_text())
    assert doc["mode"] == "quick"
    assert [r["key"] for r in doc["rows"]] == CLIENT_KEYS + SKEIN_ONLY
    for r in doc["rows"]:
        assert isinstance(r["skein"], float) and r["skein"] >= 0, r
        if r["key"] in CLIENT_KEYS:
            assert isinstance(r["mock"], float) and r["mock"] >= 0, r
    # the percentiles are ordered (a property of any run, not a timing)
    sk = {r["key"]: r["skein"] for r in doc["rows"]}
    assert sk["latency_p50_ms"] <= sk["latency_p99_ms"] <= sk["latency_p999_ms"]
    # it stopped everything it started (every process ran in its working directory, which
    # it removed)
    m = re.search(r"brokers in (/\S+)", stderr)
    assert m, stderr
    assert processes_mentioning(m.group(1)) == []
    assert not Path(m.group(1)).exists()


def test_bench_help():
    r = subprocess.run([sys.executable, str(BENCH), "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0
    text = r.stdout.decode()
    for word in ("--quick", "--json", "mock", "rf3_acks_all", "leaders_1000"):
        assert word in text, text


def test_bench_missing_binary(tmp_path):
    r = subprocess.run([sys.executable, str(BENCH), "--quick", "--skeind",
                        str(tmp_path / "nope" / "skeind")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 2 and b"not found" in r.stderr
