"""Idempotent producers: InitProducerId hands out producer ids in blocks taken from
/latest_producer_id_block (Kafka's JSON), Produce checks each producer's epoch and
sequence, an exact retry is answered with the first attempt's offsets and written once,
and librdkafka's idempotent producer (enable.idempotence=true) delivers every message
exactly once, also across a leader failover."""
import json
import sys
import threading
from pathlib import Path

from confluent_kafka import Producer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kcat  # noqa: E402
from kafka_wire import KafkaConn, i32, record_batch, string  # noqa: E402

OUT_OF_ORDER_SEQUENCE_NUMBER = 45
INVALID_PRODUCER_EPOCH = 47
UNSUPPORTED_VERSION = 35


def init_producer_id(conn, version=0, transactional_id=None):
    """InitProducerId v0/v1 (not flexible): (error, producer id, epoch)."""
    r = conn.request(22, version, string(transactional_id) + i32(60000))
    r.i32()                                             # throttle
    return r.i16(), r.i64(), r.i16()


def idempotent_batch(pid, epoch, seq, values):
    return record_batch([(None, v, ()) for v in values], producer=(pid, epoch, seq))


def read_values(bootstrap, topic):
    out = kcat(["-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
                "-f", "%o %s\n"]).stdout.decode()
    return [tuple(line.split(" ", 1)) for line in out.splitlines()]


def test_producer_ids_come_in_blocks_from_zookeeper(zk, tmp_path):
    with H.Cluster(2, tmp_path, zk=zk) as c:
        b0, b1 = c.brokers
        with KafkaConn.to(b0.bootstrap) as conn:
            err, _ = conn.api_versions()
            assert err == 0
            first = [init_producer_id(conn) for _ in range(3)]
        assert [f[0] for f in first] == [0, 0, 0]
        pids = [f[1] for f in first]
        assert pids == [pids[0], pids[0] + 1, pids[0] + 2] and 0 <= pids[0] <= 997
        assert all(f[2] == 0 for f in first)
        with KafkaConn.to(b1.bootstrap) as conn:
            err, pid1, epoch1 = init_producer_id(conn, version=1)
        assert err == 0 and epoch1 == 0
        assert 1000 <= pid1 <= 1999                      # broker 1 took the next block
        data, _ = c.zk_client().get("/latest_producer_id_block")
        assert json.loads(data) == {"version": 1, "broker": 1, "block_start": "1000",
                                    "block_end": "1999"}
        assert data.decode().startswith('{"version":1,"broker":1,"block_start":')
        # a restarted broker never hands out an id twice: it takes a new block
        b0.restart()
        with KafkaConn.to(b0.bootstrap) as conn:
            err, pid2, _ = init_producer_id(conn)
        assert err == 0 and 2000 <= pid2 <= 2999
        # transactions are not supported: a clear refusal
        with KafkaConn.to(b0.bootstrap) as conn:
            err, pid3, _ = init_producer_id(conn, transactional_id="tx-1")
        assert err == UNSUPPORTED_VERSION and pid3 == -1
        assert "transactions are not supported" in b0.log_text(current_run_only=True)


