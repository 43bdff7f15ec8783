"""skein-consumer-groups against three brokers: --list, --describe (offsets, members,
state), --reset-offsets in every mode (dry run and --execute), --delete (empty and
active groups), --delete-offsets, --help and usage errors.

Committed offsets are set and read back with confluent-kafka (a consumer that commits
explicit offsets without joining acts as a "simple" group, which is Empty).
"""

import pytest

from test_tools_helpers import H, run
from test_groups import CLUSTER_PROPS, Member, cf_consumer, create_topic, produce, \
    stable_ownership, uniq

BASE_TS = 1767225600000       # 2026-01-01T00:00:00.000Z


def cg(*args, **kw):
    kw.setdefault("timeout", 90)
    return run("skein-consumer-groups", *args, **kw)


@pytest.fixture(scope="module")
def tc(zk, skeind_bin, tmp_path_factory):
    c = H.Cluster(3, tmp_path_factory.mktemp("toolgroups"), zk=zk, **CLUSTER_PROPS)
    yield c
    c.stop()


def commit(b, group, topic, offsets):
    from confluent_kafka import TopicPartition
    c = cf_consumer(b, group)
    try:
        res = c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()],
                       asynchronous=False)
        assert all(tp.error is None for tp in res), res
    finally:
        c.close()


def committed(b, group, topic, partitions):
    """{partition: offset or None}."""
    from confluent_kafka import TopicPartition
    c = cf_consumer(b, group)
    try:
        got = c.committed([TopicPartition(topic, p) for p in partitions], timeout=20)
        return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in got}
    finally:
        c.close()


def rows_of(stdout, group):
    return [line.split() for line in stdout.splitlines() if line.startswith(group + " ")]


# ----------------------------------------------------------------- usage, no broker needed

def test_help_and_usage_errors():
    r = cg("--help")
    assert r.rc == 0 and r.stderr == "", r
    for opt in ("--bootstrap-server", "--list", "--describe", "--reset-offsets", "--delete",
                "--delete-offsets", "--group", "--all-groups", "--members", "--state",
                "--offsets", "--topic", "--all-topics", "--to-earliest", "--to-latest",
                "--to-offset", "--shift-by", "--to-datetime", "--execute", "--dry-run",
                "--command-config", "--timeout"):
        assert opt in r.stdout, opt
    B = ["--bootstrap-server", "127.0.0.1:1"]
    for args, flag in (
            (["--list"], "--bootstrap-server"),
            (B, "action"),
            (B + ["--list", "--describe"], "--describe"),
            (B + ["--describe"], "--group"),
            (B + ["--describe", "--group", "g", "--members", "--state"], "--state"),
            (B + ["--reset-offsets", "--group", "g", "--to-earliest"], "--topic"),
            (B + ["--reset-offsets", "--group", "g", "--topic", "t"], "--to-earliest"),
            (B + ["--reset-offsets", "--group", "g", "--topic", "t", "--to-latest",
                  "--execute", "--dry-run"], "--dry-run"),
            (B + ["--reset-offsets", "--group", "g", "--topic", "t", "--to-datetime",
                  "2026-02-30T00:00:00.000"], "--to-datetime"),
            (B + ["--reset-offsets", "--group", "g", "--topic", "t", "--to-offset", "x"],
             "--to-offset"),
            (B + ["--reset-offsets", "--group", "g", "--topic", "t:a", "--to-latest"],
             "--topic"),
            (B + ["--delete-offsets", "--group", "g"], "--topic"),
            (B + ["--list", "--timeout", "-3"], "--timeout"),
            (B + ["--list", "--bogus"], "--bogus")):
        r = cg(*args)
        assert r.rc == 2, r
        assert r.stdout == "", r
        assert r.stderr.startswith("skein-consumer-groups: "), r
        assert flag in r.stderr.splitlines()[0], (flag, r)


def test_unreachable_broker_fails_with_1():
    r = cg("--bootstrap-server", "127.0.0.1:1", "--list", "--timeout", "1500")
    assert r.rc == 1, r
    assert "Error: " in r.stderr


# ----------------------------------------------------------------- list / describe

