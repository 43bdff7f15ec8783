"""skein-console-producer and skein-console-consumer against one real broker.

Records written by the producer are checked with an independent client
(kafka-python) and read back with the consumer; consumed bytes must equal produced
bytes. Consumer groups (--group) need issue 5 and are tested in
test_tools_cluster.py.
"""

import os
import random
import signal
import subprocess
import time

import pytest

from test_tools_helpers import H, metadata_topics, run, tool_path, topics, zk_connect


def produce(bootstrap, topic, data, *args, **kw):
    return run("skein-console-producer", "--bootstrap-server", bootstrap, "--topic", topic,
               *args, input=data, **kw)


def consume(bootstrap, topic, *args, **kw):
    return run("skein-console-consumer", "--bootstrap-server", bootstrap, "--topic", topic,
               *args, **kw)


def create(cluster, topic, partitions=1):
    topics("--bootstrap-server", cluster.bootstrap, "--create", "--topic", topic,
           "--partitions", partitions, "--replication-factor", "1", check=0)


def read_all(bootstrap, topic, n, timeout=30):
    """All records of topic with kafka-python: list of ConsumerRecord, n expected."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                      auto_offset_reset="earliest", consumer_timeout_ms=2000)
    try:
        parts = H.wait_for(lambda: c.partitions_for_topic(topic), 20, "partitions of " + topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=500).values():
                out.extend(recs)
        return out
    finally:
        c.close()


def random_lines(n, seed):
    rnd = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_=+*/\t"
    lines = []
    for i in range(n):
        size = rnd.choice([0, 1, 5, 40, 200, 3000])
        lines.append("%d|" % i + "".join(rnd.choice(alphabet) for _ in range(size)))
    lines.append("")            # an empty record
    lines.append("ünïcødé ✓")  # UTF-8 passes as bytes
    return lines


# ----------------------------------------------------------------- usage

def test_usage_errors_and_help():
    for tool in ("skein-console-producer", "skein-console-consumer"):
        r = run(tool, "--help", check=0)
        assert "--bootstrap-server" in r.stdout and "--topic" in r.stdout
        assert run(tool, "--topic", "t").rc == 2                       # no bootstrap
        assert run(tool, "--bootstrap-server", "x:1").rc == 2          # no topic
        r = run(tool, "--bootstrap-server", "x:1", "--topic", "t", "--property", "nope=1")
        assert r.rc == 2 and "unknown --property 'nope'" in r.stderr, r
        r = run(tool, "--bootstrap-server", "x:1", "--topic", "t", "--bogus")
        assert r.rc == 2 and "unknown option --bogus" in r.stderr
    r = run("skein-console-consumer", "--bootstrap-server", "x:1", "--topic", "t",
            "--offset", "5")
    assert r.rc == 2 and "partition is required" in r.stderr
    r = run("skein-console-consumer", "--bootstrap-server", "x:1", "--topic", "t",
            "--partition", "0", "--offset", "5", "--from-beginning")
    assert r.rc == 2
    r = run("skein-console-consumer", "--bootstrap-server", "x:1", "--topic", "t",
            "--include", "t.*")
    assert r.rc == 2
    r = run("skein-console-producer", "--bootstrap-server", "x:1", "--topic", "t",
            "--producer-property", "no.such.setting=1")
    assert r.rc == 2 and "no.such.setting" in r.stderr


# ----------------------------------------------------------------- round trips

def test_round_trip_bytes_equal(cluster):
    b = cluster.bootstrap
    create(cluster, "con-rt", 3)
    lines = random_lines(1500, seed=7)
    data = ("\n".join(lines) + "\n").encode()
    r = produce(b, "con-rt", data, check=0)
    assert r.stdout == "" and r.stderr == "", r

    # an independent client sees exactly the lines, as values without keys
    recs = read_all(b, "con-rt", len(lines))
    assert sorted(x.value for x in recs) == sorted(line.encode() for line in lines)
    assert all(x.key is None for x in recs)

    # the console consumer prints them back: same bytes
    r = consume(b, "con-rt", "--from-beginning", "--max-messages", len(lines),
                "--timeout-ms", "20000", check=0)
    assert "Processed a total of %d messages" % len(lines) in r.stderr
    assert len(r.out) == len(data)
    assert sorted(r.out.decode().split("\n")[:-1]) == sorted(lines)

    # per partition: contiguous offsets from 0, in production order
    r = consume(b, "con-rt", "--from-beginning", "--max-messages", len(lines),
                "--timeout-ms", "20000", "--property", "print.partition=true",
                "--property", "print.offset=true", check=0)
    seen = {}
    for line in r.stdout.split("\n")[:-1]:
        part, off, value = line.split("\t", 2)
        seen.setdefault(int(part[len("Partition:"):]), []).append((int(off[len("Offset:"):]), value))
    assert sum(len(v) for v in seen.values()) == len(lines)
    index = {line: i for i, line in enumerate(lines)}
    for p, recs in seen.items():
        assert [o for o, _ in recs] == list(range(len(recs))), "partition %d offsets" % p
        order = [index[v] for _, v in recs]
        assert order == sorted(order), "partition %d out of order" % p


def test_keys_headers_and_nulls(cluster):
    b = cluster.bootstrap
    create(cluster, "con-keys", 1)
    data = (b"k1:v1\n"
            b":empty-key\n"
            b"k2:\n"
            b"NULL:null-key\n"
            b"k3:NULL\n"
            b"k4:v:with:colons\n")
    produce(b, "con-keys", data, "--property", "parse.key=true", "--property",
            "key.separator=:", "--property", "null.marker=NULL", check=0)
    recs = read_all(b, "con-keys", 6)
    assert [(x.key, x.value) for x in recs] == [
        (b"k1", b"v1"), (b"", b"empty-key"), (b"k2", b""), (None, b"null-key"),
        (b"k3", None), (b"k4", b"v:with:colons")]
    r = consume(b, "con-keys", "--from-beginning", "--max-messages", "6", "--timeout-ms", "20000",
                "--property", "print.key=true", "--property", "key.separator=|", check=0)
    assert r.stdout.split("\n")[:-1] == [
        "k1|v1", "|empty-key", "k2|", "null|null-key", "k3|null", "k4|v:with:colons"]

    create(cluster, "con-hdr", 1)
    produce(b, "con-hdr", b"h1:a,h2:b\tkey\tvalue\nNULL\tk\tv2\n", "--property",
            "parse.headers=true", "--property", "parse.key=true", "--property",
            "null.marker=NULL", check=0)
    recs = read_all(b, "con-hdr", 2)
    assert [(x.headers, x.key, x.value) for x in recs] == [
        ([("h1", b"a"), ("h2", b"b")], b"key", b"value"), ([], b"k", b"v2")]
    r = consume(b, "con-hdr", "--from-beginning", "--max-messages", "2", "--timeout-ms", "20000",
                "--property", "print.headers=true", "--property", "print.key=true",
                "--property", "print.timestamp=true", check=0)
    lines = r.stdout.split("\n")[:-1]
    assert lines[0].startswith("CreateTime:")
    assert lines[0].split("\t", 1)[1] == "h1:a,h2:b\tkey\tvalue"
    assert lines[1].split("\t", 1)[1] == "NO_HEADERS\tk\tv2"
    ts = int(lines[0].split("\t")[0][len("CreateTime:"):])
    assert abs(ts - time.time() * 1000) < 600000


@pytest.mark.parametrize("acks,codec", [("0", "none"), ("1", "gzip"), ("-1", "snappy"),
                                        ("all", "lz4"), ("1", "zstd")])
def test_acks_and_compression(cluster, acks, codec):
    b = cluster.bootstrap
    topic = "con-ac-%s-%s" % (acks, codec)
    create(cluster, topic, 2)
    lines = ["%s-%s-%d-%s" % (acks, codec, i, "x" * (i % 97)) for i in range(500)]
    produce(b, topic, ("\n".join(lines) + "\n").encode(), "--acks", acks,
            "--compression-codec", codec, check=0)
    r = consume(b, topic, "--from-beginning", "--max-messages", len(lines), "--timeout-ms",
                "20000", check=0)
    assert sorted(r.stdout.split("\n")[:-1]) == sorted(lines)


def test_sync_mode_and_batch_options(cluster):
    b = cluster.bootstrap
    create(cluster, "con-sync", 1)
    produce(b, "con-sync", b"a\nb\nc\n", "--sync", "--batch-size", "16384", "--timeout", "5",
            "--request-timeout-ms", "10000", "--message-send-max-retries", "3", check=0)
    r = consume(b, "con-sync", "--from-beginning", "--max-messages", "3", "--timeout-ms", "20000",
                check=0)
    assert r.stdout == "a\nb\nc\n"


def test_partition_and_offset(cluster):
    b = cluster.bootstrap
    create(cluster, "con-po", 2)
    # keys pin records to partitions; find out where with kafka-python
    produce(b, "con-po", "".join("k%d:v%d\n" % (i % 4, i) for i in range(40)).encode(),
            "--property", "parse.key=true", "--property", "key.separator=:", check=0)
    recs = read_all(b, "con-po", 40)
    p1 = [x.value.decode() for x in sorted(recs, key=lambda x: x.offset) if x.partition == 1]
    assert p1, "no record in partition 1"
    r = consume(b, "con-po", "--partition", "1", "--offset", "earliest", "--max-messages",
                len(p1), "--timeout-ms", "20000", check=0)
    assert r.stdout.split("\n")[:-1] == p1
    r = consume(b, "con-po", "--partition", "1", "--offset", "2", "--max-messages",
                len(p1) - 2, "--timeout-ms", "20000", "--property", "print.offset=true",
                check=0)
    assert r.stdout.split("\n")[:-1] == ["Offset:%d\t%s" % (i + 2, v) for i, v in
                                         enumerate(p1[2:])]
    r = consume(b, "con-po", "--partition", "7", "--offset", "0", "--timeout-ms", "5000")
    assert r.rc == 1 and "no partition 7" in r.stderr, r


def test_default_starts_at_the_end(cluster):
    """Without --from-beginning only records produced after the start are printed."""
    b = cluster.bootstrap
    create(cluster, "con-latest", 1)
    produce(b, "con-latest", b"old\n", check=0)
    proc = subprocess.Popen([tool_path("skein-console-consumer"), "--bootstrap-server", b,
                             "--topic", "con-latest", "--max-messages", "1",
                             "--timeout-ms", "30000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        i = 0
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            produce(b, "con-latest", b"new-%d\n" % i, check=0)
            i += 1
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                pass
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.startswith(b"new-") and out.count(b"\n") == 1, out
    assert b"Processed a total of 1 messages" in err


def test_timeout_and_missing_topic(cluster):
    b = cluster.bootstrap
    create(cluster, "con-empty", 1)
    t0 = time.monotonic()
    r = consume(b, "con-empty", "--from-beginning", "--timeout-ms", "1500", check=0)
    assert r.stdout == "" and "Processed a total of 0 messages" in r.stderr
    assert time.monotonic() - t0 < 15
    # a topic that does not exist: wait for it (bounded by --timeout-ms), never create it
    r = consume(b, "con-never", "--timeout-ms", "1500", check=0)
    assert "waiting" in r.stderr and "Processed a total of 0 messages" in r.stderr
    assert "con-never" not in topics("--bootstrap-server", b, "--list", check=0).stdout.split()


def test_include_regex_without_group(cluster):
    b = cluster.bootstrap
    for t in ("con-inc-a", "con-inc-b"):
        create(cluster, t, 1)
        produce(b, t, (t + "\n").encode(), check=0)
    r = run("skein-console-consumer", "--bootstrap-server", b, "--include", "con-inc-.*",
            "--from-beginning", "--max-messages", "2", "--timeout-ms", "20000", check=0)
    assert sorted(r.stdout.split()) == ["con-inc-a", "con-inc-b"]


def test_sigint_stops_consumer_cleanly(cluster):
    b = cluster.bootstrap
    create(cluster, "con-sig", 1)
    produce(b, "con-sig", b"one\ntwo\n", check=0)
    proc = subprocess.Popen([tool_path("skein-console-consumer"), "--bootstrap-server", b,
                             "--topic", "con-sig", "--from-beginning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # wait until both records are printed, then interrupt
        got = b""
        deadline = time.monotonic() + 20
        os.set_blocking(proc.stdout.fileno(), False)
        while got.count(b"\n") < 2 and time.monotonic() < deadline:
            chunk = proc.stdout.read()
            if chunk:
                got += chunk
            time.sleep(0.05)
        assert got == b"one\ntwo\n"
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
        assert proc.returncode == 0
        assert b"Processed a total of 2 messages" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------- failures

def test_producer_reports_undelivered_records(cluster):
    b = cluster.bootstrap
    create(cluster, "con-big", 1)
    big = b"x" * (2 * 1024 * 1024)
    # the client would allow it; the broker's message.max.bytes refuses it
    r = produce(b, "con-big", b"small-1\n" + big + b"\nsmall-2\n", "--producer-property",
                "message.max.bytes=10000000", "--producer-property", "message.timeout.ms=20000",
                "--producer-property", "linger.ms=0", timeout=90)
    assert r.rc == 1, r
    assert "Error when sending message to topic con-big" in r.stderr
    assert "1 of 3 record(s) were not delivered" in r.stderr
    assert sorted(x.value for x in read_all(b, "con-big", 2)) == [b"small-1", b"small-2"]


def test_producer_stops_at_a_malformed_line(cluster):
    b = cluster.bootstrap
    create(cluster, "con-bad", 1)
    r = produce(b, "con-bad", b"a:1\nb:2\nno-separator\nc:3\n", "--property", "parse.key=true",
                "--property", "key.separator=:")
    assert r.rc == 1
    assert "No key separator found on line number 3: 'no-separator'" in r.stderr
    # what came before the bad line was delivered, nothing after it
    recs = read_all(b, "con-bad", 2)
    assert [(x.key, x.value) for x in recs] == [(b"a", b"1"), (b"b", b"2")]
    # ignore.error: the line becomes a value without key
    produce(b, "con-bad", b"no-separator\n", "--property", "parse.key=true", "--property",
            "key.separator=:", "--property", "ignore.error=true", check=0)
    recs = read_all(b, "con-bad", 3)
    assert (recs[-1].key, recs[-1].value) == (None, b"no-separator")


def test_producer_unreachable_broker_fails():
    port = H.free_port()
    r = produce("127.0.0.1:%d" % port, "t", b"x\n", "--producer-property",
                "message.timeout.ms=3000", timeout=60)
    assert r.rc == 1, r
    assert "were not delivered" in r.stderr


# ----------------------------------------------------------------- with skein-topics --zookeeper

def test_zookeeper_created_topic_is_usable(cluster):
    """skein-topics --zookeeper creates a topic the single broker takes over; the console
    tools then move data through it."""
    b = cluster.bootstrap
    topics("--zookeeper", zk_connect(cluster), "--create", "--topic", "con-zk", "--partitions",
           "2", "--replication-factor", "1", check=0)
    lines = ["zk-%d" % i for i in range(200)]

    def led():
        md = metadata_topics(b).get("con-zk")
        return md is not None and len(md) == 2 and all(v[0] == 0 for v in md.values())
    H.wait_for(led, 30, "the broker to lead both partitions of con-zk")
    produce(b, "con-zk", ("\n".join(lines) + "\n").encode(), check=0)
    r = consume(b, "con-zk", "--from-beginning", "--max-messages", len(lines), "--timeout-ms",
                "20000", check=0)
    assert sorted(r.stdout.split("\n")[:-1]) == sorted(lines)


def test_client_config_files(cluster, tmp_path):
    b = cluster.bootstrap
    create(cluster, "con-cfg", 1)
    pcfg = tmp_path / "producer.properties"
    # Kafka-style file: the Java serializer line is ignored with a warning
    pcfg.write_text("# producer settings\nacks=1\ncompression.type=gzip\n"
                    "value.serializer=org.apache.kafka.common.serialization.StringSerializer\n")
    r = produce(b, "con-cfg", b"from-config\n", "--producer.config", str(pcfg), check=0)
    assert "ignoring value.serializer" in r.stderr
    ccfg = tmp_path / "consumer.properties"
    ccfg.write_text("fetch.wait.max.ms=100\n")
    r = consume(b, "con-cfg", "--consumer.config", str(ccfg), "--from-beginning",
                "--max-messages", "1", "--timeout-ms", "20000", check=0)
    assert r.stdout == "from-config\n"
    bad = tmp_path / "bad.properties"
    bad.write_text("no.such.librdkafka.key=1\n")
    r = produce(b, "con-cfg", b"x\n", "--producer.config", str(bad))
    assert r.rc == 2 and "no.such.librdkafka.key" in r.stderr and "bad.properties:1" in r.stderr
