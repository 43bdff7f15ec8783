"""The campaign's workload: idempotent acks=all producers, a committing consumer group, and a
monitor of the group's committed offsets. Everything they observe is recorded for the final
checks in campaign.py.

Record values are b"skf|<producer>|<seq>|<crc32 of the part before, 8 hex digits>"; producer
"P<slot>.<generation>" (a slot gets a new generation, i.e. a new producer id, only when
librdkafka reports a fatal idempotence error). Sequence n goes to partition n % partitions.
"""

import threading
import time
import zlib
from array import array

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

MAGIC = b"skf"
NOT_ACKED = -1
UNKNOWN_OFFSET = -2     # acknowledged, offset not reported


def make_value(name, seq):
    body = b"%s|%s|%d|" % (MAGIC, name.encode(), seq)
    return body + b"%08x" % zlib.crc32(body)


def parse_value(v):
    """(producer name, seq) or None when the value is not one of ours or its checksum is bad."""
    if v is None:
        return None
    parts = v.split(b"|")
    if len(parts) != 4 or parts[0] != MAGIC:
        return None
    body = b"|".join(parts[:3]) + b"|"
    try:
        if int(parts[3], 16) != zlib.crc32(body):
            return None
        return parts[1].decode(), int(parts[2])
    except ValueError:
        return None


class AckStats:
    """Acknowledgement times, for the longest gap without an ack per round (over all
    producers, and per producer slot)."""

    def __init__(self, slots):
        self.lock = threading.Lock()
        self.slots = list(slots)
        now = time.monotonic()
        self.last_any = now
        self.last = {s: now for s in self.slots}
        self.begin_round(now)
        self.total = 0
        self.fatals = 0

    def begin_round(self, now=None):
        now = now or time.monotonic()
        with self.lock:
            self.round_start = now
            self.gap_any = 0.0
            self.gap = {s: 0.0 for s in self.slots}
            self.round_acks = 0

    def ack(self, slot, now):
        with self.lock:
            self.gap_any = max(self.gap_any, now - max(self.last_any, self.round_start))
            self.gap[slot] = max(self.gap[slot], now - max(self.last[slot], self.round_start))
            self.last_any = now
            self.last[slot] = now
            self.round_acks += 1
            self.total += 1

    def end_round(self, now=None):
        now = now or time.monotonic()
        with self.lock:
            gap_any = max(self.gap_any, now - max(self.last_any, self.round_start))
            gaps = {s: max(self.gap[s], now - max(self.last[s], self.round_start))
                    for s in self.slots}
            return dict(gap_any=gap_any, gap_per_producer=gaps, acks=self.round_acks)

    def fatal(self, slot):
        with self.lock:
            self.fatals += 1

    def last_ack(self, slot=None):
        with self.lock:
            return self.last_any if slot is None else self.last[slot]


class Generation:
    """One librdkafka producer instance (one producer id) and what it was told."""

    def __init__(self, slot, gen):
        self.slot = slot
        self.name = "P%d.%d" % (slot, gen)
        self.acked = array("q")     # seq -> acknowledged offset, -1 if not acknowledged
        self.wrong_partition = []   # (seq, partition reported)
        self.failed = {}            # error name -> count
        self.fatal = None
        self.sent = 0
        self.acked_no_offset = 0


