#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpus of the fuzz targets.

    tests/fuzz/make_corpus.py [--messages DIR] [--out DIR]

Rewrites tests/fuzz/corpus/<target>/ of the targets below (a few small,
valid inputs per target; the fuzzer starts from these and keeps what it
finds in the build tree); other directories there are left alone.
Request and response bodies are encoded from Kafka's message schemas (the
JSON files of clients/src/main/resources/common/message, by default
../shared/kafka-protocol/messages beside the source tree), every field
filled with a small non-default value; record batches, compressed blocks,
znodes and the files of a log directory are built here; the request frames
captured from real clients (tests/unit/data/*.bin) are copied. Everything
is deterministic: running it again gives the same files. The compressed
seeds use the gzip, lz4 and zstd commands when present.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (ApiKey, message name, versions to seed): the APIs of common/apis.c, each
# at its oldest version, a middle one and its newest, so that classic and
# flexible encodings are both present.
APIS = [
    (0, "Produce", [3, 7, 9]),
    (1, "Fetch", [4, 11, 12]),
    (2, "ListOffsets", [1, 5, 7]),
    (3, "Metadata", [1, 5, 9, 12]),
    (4, "LeaderAndIsr", [2, 5]),
    (5, "StopReplica", [1, 3]),
    (6, "UpdateMetadata", [5, 7]),
    (7, "ControlledShutdown", [0, 1, 3]),
    (8, "OffsetCommit", [2, 7, 8]),
    (9, "OffsetFetch", [1, 5, 8]),
    (10, "FindCoordinator", [1, 3, 4]),
    (11, "JoinGroup", [1, 5, 7]),
    (12, "Heartbeat", [1, 3, 4]),
    (13, "LeaveGroup", [1, 3, 4]),
    (14, "SyncGroup", [1, 3, 5]),
    (15, "DescribeGroups", [1, 3, 5]),
    (16, "ListGroups", [1, 4]),
    (18, "ApiVersions", [0, 3]),
    (19, "CreateTopics", [3, 4, 5, 7]),
    (20, "DeleteTopics", [1, 4, 6]),
    (21, "DeleteRecords", [0, 2]),
    (22, "InitProducerId", [1, 2, 4]),
    (23, "OffsetForLeaderEpoch", [2, 4]),
    (32, "DescribeConfigs", [1, 4]),
    (33, "AlterConfigs", [0, 1, 2]),
    (34, "AlterReplicaLogDirs", [1, 2]),
    (35, "DescribeLogDirs", [1, 3, 4]),
    (37, "CreatePartitions", [1, 2, 3]),
    (42, "DeleteGroups", [1, 2]),
    (43, "ElectLeaders", [0, 2]),
    (45, "AlterPartitionReassignments", [0]),
    (46, "ListPartitionReassignments", [0]),
    (44, "IncrementalAlterConfigs", [0, 1]),
    (47, "OffsetDelete", [0]),
    (48, "DescribeClientQuotas", [0, 1]),
    (49, "AlterClientQuotas", [0, 1]),
    (56, "AlterPartition", [0, 1, 2, 3]),
    (60, "DescribeCluster", [0, 1]),
    (61, "DescribeProducers", [0]),
]
GROUP_KEYS = {8, 9, 10, 11, 12, 13, 14, 15, 16, 22, 42, 47}


# --- wire primitives -------------------------------------------------------

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def varint(v):
    return uvarint((v << 1) ^ (v >> 63) if v < 0 else v << 1)


def string(s, compact=False):
    if s is None:
        return uvarint(0) if compact else i16(-1)
    b = s.encode()
    return (uvarint(len(b) + 1) if compact else i16(len(b))) + b


def blob(b, compact=False):
    if b is None:
        return uvarint(0) if compact else i32(-1)
    return (uvarint(len(b) + 1) if compact else i32(len(b))) + b


def count(n, compact):
    return uvarint(n + 1) if compact else i32(n)


# --- CRC-32C and record batches --------------------------------------------

def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def record(offset_delta, key, value, headers=(), ts_delta=0):
    body = bytearray(i8(0))
    body += varint(ts_delta) + varint(offset_delta)
    body += varint(-1) if key is None else varint(len(key)) + key
    body += varint(-1) if value is None else varint(len(value)) + value
    body += varint(len(headers))
    for hk, hv in headers:
        body += varint(len(hk)) + hk
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def batch(records, base_offset=0, attributes=0, producer_id=-1, producer_epoch=-1,
          base_sequence=-1, leader_epoch=0, payload=None, first_ts=1700000000000):
    """A RecordBatch v2 around records (or around payload, already encoded
    and possibly compressed, holding len(records) records)."""
    n = len(records)
    data = payload if payload is not None else b"".join(records)
    after_crc = (i16(attributes) + i32(max(n - 1, 0)) + i64(first_ts) + i64(first_ts + n) +
                 i64(producer_id) + i16(producer_epoch) + i32(base_sequence) + i32(n) + data)
    crc = struct.pack(">I", crc32c(after_crc))
    after_length = i32(leader_epoch) + i8(2) + crc + after_crc
    return i64(base_offset) + i32(len(after_length)) + after_length


def sample_records():
    return [
        record(0, b"key-1", b"value one", [(b"h1", b"v1")]),
        record(1, None, b"no key"),
        record(2, b"key-1", None, [(b"h2", None)], ts_delta=3),
    ]


# --- schema-driven encoding ------------------------------------------------

def in_versions(spec, v):
    """Kafka's version ranges: "0+", "3", "2-4", "none"."""
    if not spec or spec == "none":
        return False
    if spec.endswith("+"):
        return v >= int(spec[:-1])
    if "-" in spec:
        lo, hi = spec.split("-")
        return int(lo) <= v <= int(hi)
    return v == int(spec)


class Schema:
    def __init__(self, path):
        text = re.sub(r"^\s*//.*$", "", open(path).read(), flags=re.M)
        self.msg = json.loads(text)
        self.common = {s["name"]: s["fields"] for s in self.msg.get("commonStructs", [])}

    def flexible(self, v):
        return in_versions(self.msg.get("flexibleVersions", "none"), v)

    def encode(self, v):
        return self.fields(self.msg["fields"], v, self.flexible(v))

    def fields(self, fields, v, flex):
        out = bytearray()
        for f in fields:
            if "taggedVersions" in f or not in_versions(f.get("versions"), v):
                continue
            out += self.value(f, f["type"], v, flex)
        if flex:
            out += uvarint(0)  # no tagged fields
        return bytes(out)

    def value(self, f, typ, v, flex):
        name = f["name"]
        if typ.startswith("[]"):
            elem = typ[2:]
            inner = dict(f, type=elem)
            return count(1, flex) + self.value(inner, elem, v, flex)
        if typ == "bool":
            return i8(1 if name.startswith(("Include", "Allow", "Validate")) else 0)
        if typ == "int8":
            return i8(0 if "Type" in name else 1)
        if typ == "int16":
            return i16(0 if name == "ErrorCode" else 1)
        if typ in ("int32", "uint16"):
            if name in ("Port",):
                return i32(9092)
            if name.endswith("Count") or name == "NumPartitions":
                return i32(2)
            return i32(1)
        if typ == "int64":
            return i64(-1 if name == "ProducerId" else 42)
        if typ == "float64":
            return struct.pack(">d", 0.5)
        if typ == "uuid":
            return bytes(range(1, 17))
        if typ == "string":
            text = {"GroupId": "grp", "MemberId": "member-1", "Topic": "t", "Name": "t",
                    "TopicName": "t", "Host": "127.0.0.1", "HostName": "127.0.0.1",
                    "ClientId": "c", "ProtocolType": "consumer", "ProtocolName": "range",
                    "Key": "grp"}.get(name, name.lower())
            return string(text, flex)
        if typ == "bytes":
            return blob(b"\x00\x01\x00\x00", flex)
        if typ == "records":
            return blob(batch(sample_records()), flex)
        fields = f.get("fields") or self.common.get(typ)
        if fields is None:
            raise ValueError("unknown type %s of %s" % (typ, name))
        return self.fields(fields, v, flex)


def request_header(key, version, flexible, client_id="fuzz"):
    if key == 7 and version == 0:  # ControlledShutdown v0: header v0, no client id
        return i16(key) + i16(version) + i32(7)
    h = i16(key) + i16(version) + i32(7) + string(client_id)
    return h + (uvarint(0) if flexible else b"")


# --- the targets' seeds ----------------------------------------------------

class Corpus:
    def __init__(self, out):
        self.out = out
        self.sizes = {}

    def put(self, target, name, data):
        d = os.path.join(self.out, target)
        if target not in self.sizes:
            # Only the directories written here are replaced: a target may
            # keep hand-made seeds of its own in another one.
            shutil.rmtree(d, ignore_errors=True)
            self.sizes[target] = 0
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        self.sizes[target] += len(data)


def protocol_seeds(c, messages):
    captures = os.path.join(TOP, "tests", "unit", "data")
    for fn in sorted(os.listdir(captures)):
        if fn.endswith(".bin"):
            data = open(os.path.join(captures, fn), "rb").read()
            c.put("fuzz_request", "capture-" + fn[:-4], data)
    if not os.path.isdir(messages):
        print("make_corpus: %s not found: schema-encoded seeds skipped" % messages,
              file=sys.stderr)
        return
    for key, name, versions in APIS:
        req = Schema(os.path.join(messages, name + "Request.json"))
        resp = Schema(os.path.join(messages, name + "Response.json"))
        for v in versions:
            body = req.encode(v)
            # ApiVersions keeps request header v2 from v3; every other API
            # uses v2 exactly when its request is flexible.
            frame = request_header(key, v, req.flexible(v)) + body
            tag = "%s-v%d" % (name.lower(), v)
            target = "fuzz_group" if key in GROUP_KEYS else "fuzz_request"
            c.put(target, tag, frame)
            c.put("fuzz_codec", tag + "-req", bytes([key, v, 0]) + body)
            c.put("fuzz_codec", tag + "-resp", bytes([key, v, 1]) + resp.encode(v))


def offsets_topic_seeds(c):
    """__consumer_offsets records (fuzz_group's ApiKey -1)."""
    hdr = request_header(-1, 0, False)
    c.put("fuzz_group", "offrec-key-v1", hdr + i16(1) + string("grp") + string("t") + i32(3))
    c.put("fuzz_group", "offrec-groupkey-v2", hdr + i16(2) + string("grp"))
    c.put("fuzz_group", "offrec-offset-v3",
          hdr + i16(3) + i64(42) + i32(5) + string("meta") + i64(1700000000000))
    c.put("fuzz_group", "offrec-offset-v1",
          hdr + i16(1) + i64(42) + string("") + i64(1700000000000) + i64(1700000600000))
    member = (string("member-1") + string(None) + string("c") + string("/127.0.0.1") +
              i32(300000) + i32(10000) + blob(b"\x00\x01") + blob(b"\x00\x02"))
    c.put("fuzz_group", "offrec-group-v3",
          hdr + i16(3) + string("consumer") + i32(4) + string("range") + string("member-1") +
          i64(1700000000000) + i32(1) + member)  # one member


def batch_seeds(c):
    recs = sample_records()
    one = batch(recs[:1])
    three = batch(recs, base_offset=100, producer_id=4000, producer_epoch=0, base_sequence=0)
    gz = batch(recs, attributes=1, payload=gzip.compress(b"".join(recs), mtime=0))
    control = batch([record(0, b"\x00\x00\x00\x00", b"\x00\x00\x00\x00\x00\x00")],
                    attributes=0x30, producer_id=7, producer_epoch=1)
    c.put("fuzz_recbatch", "one-record", one)
    c.put("fuzz_recbatch", "three-records-idempotent", three)
    c.put("fuzz_recbatch", "gzip", gz)
    c.put("fuzz_recbatch", "control", control)
    c.put("fuzz_recbatch", "stream-of-two", one + three)
    c.put("fuzz_recbatch", "empty-batch", batch([]))
    # fuzz_compact: byte 0 even = keys then damage; odd = a .log.swap file.
    c.put("fuzz_compact", "keys", b"\x00\x01\x02\x03\x01\x02\x04\x00\x10\x20\x30")
    c.put("fuzz_compact", "damage", b"\x02" + bytes(range(0, 200, 7)))
    c.put("fuzz_compact", "swap-two-batches", b"\x01" + one + batch(recs, base_offset=1))
    c.put("fuzz_compact", "swap-cut", b"\x01" + three[:40])


def compress_seeds(c):
    text = b"".join(b"record %d of the seed corpus, key-%d\n" % (i, i % 4) for i in range(24))
    c.put("fuzz_compress", "gzip", gzip.compress(text, mtime=0))
    # A raw snappy block written by hand: length, then one literal (tag
    # (len-1) << 2 for up to 60 bytes), then a copy of 8 bytes from 8 back.
    lit = text[:48]
    raw = uvarint(len(lit) + 8) + bytes([(len(lit) - 1) << 2]) + lit + bytes([0x01 | (4 << 2), 8])
    c.put("fuzz_compress", "snappy-raw", raw)
    xerial = b"\x82SNAPPY\x00" + i32(1) + i32(1) + i32(len(raw)) + raw
    c.put("fuzz_compress", "snappy-xerial", xerial)
    for tool, args in (("lz4", ["-c", "-q"]), ("zstd", ["-c", "-q"])):
        if shutil.which(tool):
            out = subprocess.run([tool] + args, input=text, stdout=subprocess.PIPE,
                                 check=True).stdout
            c.put("fuzz_compress", tool, out)
        else:
            print("make_corpus: no %s command: its seed skipped" % tool, file=sys.stderr)


def text_seeds(c):
    c.put("fuzz_props", "server-0.properties",
          open(os.path.join(TOP, "deploy", "server-0.properties"), "rb").read())
    c.put("fuzz_props", "escapes.properties",
          b"# comment\n! also a comment\nkey = value\nkey2:value2\nkey3 value3\n"
          b"multi = first \\\n    second\nunicode=caf\\u00e9\\t\\n\nempty=\n"
          b"a\\=b=c\r\nlast.key=last\\\\")
    # zookeeper.digest.file / --zk-digest-file (zkauth.c, checked in the same target)
    c.put("fuzz_props", "zk-digest.properties",
          b"# the brokers' ZooKeeper identity\nusername=kafka\npassword=s3cret:with=odd chars\n")
    c.put("fuzz_props", "zk-digest-bad.properties",
          b"username=ka\\:fka\npassword=\nuser=other\n")
    c.put("fuzz_storage_files", "leader-epoch-checkpoint", b"0\n3\n0 0\n2 57\n5 120\n")
    c.put("fuzz_storage_files", "offset-checkpoint",
          b"0\n3\nt 0 42\nt 1 7\n__consumer_offsets 12 1000\n")
    c.put("fuzz_storage_files", "partition.metadata",
          b"version: 0\ntopic_id: AQIDBAUGBwgJCgsMDQ4PEA\n")
    c.put("fuzz_storage_files", "meta.properties",
          b"#\n#Mon Dec 07 12:00:00 UTC 2026\nversion=0\nbroker.id=1\n"
          b"cluster.id=AQIDBAUGBwgJCgsMDQ4PEA\n")


def znode_seeds(c):
    z = [
        (0, "topic", {"version": 3, "topic_id": "AQIDBAUGBwgJCgsMDQ4PEA",
                      "partitions": {"0": [1, 2, 3], "1": [2, 3, 1]},
                      "adding_replicas": {"1": [3]}, "removing_replicas": {}}),
        (1, "broker", {"listener_security_protocol_map": {"PLAINTEXT": "PLAINTEXT",
                                                          "SSL": "SSL"},
                       "endpoints": ["PLAINTEXT://127.0.0.1:9092", "SSL://127.0.0.1:9093"],
                       "rack": "r1", "jmx_port": -1, "port": 9092, "host": "127.0.0.1",
                       "version": 5, "timestamp": "1700000000000"}),
        (2, "partition-state", {"controller_epoch": 3, "leader": 1, "version": 1,
                                "leader_epoch": 4, "isr": [1, 2, 3]}),
        (3, "topic-config", {"version": 1, "config": {"retention.ms": "60000",
                                                      "cleanup.policy": "compact"}}),
        (4, "controller", {"version": 2, "brokerid": 1, "timestamp": "1700000000000",
                           "kraftControllerEpoch": -1}),
        (5, "cluster-id", {"version": "1", "id": "AQIDBAUGBwgJCgsMDQ4PEA"}),
    ]
    for sel, name, obj in z:
        c.put("fuzz_znode", name, bytes([sel]) + json.dumps(obj, sort_keys=True).encode())
    c.put("fuzz_znode", "controller-epoch", b"\x04" + b"7")
    c.put("fuzz_znode", "uuid", b"\x06" + b"AQIDBAUGBwgJCgsMDQ4PEA")
    c.put("fuzz_znode", "topic-name", b"\x06" + b"orders.eu-west_1")
    # /admin/reassign_partitions and skein-reassign-partitions' files (selector 7)
    c.put("fuzz_znode", "reassign", b"\x07" + json.dumps(
        {"version": 1, "partitions": [{"topic": "foo", "partition": 0, "replicas": [4, 2, 3]},
                                      {"topic": "foo", "partition": 1, "replicas": [2, 3],
                                       "log_dirs": ["any", "any"]}]}).encode())
    c.put("fuzz_znode", "topics-to-move", b"\x07" + json.dumps(
        {"topics": [{"topic": "foo"}, {"topic": "bar"}], "version": 1}).encode())
    # /config/changes notifications (selector 3 runs both config decoders)
    c.put("fuzz_znode", "config-change-v2",
          b'\x03{"version":2,"entity_path":"users/alice/clients/app"}')
    c.put("fuzz_znode", "config-change-v1",
          b'\x03{"version":1,"entity_type":"topics","entity_name":"orders"}')


def verify_seeds(c):
    def vrec(producer, seq, ts):
        text = b"skv1 %016x %05d %012d %016d " % (0x0123456789ABCDEF, producer, seq, ts)
        return text + b"%08x" % crc32c(text)

    recs = b"".join(bytes([len(r), p]) + r for p, r in
                    ((0, vrec(0, 0, 1)), (1, vrec(1, 0, 2)), (0, vrec(0, 1, 3))))
    c.put("fuzz_verify", "records", b"\x00" + recs)
    c.put("fuzz_verify", "foreign-records", b"\x00" + b"\x05\x00hello\x03\x01abc")
    state = (b"skein-verify-state 1\nrun 0123456789abcdef\ntopic verify\nproducers 2\n"
             b"start 0 0\nstart 1 5\na 0 0 0 0 1500\na 0 1 1 5 900\nf 1 0\n"
             b"sent 0 2\nsent 1 1\nend\n")
    c.put("fuzz_verify", "state", b"\x01" + state)


def sasl_seeds(c):
    """fuzz_sasl: byte 0 picks the parser (see its header); the user table,
    the credential (password "pencil", salt "salt", 4096 iterations) and
    the nonces are the target's own."""
    import base64
    b64 = lambda b: base64.b64encode(b).decode()
    c.put("fuzz_sasl", "plain", b"\x00" + b"\x00alice\x00alice-secret")
    c.put("fuzz_sasl", "plain-authzid", b"\x00" + b"bob\x00bob\x00b")
    c.put("fuzz_sasl", "jaas", b"\x01" + b"org.apache.kafka.common.security.plain.PlainLoginModule "
          b"required username=\"admin\" password=\"x\\\"y\" user_admin=\"x\";")
    c.put("fuzz_sasl", "scram-client-first", b"\x02" + b"n,,n=user,r=fuzznonce")
    c.put("fuzz_sasl", "scram-client-final",
          b"\x03" + ("c=biws,r=fuzzSRV,p=" + b64(bytes(32))).encode())
    cred = "salt=%s,stored_key=%s,server_key=%s,iterations=4096" % (
        b64(b"salt"), b64(bytes(range(32))), b64(bytes(range(32, 64))))
    c.put("fuzz_sasl", "scram-credential", b"\x04" + cred.encode())
    c.put("fuzz_sasl", "scram-user-config", b"\x04" + json.dumps(
        {"version": 1, "config": {"SCRAM-SHA-256": cred}}, sort_keys=True).encode())
    c.put("fuzz_sasl", "scram-server-messages",
          b"\x05" + ("r=cnonceSRV,s=%s,i=4096" % b64(b"salt")).encode() + b"\x00" +
          ("v=" + b64(bytes(32))).encode())


def tool_json_seeds(c):
    """skein-delete-records' offset JSON (Kafka's kafka-delete-records.sh format)."""
    files = {
        "delete-records-kafka-example": {"partitions": [{"topic": "foo", "partition": 1,
                                                         "offset": 1}], "version": 1},
        "delete-records-high-watermark": {"partitions": [
            {"topic": "orders.eu-west_1", "partition": 0, "offset": -1},
            {"topic": "orders.eu-west_1", "partition": 2, "offset": 9007199254740993},
            {"topic": "payments", "partition": 2147483647, "offset": 0}]},
    }
    for name, obj in files.items():
        c.put("fuzz_tooljson", name, json.dumps(obj).encode())
    c.put("fuzz_tooljson", "delete-records-duplicate",
          b'{"partitions":[{"topic":"t","partition":0,"offset":1},'
          b'{"topic":"t","partition":0,"offset":2}]}')


def quota_seeds(c):
    """fuzz_quota: quota entity znodes (0), entity paths (1), names (2)."""
    scram = "salt=c2FsdA==,stored_key=c3RvcmVk,server_key=c2VydmVy,iterations=4096"
    znodes = {
        "user-rates": {"producer_byte_rate": "1048576", "consumer_byte_rate": "2097152"},
        "percentage": {"request_percentage": "200.0"},
        "with-scram": {"SCRAM-SHA-256": scram, "producer_byte_rate": "1024"},
        "empty": {},
    }
    for name, cfg in znodes.items():
        c.put("fuzz_quota", "znode-" + name,
              b"\x00" + json.dumps({"version": 1, "config": cfg}).encode())
    c.put("fuzz_quota", "znode-negative",
          b'\x00{"version":1,"config":{"producer_byte_rate":"-5"}}')
    for i, path in enumerate(["users/alice", "users/<default>/clients/<default>",
                              "users/CN%3Dalice%2CO%3DAcme/clients/my%20app%2A",
                              "clients/<default>", "users/%3Cdefault%3E"]):
        c.put("fuzz_quota", "path-%d" % i, b"\x01" + path.encode())
    c.put("fuzz_quota", "name", b"\x02" + "CN=al ice,O=Acme*~\u00e9".encode())


def pwenc_seeds(c):
    """fuzz_pwenc: encoded passwords as Kafka's PasswordEncoder writes them (secret
    'skein-secret'), made here with hashlib's PBKDF2 and the openssl command's AES-CBC."""
    import base64
    import hashlib
    import subprocess
    b64 = lambda b: base64.b64encode(b).decode()
    salt, iv = bytes(range(256)), bytes(range(1, 17))
    for name, md, bits, it, pw in (("sha512-128", "sha512", 128, 4096, "store-secret"),
                                   ("sha1-256", "sha1", 256, 1000, "p\u00e4ssw\u00f6rd")):
        key = hashlib.pbkdf2_hmac(md, b"skein-secret", salt, it, bits // 8)
        enc = subprocess.run(["openssl", "enc", "-aes-%d-cbc" % bits, "-K", key.hex(),
                              "-iv", iv.hex()], input=pw.encode(), capture_output=True,
                             check=True).stdout
        fields = [("keyFactoryAlgorithm", "PBKDF2WithHmac" + md.upper()),
                  ("cipherAlgorithm", "AES/CBC/PKCS5Padding"), ("keyLength", str(bits)),
                  ("salt", b64(salt)), ("iterations", str(it)), ("encryptedPassword", b64(enc)),
                  ("passwordLength", str(len(pw))), ("initializationVector", b64(iv))]
        c.put("fuzz_pwenc", name, ",".join("%s:%s" % f for f in fields).encode())
    c.put("fuzz_pwenc", "plain", b"store-secret")


def prom_seeds(c):
    """fuzz_prom: Prometheus text (0), an HTTP answer (1), URLs (2), as skein-top reads them."""
    scrape = (
        "# HELP kafka_server_brokertopicmetrics_bytesin_total Record batch bytes appended.\n"
        "# TYPE kafka_server_brokertopicmetrics_bytesin_total counter\n"
        'kafka_server_brokertopicmetrics_bytesin_total{topic="orders"} 123456\n'
        "# TYPE kafka_server_replicamanager_leadercount gauge\n"
        "kafka_server_replicamanager_leadercount 4\n"
        "kafka_controller_kafkacontroller_activecontrollercount 1\n"
        'kafka_network_requestmetrics_requests_total{request="Produce",version="9"} 17\n'
        'kafka_network_requestmetrics_totaltimems_bucket{request="Fetch",le="+Inf"} 3\n'
        "kafka_network_requestmetrics_totaltimems_sum{request=\"Fetch\"} 1.5e-3\n"
        'kafka_consumergroup_lag{group="g \\"q\\" \\\\ \\n",topic="t",partition="2"} 15\n'
        "skein_metrics_render_seconds 0.000412 1700000000000\n"
        "x NaN\nx +Inf\nx -Inf\n")
    c.put("fuzz_prom", "scrape", b"\x00" + scrape.encode())
    c.put("fuzz_prom", "labels-limit", b"\x00x{" + b",".join(
        b'l%d="v"' % i for i in range(33)) + b"} 1\n")
    c.put("fuzz_prom", "http-ok", b"\x01HTTP/1.0 200 OK\r\n"
          b"Content-Type: text/plain; version=0.0.4\r\nContent-Length: 4\r\n\r\nx 1\n")
    c.put("fuzz_prom", "http-404", b"\x01HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n")
    c.put("fuzz_prom", "http-chunked",
          b"\x01HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nx 1\n\r\n0\r\n\r\n")
    for i, url in enumerate(["http://127.0.0.1:9404", "http://[::1]:9404/metrics", "h:1/m",
                             "http://:9404", "http://[::]:0"]):
        c.put("fuzz_prom", "url-%d" % i, b"\x02" + url.encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages",
                    default=os.path.join(TOP, "..", "shared", "kafka-protocol", "messages"))
    ap.add_argument("--out", default=os.path.join(TOP, "tests", "fuzz", "corpus"))
    args = ap.parse_args()
    c = Corpus(args.out)
    protocol_seeds(c, args.messages)
    offsets_topic_seeds(c)
    batch_seeds(c)
    compress_seeds(c)
    text_seeds(c)
    znode_seeds(c)
    verify_seeds(c)
    sasl_seeds(c)
    quota_seeds(c)
    pwenc_seeds(c)
    tool_json_seeds(c)
    prom_seeds(c)
    for t in sorted(c.sizes):
        n = len(os.listdir(os.path.join(args.out, t)))
        print("%-20s %3d files %7d bytes" % (t, n, c.sizes[t]))
    print("%-20s %3s       %7d bytes" % ("total", "", sum(c.sizes.values())))


if __name__ == "__main__":
    main()
