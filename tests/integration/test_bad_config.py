"""Bad configuration: skeind exits with status 2 and names the offending key, before it
starts anything (no ZooKeeper is running for these)."""

import re

import pytest

import skein_harness as H

BAD_VALUES = [
    ("log.segment.bytes", "abc"),
    ("log.segment.bytes", "10"),                # below Kafka's minimum of 14
    ("num.partitions", "0"),
    ("num.partitions", "1.5"),
    ("auto.create.topics.enable", "maybe"),
    ("broker.id", "zero"),
    ("broker.id", "-5"),
    ("listeners", "PLAINTEXT://127.0.0.1:99999"),
    ("listeners", "PLAINTEXT://127.0.0.1:port"),
    ("listeners", "nonsense"),
    ("zookeeper.connect", "127.0.0.1:notaport"),
    ("zookeeper.session.timeout.ms", "12x"),
    ("message.max.bytes", "-1"),
    ("socket.request.max.bytes", "lots"),
    ("log.flush.interval.messages", "0x10"),
    ("log.level", "loud"),
    ("log.cleaner.min.cleanable.ratio", "1.5"),
    ("log.cleaner.dedupe.buffer.size", "1000"),
    ("max.connections", "-1"),
    ("max.connections.per.ip", "many"),
    ("max.connections.per.ip.overrides", "127.0.0.1"),
    ("max.connections.per.ip.overrides", "127.0.0.1:-1"),
    ("max.connections.per.ip.overrides", "127.0.0.1:5,:7"),
    ("max.connections.per.ip.overrides", "host:1x"),
    ("connections.max.idle.ms", "0"),
    ("queued.max.request.bytes", "-2"),
    ("max.partitions.per.request", "0"),
]


def run_bad(tmp_path, overrides=None, extra_args=(), timeout=15):
    dead_zk = "127.0.0.1:%d/skein" % H.free_port()     # nothing listens there
    b = H.Broker(0, None, tmp_path, overrides=overrides, zk_connect=dead_zk, start=False)
    b.spawn(extra_args)
    rc = b.wait_exit(timeout)
    if rc is None:
        b.kill()
    return rc, b.log_text(current_run_only=True), b


@pytest.mark.parametrize("key,value", BAD_VALUES, ids=["%s=%s" % kv for kv in BAD_VALUES])
def test_bad_value_exits_2_naming_key(skeind_bin, tmp_path, key, value):
    rc, out, _ = run_bad(tmp_path, {key: value})
    assert rc is not None, "skeind kept running with %s=%s" % (key, value)
    assert rc == 2, "exit status %s for %s=%s; output:\n%s" % (rc, key, value, out)
    assert key in out, "message does not name %s:\n%s" % (key, out)


def test_missing_zookeeper_connect(skeind_bin, tmp_path):
    rc, out, _ = run_bad(tmp_path, {"zookeeper.connect": None})
    assert rc == 2, out
    assert "zookeeper.connect" in out, out


def test_missing_broker_id(skeind_bin, tmp_path):
    rc, out, _ = run_bad(tmp_path, {"broker.id": None})
    assert rc == 2, out
    assert "broker.id" in out, out


def test_bad_override_names_key(skeind_bin, tmp_path):
    rc, out, _ = run_bad(tmp_path, extra_args=["--override", "log.segment.bytes=huge"])
    assert rc == 2, out
    assert "log.segment.bytes" in out, out


def test_override_without_equals(skeind_bin, tmp_path):
    rc, out, _ = run_bad(tmp_path, extra_args=["--override", "log.segment.bytes"])
    assert rc == 2, out


def test_missing_config_file(skeind_bin, tmp_path):
    b = H.Broker(0, None, tmp_path, start=False)
    b.write_config = lambda: None          # do not write it
    b.config_path = tmp_path / "does-not-exist.properties"
    b.spawn()
    rc = b.wait_exit(15)
    out = b.log_text(current_run_only=True)
    assert rc == 2, out
    assert "does-not-exist.properties" in out, out


def test_no_arguments_is_usage_error(skeind_bin, tmp_path):
    import subprocess
    p = subprocess.run([skeind_bin], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=15)
    assert p.returncode == 2
    assert b"--config" in p.stdout


def test_unknown_key_is_a_warning_not_an_error(make_cluster):
    c = make_cluster(1, props={"no.such.kafka.key": "1"})
    b = c.broker(0)
    assert b.running()
    warn = [l for l in b.log_text().splitlines() if "no.such.kafka.key" in l]
    assert warn and "WARN" in warn[0], b.log_tail()


LOG_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (ERROR|WARN |INFO |DEBUG) "
                        r"\[broker (-?\d+)\] \[[A-Za-z0-9_.-]+\] \S")


def test_every_log_line_has_the_format_and_the_broker_id(make_cluster):
    """Issue: 'Logs: timestamp, level, broker id, one line per event' - also for the lines
    written while the config file is read (the unknown-key warning)."""
    c = make_cluster(1, props={"no.such.kafka.key": "1"})
    b = c.broker(0)
    bad = [l for l in b.log_text(current_run_only=True).splitlines()
           if not l.startswith("=== harness") and
           (not LOG_FORMAT.match(l) or LOG_FORMAT.match(l).group(2) != "0")]
    assert bad == [], "log lines without the format or with another broker id:\n" + "\n".join(bad)
