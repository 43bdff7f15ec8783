"""Small wrappers around the real clients (kcat, kafka-python, confluent-kafka) for tests."""

import os
import subprocess
import tempfile
import time
from pathlib import Path

from skein_harness import Fatal, HarnessError, wait_for

KCAT = "kcat"


def kcat(args, input_data=None, timeout=60, check=True):
    """Run kcat with args (list); return CompletedProcess (stdout/stderr bytes)."""
    p = subprocess.run([KCAT] + list(args), input=input_data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    if check and p.returncode != 0:
        raise HarnessError("kcat %s exited %d: %s" % (" ".join(args), p.returncode,
                                                    p.stderr.decode(errors="replace")[-2000:]))
    return p


def kcat_refused(args, needles, timeout=30):
    """Run kcat with args (a run that cannot succeed, e.g. -L with refused credentials) until
    its stderr shows one of needles (bytes: the error the test expects), then stop it: its
    metadata wait would only time out. kcat ending first, successfully or with another error,
    raises HarnessError. Returns stderr so far."""
    fd, path = tempfile.mkstemp(prefix="kcat-", suffix=".err")
    os.close(fd)
    try:
        with open(path, "wb") as err:
            p = subprocess.Popen([KCAT] + list(args), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=err)
        try:
            def refused():
                text = Path(path).read_bytes()
                if any(n in text for n in needles):
                    return text
                if p.poll() is not None:
                    raise Fatal("kcat %s exited %s without %s:\n%s"
                                % (" ".join(args), p.returncode, " or ".join(map(repr, needles)),
                                   text.decode(errors="replace")[-2000:]))
                return None
            return wait_for(refused, timeout, "kcat to report %s"
                            % " or ".join(map(repr, needles)))
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
    finally:
        os.unlink(path)


def kcat_metadata(bootstrap, topic=None, timeout=30):
    """kcat -L -J parsed (dict)."""
    import json
    args = ["-b", bootstrap, "-L", "-J", "-m", "10"]
    if topic:
        args += ["-t", topic]
    p = kcat(args, timeout=timeout)
    return json.loads(p.stdout.decode())


# ------------------------------------------------------------------ kafka-python

def kp_consumer(bootstrap, **kw):
    from kafka import KafkaConsumer
    conf = dict(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                auto_offset_reset="earliest", consumer_timeout_ms=1000,
                request_timeout_ms=30000, api_version_auto_timeout_ms=10000)
    conf.update(kw)
    return KafkaConsumer(**conf)


def kp_consume_all(bootstrap, topic, partitions, timeout=120, consumer=None):
    """Read every partition of `topic` from offset 0 up to its end offset (taken once at
    the start) with kafka-python. Returns {partition: [ConsumerRecord, ...]}."""
    from kafka import TopicPartition
    own = consumer is None
    c = consumer or kp_consumer(bootstrap)
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        c.assign(tps)
        ends = c.end_offsets(tps)
        for tp in tps:
            c.seek(tp, 0)
        out = {p: [] for p in partitions}
        remaining = {tp for tp in tps if ends[tp] > 0}
        deadline = time.monotonic() + timeout
        while remaining:
            if time.monotonic() > deadline:
                raise HarnessError("kafka-python consume of %s timed out: have %s, want %s"
                                   % (topic, {p: len(v) for p, v in out.items()},
                                      {tp.partition: ends[tp] for tp in tps}))
            batch = c.poll(timeout_ms=500, max_records=10000)
            for tp, recs in batch.items():
                out[tp.partition].extend(recs)
                if out[tp.partition] and out[tp.partition][-1].offset >= ends[tp] - 1:
                    remaining.discard(tp)
        return out
    finally:
        if own:
            c.close()


def kp_partition_metadata(bootstrap, topic, version=5, timeout=30):
    """One Metadata request (v5+ carries offline_replicas) for `topic`, sent by kafka-python's
    own client to any broker. Returns {partition: {"leader", "replicas", "isr", "offline"}}."""
    from kafka.client_async import KafkaClient
    from kafka.protocol.metadata import MetadataRequest
    cl = KafkaClient(bootstrap_servers=bootstrap)
    try:
        node = wait_for(lambda: cl.least_loaded_node(), timeout, "a broker to ask")
        wait_for(lambda: cl.ready(node) or cl.poll(timeout_ms=100) and False, timeout,
                 "kafka-python connected to broker %s" % node)
        fut = cl.send(node, MetadataRequest[version]([topic], False))
        cl.poll(future=fut, timeout_ms=timeout * 1000)
        if not fut.succeeded():
            raise HarnessError("Metadata v%d for %s: %r" % (version, topic, fut.exception))
        for t in fut.value.topics:
            if t[1] == topic:
                return {p[1]: {"leader": p[2], "replicas": list(p[3]), "isr": list(p[4]),
                               "offline": list(p[5])} for p in t[3]}
        raise HarnessError("Metadata v%d did not list %s" % (version, topic))
    finally:
        cl.close()


def kp_admin(bootstrap):
    from kafka.admin import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=20000,
                            api_version_auto_timeout_ms=10000)


# ------------------------------------------------------------------ confluent-kafka

def cf_producer(bootstrap, **kw):
    from confluent_kafka import Producer
    conf = {"bootstrap.servers": bootstrap, "acks": 1, "linger.ms": 5,
            "message.timeout.ms": 30000, "enable.idempotence": False}
    conf.update(kw)
    return Producer(conf)


class DeliveryLog:
    """Delivery-report callback that records successes and failures."""

    def __init__(self):
        self.ok = []        # (partition, offset, key, value, headers)
        self.errors = []    # (error, key, value)

    def __call__(self, err, msg):
        if err is not None:
            self.errors.append((err, msg.key(), msg.value()))
        else:
            self.ok.append((msg.partition(), msg.offset(), msg.key(), msg.value(),
                            msg.headers()))


def cf_produce(producer, topic, messages, dlog, partition=None, timeout=120):
    """messages: iterable of (key, value, headers[, timestamp_ms]). Produces all, flushes."""
    n = 0
    for m in messages:
        kw = dict(key=m[0], value=m[1], headers=m[2] if len(m) > 2 else None,
                  on_delivery=dlog)
        if len(m) > 3 and m[3] is not None:
            kw["timestamp"] = m[3]
        if partition is not None:
            kw["partition"] = partition
        while True:
            try:
                producer.produce(topic, **kw)
                break
            except BufferError:
                producer.poll(0.1)
        n += 1
        if n % 1000 == 0:
            producer.poll(0)
    left = producer.flush(timeout)
    if left:
        raise HarnessError("confluent producer: %d messages still queued after %ss" % (left, timeout))
    return n


def wait_topic_in_metadata(bootstrap, topic, partitions, timeout=30):
    """Wait until kcat -L shows the topic with that many partitions, all with a leader, from
    every broker of the bootstrap list (brokers learn a new topic from the controller one
    after the other: a client that then asks the one that has not yet may see fewer
    partitions, and librdkafka fails produce() to the others with Unknown partition)."""
    def complete(md):
        for t in md.get("topics", []):
            if t["topic"] == topic and not t.get("error") and len(t["partitions"]) == partitions \
                    and all(p["leader"] >= 0 for p in t["partitions"]):
                return True
        return False

    def ok():
        first = None
        for b in bootstrap.split(","):
            md = kcat_metadata(b, topic)
            if not complete(md):
                return None
            first = first or md
        return first
    return wait_for(ok, timeout, "topic %s with %d partitions in metadata" % (topic, partitions),
                    interval=0.2)
