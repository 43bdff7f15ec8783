"""Hostile or broken clients on raw sockets: the broker answers with an error or closes the
connection, logs exactly one line about it, and keeps serving everybody else."""

import random
import re
import socket
import struct

import pytest

import skein_harness as H
from clients import kcat_metadata, wait_topic_in_metadata
from kafka_wire import KafkaConn, Reader, i16, i32, record_batch, string

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (ERROR|WARN|INFO|DEBUG)\s")
CORRUPT_MESSAGE = 2
MESSAGE_TOO_LARGE = 10
UNSUPPORTED_VERSION = 35
TOPIC = "bad-input-t"
MESSAGE_MAX = 100000
REQUEST_MAX = 1048576


@pytest.fixture(scope="module")
def bcluster(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(1, tmp_path_factory.mktemp("badinput"), zk=zk, auto_create_topics_enable="true",
                  message_max_bytes=MESSAGE_MAX, socket_request_max_bytes=REQUEST_MAX)
    wait_topic_in_metadata(c.bootstrap, TOPIC, 1)
    yield c
    c.stop()


def log_lines(text):
    return [l for l in text.splitlines() if LOG_LINE.match(l)]


def barrier(c):
    """A full request/response on a fresh connection: everything the broker's loop did for
    earlier connections is done (and logged) when it returns."""
    with KafkaConn.to(c.bootstrap) as k:
        err, apis = k.api_versions()
        assert err == 0 and 18 in apis


@pytest.fixture(scope="module")
def baseline_lines(bcluster):
    """Log lines a well-behaved connection costs (expected 0 at log.level=info)."""
    barrier(bcluster)
    start = bcluster.broker(0).log_size()
    barrier(bcluster)
    return len(log_lines(bcluster.broker(0).log_since(start)))


class Case:
    """Run one bad-input scenario with the checks common to all of them."""

    def __init__(self, c, baseline):
        self.c = c
        self.b = c.broker(0)
        self.baseline = baseline

    def __enter__(self):
        self.good = KafkaConn.to(self.c.bootstrap)     # a client that was there before
        self.good.api_versions()
        self.start = self.b.log_size()
        self.bad = socket.create_connection(("127.0.0.1", self.b.port), timeout=10)
        return self

    def still_serving(self):
        md = self.good.metadata([TOPIC])
        assert md["topics"][TOPIC][0] == 0
        with KafkaConn.to(self.c.bootstrap) as k:
            assert k.metadata([TOPIC])["topics"][TOPIC][0] == 0

    def outcome(self, timeout=10):
        """'closed', or the bytes of the first complete response frame; fails when neither
        happens within timeout (the broker hangs on the bad connection)."""
        self.bad.settimeout(timeout)
        got = b""
        try:
            while True:
                if len(got) >= 4 and len(got) >= 4 + struct.unpack_from(">i", got)[0]:
                    return got
                b = self.bad.recv(65536)
                if not b:
                    return got if got else "closed"
                got += b
        except (ConnectionResetError, BrokenPipeError):
            return got if got else "closed"
        except socket.timeout:
            raise AssertionError("no response and no close within %ss (got %r)"
                                 % (timeout, got[:64])) from None

    def __exit__(self, et, ev, tb):
        try:
            self.bad.close()
        except OSError:
            pass
        if et is not None:
            self.good.close()
            return False
        self.still_serving()
        self.good.close()
        barrier(self.c)
        new = log_lines(self.b.log_since(self.start))
        assert self.b.running(), "broker died:\n" + "\n".join(new)
        assert len(new) - self.baseline == 1, \
            "expected exactly one log line about the bad input, got %d:\n%s" \
            % (len(new) - self.baseline, "\n".join(new))
        # other clients: kcat still lists the broker
        md = kcat_metadata(self.c.bootstrap)
        assert [br["id"] for br in md["brokers"]] == [0]
        return False


def _error_or_closed(out, corr):
    if out == "closed":
        return
    assert len(out) >= 8, "partial response %r" % out
    size, got_corr = struct.unpack_from(">ii", out, 0)
    assert got_corr == corr, "response with correlation id %d" % got_corr


def test_2gb_size_prefix_closes_connection(bcluster, baseline_lines):
    with Case(bcluster, baseline_lines) as t:
        t.bad.sendall(struct.pack(">I", 0x7FFFFFFF) + b"\x00\x03\x00\x01" + b"\x00" * 8)
        t.still_serving()          # during: the bad connection may still be open
        assert t.outcome() == "closed"


def test_negative_size_prefix_closes_connection(bcluster, baseline_lines):
    with Case(bcluster, baseline_lines) as t:
        t.bad.sendall(struct.pack(">i", -16) + b"\x00" * 16)
        assert t.outcome() == "closed"


def test_frame_over_socket_request_max_bytes_closes(bcluster, baseline_lines):
    with Case(bcluster, baseline_lines) as t:
        t.bad.sendall(struct.pack(">i", REQUEST_MAX + 1) + b"\x00\x03\x00\x01\x00\x00\x00\x07")
        assert t.outcome() == "closed"


def test_truncated_frame_then_close(bcluster, baseline_lines):
    with Case(bcluster, baseline_lines) as t:
        frame = i16(3) + i16(1) + i32(5) + string("trunc") + i32(-1)
        t.bad.sendall(i32(len(frame) + 100) + frame)   # promises 100 bytes more than sent
        t.still_serving()
        t.bad.shutdown(socket.SHUT_WR)
        assert t.outcome() == "closed"


def test_random_garbage(bcluster, baseline_lines):
    rnd = random.Random(42)
    junk = bytes(rnd.randrange(256) for _ in range(4096))
    with Case(bcluster, baseline_lines) as t:
        try:
            t.bad.sendall(junk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        t.still_serving()
        assert t.outcome() == "closed"


def test_garbage_body_in_valid_frame(bcluster, baseline_lines):
    rnd = random.Random(7)
    body = b"\x00\x03\x7f\x10" + i32(77) + bytes(rnd.randrange(256) for _ in range(200))
    with Case(bcluster, baseline_lines) as t:
        t.bad.sendall(i32(len(body)) + body)
        _error_or_closed(t.outcome(), 77)


def test_unknown_api_key(bcluster, baseline_lines):
    with Case(bcluster, baseline_lines) as t:
        frame = i16(999) + i16(0) + i32(1234) + string("unknown-api")
        t.bad.sendall(i32(len(frame)) + frame)
        _error_or_closed(t.outcome(), 1234)


def test_unsupported_version_of_known_api(bcluster, baseline_lines):
    with Case(bcluster, baseline_lines) as t:
        frame = i16(3) + i16(99) + i32(4321) + string("metadata-v99") + i32(-1)
        t.bad.sendall(i32(len(frame)) + frame)
        _error_or_closed(t.outcome(), 4321)


def test_apiversions_unsupported_version_gets_v0_error_reply(bcluster):
    with KafkaConn.to(bcluster.bootstrap) as k:
        frame = i16(18) + i16(9) + i32(99) + string("future-client") + b"\x00"
        k.send_raw(i32(len(frame)) + frame)
        r = Reader(k.recv_frame())
        assert r.i32() == 99
        assert r.i16() == UNSUPPORTED_VERSION
        keys = r.array(lambda: (r.i16(), r.i16(), r.i16()))
        assert any(key == 18 and lo == 0 and hi >= 3 for key, lo, hi in keys), keys
        # and the connection still works with a supported version
        err, _ = k.api_versions()
        assert err == 0


def test_produce_with_wrong_crc_is_corrupt_message(bcluster, baseline_lines):
    with KafkaConn.to(bcluster.bootstrap) as k:
        end_before = k.list_offsets(TOPIC, 0, -1)[2]
    with Case(bcluster, baseline_lines) as t:
        k = KafkaConn.__new__(KafkaConn)
        k.sock, k.client_id, k.corr = t.bad, "crc-test", 0
        batch = record_batch([(b"k", b"corrupted?", [("h", b"1")])], corrupt_crc=True)
        err, _ = k.produce(TOPIC, 0, batch, acks=1)
        assert err == CORRUPT_MESSAGE
    with KafkaConn.to(bcluster.bootstrap) as k:
        assert k.list_offsets(TOPIC, 0, -1)[2] == end_before
        # a good batch afterwards is appended at the same offset
        err, base = k.produce(TOPIC, 0, record_batch([(b"k", b"fine", [])]), acks=1)
        assert (err, base) == (0, end_before)
        assert k.list_offsets(TOPIC, 0, -1)[2] == end_before + 1
        err, _, recs = k.fetch(TOPIC, 0, end_before)
        assert [r["value"] for r in recs if r["offset"] >= end_before] == [b"fine"]


def test_produce_over_message_max_bytes_is_message_too_large(bcluster, baseline_lines):
    with KafkaConn.to(bcluster.bootstrap) as k:
        end_before = k.list_offsets(TOPIC, 0, -1)[2]
        big = record_batch([(None, b"x" * (MESSAGE_MAX + 10), [])])
        err, _ = k.produce(TOPIC, 0, big, acks=1)
        assert err == MESSAGE_TOO_LARGE
        assert k.list_offsets(TOPIC, 0, -1)[2] == end_before
