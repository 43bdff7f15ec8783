"""Log-dir failure (issue 12 part 2), the broker's side: one of a broker's two log dirs is an
ext4 filesystem on a loop device that the test makes fail (its backing store refuses every
write: FailingDisk), so that fsync there fails as on a dying disk.

- the first failed fsync takes that dir OFFLINE (one ERROR line), never moving the recovery
  point; its partition then answers produce and fetch with KAFKA_STORAGE_ERROR;
- the broker writes /log_dir_event_notification/log_dir_event_<seq> with Kafka's JSON, which
  the controller reads and deletes;
- the other dir keeps serving: produce and consume there go on;
- /metrics counts the offline dir;
- a broker whose only dir fails shuts down by itself (exit status 1, deregistered).

- with two brokers under an acks=all producer, the controller moves the failed replica's
  leadership to the other broker and takes it out of the ISR within seconds, and Metadata
  (v5+) lists the replica in offline_replicas; no acknowledged record lost, the other dir's
  partition untouched.

- on faultfs (tests/harness/faultfs.c, a FUSE filesystem that starts answering EIO when told),
  a write's EIO, a read's EIO (a Fetch scanning the segment) and sendfile's EIO (the kernel
  reading the segment for a Fetch answer) each take the dir offline the same way; a TLS
  consumer of a partition whose pages the kernel cannot read no longer kills the broker (the
  records of an SSL answer are read, not mapped: a failed read is an error, not a SIGBUS), and
  such a read's EIO takes the dir offline as sendfile's does.

Needs root, losetup and mkfs.ext4; the faultfs tests need /dev/fuse and the faultfs helper
(built where libfuse3-dev is installed)."""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

import skein_harness as H
from ackcheck import AckChecker
from clients import (KCAT, DeliveryLog, cf_produce, cf_producer, kcat, kp_consume_all,
                     kp_partition_metadata, wait_topic_in_metadata)
from test_tls import certs, kcat_ssl, pem_props, tls_broker  # noqa: F401 (certs: a fixture)

KAFKA_STORAGE_ERROR = 56
SECTORS = (48 << 20) // 512

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("losetup", "mkfs.ext4")),
    reason="a failing loop device needs root (tmpfs and loop mounts), losetup and mkfs.ext4")


def run(*argv):
    return subprocess.run(list(argv), check=True, capture_output=True, text=True).stdout.strip()