class ProducerSlot:
    """A thread running one idempotent producer at `rate` records/s; replaced by a new
    generation after a fatal error."""

    def __init__(self, slot, bootstrap, topic, partitions, rate, stats, log, conf=None):
        self.slot = slot
        self.bootstrap = bootstrap
        self.topic = topic
        self.partitions = partitions
        self.rate = rate
        self.stats = stats
        self.log = log
        self.conf = {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "message.timeout.ms": 300000,
            "request.timeout.ms": 10000,
            "retry.backoff.ms": 100,
            "socket.connection.setup.timeout.ms": 5000,
            "reconnect.backoff.max.ms": 1000,
            "queue.buffering.max.messages": 100000,
            "log_level": 3,
        }
        self.conf.update(conf or {})
        self.gens = []
        self.events = []            # (time, text): fatal errors, non-retriable errors
        self._stop = threading.Event()
        self._abort = threading.Event()
        self.thread = None
        self.error = None
        self.undelivered = 0

    def start(self):
        self.thread = threading.Thread(target=self._run, name="producer-%d" % self.slot,
                                       daemon=True)
        self.thread.start()
        return self

    def _run(self):
        try:
            while not self._stop.is_set():
                g = Generation(self.slot, len(self.gens))
                self.gens.append(g)
                self._run_gen(g)
        except Exception as e:  # noqa: BLE001 - reported at the end
            self.error = repr(e)
            self.log("producer %d thread failed: %r" % (self.slot, e))

    def _run_gen(self, g):
        def on_error(err):
            if err.fatal():
                g.fatal = g.fatal or "%s: %s" % (err.name(), err.str())

        def report(err, msg):
            seq = parse_value(msg.value())[1]
            if err is None:
                off = msg.offset()
                if off is None or off < 0:
                    # librdkafka reports a success without an offset when a batch whose
                    # request failed (possibly persisted) is "implicitly acked by subsequent
                    # batch success" (its IMPLICITACK debug line): checked as stored once
                    off = UNKNOWN_OFFSET
                    g.acked_no_offset += 1
                    if g.acked_no_offset <= 5:
                        self.log("producer %s: seq %d acknowledged without an offset "
                                 "(partition %d)" % (g.name, seq, msg.partition()))
                g.acked[seq] = off
                if msg.partition() != seq % self.partitions:
                    g.wrong_partition.append((seq, msg.partition()))
                self.stats.ack(self.slot, time.monotonic())
            else:
                g.failed[err.name()] = g.failed.get(err.name(), 0) + 1
                if err.fatal():
                    g.fatal = g.fatal or "%s: %s" % (err.name(), err.str())

        conf = dict(self.conf)
        conf["error_cb"] = on_error
        p = Producer(conf)
        interval = 1.0 / self.rate if self.rate else 0
        self._next_t = time.monotonic()
        while not self._stop.is_set() and g.fatal is None:
            try:
                self._step(p, g, report, interval)
            except KafkaException as e:
                err = e.args[0]
                # produce() on a producer in the fatal state raises _FATAL (whose fatal() is
                # False); the error itself arrives through error_cb
                if not err.fatal() and err.code() != KafkaError._FATAL:
                    raise
                g.fatal = g.fatal or "%s: %s" % (err.name(), err.str())
        if g.fatal is not None:
            self.stats.fatal(self.slot)
            self.events.append((time.monotonic(), "%s fatal error: %s" % (g.name, g.fatal)))
            self.log("producer %s: FATAL %s; starting a new producer" % (g.name, g.fatal))
            # collect the delivery reports librdkafka still has (all failed now)
            try:
                p.purge()
                p.flush(10)
            except KafkaException:
                pass
            self.undelivered += len(p)
            return
        # stopping: every outstanding message ends in a report within message.timeout.ms
        deadline = time.monotonic() + self.conf["message.timeout.ms"] / 1000.0 + 15
        while len(p) > 0 and time.monotonic() < deadline and not self._abort.is_set():
            p.flush(0.5)
        self.undelivered += len(p)

    def _step(self, p, g, report, interval):
        if len(p) >= 20000:
            p.poll(0.05)
            return
        now = time.monotonic()
        if now < self._next_t:
            p.poll(min(self._next_t - now, 0.05))
            return
        self._next_t = max(self._next_t + interval, now - 1.0)
        seq = g.sent
        try:
            g.acked.append(NOT_ACKED)
            p.produce(self.topic, value=make_value(g.name, seq),
                      partition=seq % self.partitions, on_delivery=report)
            g.sent += 1
        except BufferError:
            g.acked.pop()
            p.poll(0.05)
            return
        except KafkaException:
            g.acked.pop()
            raise
        p.poll(0)

    def alive(self):
        return self.thread is not None and self.thread.is_alive()

    def stop(self, abort=False):
        self._stop.set()
        if abort:
            self._abort.set()
        if self.thread is not None:
            self.thread.join(self.conf["message.timeout.ms"] / 1000.0 + 60)
            return not self.thread.is_alive()
        return True

    def counts(self):
        acked = sum(sum(1 for x in g.acked if x != NOT_ACKED) for g in self.gens)
        sent = sum(g.sent for g in self.gens)
        failed = {}
        for g in self.gens:
            for k, v in g.failed.items():
                failed[k] = failed.get(k, 0) + v
        return dict(sent=sent, acked=acked, failed=failed, generations=len(self.gens),
                    undelivered=self.undelivered,
                    acked_without_offset=sum(g.acked_no_offset for g in self.gens))


