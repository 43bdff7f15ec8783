"""Log compaction (cleanup.policy=compact): the log cleaner keeps the last record of
every key below the active segment, at its original offset; tombstones go after
delete.retention.ms; __consumer_offsets is compacted and the coordinator still loads
the last committed offsets from it. Read back with kcat, a real client."""
import struct
import sys
from pathlib import Path

import pytest

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kcat  # noqa: E402

FAST_CLEANER = dict(log_cleaner_backoff_ms="200", num_partitions="1")


def create_compacted(bootstrap, topic, **configs):
    cfg = {"cleanup.policy": "compact", "segment.bytes": "2048",
           "min.cleanable.dirty.ratio": "0.01"}
    cfg.update(configs)
    a = AdminClient({"bootstrap.servers": bootstrap})
    a.create_topics([NewTopic(topic, 1, 1, config=cfg)])[topic].result(30)


def produce(bootstrap, topic, pairs):
    """Send (key, value) pairs in order, one at a time (acks=all); value None is a
    tombstone. Returns {offset: (key, value)} from the delivery reports."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    got = {}

    def dr(err, msg):
        assert err is None, err
        v = msg.value()
        got[msg.offset()] = (msg.key().decode(), None if v is None else v.decode())
    for k, v in pairs:
        p.produce(topic, key=k.encode(), value=None if v is None else v.encode(), on_delivery=dr)
        p.flush(30)
    assert len(got) == len(pairs)
    return got


def read_log(bootstrap, topic):
    """Every record of partition 0 from the beginning, with kcat: [(offset, key, value)]."""
    out = kcat(["-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
                "-Z", "-f", "%o|%k|%s\n"]).stdout.decode()
    recs = []
    for line in out.splitlines():
        o, k, v = line.split("|", 2)
        recs.append((int(o), k, None if v == "NULL" else v))
    return recs


def batch_codecs(broker, topic):
    """The compression codec names of every batch in the partition's segment files."""
    names = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
    out = set()
    for seg in sorted((broker.log_dir / ("%s-0" % topic)).glob("*.log")):
        data = seg.read_bytes()
        pos = 0
        while pos + 23 <= len(data):
            blen = struct.unpack_from(">i", data, pos + 8)[0]
            out.add(names[struct.unpack_from(">h", data, pos + 21)[0] & 7])
            pos += 12 + blen
    return out


def active_base(broker, topic):
    logs = sorted((broker.log_dir / ("%s-0" % topic)).glob("*.log"))
    return int(logs[-1].name.split(".")[0])


def cleaned_upto(broker, topic, produced):
    """The active segment's base once no two records below it share a key (None before)."""
    act = active_base(broker, topic)
    recs = [r for r in read_log(broker.bootstrap, topic) if r[0] < act]
    keys = [k for _, k, _ in recs]
    if len(keys) != len(set(keys)) or len(recs) == len([o for o in produced if o < act]):
        return None
    return act


