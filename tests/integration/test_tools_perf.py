"""skein-perf against one real broker: the tool works and prints its figures.

Benchmarks are not judged by their numbers here (2 shared cores); the tests check
that every mode runs with small counts, reports the fields, and that the records
really went through the broker.
"""

import re

from test_tools_helpers import metadata_topics, run, topics

FINAL = re.compile(
    r"^(?P<n>\d+) records (?P<verb>sent|received|round-tripped), (?P<rps>[\d.]+) records/sec "
    r"\((?P<mbps>[\d.]+) MB/sec\), (?P<avg>[\d.]+) ms avg latency, (?P<max>[\d.]+) ms max "
    r"latency, (?P<p50>[\d.]+) ms 50th, (?P<p95>[\d.]+) ms 95th, (?P<p99>[\d.]+) ms 99th, "
    r"(?P<p999>[\d.]+) ms 99\.9th\.$")
WINDOW = re.compile(r"^\d+ records (sent|received|round-tripped), [\d.]+ records/sec "
                    r"\([\d.]+ MB/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency\.$")


def perf(*args, **kw):
    return run("skein-perf", *args, **kw)


def final_line(r):
    lines = r.stdout.strip().split("\n")
    m = FINAL.match(lines[-1])
    assert m, r
    for line in lines[:-1]:
        assert WINDOW.match(line), line
    p = {k: (v if k == "verb" else float(v)) for k, v in m.groupdict().items()}
    assert p["p50"] <= p["p95"] <= p["p99"] <= p["p999"] <= p["max"] + 1e-9
    return p


def partition_ends(bootstrap, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused"})
    try:
        parts = metadata_topics(bootstrap)[topic]
        return sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                   for p in parts)
    finally:
        c.close()


def test_usage():
    assert "end-to-end" in perf("--help", check=0).stdout
    for args in ([], ["bench"], ["produce", "--topic", "t"],
                 ["produce", "--bootstrap-server", "x:1", "--topic", "t", "--record-size", "10"],
                 ["produce", "--bootstrap-server", "x:1", "--topic", "t", "--num-records", "1"],
                 ["consume", "--bootstrap-server", "x:1", "--topic", "t", "--record-size", "1"],
                 ["produce", "--bootstrap-server", "x:1", "--topic", "t", "--num-records", "1",
                  "--record-size", "1", "--group", "g"],
                 ["produce", "--bootstrap-server", "x:1", "--topic", "t", "--num-records", "0",
                  "--record-size", "1"]):
        r = perf(*args)
        assert r.rc == 2, r
        assert "skein-perf: " in r.stderr


def test_produce_consume_end_to_end(cluster):
    b = cluster.bootstrap
    topics("--bootstrap-server", b, "--create", "--topic", "perf-t", "--partitions", "3",
           "--replication-factor", "1", check=0)
    r = perf("produce", "--bootstrap-server", b, "--topic", "perf-t", "--num-records", "20000",
             "--record-size", "100", "--acks", "1", "--batch-size", "65536", "--linger-ms", "5",
             "--compression-type", "lz4", "--reporting-interval", "200", check=0)
    p = final_line(r)
    assert p["verb"] == "sent" and p["n"] == 20000 and p["rps"] > 0 and p["mbps"] >= 0
    assert partition_ends(b, "perf-t") == 20000

    r = perf("consume", "--bootstrap-server", b, "--topic", "perf-t", "--num-records", "20000",
             "--timeout-ms", "20000", check=0)
    p = final_line(r)
    assert p["verb"] == "received" and p["n"] == 20000
    # 20000 records of 100 bytes (no keys)
    assert p["mbps"] > 0

    r = perf("end-to-end", "--bootstrap-server", b, "--topic", "perf-t", "--num-records", "50",
             "--record-size", "64", "--acks", "all", check=0)
    p = final_line(r)
    assert p["verb"] == "round-tripped" and p["n"] == 50 and p["avg"] > 0
    assert partition_ends(b, "perf-t") == 20050


def test_throughput_limit(cluster):
    b = cluster.bootstrap
    topics("--bootstrap-server", b, "--create", "--topic", "perf-slow", "--partitions", "1",
           "--replication-factor", "1", check=0)
    r = perf("produce", "--bootstrap-server", b, "--topic", "perf-slow", "--num-records", "100",
             "--record-size", "10", "--throughput", "100", check=0)
    p = final_line(r)
    # 100 records at 100/s take about a second: the limit holds (generous upper bound)
    assert p["n"] == 100 and p["rps"] <= 130, r


def test_failures_exit_1(cluster):
    b = cluster.bootstrap
    r = perf("produce", "--bootstrap-server", b, "--topic", "perf-missing", "--num-records", "5",
             "--record-size", "10")
    assert r.rc == 1 and "does not exist" in r.stderr, r
    assert "perf-missing" not in metadata_topics(b)
    topics("--bootstrap-server", b, "--create", "--topic", "perf-few", "--partitions", "1",
           "--replication-factor", "1", check=0)
    perf("produce", "--bootstrap-server", b, "--topic", "perf-few", "--num-records", "10",
         "--record-size", "10", check=0)
    r = perf("consume", "--bootstrap-server", b, "--topic", "perf-few", "--num-records", "20",
             "--timeout-ms", "1000")
    assert r.rc == 1 and "only 10 of 20 records arrived" in r.stderr, r
    assert final_line(r)["n"] == 10
