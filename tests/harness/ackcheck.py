"""A continuous acks=all producer and an acknowledgement checker for failover tests.

    chk = AckChecker(cluster.bootstrap, "t", partitions=3)
    chk.start()
    ... kill / pause / restart brokers, chk.wait_more_acks(...) ...
    summary = chk.stop()
    report = chk.verify(cluster.bootstrap)   # raises AssertionError on a lost/misplaced ack

The producer thread sends "seq:<n>" to partition n % partitions (acks=all, retries on,
max.in.flight 1 so a partition's batches stay in order; no idempotence: skeind has no
InitProducerId). Every delivery report is recorded: acked (partition, offset, seq) or failed
(error name, code, whether the error is retriable).

verify() reads every partition from its beginning to its high watermark with a fresh consumer
(kafka-python, no group)
and checks:
  - every acknowledged seq is in its partition at the acknowledged offset;
  - per partition, acknowledged seqs appear in increasing order of first appearance;
  - duplicates (a seq stored more than once: a retried send whose first attempt was written
    but not acknowledged) are counted and printed, never assumed to be zero;
  - nothing but this producer's values is in the topic.
"""

import threading
import time

from confluent_kafka import KafkaError, Producer

# librdkafka local errors that mean "try again" (the broker was unreachable or slow)
_LOCAL_RETRIABLE = {
    KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT, KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN, KafkaError._TIMED_OUT_QUEUE,
}


# Kafka's retriable broker error codes a produce can meet (Kafka's error table):
# UNKNOWN_TOPIC_OR_PARTITION 3, LEADER_NOT_AVAILABLE 5, NOT_LEADER_OR_FOLLOWER 6,
# REQUEST_TIMED_OUT 7, NETWORK_EXCEPTION 13, NOT_ENOUGH_REPLICAS 19,
# NOT_ENOUGH_REPLICAS_AFTER_APPEND 20, KAFKA_STORAGE_ERROR 56, FENCED_LEADER_EPOCH 74,
# UNKNOWN_LEADER_EPOCH 75. CORRUPT_MESSAGE (2), retriable in Kafka, is left out on purpose:
# this producer only sends good batches, so a broker answering it is a bug.
_BROKER_RETRIABLE = {3, 5, 6, 7, 13, 19, 20, 56, 74, 75}


def retriable_code(code):
    """Whether a produce error code is retriable: broker codes per the table above,
    librdkafka's local codes for timeouts and lost connections. (confluent-kafka's
    KafkaError.retriable() is False for every delivery-report error, so it cannot be used.)"""
    if code < 0:
        return code in _LOCAL_RETRIABLE
    return code in _BROKER_RETRIABLE


class Failure:
    __slots__ = ("seq", "partition", "name", "code", "retriable", "at")

    def __init__(self, seq, partition, err):
        self.seq = seq
        self.partition = partition
        self.name = err.name()
        self.code = err.code()
        self.retriable = retriable_code(self.code)
        self.at = time.monotonic()

    def __repr__(self):
        return "seq %d p%d %s(%d)%s" % (self.seq, self.partition, self.name, self.code,
                                         "" if self.retriable else " NOT RETRIABLE")