class GroupMember:
    """A consumer in the campaign's group: consumes, commits synchronously every second.
    Records what it consumed ({partition: [(offset, value)]}, compacted to ids later) and every
    successful commit."""

    def __init__(self, idx, bootstrap, topic, group, log, conf=None):
        self.idx = idx
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        self.log = log
        self.conf = {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": "skf-member-%d" % idx,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 2000,
            "fetch.wait.max.ms": 200,
            "socket.connection.setup.timeout.ms": 5000,
            "reconnect.backoff.max.ms": 1000,
            "log_level": 3,
        }
        self.conf.update(conf or {})
        self.consumed = {}          # partition -> array of offsets; values in consumed_vals
        self.consumed_vals = {}     # partition -> list of values (bytes)
        self.commits = []           # (time, partition, offset)
        self.commit_errors = {}
        self.consume_errors = {}
        self.rebalances = 0
        self._stop = threading.Event()
        self.thread = None
        self.error = None

    def start(self):
        self.thread = threading.Thread(target=self._run, name="member-%d" % self.idx,
                                       daemon=True)
        self.thread.start()
        return self

    def _run(self):
        try:
            c = Consumer(self.conf)

            def on_assign(consumer, parts):
                self.rebalances += 1

            c.subscribe([self.topic], on_assign=on_assign)
            last_commit = time.monotonic()
            while not self._stop.is_set():
                msg = c.poll(0.2)
                if msg is not None:
                    if msg.error():
                        n = msg.error().name()
                        self.consume_errors[n] = self.consume_errors.get(n, 0) + 1
                    else:
                        p = msg.partition()
                        self.consumed.setdefault(p, array("q")).append(msg.offset())
                        self.consumed_vals.setdefault(p, []).append(msg.value())
                if time.monotonic() - last_commit >= 1.0:
                    last_commit = time.monotonic()
                    self._commit(c)
            self._commit(c)
            c.close()
        except Exception as e:  # noqa: BLE001 - reported at the end
            self.error = repr(e)
            self.log("group member %d failed: %r" % (self.idx, e))

    def _commit(self, c):
        try:
            res = c.commit(asynchronous=False)
        except KafkaException as e:
            err = e.args[0]
            if err.code() != KafkaError._NO_OFFSET:
                self.commit_errors[err.name()] = self.commit_errors.get(err.name(), 0) + 1
            return
        now = time.monotonic()
        for tp in res or []:
            if tp.error is None and tp.offset >= 0:
                self.commits.append((now, tp.partition, tp.offset))

    def stop(self):
        self._stop.set()
        if self.thread is not None:
            self.thread.join(60)


class CommittedMonitor:
    """Reads the group's committed offsets (OffsetFetch) every second with a consumer that never
    joins the group; records (time, {partition: offset})."""

    def __init__(self, bootstrap, topic, partitions, group, log, conf=None):
        self.topic = topic
        self.partitions = partitions
        self.log = log
        self.conf = {"bootstrap.servers": bootstrap, "group.id": group,
                     "enable.auto.commit": False, "log_level": 3,
                     "socket.connection.setup.timeout.ms": 5000}
        self.conf.update(conf or {})
        self.samples = []
        self.errors = {}
        self._stop = threading.Event()
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self._run, name="committed-monitor", daemon=True)
        self.thread.start()
        return self

    def _run(self):
        c = Consumer(self.conf)
        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        try:
            while not self._stop.wait(1.0):
                try:
                    res = c.committed(tps, timeout=5)
                except KafkaException as e:
                    n = e.args[0].name()
                    self.errors[n] = self.errors.get(n, 0) + 1
                    continue
                snap = {}
                for tp in res:
                    if tp.error is not None:
                        n = tp.error.name()
                        self.errors[n] = self.errors.get(n, 0) + 1
                        continue
                    snap[tp.partition] = tp.offset
                self.samples.append((time.monotonic(), snap))
        finally:
            c.close()

    def stop(self):
        self._stop.set()
        if self.thread is not None:
            self.thread.join(30)