def test_list_shows_active_and_simple_groups(tc):
    b = tc.bootstrap
    topic = uniq("lt")
    create_topic(b, topic, 2)
    simple, active = uniq("g-simple"), uniq("g-active")
    commit(b, simple, topic, {0: 1})
    m = Member(b, active, topic, "lister")
    try:
        stable_ownership([m], 2)

        def listed():
            r = cg("--bootstrap-server", b, "--list")
            assert r.rc == 0, r
            names = r.stdout.splitlines()
            return names if {simple, active} <= set(names) else None
        names = H.wait_for(listed, 30, "both groups in --list")
        assert names == sorted(names)
    finally:
        m.close()


def test_describe_offsets_members_state(tc):
    b = tc.bootstrap
    topic, group = uniq("dt"), uniq("g-desc")
    create_topic(b, topic, 2)
    produce(b, topic, 10, range(2))
    m = Member(b, group, topic, "desc-client")
    try:
        stable_ownership([m], 2)
        from test_groups import poll_all
        poll_all([m], lambda: len(m.records) >= 20, 60, "20 records")
        from confluent_kafka import TopicPartition
        m.c.commit(offsets=[TopicPartition(topic, 0, 4), TopicPartition(topic, 1, 10)],
                   asynchronous=False)

        r = cg("--bootstrap-server", b, "--describe", "--group", group)
        assert r.rc == 0, r
        lines = r.stdout.splitlines()
        header = [x for x in lines if x.startswith("GROUP ")]
        assert header and header[0].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET",
                                                "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
                                                "CLIENT-ID"], r.stdout
        rows = rows_of(r.stdout, group)
        assert [x[1:6] for x in rows] == [[topic, "0", "4", "10", "6"],
                                          [topic, "1", "10", "10", "0"]], r.stdout
        assert all(x[8] == "desc-client" and x[6] != "-" and x[7] != "-" for x in rows)
        consumer_id = rows[0][6]

        r = cg("--bootstrap-server", b, "--describe", "--group", group, "--members",
               "--verbose")
        assert r.rc == 0, r
        rows = rows_of(r.stdout, group)
        assert len(rows) == 1, r.stdout
        assert rows[0][1] == consumer_id and rows[0][3] == "desc-client"
        assert rows[0][4:] == ["2", "%s(0,1)" % topic], r.stdout

        r = cg("--bootstrap-server", b, "--describe", "--group", group, "--state")
        assert r.rc == 0, r
        rows = rows_of(r.stdout, group)
        assert len(rows) == 1 and rows[0][-3:] == ["range", "Stable", "1"], r.stdout

        r = cg("--bootstrap-server", b, "--describe", "--all-groups", "--state")
        assert r.rc == 0, r
        assert rows_of(r.stdout, group), r.stdout
    finally:
        m.close()

    # once the member has left: the note, offsets kept, no owner
    def empty():
        r = cg("--bootstrap-server", b, "--describe", "--group", group)
        return r if r.rc == 0 and "has no active members" in r.stdout else None
    r = H.wait_for(empty, 30, "group %s without members" % group)
    assert "Consumer group '%s' has no active members." % group in r.stdout
    assert [x[3:] for x in rows_of(r.stdout, group)] == [["4", "10", "6", "-", "-", "-"],
                                                         ["10", "10", "0", "-", "-", "-"]]


def test_describe_missing_group(tc):
    g = uniq("g-none")
    r = cg("--bootstrap-server", tc.bootstrap, "--describe", "--group", g)
    assert r.rc == 1, r
    assert "Error: Consumer group '%s' does not exist." % g in r.stderr


# ----------------------------------------------------------------- reset

@pytest.fixture(scope="module")
def reset_topic(tc):
    """Two partitions of ten messages with CreateTime BASE_TS + i seconds."""
    topic = uniq("rt")
    create_topic(tc.bootstrap, topic, 2)
    produce(tc.bootstrap, topic, 10, range(2), timestamps=lambda p, i: BASE_TS + i * 1000)
    return topic