def test_compacted_topic_keeps_the_last_record_of_each_key(zk, tmp_path):
    with H.Cluster(1, tmp_path, zk=zk, **FAST_CLEANER) as c:
        b = c.brokers[0]
        create_compacted(c.bootstrap, "cmp")
        pairs = [("k%02d" % (i % 20), "k%02d-round%d" % (i % 20, i // 20)) for i in range(200)]
        produced = produce(c.bootstrap, "cmp", pairs)
        assert sorted(produced) == list(range(200))
        act = H.wait_for(lambda: cleaned_upto(b, "cmp", produced), 60,
                         "the cleaner to compact the closed segments")
        recs = read_log(c.bootstrap, "cmp")
        offsets = [o for o, _, _ in recs]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
        # every record read back is the one produced at that offset
        for o, k, v in recs:
            assert produced[o] == (k, v), (o, k, v)
        # below the active segment: exactly the last record of each key there
        last_below = {}
        for o in range(act):
            last_below[produced[o][0]] = o
        assert sorted(o for o in offsets if o < act) == sorted(last_below.values())
        # the active segment is untouched
        assert [o for o in offsets if o >= act] == list(range(act, 200))
        # the newest value of every key is readable
        latest = {}
        for o, k, v in recs:
            latest[k] = v
        assert latest == {"k%02d" % i: "k%02d-round9" % i for i in range(20)}
        # start and end offsets do not move
        lo = kcat(["-Q", "-b", c.bootstrap, "-t", "cmp:0:-2"]).stdout.decode()
        hi = kcat(["-Q", "-b", c.bootstrap, "-t", "cmp:0:-1"]).stdout.decode()
        assert lo.strip().endswith(" 0"), lo
        assert hi.strip().endswith(" 200"), hi
        assert "cleaned offsets [0, " in b.log_text()


def test_records_survive_a_restart_after_compaction(zk, tmp_path):
    with H.Cluster(1, tmp_path, zk=zk, **FAST_CLEANER) as c:
        b = c.brokers[0]
        create_compacted(c.bootstrap, "cmpr")
        produced = produce(c.bootstrap, "cmpr",
                           [("k%d" % (i % 7), "v%d" % i) for i in range(120)])
        H.wait_for(lambda: cleaned_upto(b, "cmpr", produced), 60, "compaction")
        before = read_log(c.bootstrap, "cmpr")
        b.restart()
        H.wait_for(lambda: read_log(c.bootstrap, "cmpr") == before, 30,
                   "the same records after a restart")
        assert "does not match the log" not in b.log_text(current_run_only=True)


def test_tombstone_removed_after_delete_retention(zk, tmp_path):
    with H.Cluster(1, tmp_path, zk=zk, **FAST_CLEANER) as c:
        create_compacted(c.bootstrap, "tomb", **{"delete.retention.ms": "0"})
        produced = produce(c.bootstrap, "tomb", [("gone", "v1"), ("kept", "v2"), ("gone", None)])
        tomb_off = max(produced)
        # keep writing other keys so that segments close and the cleaner runs again;
        # the tombstone must first shadow the old value, then go itself
        n = [0]

        def tombstone_gone():
            more = [("filler%d" % (n[0] % 3), "x" * 40)] * 10
            n[0] += 1
            produce(c.bootstrap, "tomb", more)
            recs = read_log(c.bootstrap, "tomb")
            return all(k != "gone" for _, k, _ in recs) and recs
        recs = H.wait_for(tombstone_gone, 60, "the tombstone and the value it deleted to go")
        assert (1, "kept", "v2") in recs
        assert all(o != tomb_off for o, _, _ in recs)


def test_consumer_offsets_is_compacted_and_reloaded(zk, tmp_path):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata
    with H.Cluster(1, tmp_path, zk=zk, offsets_topic_num_partitions="1",
                   offsets_topic_segment_bytes="4096",
                   log_cleaner_min_cleanable_ratio="0.01", **FAST_CLEANER) as c:
        b = c.brokers[0]
        produce(c.bootstrap, "data", [("k", "v%d" % i) for i in range(10)])
        tp = TopicPartition("data", 0)
        cons = KafkaConsumer(bootstrap_servers=c.bootstrap, group_id="g1",
                             enable_auto_commit=False, api_version_auto_timeout_ms=10000)
        for i in range(300):
            cons.commit({tp: OffsetAndMetadata(i % 10, "m%d" % i)})
        assert cons.committed(tp) == 299 % 10
        cons.close()

        def count_offset_records():
            out = kcat(["-C", "-b", c.bootstrap, "-t", "__consumer_offsets", "-p", "0",
                        "-o", "beginning", "-e", "-q", "-f", "%o\n"]).stdout.decode()
            return len(out.split())
        H.wait_for(lambda: count_offset_records() < 150, 60,
                   "__consumer_offsets to shrink below the 300 commits written")
        b.restart()
        cons = KafkaConsumer(bootstrap_servers=c.bootstrap, group_id="g1",
                             enable_auto_commit=False, api_version_auto_timeout_ms=10000)
        got = H.wait_for(lambda: cons.committed(tp, metadata=True), 30,
                         "the committed offset after the restart")
        assert got.offset == 9 and got.metadata == "m299", got
        cons.close()


def test_follower_catches_up_through_a_compacted_leader_and_takes_over(zk, tmp_path):
    """Three brokers, replication factor 3: a follower that was down while the leader
    compacted fetches across the gaps, rejoins the ISR, and after the other two brokers
    stop it leads the partition and serves the same records (each one the record produced
    at its offset, the newest value of every key present)."""
    with H.Cluster(3, tmp_path, zk=zk, log_cleaner_backoff_ms="200",
                   zookeeper_session_timeout_ms="6000") as c:
        a = AdminClient({"bootstrap.servers": c.bootstrap})
        a.create_topics([NewTopic("rcmp", 1, 3, config={
            "cleanup.policy": "compact", "segment.bytes": "2048",
            "min.cleanable.dirty.ratio": "0.01"})])["rcmp"].result(30)
        H.wait_for(lambda: len(H.partition_state(c, "rcmp", 0)["isr"]) == 3, 30, "full ISR")
        st = H.partition_state(c, "rcmp", 0)
        leader = c.brokers[st["leader"]]
        lagging = next(b for b in c.brokers if b.id != st["leader"])
        lagging.stop()
        H.wait_for(lambda: lagging.id not in H.partition_state(c, "rcmp", 0)["isr"], 30,
                   "the stopped follower to leave the ISR")
        produced = produce(leader.bootstrap, "rcmp",
                           [("k%d" % (i % 9), "v%d" % i) for i in range(150)])
        H.wait_for(lambda: cleaned_upto(leader, "rcmp", produced), 60, "the leader's compaction")
        lagging.start()
        H.wait_for(lambda: lagging.id in H.partition_state(c, "rcmp", 0)["isr"], 60,
                   "the restarted follower back in the ISR")
        for b in c.brokers:
            if b.id != lagging.id:
                b.stop()
        H.wait_for(lambda: H.partition_state(c, "rcmp", 0)["leader"] == lagging.id, 60,
                   "the caught-up follower to lead")
        recs = H.wait_for(lambda: read_log(lagging.bootstrap, "rcmp"), 30, "records")
        for o, k, v in recs:
            assert produced[o] == (k, v), (o, k, v)
        assert recs[-1][0] == 149
        latest = {k: v for _, k, v in recs}
        assert latest == {"k%d" % (i % 9): "v%d" % i for i in range(141, 150)}
        assert len(recs) < 150


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_batches_are_compacted(zk, tmp_path, codec):
    """librdkafka compresses whole batches; the cleaner opens them, drops superseded
    records and compresses the rest again with the same codec (kafka-python reads them)."""
    with H.Cluster(1, tmp_path, zk=zk, **FAST_CLEANER) as c:
        b = c.brokers[0]
        topic = "z" + codec
        create_compacted(c.bootstrap, topic, **{"segment.bytes": "1024"})
        p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "linger.ms": 20,
                      "compression.type": codec, "batch.num.messages": 25})
        got = {}

        def dr(err, msg):
            assert err is None, err
            got[msg.offset()] = (msg.key().decode(), msg.value().decode())
        for i in range(400):
            p.produce(topic, key=b"k%02d" % (i % 30), value=b"v%03d-" % i + b"x" * 30,
                      on_delivery=dr)
        p.flush(60)
        assert sorted(got) == list(range(400))
        act = H.wait_for(lambda: cleaned_upto(b, topic, got), 60, "compaction of %s" % codec)
        recs = read_log(c.bootstrap, topic)
        for o, k, v in recs:
            assert got[o] == (k, v), (o, k, v)
        last_below = {}
        for o in range(act):
            last_below[got[o][0]] = o
        assert sorted(o for o, _, _ in recs if o < act) == sorted(last_below.values())
        # the segments still hold batches compressed with that codec
        assert batch_codecs(b, topic) == {codec}
        # and another client reads the same records (confluent-kafka's consumer;
        # kafka-python here has no snappy/lz4/zstd modules)
        from confluent_kafka import Consumer, TopicPartition
        cc = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "reader-" + codec,
                       "enable.auto.commit": False})
        cc.assign([TopicPartition(topic, 0, 0)])
        seen = []

        def read_to_end():
            m = cc.poll(0.5)
            if m is not None and m.error() is None:
                seen.append((m.offset(), m.key().decode(), m.value().decode()))
            return seen and seen[-1][0] == 399
        H.wait_for(read_to_end, 30, "confluent-kafka to read to the end")
        cc.close()
        assert seen == recs
