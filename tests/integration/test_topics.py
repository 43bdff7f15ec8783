"""Topic creation: auto-create on/off, CreateTopics through both admin clients, error codes."""

import json

import pytest

import skein_harness as H
from clients import (DeliveryLog, cf_produce, cf_producer, kcat_metadata, kp_admin,
                     wait_topic_in_metadata)
from kafka_wire import KafkaConn, record_batch

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_TOPIC_EXCEPTION = 17
TOPIC_ALREADY_EXISTS = 36


def topic_znode(c, topic):
    return json.loads(c.zk_client().get("/brokers/topics/" + topic)[0])


@pytest.fixture(scope="module")
def autocreate(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(1, tmp_path_factory.mktemp("autocreate"), zk=zk,
                  auto_create_topics_enable="true", num_partitions=3)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def no_autocreate(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(1, tmp_path_factory.mktemp("noautocreate"), zk=zk,
                  auto_create_topics_enable="false", num_partitions=3)
    yield c
    c.stop()


# ------------------------------------------------------------------ auto-create on

def test_autocreate_on_metadata(autocreate):
    # kcat -L -t asks for the topic with allow_auto_topic_creation=true
    md = wait_topic_in_metadata(autocreate.bootstrap, "auto-md", 3)
    assert md
    assert topic_znode(autocreate, "auto-md")["partitions"] == {"0": [0], "1": [0], "2": [0]}


def test_autocreate_on_produce_confluent(autocreate):
    p = cf_producer(autocreate.bootstrap)
    dlog = DeliveryLog()
    cf_produce(p, "auto-produce-cf", [(b"k%d" % i, b"v%d" % i) for i in range(30)], dlog)
    assert dlog.errors == []
    assert len(dlog.ok) == 30
    assert {part for part, *_ in dlog.ok} <= {0, 1, 2}
    assert sorted(topic_znode(autocreate, "auto-produce-cf")["partitions"]) == ["0", "1", "2"]


def test_autocreate_on_produce_kafka_python(autocreate):
    from kafka import KafkaProducer
    prod = KafkaProducer(bootstrap_servers=autocreate.bootstrap, acks=1)
    try:
        md = prod.send("auto-produce-kp", b"hello").get(timeout=30)
    finally:
        prod.close(10)
    assert md.offset == 0
    assert prod is not None
    assert len(topic_znode(autocreate, "auto-produce-kp")["partitions"]) == 3


# ------------------------------------------------------------------ auto-create off

def test_no_autocreate_metadata_reports_unknown(no_autocreate):
    # Until the controller's first UpdateMetadata reaches it, a broker that has just started
    # cannot know that a topic does not exist and answers LEADER_NOT_AVAILABLE (5,
    # test_metadata_startup); a one-broker cluster's start-up check cannot see that moment.
    def answer():
        with KafkaConn.to(no_autocreate.bootstrap) as k:
            err = k.metadata(["nope-md"])["topics"]["nope-md"][0]
        return None if err == 5 else [err]
    assert H.wait_for(answer, 10, "the broker's first UpdateMetadata") == \
        [UNKNOWN_TOPIC_OR_PARTITION]
    assert no_autocreate.zk_client().exists("/brokers/topics/nope-md") is None


def test_no_autocreate_raw_produce_gets_unknown_topic(no_autocreate):
    with KafkaConn.to(no_autocreate.bootstrap) as k:
        err, _ = k.produce("nope-raw", 0, record_batch([(b"k", b"v", [])]), acks=1)
    assert err == UNKNOWN_TOPIC_OR_PARTITION
    assert no_autocreate.zk_client().exists("/brokers/topics/nope-raw") is None


def test_no_autocreate_confluent_produce_fails_unknown_topic(no_autocreate):
    from confluent_kafka import KafkaError
    p = cf_producer(no_autocreate.bootstrap, **{"message.timeout.ms": 10000,
                                               "topic.metadata.propagation.max.ms": 1000})
    dlog = DeliveryLog()
    p.produce("nope-cf", b"v", on_delivery=dlog)
    p.flush(30)
    assert dlog.ok == []
    assert len(dlog.errors) == 1
    code = dlog.errors[0][0].code()
    assert code in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC), dlog.errors[0][0]
    assert no_autocreate.zk_client().exists("/brokers/topics/nope-cf") is None


def test_no_autocreate_kcat_metadata_does_not_create(no_autocreate):
    md = kcat_metadata(no_autocreate.bootstrap, "nope-kcat")
    t = [x for x in md["topics"] if x["topic"] == "nope-kcat"]
    assert t and t[0].get("error"), md
    assert no_autocreate.zk_client().exists("/brokers/topics/nope-kcat") is None


# ------------------------------------------------------------------ CreateTopics

def test_create_topics_kafka_python_admin(no_autocreate):
    from kafka.admin import NewTopic
    from kafka.errors import InvalidTopicError, TopicAlreadyExistsError
    a = kp_admin(no_autocreate.bootstrap)
    try:
        resp = a.create_topics([NewTopic("kp-admin-t", 5, 1, topic_configs={"retention.ms": "3600000"})])
        errs = [t[1] for t in resp.topic_errors]
        assert errs == [0]
        zkc = no_autocreate.zk_client()
        v = topic_znode(no_autocreate, "kp-admin-t")
        assert v["partitions"] == {str(p): [0] for p in range(5)}
        cfg = json.loads(zkc.get("/config/topics/kp-admin-t")[0])
        assert cfg == {"version": 1, "config": {"retention.ms": "3600000"}}
        H.wait_for(lambda: all(zkc.exists("/brokers/topics/kp-admin-t/partitions/%d/state" % p)
                               for p in range(5)), 10, "partition state znodes")
        wait_topic_in_metadata(no_autocreate.bootstrap, "kp-admin-t", 5)

        with pytest.raises(TopicAlreadyExistsError):
            a.create_topics([NewTopic("kp-admin-t", 1, 1)])
        before = sorted(zkc.get_children("/brokers/topics"))
        for bad in ("bad/name", "a" * 250, "..", "white space"):
            with pytest.raises(InvalidTopicError):
                a.create_topics([NewTopic(bad, 1, 1)])
        assert sorted(zkc.get_children("/brokers/topics")) == before
    finally:
        a.close()


def test_create_topics_confluent_admin(no_autocreate):
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": no_autocreate.bootstrap})

    def create(name, parts=2):
        f = a.create_topics([NewTopic(name, num_partitions=parts, replication_factor=1)],
                            request_timeout=20)
        return f[name]

    create("cf-admin-t").result(timeout=30)
    v = topic_znode(no_autocreate, "cf-admin-t")
    assert v["partitions"] == {"0": [0], "1": [0]}
    wait_topic_in_metadata(no_autocreate.bootstrap, "cf-admin-t", 2)
    # the topic is usable
    p = cf_producer(no_autocreate.bootstrap)
    dlog = DeliveryLog()
    cf_produce(p, "cf-admin-t", [(None, b"x")], dlog, partition=1)
    assert dlog.errors == [] and dlog.ok[0][:2] == (1, 0)

    with pytest.raises(KafkaException) as ei:
        create("cf-admin-t").result(timeout=30)
    assert ei.value.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS
    with pytest.raises(KafkaException) as ei:
        create("bad*name").result(timeout=30)
    assert ei.value.args[0].code() == KafkaError.TOPIC_EXCEPTION
