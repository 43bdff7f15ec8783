"""Self-tests of the harness: it must start ZooKeeper, detect readiness and stop what it started."""

import os
import time

import pytest

import skein_harness as H
from kafka_wire import crc32c, record_batch, parse_batches


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); check /proc state
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_wait_for_returns_value_and_times_out():
    assert H.wait_for(lambda: 42, 1, "constant") == 42
    t0 = time.monotonic()
    with pytest.raises(H.HarnessError, match="waiting for never true"):
        H.wait_for(lambda: False, 0.3, "never true")
    assert time.monotonic() - t0 >= 0.3

    def boom():
        raise RuntimeError("inner detail")
    with pytest.raises(H.HarnessError, match="inner detail"):
        H.wait_for(boom, 0.2, "boom")


def test_free_ports_are_distinct_and_bindable():
    ports = {H.free_port() for _ in range(20)}
    assert len(ports) == 20
    assert not any(H.port_accepts(p) for p in list(ports)[:5])


def test_zookeeper_starts_answers_and_stops(tmp_path):
    z = H.ZooKeeper(tmp_path / "zk")
    try:
        assert z.four_letter("ruok") == "imok"
        assert "Zookeeper version" in z.four_letter("srvr")
        c = z.client()
        c.create("/harness-check", b"x")
        assert c.get("/harness-check")[0] == b"x"
        pid = z.proc.pid
        assert _pid_alive(pid)
    finally:
        z.stop()
    H.wait_for(lambda: not _pid_alive(pid), 10, "zookeeper pid %d to be gone" % pid)
    assert not H.port_accepts(z.port)


def test_chrooted_client_sees_only_its_subtree(zk):
    chroot = "/harness-chroot-%d" % H.free_port()      # unique even if the test runs twice
    root = zk.client()
    root.ensure_path(chroot)
    sub = zk.client(chroot)
    sub.create("/x", b"1")
    assert root.get(chroot + "/x")[0] == b"1"
    assert sub.get_children("/") == ["x"]


def test_broker_with_missing_binary_fails_clearly(zk, tmp_path):
    with pytest.raises(H.HarnessError, match="missing or not executable"):  # noqa: PT012
        H.Broker(0, zk, tmp_path, binary=str(tmp_path / "nope"))


def test_broker_startup_failure_is_reported_with_log(zk, tmp_path):
    # a "broker" that exits at once: the harness must report the exit, not wait 30 s
    fake = tmp_path / "fake-skeind"
    fake.write_text("#!/bin/sh\necho 'fake broker giving up' >&2\nexit 3\n")
    fake.chmod(0o755)
    t0 = time.monotonic()
    with pytest.raises(H.HarnessError, match="exited with status 3") as ei:
        H.Broker(0, zk, tmp_path / "b", binary=str(fake), ready_timeout=20)
    assert "fake broker giving up" in str(ei.value)
    assert time.monotonic() - t0 < 10


def test_stop_kills_a_process_that_ignores_sigterm(zk, tmp_path):
    fake = tmp_path / "stubborn"
    marker = tmp_path / "trap-set"
    fake.write_text("#!/bin/sh\ntrap '' TERM\ntouch %s\nwhile :; do sleep 1; done\n" % marker)
    fake.chmod(0o755)
    b = H.Broker(0, zk, tmp_path / "b", binary=str(fake), start=False)
    b.spawn()
    pid = b.pid
    H.wait_for(marker.exists, 10, "the stub to ignore SIGTERM")
    rc = b.stop(timeout=1)
    assert rc == -9
    assert not _pid_alive(pid)


def test_crc32c_and_batch_codec_roundtrip():
    assert crc32c(b"123456789") == 0xE3069283
    recs = [(b"k%d" % i, b"v" * i, [("h", b"x"), ("n", None)], 1000 + i) for i in range(5)]
    b = bytearray(record_batch(recs, base_timestamp=1000))
    b[0:8] = (7).to_bytes(8, "big")
    out = parse_batches(bytes(b))
    assert [r["offset"] for r in out] == [7, 8, 9, 10, 11]
    assert out[3]["key"] == b"k3" and out[3]["value"] == b"vvv"
    assert out[4]["timestamp"] == 1004
    assert out[0]["headers"] == [("h", b"x"), ("n", None)]
    # CRC covers attributes..end
    assert int.from_bytes(b[17:21], "big") == crc32c(bytes(b[21:]))