class FailingDisk:
    """An ext4 filesystem on a loop device whose backing file lives, sparse, on a tmpfs of its
    own; fail() fills that tmpfs, so that every write the loop device passes on fails (the
    kernel logs 'Buffer I/O error on device loopN') and fsync on the ext4 fails. (This kernel
    has no device-mapper driver, so no dm `error` target.)"""

    def __init__(self, base, name):
        self.back = base / (name + "-back")
        self.back.mkdir()
        self.mnt = base / name
        self.mnt.mkdir()
        self.loop = None
        try:
            run("mount", "-t", "tmpfs", "-o", "size=%d" % (SECTORS * 512 + (8 << 20)), "tmpfs",
                str(self.back))
            self.img = self.back / "disk.img"
            with open(self.img, "wb") as f:
                f.truncate(SECTORS * 512)
            self.loop = run("losetup", "-f", "--show", str(self.img))
            run("mkfs.ext4", "-q", "-F", self.loop)
            run("mount", self.loop, str(self.mnt))
        except BaseException:
            self.remove()  # nothing left behind by a set-up that failed halfway
            raise

    def fail(self):
        with open(self.back / "fill", "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
            except OSError:
                pass

    def remove(self):
        subprocess.run(["umount", "-l", str(self.mnt)], capture_output=True)
        if self.loop:
            subprocess.run(["losetup", "-d", self.loop], capture_output=True)
        subprocess.run(["umount", "-l", str(self.back)], capture_output=True)


@pytest.fixture
def disk(tmp_path):
    d = FailingDisk(tmp_path, "ldf")
    yield d
    d.remove()


def offline_line(b, what="fsync"):
    return re.search(r"log dir (\S+): %s failed in \S+: ([^;]+); its partitions "
                     r"answer KAFKA_STORAGE_ERROR: ONLINE -> OFFLINE" % what,
                     b.log_text(current_run_only=True))


def notifications(c):
    return c.zk_client().get_children("/log_dir_event_notification")


def test_failed_dir_goes_offline_other_keeps_serving(zk, skeind_bin, disk, tmp_path):
    good = str(tmp_path / "good")
    bad = str(disk.mnt / "logs")
    port = H.free_port()
    c = H.cluster_with_broker_overrides(
        1, tmp_path / "cluster", zk=zk,
        per_broker={0: {"log.dirs": good + "," + bad,
                        "metrics.listener": "http://127.0.0.1:%d" % port}})
    try:
        b = c.brokers[0]
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        # flush.messages=1: every append is fsynced, so the dead disk shows at the next one
        admin.create_topics([NewTopic("jbod", num_partitions=2, replication_factor=1,
                                      config={"flush.messages": "1"})])["jbod"].result(30)
        wait_topic_in_metadata(c.bootstrap, "jbod", 2)
        on_bad = [p for p in (0, 1) if os.path.isdir(os.path.join(bad, "jbod-%d" % p))]
        assert len(on_bad) == 1, os.listdir(bad)
        pb, pg = on_bad[0], 1 - on_bad[0]
        before = DeliveryLog()
        p = cf_producer(c.bootstrap, acks="all")
        for part in (pb, pg):
            cf_produce(p, "jbod", [(None, b"before-%d-%d" % (part, i)) for i in range(50)],
                       before, partition=part)
        assert not before.errors and len(before.ok) == 100

        disk.fail()
        # produce to the failing dir's partition until the dir is offline
        failed = DeliveryLog()
        fp = cf_producer(c.bootstrap, acks="all", retries=0)
        H.wait_for(lambda: (cf_produce(fp, "jbod", [(None, b"x")], failed, partition=pb)
                            and offline_line(b)), 20, "the failing dir offline")
        assert offline_line(b).group(1) == bad
        codes = {e.code() for e, _, _ in failed.errors}
        fresh = DeliveryLog()
        cf_produce(fp, "jbod", [(None, b"after")], fresh, partition=pb)
        assert [e.code() for e, _, _ in fresh.errors] == [KAFKA_STORAGE_ERROR], (fresh.errors,
                                                                                  codes)
        # the other dir keeps serving
        good_log = DeliveryLog()
        cf_produce(p, "jbod", [(None, b"after-%d" % i) for i in range(50)], good_log, partition=pg)
        assert not good_log.errors and len(good_log.ok) == 50
        recs = kp_consume_all(c.bootstrap, "jbod", [pg], timeout=60)
        assert [r.value for r in recs[pg]] == [b"before-%d-%d" % (pg, i) for i in range(50)] + \
            [b"after-%d" % i for i in range(50)]
        # a fetch from the offline dir's partition: KAFKA_STORAGE_ERROR
        from kafka import KafkaConsumer, TopicPartition
        from kafka.errors import KafkaError
        kc = KafkaConsumer(bootstrap_servers=c.bootstrap, group_id=None,
                           enable_auto_commit=False)
        kc.assign([TopicPartition("jbod", pb)])
        kc.seek(TopicPartition("jbod", pb), 0)
        got = kc.poll(timeout_ms=3000)
        kc.close()
        assert not got.get(TopicPartition("jbod", pb))
        # the controller is told, in Kafka's JSON, and deletes the notification once read
        pat = re.compile(r"log dir failure notified to the controller: "
                         r"/log_dir_event_notification/(log_dir_event_\d{10}) (\{.*\})")
        m = H.wait_for(lambda: pat.search(b.log_text(current_run_only=True)), 10,
                       "the log dir event notification written")
        assert json.loads(m.group(2)) == {"version": 1, "broker": 0, "event": 1}
        H.wait_for(lambda: "log dir event notification(s) (first %s)" % m.group(1)
                   in b.log_text(current_run_only=True), 10, "the controller to read it")
        H.wait_for(lambda: notifications(c) == [], 10, "the notification deleted")
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read()
        assert b"\nkafka_log_logmanager_offlinelogdirectorycount 1\n" in body
        assert ('kafka_log_logmanager_logdirectoryoffline{logdirectory="%s"} 1' % bad).encode() \
            in body
        assert b.proc.returncode() is None, "the broker stopped with a dir still online"
    finally:
        c.stop()


def test_last_dir_failing_stops_the_broker(zk, skeind_bin, disk, tmp_path):
    c = H.cluster_with_broker_overrides(
        1, tmp_path / "cluster", zk=zk, per_broker={0: {"log.dirs": str(disk.mnt / "logs")}})
    try:
        b = c.brokers[0]
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        admin.create_topics([NewTopic("only", num_partitions=1, replication_factor=1,
                                      config={"flush.messages": "1"})])["only"].result(30)
        wait_topic_in_metadata(c.bootstrap, "only", 1)
        disk.fail()
        fp = cf_producer(c.bootstrap, acks="all", retries=0, **{"message.timeout.ms": 3000})
        dl = DeliveryLog()

        def stopped():
            if b.proc.returncode() is not None:
                return True
            try:
                cf_produce(fp, "only", [(None, b"x")], dl, timeout=5)
            except H.HarnessError:
                pass
            return False
        H.wait_for(stopped, 30, "the broker to stop after its last log dir failed")
        assert b.proc.returncode() == 1
        text = b.log_text(current_run_only=True)
        assert "every log dir is offline: shutting down" in text
        assert c.zk_client().exists("/brokers/ids/0") is None
    finally:
        c.stop()


def test_controller_moves_leadership_off_the_failed_dir(zk, skeind_bin, disk, tmp_path):
    """Two brokers, an RF 2 topic led by broker 0 whose partition 1 lives in broker 0's failing
    dir, under an acks=all producer: the controller, told by the notification, learns from
    broker 0's LeaderAndIsr answer that the replica is offline, makes broker 1 leader and takes
    broker 0 out of the ISR within seconds, and both brokers' Metadata list that replica in
    offline_replicas; partition 0 (the other dir) stays with broker 0; no acknowledged record is
    lost."""
    good = str(tmp_path / "good")
    bad = str(disk.mnt / "logs")
    c = H.cluster_with_broker_overrides(
        2, tmp_path / "cluster", zk=zk, start_order=[0, 1],
        per_broker={0: {"log.dirs": good + "," + bad}})
    try:
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        admin.create_topics([NewTopic("moved", num_partitions=2, replica_assignment=[[0, 1], [0, 1]],
                                      config={"flush.messages": "1"})])["moved"].result(30)
        wait_topic_in_metadata(c.bootstrap, "moved", 2)
        pb = [p for p in (0, 1) if os.path.isdir(os.path.join(bad, "moved-%d" % p))]
        assert len(pb) == 1, os.listdir(bad)
        pb = pb[0]
        pg = 1 - pb

        def state(p):
            return c.zk_json("/brokers/topics/moved/partitions/%d/state" % p)
        H.wait_for(lambda: all(state(p)["isr"] == [0, 1] for p in (0, 1)), 20, "ISR [0, 1]")
        chk = AckChecker(c.bootstrap, "moved", partitions=2, interval=0.002,
                         producer_conf={"enable.idempotence": True})
        chk.start()
        try:
            chk.wait_more_acks(100, timeout=30, what="acks before the failure")
            disk.fail()
            t0 = time.monotonic()
            H.wait_for(lambda: state(pb)["leader"] == 1 and state(pb)["isr"] == [1], 20,
                       "partition %d led by broker 1 with ISR [1]" % pb)
            took = time.monotonic() - t0
            print("partition %d: leadership moved %.2f s after the disk failed" % (pb, took))
            assert took < 10, took
            assert state(pg)["leader"] == 0 and state(pg)["isr"] == [0, 1]
            # every broker's Metadata (v5+, kafka-python's client) lists the replica in the
            # failed dir as offline, as Kafka's does; the other dir's partition has none
            for b in c.brokers:
                H.wait_for(lambda: kp_partition_metadata(b.bootstrap, "moved")[pb]["offline"]
                           == [0], 10, "broker %d's Metadata to list replica 0 of partition %d "
                           "offline" % (b.id, pb))
                md = kp_partition_metadata(b.bootstrap, "moved")
                assert md[pb]["leader"] == 1 and md[pb]["isr"] == [1], md
                assert md[pg]["offline"] == [] and md[pg]["isr"] == [0, 1], md
            chk.wait_more_acks(100, timeout=30, what="acks after the failure")
        finally:
            report = chk.verify(c.bootstrap)
        assert report["failed"] == 0 and report["duplicates"] == 0, report["failed_by_error"]
        assert c.brokers[0].proc.returncode() is None
        text = c.brokers[0].log_text(current_run_only=True) + \
            c.brokers[1].log_text(current_run_only=True)
        assert re.search(r"partition moved-%d: replica on broker 0 is offline" % pb, text)
    finally:
        c.stop()


# --------------------------------------------------------------------------- faultfs (FUSE)

def faultfs_path():
    return os.path.join(os.path.dirname(H.skeind_path()), "tests", "harness", "faultfs")


needs_faultfs = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/dev/fuse") or
    not os.access(faultfs_path(), os.X_OK),
    reason="faultfs needs root, /dev/fuse and the faultfs helper (built where libfuse3-dev is "
           "installed: scripts/install-deps.sh)")