class AckChecker:
    """Continuous producer of numbered messages plus the delivery-report bookkeeping."""

    def __init__(self, bootstrap, topic, partitions=3, interval=0.004, max_outstanding=500,
                 producer_conf=None, name="ackcheck"):
        self.bootstrap = bootstrap
        self.topic = topic
        self.partitions = partitions
        self.interval = interval
        self.max_outstanding = max_outstanding
        self.name = name
        self.conf = {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": False,
            "max.in.flight.requests.per.connection": 1,
            "retries": 1000000,
            "retry.backoff.ms": 200,
            "linger.ms": 5,
            "request.timeout.ms": 8000,
            "socket.timeout.ms": 10000,    # client-side deadline of an in-flight request
            "message.timeout.ms": 90000,
            "socket.connection.setup.timeout.ms": 5000,
            "reconnect.backoff.max.ms": 1000,
            "log_level": 4,     # librdkafka: warnings and worse (connection notices are noise)
        }
        self.conf.update(producer_conf or {})
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._thread = None
        self.next_seq = 0
        self.acked = []          # (partition, offset, seq, monotonic time)
        self.failed = []         # Failure
        self.undelivered = 0     # still queued when stop() gave up flushing
        self.thread_error = None
        self.summary = None

    # ------------------------------------------------------------------ producing

    def start(self):
        self._producer = Producer(self.conf)
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _report(self, err, msg):
        seq = int(msg.value().split(b":", 1)[1])
        with self._lock:
            if err is not None:
                self.failed.append(Failure(seq, msg.partition(), err))
            else:
                self.acked.append((msg.partition(), msg.offset(), seq, time.monotonic()))

    def _run(self):
        p = self._producer
        try:
            while not self._stop.is_set():
                if len(p) >= self.max_outstanding:
                    p.poll(0.05)
                    continue
                seq = self.next_seq
                try:
                    p.produce(self.topic, value=b"seq:%d" % seq,
                              partition=seq % self.partitions, on_delivery=self._report)
                except BufferError:
                    p.poll(0.05)
                    continue
                self.next_seq = seq + 1
                p.poll(0)
                if self.interval:
                    time.sleep(self.interval)       # pacing, not synchronisation
            # every outstanding message ends in a delivery report (ack or error) within
            # message.timeout.ms; wait a little longer than that
            deadline = time.monotonic() + self.conf["message.timeout.ms"] / 1000.0 + 15
            while len(p) > 0 and time.monotonic() < deadline and not self._abort.is_set():
                p.flush(0.5)
            self.undelivered = len(p)
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.thread_error = e

    def stop(self):
        """Stop producing, wait for every delivery report, return (and print) a summary."""
        if self.summary is not None:
            return self.summary
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.conf["message.timeout.ms"] / 1000.0 + 60)
            if self._thread.is_alive():
                raise AssertionError("%s: producer thread did not finish flushing" % self.name)
        self._producer = None       # closes its connections now
        if self.thread_error is not None:
            raise AssertionError("%s: producer thread failed: %r" % (self.name, self.thread_error))
        with self._lock:
            by_err = {}
            for f in self.failed:
                by_err[f.name] = by_err.get(f.name, 0) + 1
            self.summary = dict(sent=self.next_seq, acked=len(self.acked),
                                failed=len(self.failed), failed_by_error=by_err,
                                undelivered=self.undelivered)
        print("%s summary: %s" % (self.name, self.summary))
        return self.summary

    def abort(self):
        """Teardown after a failed test: stop producing and flushing at once."""
        self._abort.set()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    # ------------------------------------------------------------------ observing

    def ack_count(self, partition=None):
        with self._lock:
            if partition is None:
                return len(self.acked)
            return sum(1 for a in self.acked if a[0] == partition)

    def failures(self):
        with self._lock:
            return list(self.failed)

    def acked_snapshot(self):
        with self._lock:
            return list(self.acked)

    def wait_more_acks(self, n=20, partitions=None, timeout=60.0, what="more acks"):
        """Wait until every partition in `partitions` (default: all) has n acks more than now."""
        from skein_harness import wait_for
        parts = list(range(self.partitions)) if partitions is None else list(partitions)
        base = {p: self.ack_count(p) for p in parts}

        def ok():
            if self.thread_error is not None:
                raise AssertionError("producer thread failed: %r" % (self.thread_error,))
            return all(self.ack_count(p) >= base[p] + n for p in parts)
        try:
            wait_for(ok, timeout, "%s (%d more on partitions %s)" % (what, n, parts), interval=0.1)
        except Exception as e:
            raise AssertionError("%s; acks now %s (from %s); recent failures %s"
                                 % (e, {p: self.ack_count(p) for p in parts}, base,
                                    self.failures()[-5:])) from None

    # ------------------------------------------------------------------ reading back

    def read_all(self, bootstrap=None, timeout=60.0):
        """{partition: [(offset, value), ...]} from offset 0 up to each partition's high
        watermark (asked of the leaders when the read starts), and the high watermarks.
        kafka-python without a group: no coordinator, no __consumer_offsets."""
        from kafka import KafkaConsumer
        from kafka import TopicPartition as KTP
        deadline = time.monotonic() + timeout
        c = KafkaConsumer(bootstrap_servers=(bootstrap or self.bootstrap).split(","),
                          group_id=None, enable_auto_commit=False,
                          request_timeout_ms=20000, api_version_auto_timeout_ms=10000,
                          max_poll_records=5000, fetch_max_wait_ms=100)
        try:
            tps = [KTP(self.topic, p) for p in range(self.partitions)]
            c.assign(tps)
            hw = None
            while hw is None:
                try:
                    hw = {tp.partition: off for tp, off in c.end_offsets(tps).items()}
                except Exception as e:  # noqa: BLE001 - retried until the deadline
                    if time.monotonic() > deadline:
                        raise AssertionError("%s: no high watermarks for %s: %r"
                                             % (self.name, self.topic, e)) from None
                    time.sleep(0.2)
            for tp in tps:
                c.seek(tp, 0)
            out = {p: [] for p in range(self.partitions)}
            want = {p for p in range(self.partitions) if hw[p] > 0}
            while want:
                if time.monotonic() > deadline:
                    raise AssertionError("%s: reading back timed out: have %s, high watermarks %s"
                                         % (self.name, {p: len(v) for p, v in out.items()}, hw))
                for tp, recs in c.poll(timeout_ms=500).items():
                    p = tp.partition
                    for r in recs:
                        if r.offset < hw[p]:
                            out[p].append((r.offset, r.value))
                    if p in want and c.position(tp) >= hw[p]:
                        want.discard(p)
            return out, hw
        finally:
            c.close()

    def check(self, records, acked=None, allow_prefixes=()):
        """Check records ({partition: [(offset, value)]}) against the acknowledged sends
        (default: all of them). Values starting with one of allow_prefixes (a test's own
        probes) are counted, not flagged. Returns a report dict; raises AssertionError on a lost,
        moved or reordered acknowledged message."""
        acked = self.acked_snapshot() if acked is None else acked
        problems = []
        stored = {}                     # seq -> [(partition, offset)]
        first = {p: [] for p in records}
        probes = []
        for p, recs in records.items():
            prev = -1
            for off, val in recs:
                if off <= prev:
                    problems.append("p%d: offset %d after %d" % (p, off, prev))
                prev = off
                if val is not None and any(val.startswith(x) for x in allow_prefixes):
                    probes.append((p, off, val))
                    continue
                if val is None or not val.startswith(b"seq:"):
                    problems.append("p%d@%d: foreign value %r" % (p, off, val))
                    continue
                seq = int(val[4:])
                if seq % self.partitions != p:
                    problems.append("p%d@%d: seq %d belongs to partition %d"
                                    % (p, off, seq, seq % self.partitions))
                if seq not in stored:
                    stored[seq] = []
                    first[p].append(seq)
                stored[seq].append((p, off))
        at = {(p, off): val for p, recs in records.items() for off, val in recs}
        acked_seqs = set()
        missing = []
        for p, off, seq, _t in acked:
            acked_seqs.add(seq)
            v = at.get((p, off))
            if v != b"seq:%d" % seq:
                missing.append("seq %d acked at p%d@%d, found %r (stored at %s)"
                               % (seq, p, off, v, stored.get(seq)))
        if missing:
            problems.append("%d acknowledged messages lost or moved: %s%s"
                            % (len(missing), "; ".join(missing[:10]),
                               " ..." if len(missing) > 10 else ""))
        for p, seqs in first.items():
            order = [s for s in seqs if s in acked_seqs]
            bad = [(a, b) for a, b in zip(order, order[1:]) if b < a]
            if bad:
                problems.append("p%d: acknowledged seqs out of order: %s" % (p, bad[:10]))
        dups = {s: locs for s, locs in stored.items() if len(locs) > 1}
        failed_seqs = {f.seq for f in self.failures()}
        report = dict(acked=len(acked), stored=sum(len(v) for v in records.values()),
                      distinct_stored=len(stored), duplicates=len(dups),
                      duplicate_copies=sum(len(v) - 1 for v in dups.values()),
                      failed=len(self.failures()),
                      failed_but_stored=len(failed_seqs & set(stored)),
                      stored_unacked=len(set(stored) - acked_seqs), probes_stored=len(probes))
        print("%s verify: %s" % (self.name, report))
        if dups:
            print("%s duplicates (seq: [(partition, offset)...]): %s%s"
                  % (self.name, dict(list(sorted(dups.items()))[:20]),
                     " ..." if len(dups) > 20 else ""))
        if problems:
            raise AssertionError("%s: %s\nreport: %s" % (self.name, "\n".join(problems), report))
        return report

    def verify(self, bootstrap=None, timeout=60.0, allow_prefixes=()):
        """After stop(): read everything back and check every acknowledgement."""
        if self.summary is None:
            self.stop()
        records, hw = self.read_all(bootstrap, timeout)
        report = self.check(records, allow_prefixes=allow_prefixes)
        report["records"] = records
        report["high_watermarks"] = hw
        report["failed_by_error"] = self.summary["failed_by_error"]
        return report
