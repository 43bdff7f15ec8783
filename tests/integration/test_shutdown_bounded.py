"""Bounded shutdown (issue 13 part 4): SIGTERM ends a broker within
controlled.shutdown.max.retries x controlled.shutdown.retry.backoff.ms + 10 s, also when
ZooKeeper or the controller cannot be reached; a second SIGTERM skips the controlled shutdown.

Each test runs its own ZooKeeper (it is stopped here) and three brokers with RF 3 leaderships
spread over them, so every broker has partitions to move when it is asked to stop.
"""
import signal
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402

RETRIES = 3
BACKOFF_MS = 1000
BOUND_S = RETRIES * BACKOFF_MS / 1000.0 + 10
ALL = [0, 1, 2]


@pytest.fixture
def own(tmp_path, skeind_bin):
    zk = H.ZooKeeper(tmp_path / "zk")
    clusters = []

    def make():
        c = H.Cluster(3, tmp_path / "c", zk=zk, zookeeper_session_timeout_ms="6000",
                      controlled_shutdown_max_retries=str(RETRIES),
                      controlled_shutdown_retry_backoff_ms=str(BACKOFF_MS),
                      auto_create_topics_enable="false")
        clusters.append(c)
        H.wait_for(lambda: H.registered_ids(c) == ALL, 30, "three brokers registered")
        a = KafkaAdminClient(bootstrap_servers=c.bootstrap, request_timeout_ms=30000)
        try:
            a.create_topics([NewTopic("bounded", 6, 3)])
        finally:
            a.close()
        H.wait_for(lambda: all(sorted(H.partition_state(c, "bounded", p)["isr"]) == ALL
                               for p in range(6)), 30, "full ISRs")
        return c, zk
    yield make
    for c in clusters:
        for b in c.brokers:
            if b.running():
                b.resume()
        c.stop()
    zk.stop()


def term(b):
    b.proc.popen.send_signal(signal.SIGTERM)


def exit_within(b, seconds, what):
    t0 = time.monotonic()
    rc = b.proc.wait(seconds)
    took = time.monotonic() - t0
    assert rc is not None, "%s: broker %d still running %.1f s after SIGTERM" % (what, b.id, took)
    print("%s: broker %d exited with %s after %.1f s" % (what, b.id, rc, took))
    assert rc == 0, "%s: broker %d exit status %s" % (what, b.id, rc)
    return took


def test_sigterm_with_zookeeper_gone(own):
    """ZooKeeper stops; then every broker gets SIGTERM at once: each one exits in the bound."""
    c, zk = own()
    zk.stop()
    for b in c.brokers:
        term(b)
    for b in c.brokers:
        exit_within(b, BOUND_S, "ZooKeeper down")


def test_sigterm_with_controller_unreachable(own):
    """The controller is stopped (SIGSTOP, within its session): a broker that asks it for a
    controlled shutdown gets no answer, and still exits in the bound."""
    c, zk = own()
    ctl = H.controller_id(c)
    other = c.brokers[[i for i in ALL if i != ctl][0]]
    c.brokers[ctl].pause()
    try:
        term(other)
        exit_within(other, BOUND_S, "controller stopped")
    finally:
        c.brokers[ctl].resume()


def test_second_sigterm_skips_controlled_shutdown(own):
    """With the controller unreachable the first SIGTERM waits for it; a second one ends the
    broker at once."""
    c, zk = own()
    ctl = H.controller_id(c)
    other = c.brokers[[i for i in ALL if i != ctl][0]]
    c.brokers[ctl].pause()
    try:
        off = other.log_size()
        term(other)
        H.wait_for(lambda: "controlled shutdown attempt 1" in other.log_text()[off:], 10,
                   "the first controlled shutdown attempt")
        assert other.running()
        term(other)
        took = exit_within(other, 5, "second SIGTERM")
        assert took < 5
        assert "second signal" in other.log_text()[off:]
    finally:
        c.brokers[ctl].resume()