class FaultFS:
    """tests/harness/faultfs: base/<name> shows base/<name>-back until fail_writes() or
    fail_reads() makes its operations answer EIO."""

    def __init__(self, base, name, fail_page_reads=False):
        self.back = base / (name + "-back")
        self.back.mkdir()
        self.mnt = base / name
        self.mnt.mkdir()
        argv = [faultfs_path()]
        if fail_page_reads:
            argv.append("--fail-page-reads")
        self.log = open(base / (name + ".log"), "wb")
        self.proc = subprocess.Popen(argv + [str(self.back), str(self.mnt)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        try:
            H.wait_for(lambda: self.proc.poll() is not None or os.path.ismount(self.mnt), 10,
                       "faultfs mounted on %s" % self.mnt)
            if not os.path.ismount(self.mnt):
                raise H.HarnessError("faultfs exited %s: %s" % (
                    self.proc.returncode, (base / (name + ".log")).read_text()))
        except BaseException:
            self.remove()
            raise

    def fail_writes(self):
        self.proc.send_signal(signal.SIGUSR1)

    def fail_reads(self):
        self.proc.send_signal(signal.SIGUSR2)

    def remove(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        subprocess.run(["umount", "-l", str(self.mnt)], capture_output=True)
        self.log.close()


def jbod_broker(tmp_path, zk, bad, port):
    """One broker with two log dirs, the second one `bad`, and a topic whose two partitions
    land one in each; returns (cluster, partition in bad, partition in the good dir)."""
    good = str(tmp_path / "good")
    c = H.cluster_with_broker_overrides(
        1, tmp_path / "cluster", zk=zk,
        per_broker={0: {"log.dirs": good + "," + bad,
                        "metrics.listener": "http://127.0.0.1:%d" % port}})
    try:
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        admin.create_topics([NewTopic("jbod", num_partitions=2,
                                      replication_factor=1)])["jbod"].result(30)
        wait_topic_in_metadata(c.bootstrap, "jbod", 2)
        on_bad = [p for p in (0, 1) if os.path.isdir(os.path.join(bad, "jbod-%d" % p))]
        assert len(on_bad) == 1, os.listdir(bad)
        return c, on_bad[0], 1 - on_bad[0]
    except BaseException:
        c.stop()
        raise


def assert_offline_and_other_dir_serves(c, port, bad, pb, pg, what, acked_good):
    """The dir went offline for `what` with EIO (one line), /metrics counts it, the controller
    took the replica out (Metadata: no leader, replica 0 offline; a produce to it would get
    KAFKA_STORAGE_ERROR before that and no leader after, so none is asserted here), and the
    other dir's partition takes and serves records."""
    b = c.brokers[0]
    m = H.wait_for(lambda: offline_line(b, what), 20, "the dir offline after a %s EIO" % what)
    assert m.group(1) == bad and m.group(2) == "Input/output error", m.group(0)
    text = b.log_text(current_run_only=True)
    assert len(re.findall(r"ONLINE -> OFFLINE", text)) == 1, text[-3000:]
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read()
    assert b"\nkafka_log_logmanager_offlinelogdirectorycount 1\n" in body
    H.wait_for(lambda: kp_partition_metadata(c.bootstrap, "jbod")[pb]["offline"] == [0], 10,
               "Metadata to list the replica in the failed dir offline")
    md = kp_partition_metadata(c.bootstrap, "jbod")
    assert md[pb]["leader"] == -1 and md[pg]["leader"] == 0 and md[pg]["offline"] == [], md
    fp = cf_producer(c.bootstrap, acks="all", retries=0)
    good_log = DeliveryLog()
    cf_produce(fp, "jbod", [(None, b"good-after-%d" % i) for i in range(20)], good_log,
               partition=pg)
    assert not good_log.errors and len(good_log.ok) == 20
    recs = kp_consume_all(c.bootstrap, "jbod", [pg], timeout=60)
    assert [r.value for r in recs[pg]] == acked_good + [b"good-after-%d" % i for i in range(20)]
    assert b.proc.returncode() is None, "the broker stopped with a dir still online"


@contextlib.contextmanager
def faultfs_broker(zk, tmp_path, fail_page_reads=False):
    """A jbod_broker whose second dir is on faultfs: yields (faultfs, cluster, metrics port,
    bad dir, partition in it, partition in the good dir); stops both after."""
    ffs = FaultFS(tmp_path, "ffs", fail_page_reads=fail_page_reads)
    port = H.free_port()
    bad = str(ffs.mnt / "logs")
    c = None
    try:
        c, pb, pg = jbod_broker(tmp_path, zk, bad, port)
        yield ffs, c, port, bad, pb, pg
    finally:
        if c:
            c.stop()
        ffs.remove()


def produce_to_both(c, pb, pg, value, n):
    """n records value(partition, i) to each partition, acks=all, every one acknowledged;
    returns the good dir's values."""
    p = cf_producer(c.bootstrap, acks="all")
    before = DeliveryLog()
    for part in (pb, pg):
        cf_produce(p, "jbod", [(None, value(part, i)) for i in range(n)], before, partition=part)
    assert not before.errors and len(before.ok) == 2 * n
    return [value(pg, i) for i in range(n)]


@needs_faultfs
def test_write_eio_takes_the_dir_offline(zk, skeind_bin, tmp_path):
    """A write that fails with EIO (no fsync involved: flush.messages is the default) takes
    the dir offline; nothing acknowledged in it is lost before the failure."""
    with faultfs_broker(zk, tmp_path) as (ffs, c, port, bad, pb, pg):
        good = produce_to_both(c, pb, pg, lambda part, i: b"before-%d-%d" % (part, i), 30)
        ffs.fail_writes()
        failed = DeliveryLog()
        cf_produce(cf_producer(c.bootstrap, acks="all", retries=0), "jbod",
                   [(None, b"during")], failed, partition=pb)
        assert [e.code() for e, _, _ in failed.errors] == [KAFKA_STORAGE_ERROR], failed.errors
        assert_offline_and_other_dir_serves(c, port, bad, pb, pg, "write", good)


@needs_faultfs
@pytest.mark.parametrize("what", ["read", "sendfile"])
def test_read_eio_takes_the_dir_offline(zk, skeind_bin, tmp_path, what):
    """A consumer's Fetch whose records cannot be read takes the dir offline, as a write
    error does: 'read' fails every read, so the broker's own scan of the segment fails;
    'sendfile' fails only the kernel's page reads, so the scan (direct I/O, of a segment not a
    whole number of pages long) succeeds and the kernel's read for sendfile fails (the
    connection drops; the broker reads the range again to tell a disk from a socket)."""
    with faultfs_broker(zk, tmp_path, fail_page_reads=what == "sendfile") as \
            (ffs, c, port, bad, pb, pg):
        good = produce_to_both(c, pb, pg, lambda part, i: b"%d-%d-" % (part, i) + b"v" * 1000,
                               10)
        seg = os.path.join(bad, "jbod-%d" % pb, "%020d.log" % 0)
        if os.path.getsize(seg) % 4096 == 0:  # a read of it all would look like a page read
            cf_produce(cf_producer(c.bootstrap), "jbod", [(None, b"one more")], DeliveryLog(),
                       partition=pb)
        assert os.path.getsize(seg) % 4096 != 0
        ffs.fail_reads()
        from kafka import KafkaConsumer, TopicPartition
        kc = KafkaConsumer(bootstrap_servers=c.bootstrap, group_id=None,
                           enable_auto_commit=False)
        try:
            kc.assign([TopicPartition("jbod", pb)])
            kc.seek(TopicPartition("jbod", pb), 0)
            H.wait_for(lambda: kc.poll(timeout_ms=200) is not None and offline_line(c.brokers[0],
                                                                                    what),
                       20, "a %s EIO to take the dir offline" % what)
        finally:
            kc.close()
        assert_offline_and_other_dir_serves(c, port, bad, pb, pg, what, good)


@contextlib.contextmanager
def tls_faultfs_broker(zk, tmp_path, certs):
    """One broker with PLAINTEXT and SSL listeners and a second log dir on faultfs
    --fail-page-reads, and a topic whose two partitions land one in each dir: yields
    (faultfs, broker, bad dir, partition in it, partition in the good dir); stops both after."""
    ffs = FaultFS(tmp_path, "ffs", fail_page_reads=True)
    b = None
    try:
        good_dir, bad = str(tmp_path / "good"), str(ffs.mnt / "logs")
        b = tls_broker(zk, tmp_path, certs, pem_props(certs),
                       extra={"log.dirs": good_dir + "," + bad})
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic("jbod", num_partitions=2,
                                      replication_factor=1)])["jbod"].result(30)
        wait_topic_in_metadata(b.bootstrap, "jbod", 2)
        pb = [p for p in (0, 1) if os.path.isdir(os.path.join(bad, "jbod-%d" % p))]
        assert len(pb) == 1, os.listdir(bad)
        yield ffs, b, bad, pb[0], 1 - pb[0]
    finally:
        if b:
            b.stop()
        ffs.remove()


def assert_offline_while_tls_consuming(b, certs, bad, pb, what, kcat_args):
    """While kcat (kcat_args) consumes partition pb of jbod over TLS, the dir `bad` goes
    offline for `what` with EIO, in one line, and the broker lives on."""
    kc = subprocess.Popen([KCAT, "-C", "-b", b.tls_bootstrap, "-t", "jbod", "-p", str(pb), "-q"]
                          + kcat_args + kcat_ssl(certs), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        m = H.wait_for(lambda: b.proc.returncode() is not None or offline_line(b, what), 20,
                       "the dir offline after a %s EIO" % what)
    finally:
        kc.kill()
        kc.wait(10)
    assert b.proc.returncode() is None, "the broker died (status %s)" % b.proc.returncode()
    assert m.group(1) == bad and m.group(2) == "Input/output error", m.group(0)
    assert len(re.findall(r"ONLINE -> OFFLINE", b.log_text(current_run_only=True))) == 1


@needs_faultfs
def test_tls_fetch_of_unreadable_pages_does_not_crash_the_broker(zk, skeind_bin, tmp_path,
                                                                   certs):
    """On an SSL listener a Fetch answer's records cannot go out with sendfile: libevent
    copies them for SSL_write. It used to map the segment, so a page the kernel could not read
    was a SIGBUS that killed the broker. With the kernel's page reads failing (faultfs
    --fail-page-reads), a TLS consumer of the faulty dir's partition gets its records (read
    with read(), which the disk answers), and the broker goes on serving both partitions over
    TLS; once the broker's own reads fail too, the dir goes offline as over plain TCP and the
    other partition is still served over TLS."""
    with tls_faultfs_broker(zk, tmp_path, certs) as (ffs, b, bad, pb, pg):
        values = {part: [b"%d-%d-" % (part, i) + b"v" * 1000 for i in range(10)]
                  for part in (pb, pg)}
        p = cf_producer(b.bootstrap, acks="all")
        log = DeliveryLog()
        for part in (pb, pg):
            cf_produce(p, "jbod", [(None, v) for v in values[part]], log, partition=part)
        assert not log.errors and len(log.ok) == 20
        seg = os.path.join(bad, "jbod-%d" % pb, "%020d.log" % 0)
        assert os.path.getsize(seg) % 4096 != 0  # whole pages: the direct read would fail too
        ffs.fail_reads()

        def consume(part):
            p = kcat(["-C", "-b", b.tls_bootstrap, "-t", "jbod", "-p", str(part), "-o",
                      "beginning", "-c", "10", "-e", "-q", "-f", "%s\\n"] + kcat_ssl(certs),
                     timeout=20, check=False)
            assert b.proc.returncode() is None, \
                "the broker died (status %s) serving a TLS Fetch" % b.proc.returncode()
            assert p.returncode == 0, p.stderr[-2000:]
            return p.stdout.split(b"\n")[:-1]

        assert consume(pb) == values[pb]
        assert consume(pg) == values[pg]
        # 330 KB more: the broker's own scan of the segment now reads 16 KiB from a page
        # offset, whole pages, which fail; the dir goes offline (one line) while the TLS
        # consumer fetches, and the broker keeps serving the other partition over TLS.
        big = [b"big-%d-" % i + b"b" * 8000 for i in range(40)]
        cf_produce(p, "jbod", [(None, v) for v in big], log, partition=pb)
        assert not log.errors and len(log.ok) == 60
        assert_offline_while_tls_consuming(b, certs, bad, pb, "read", ["-o", "beginning"])
        assert consume(pg) == values[pg]


@needs_faultfs
def test_tls_read_eio_takes_the_dir_offline(zk, skeind_bin, tmp_path, certs):
    """When the read libevent makes of a TLS Fetch answer's records fails with EIO (and the
    broker's own scan of the segment does not), the range is read again as after a failed
    sendfile, and the dir goes offline with one line naming the TLS read. Batches filling
    [0, 4096), then [4096, 8192), then a few bytes: the broker's scan (up to 16 KiB from an
    index entry) never reads whole pages only, while a fetch from offset 2 limited to 4096
    bytes reads exactly the page [4096, 8192), which faultfs --fail-page-reads fails."""
    with tls_faultfs_broker(zk, tmp_path, certs) as (ffs, b, bad, pb, pg):
        seg = os.path.join(bad, "jbod-%d" % pb, "%020d.log" % 0)
        p = cf_producer(b.bootstrap, acks="all")
        log = DeliveryLog()
        cf_produce(p, "jbod", [(None, b"x" * 3000)], log, partition=pb)
        overhead = os.path.getsize(seg) - 3000  # a batch of one record, beyond its value
        for v in (b"y" * (4096 - 3000 - 2 * overhead), b"z" * (4096 - overhead), b"t" * 100):
            cf_produce(p, "jbod", [(None, v)], log, partition=pb)
        assert not log.errors and len(log.ok) == 4
        assert os.path.getsize(seg) == 2 * 4096 + overhead + 100  # offset 2: [4096, 8192)
        ffs.fail_reads()
        assert_offline_while_tls_consuming(
            b, certs, bad, pb, "TLS read", ["-o", "2", "-X", "fetch.message.max.bytes=4096", "-X",
                                            "fetch.max.bytes=4096", "-X", "message.max.bytes=4096"])
