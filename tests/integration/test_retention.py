"""Retention: whole segments older than log.retention.ms leave the disk, the log
start offset moves forward, and what is left is still readable."""
import sys
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402


def segments(broker, topic):
    d = broker.log_dir / ("%s-0" % topic)
    return sorted(p.name for p in d.glob("*.log"))


def test_time_retention_deletes_old_segments(zk, tmp_path):
    with H.Cluster(1, tmp_path, zk=zk, log_segment_bytes="1048576",
                   log_retention_ms="3000", log_retention_check_interval_ms="300",
                   num_partitions="1") as c:
        b = c.brokers[0]
        p = KafkaProducer(bootstrap_servers=c.bootstrap, acks=1, linger_ms=5)
        value = b"r" * 10000
        for i in range(500):                      # ~5 MB -> 5+ segments
            p.send("ret", key=b"%d" % i, value=value)
        p.flush()
        p.close()
        first = segments(b, "ret")
        assert len(first) >= 4, first

        cons = KafkaConsumer(bootstrap_servers=c.bootstrap)
        tp = TopicPartition("ret", 0)
        end = cons.end_offsets([tp])[tp]
        assert end == 500

        def trimmed():
            start = cons.beginning_offsets([tp])[tp]
            return start > 0 and len(segments(b, "ret")) < len(first) and start
        start = H.wait_for(trimmed, 30, "old segments removed by retention")
        # the active segment stays, the log start is a segment's base offset
        left = segments(b, "ret")
        assert left[-1] == first[-1]
        assert int(left[0].split(".")[0]) == start
        # and what is left reads back from the new start
        cons.assign([tp])
        cons.seek(tp, start)
        got = []
        deadline_polls = 50
        while len(got) < end - start and deadline_polls:
            for recs in cons.poll(timeout_ms=500).values():
                got.extend(r.offset for r in recs)
            deadline_polls -= 1
        assert got == list(range(start, end))
        cons.close()


def test_topic_config_overrides_reach_the_log(zk, tmp_path):
    """A config given at creation (segment.bytes) is stored in /config/topics/<t> in
    Kafka's JSON and governs the partition's log, over the broker default."""
    import json
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    with H.Cluster(1, tmp_path, zk=zk) as c:       # broker default: 1 GiB segments
        a = KafkaAdminClient(bootstrap_servers=c.bootstrap)
        a.create_topics([NewTopic("cfg", 1, 1, topic_configs={"segment.bytes": "1048576"})])
        a.close()
        data, _ = c.zk_client().get("/config/topics/cfg")
        assert json.loads(data) == {"version": 1, "config": {"segment.bytes": "1048576"}}
        p = KafkaProducer(bootstrap_servers=c.bootstrap, acks=1)
        for i in range(300):                      # ~3 MB
            p.send("cfg", value=b"c" * 10000)
        p.flush()
        p.close()
        b = c.brokers[0]
        H.wait_for(lambda: len(segments(b, "cfg")) >= 3, 10,
                   "1 MiB segments from the topic's segment.bytes")