RESET_CASES = [
    (["--to-earliest"], {0: 0, 1: 0}),
    (["--to-latest"], {0: 10, 1: 10}),
    (["--to-current"], {0: 4, 1: 6}),
    (["--to-offset", "3"], {0: 3, 1: 3}),
    (["--to-offset", "100"], {0: 10, 1: 10}),          # clamped to the log end
    (["--shift-by", "-2"], {0: 2, 1: 4}),
    (["--shift-by", "5"], {0: 9, 1: 10}),               # clamped
    (["--shift-by", "-50"], {0: 0, 1: 0}),              # clamped
    (["--to-datetime", "2026-01-01T00:00:05.000"], {0: 5, 1: 5}),
    (["--to-datetime", "2026-01-01T00:00:04.500Z"], {0: 5, 1: 5}),
    (["--to-datetime", "2026-01-01T01:00:07.000+01:00"], {0: 7, 1: 7}),
    (["--to-datetime", "2030-01-01T00:00:00.000"], {0: 10, 1: 10}),   # none that late
]


@pytest.mark.parametrize("args,want", RESET_CASES, ids=[" ".join(a) for a, _ in RESET_CASES])
def test_reset_offsets(tc, reset_topic, args, want):
    b, topic = tc.bootstrap, reset_topic
    group = uniq("g-reset")
    commit(b, group, topic, {0: 4, 1: 6})
    base = ["--bootstrap-server", b, "--reset-offsets", "--group", group, "--topic", topic]

    for dry in ([], ["--dry-run"]):
        r = cg(*(base + args + dry))
        assert r.rc == 0, r
        assert [x[1:] for x in rows_of(r.stdout, group)] == \
            [[topic, "0", str(want[0])], [topic, "1", str(want[1])]], r.stdout
        assert committed(b, group, topic, [0, 1]) == {0: 4, 1: 6}

    r = cg(*(base + args + ["--execute"]))
    assert r.rc == 0, r
    assert [x[1:] for x in rows_of(r.stdout, group)] == \
        [[topic, "0", str(want[0])], [topic, "1", str(want[1])]], r.stdout
    assert committed(b, group, topic, [0, 1]) == want


def test_reset_scopes_and_refusals(tc, reset_topic):
    b, topic = tc.bootstrap, reset_topic
    group = uniq("g-scope")
    commit(b, group, topic, {0: 4, 1: 6})
    # one partition only
    r = cg("--bootstrap-server", b, "--reset-offsets", "--group", group, "--topic",
           topic + ":1", "--to-earliest", "--execute")
    assert r.rc == 0, r
    assert [x[1:] for x in rows_of(r.stdout, group)] == [[topic, "1", "0"]]
    assert committed(b, group, topic, [0, 1]) == {0: 4, 1: 0}
    # --all-topics: every partition with an offset
    r = cg("--bootstrap-server", b, "--reset-offsets", "--group", group, "--all-topics",
           "--to-latest", "--execute")
    assert r.rc == 0, r
    assert committed(b, group, topic, [0, 1]) == {0: 10, 1: 10}
    # shift-by needs a committed offset
    fresh = uniq("g-fresh")
    r = cg("--bootstrap-server", b, "--reset-offsets", "--group", fresh, "--topic", topic,
           "--shift-by", "1")
    assert r.rc == 1, r
    assert "no current committed offset" in r.stderr
    # a group that does not exist yet can be given offsets (it is inactive)
    r = cg("--bootstrap-server", b, "--reset-offsets", "--group", fresh, "--topic", topic,
           "--to-offset", "2", "--execute")
    assert r.rc == 0, r
    assert committed(b, fresh, topic, [0, 1]) == {0: 2, 1: 2}
    # unknown topic / partition
    r = cg("--bootstrap-server", b, "--reset-offsets", "--group", group, "--topic",
           uniq("no-topic"), "--to-earliest")
    assert r.rc == 1 and "does not exist" in r.stderr, r
    r = cg("--bootstrap-server", b, "--reset-offsets", "--group", group, "--topic",
           topic + ":7", "--to-earliest")
    assert r.rc == 1 and "does not exist" in r.stderr, r

    # an active group is refused, dry run or not, and keeps its offsets
    active = uniq("g-busy")
    commit(b, active, topic, {0: 1, 1: 1})
    m = Member(b, active, topic, "busy")
    try:
        stable_ownership([m], 2)
        for extra in ([], ["--execute"]):
            r = cg("--bootstrap-server", b, "--reset-offsets", "--group", active, "--topic",
                   topic, "--to-earliest", *extra)
            assert r.rc == 1, r
            assert ("Assignments can only be reset if the group '%s' is inactive, but the "
                    "current state is Stable." % active) in r.stderr, r
        assert committed(b, active, topic, [0, 1]) == {0: 1, 1: 1}
    finally:
        m.close()