def test_sequence_checks_and_exact_retries(zk, tmp_path):
    with H.Cluster(1, tmp_path, zk=zk, num_partitions="1") as c:
        b = c.brokers[0]
        kcat(["-P", "-b", c.bootstrap, "-t", "idem", "-p", "0"], input_data=b"first\n")
        with KafkaConn.to(b.bootstrap) as conn:
            err, pid, epoch = init_producer_id(conn)
            assert err == 0
            batch0 = idempotent_batch(pid, epoch, 0, [b"a0", b"a1", b"a2"])
            assert conn.produce("idem", 0, batch0, acks=-1, version=7) == (0, 1)
            # the same batch again (a retry after a lost answer): same offsets, no new copy
            assert conn.produce("idem", 0, batch0, acks=-1, version=7) == (0, 1)
            assert conn.produce("idem", 0, idempotent_batch(pid, epoch, 3, [b"b3"]),
                                acks=-1, version=7) == (0, 4)
            # a gap in the sequence, and an overlap that is not an exact retry
            assert conn.produce("idem", 0, idempotent_batch(pid, epoch, 9, [b"x"]),
                                acks=-1, version=7)[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
            assert conn.produce("idem", 0, idempotent_batch(pid, epoch, 1, [b"y", b"z"]),
                                acks=-1, version=7)[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
            # a new epoch starts at 0; afterwards the old epoch is fenced
            assert conn.produce("idem", 0, idempotent_batch(pid, epoch + 1, 5, [b"x"]),
                                acks=-1, version=7)[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
            assert conn.produce("idem", 0, idempotent_batch(pid, epoch + 1, 0, [b"c0"]),
                                acks=-1, version=7) == (0, 5)
            assert conn.produce("idem", 0, idempotent_batch(pid, epoch, 4, [b"old"]),
                                acks=-1, version=7)[0] == INVALID_PRODUCER_EPOCH
        assert read_values(c.bootstrap, "idem") == [
            ("0", "first"), ("1", "a0"), ("2", "a1"), ("3", "a2"), ("4", "b3"), ("5", "c0")]
        # the state is rebuilt from the log after a restart: the retry is still caught
        b.restart()
        with KafkaConn.to(b.bootstrap) as conn:
            H.wait_for(lambda: conn.produce("idem", 0, idempotent_batch(pid, epoch + 1, 0,
                                                                         [b"c0"]),
                                            acks=-1, version=7) == (0, 5), 30,
                       "the retried batch answered with its offset after a restart")
        assert len(read_values(c.bootstrap, "idem")) == 6


def test_librdkafka_idempotent_producer_exactly_once_across_failover(zk, tmp_path):
    """confluent-kafka with enable.idempotence=true keeps producing while the partition
    leader is killed: every message is delivered, none twice, in order."""
    with H.Cluster(3, tmp_path, zk=zk, zookeeper_session_timeout_ms="6000",
                   min_insync_replicas="2") as c:
        from confluent_kafka.admin import AdminClient, NewTopic
        a = AdminClient({"bootstrap.servers": c.bootstrap})
        a.create_topics([NewTopic("eos", 1, 3)])["eos"].result(30)
        H.wait_for(lambda: len(H.partition_state(c, "eos", 0)["isr"]) == 3, 30, "full ISR")
        leader = H.partition_state(c, "eos", 0)["leader"]
        p = Producer({"bootstrap.servers": c.bootstrap, "enable.idempotence": True,
                      "linger.ms": 5, "message.timeout.ms": 120000})
        errors = []
        delivered = []

        def dr(err, msg):
            if err is not None:
                errors.append(err)
            else:
                delivered.append(msg.value())
        n = 3000
        killed = threading.Event()

        def produce_all():
            for i in range(n):
                while True:
                    try:
                        p.produce("eos", value=b"m%05d" % i, partition=0, on_delivery=dr)
                        break
                    except BufferError:
                        p.poll(0.1)
                p.poll(0)
                if i == n // 3:
                    c.brokers[leader].kill()
                    killed.set()
            p.flush(120)
        produce_all()
        assert killed.is_set()
        assert errors == []
        assert len(delivered) == n
        live = next(b for b in c.brokers if b.id != leader)
        H.wait_for(lambda: H.partition_state(c, "eos", 0)["leader"] not in (-1, leader), 30,
                   "a new leader")
        values = [v for _, v in read_values(live.bootstrap, "eos")]
        assert values == ["m%05d" % i for i in range(n)], (len(values), len(set(values)))


NOT_LEADER_OR_FOLLOWER = 6


def test_gap_left_by_the_old_leader_is_answered_not_leader(zk, tmp_path):
    """After a leader change, a batch whose predecessors went to the old leader (which
    refused them when it stepped down) arrives with a sequence gap. It gets
    NOT_LEADER_OR_FOLLOWER, not OUT_OF_ORDER_SEQUENCE_NUMBER, so the client resends the missing
    batches here first instead of bumping its epoch, which makes librdkafka 2.0.2 store a
    record twice (librdkafka #4953; seen in the 200-round fault campaign). Once the missing
    batches are in, the batch is accepted, and everything is stored once, in order."""
    with H.Cluster(2, tmp_path, zk=zk) as c:
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": c.bootstrap})
        admin.create_topics([NewTopic("lgap", 1, 2)])["lgap"].result(30)
        H.wait_for(lambda: len(H.partition_state(c, "lgap", 0)["isr"]) == 2, 30, "full ISR")
        old = H.partition_state(c, "lgap", 0)["leader"]
        new = next(b for b in c.brokers if b.id != old)
        with KafkaConn.to(c.brokers[old].bootstrap) as conn:
            err, pid, epoch = init_producer_id(conn)
            assert err == 0
            assert conn.produce("lgap", 0, idempotent_batch(pid, epoch, 0, [b"s0", b"s1"]),
                                acks=-1, version=7) == (0, 0)
        c.brokers[old].stop()  # controlled shutdown: the other replica leads
        with KafkaConn.to(new.bootstrap) as conn:
            # leading once a plain batch is taken (an answer 6 before that means "not yet")
            H.wait_for(lambda: conn.produce("lgap", 0, record_batch([(None, b"plain", ())]),
                                            acks=-1, version=7)[0] == 0, 30,
                       "broker %d leading lgap-0" % new.id)
            # seq 2 went to the old leader; seq 3 comes here first
            late = idempotent_batch(pid, epoch, 3, [b"s3"])
            assert conn.produce("lgap", 0, late, acks=-1, version=7)[0] == \
                NOT_LEADER_OR_FOLLOWER
            assert conn.produce("lgap", 0, idempotent_batch(pid, epoch, 2, [b"s2"]),
                                acks=-1, version=7)[0] == 0
            assert conn.produce("lgap", 0, late, acks=-1, version=7)[0] == 0
            # a gap inside this leadership is out of order, as in Kafka
            assert conn.produce("lgap", 0, idempotent_batch(pid, epoch, 9, [b"x"]),
                                acks=-1, version=7)[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
        values = [v for _, v in read_values(new.bootstrap, "lgap")]
        assert values == ["s0", "s1", "plain", "s2", "s3"], values


def test_idle_producers_are_forgotten(zk, tmp_path):
    """producer.id.expiration.ms: once a producer was idle that long its state goes, and
    its next batch is accepted whatever its sequence (as Kafka does)."""
    with H.Cluster(1, tmp_path, zk=zk, num_partitions="1", producer_id_expiration_ms="1500",
                   producer_id_expiration_check_interval_ms="200") as c:
        b = c.brokers[0]
        with KafkaConn.to(b.bootstrap) as conn:
            err, pid, epoch = init_producer_id(conn)
            assert err == 0
            kcat(["-P", "-b", c.bootstrap, "-t", "idle", "-p", "0"], input_data=b"x\n")
            assert conn.produce("idle", 0, idempotent_batch(pid, epoch, 0, [b"a"]),
                                acks=-1, version=7) == (0, 1)
            assert conn.produce("idle", 0, idempotent_batch(pid, epoch, 7, [b"gap"]),
                                acks=-1, version=7)[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
            H.wait_for(lambda: "idempotent producer(s) idle for 1500 ms forgotten"
                       in b.log_text(), 30, "the idle producer to be forgotten")
            assert conn.produce("idle", 0, idempotent_batch(pid, epoch, 7, [b"later"]),
                                acks=-1, version=7) == (0, 2)