# ----------------------------------------------------------------- delete

def test_delete_groups(tc):
    b = tc.bootstrap
    topic = uniq("del")
    create_topic(b, topic, 2)
    idle, busy = uniq("g-idle"), uniq("g-busy")
    commit(b, idle, topic, {0: 1, 1: 2})
    r = cg("--bootstrap-server", b, "--delete", "--group", idle)
    assert r.rc == 0, r
    assert r.stdout.strip() == "Deletion of requested consumer groups ('%s') was successful." \
        % idle
    r = cg("--bootstrap-server", b, "--describe", "--group", idle)
    assert r.rc == 1 and "does not exist" in r.stderr, r
    assert committed(b, idle, topic, [0, 1]) == {0: None, 1: None}
    assert idle not in cg("--bootstrap-server", b, "--list").stdout.splitlines()

    m = Member(b, busy, topic, "busy")
    try:
        stable_ownership([m], 2)
        r = cg("--bootstrap-server", b, "--delete", "--group", busy)
        assert r.rc == 1, r
        assert "* Group '%s' could not be deleted due to: " % busy in r.stderr, r
        assert "not empty" in r.stderr.lower(), r
        r = cg("--bootstrap-server", b, "--describe", "--group", busy, "--state")
        assert r.rc == 0 and rows_of(r.stdout, busy)[0][-2:] == ["Stable", "1"], r
    finally:
        m.close()


def test_delete_offsets(tc):
    b = tc.bootstrap
    t1, t2 = uniq("do1"), uniq("do2")
    create_topic(b, t1, 2)
    create_topic(b, t2, 1)
    group = uniq("g-do")
    commit(b, group, t1, {0: 3, 1: 4})
    commit(b, group, t2, {0: 5})
    r = cg("--bootstrap-server", b, "--delete-offsets", "--group", group, "--topic", t1)
    assert r.rc == 0, r
    lines = r.stdout.splitlines()
    assert "Request succeed for deleting offsets with topic %s group %s" % (t1, group) in lines
    rows = [x.split() for x in lines if x.startswith(t1 + " ")]
    assert rows == [[t1, "0", "Successful"], [t1, "1", "Successful"]], r.stdout
    assert committed(b, group, t1, [0, 1]) == {0: None, 1: None}
    assert committed(b, group, t2, [0]) == {0: 5}

    # a group subscribed to the topic keeps its offsets
    busy = uniq("g-dobusy")
    commit(b, busy, t2, {0: 1})
    m = Member(b, busy, t2, "busy")
    try:
        stable_ownership([m], 1)
        r = cg("--bootstrap-server", b, "--delete-offsets", "--group", busy, "--topic", t2)
        assert r.rc == 1, r
        assert "subscribed" in (r.stdout + r.stderr).lower(), r
        assert committed(b, busy, t2, [0]) == {0: 1}
    finally:
        m.close()


def test_command_config_and_timeout(tc, tmp_path):
    """--command-config passes librdkafka properties (a bad one fails naming it, exit 1);
    --timeout bounds the wait for an unreachable broker."""
    b = tc.bootstrap
    good = tmp_path / "client.properties"
    good.write_text("# client settings\nclient.id=from-file\nsocket.timeout.ms=20000\n")
    r = cg("--bootstrap-server", b, "--list", "--command-config", str(good))
    assert r.rc == 0, r
    bad = tmp_path / "bad.properties"
    bad.write_text("no.such.property=1\n")
    r = cg("--bootstrap-server", b, "--list", "--command-config", str(bad))
    assert r.rc == 1 and "no.such.property" in r.stderr, r
    r = cg("--bootstrap-server", b, "--list", "--command-config", str(tmp_path / "missing"))
    assert r.rc == 1 and "missing" in r.stderr, r
    import time
    t0 = time.monotonic()
    r = cg("--bootstrap-server", "127.0.0.1:1", "--describe", "--group", "g", "--timeout",
           "1000")
    assert r.rc == 1, r
    assert time.monotonic() - t0 < 20, "--timeout 1000 took %.1fs" % (time.monotonic() - t0)
