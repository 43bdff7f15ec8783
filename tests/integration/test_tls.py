"""TLS listeners (issue 10, part 1): SSL listeners served with OpenSSL, keys in PEM (files and
KIP-651 inline) and PKCS12, client certificates, and start-up refusals (exit status 2 naming the
key) for a listener that cannot be served as configured.

Certificates are made here with the openssl command (a CA, a broker certificate for localhost
and 127.0.0.1, a client certificate, and one from an unknown CA); nothing is committed.
Clients: kcat, confluent-kafka and kafka-python, plus raw sockets for the misbehaving ones.
Brokers keep a PLAINTEXT listener for the harness's readiness probe."""
import os
import shutil
import signal
import socket
import struct
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kcat, kcat_refused, kp_consume_all  # noqa: E402
from kafka_wire import KafkaConn, ConnectionClosed  # noqa: E402

STOREPW = "store-secret"
KEYPW = "key-secret"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_cert(d, name, ca, cn, san=None, days=2):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
    ext = d / (name + ".ext")
    ext.write_text("subjectAltName=%s\n" % (san or "DNS:" + cn))
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".pem", "-days", str(days), "-extfile", ext.name,
            cwd=d)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    for ca in ("ca", "otherca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", ca + ".key", "-out", ca + ".pem", "-days", "2",
                "-subj", "/CN=skein test " + ca, cwd=d)
    make_cert(d, "broker", "ca", "localhost", "DNS:localhost,IP:127.0.0.1")
    make_cert(d, "client", "ca", "client")
    make_cert(d, "stranger", "otherca", "stranger")
    make_cert(d, "wronghost", "ca", "wrong.example")
    openssl("pkcs12", "-export", "-in", "wronghost.pem", "-inkey", "wronghost.key", "-out",
            "wronghost.p12", "-passout", "pass:" + STOREPW, cwd=d)
    # PEM key store: key + certificate chain in one file; and with an encrypted key
    (d / "broker-keystore.pem").write_text((d / "broker.key").read_text()
                                           + (d / "broker.pem").read_text()
                                           + (d / "ca.pem").read_text())
    openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "broker.key", "-out",
            "broker-enc.key", "-passout", "pass:" + KEYPW, cwd=d)
    (d / "broker-keystore-enc.pem").write_text((d / "broker-enc.key").read_text()
                                               + (d / "broker.pem").read_text())
    # PKCS12 key store and trust store
    openssl("pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key", "-certfile",
            "ca.pem", "-out", "broker.p12", "-passout", "pass:" + STOREPW, cwd=d)
    openssl("pkcs12", "-export", "-nokeys", "-in", "ca.pem", "-out", "trust.p12",
            "-passout", "pass:" + STOREPW, cwd=d)
    # a Java key store is recognised by its magic number only
    (d / "broker.jks").write_bytes(b"\xfe\xed\xfe\xed" + os.urandom(60))
    return d


def tls_broker(zk, tmp_path, certs, ssl_props, start=True, name="b", extra=None, broker_id=0,
               host="127.0.0.1"):
    """A broker with PLAINTEXT (readiness, and inter-broker unless extra says otherwise) and SSL
    listeners, in a ZooKeeper chroot of the test's own. host: the advertised host."""
    plain, tls = H.free_port(), H.free_port()
    props = {
        "listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (plain, tls),
        "advertised.listeners": "PLAINTEXT://127.0.0.1:%d,SSL://%s:%d" % (plain, host, tls),
        "inter.broker.listener.name": "PLAINTEXT",
        "auto.create.topics.enable": "true",
    }
    props.update(ssl_props)
    props.update(extra or {})
    b = H.Broker(broker_id, zk, tmp_path / name, port=plain, overrides=props, start=False,
                 chroot="/tls-" + tmp_path.name)
    b.tls_port = tls
    b.tls_bootstrap = "127.0.0.1:%d" % tls
    if start:
        b.start()
    return b


def pem_props(certs):
    return {"ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(certs / "broker-keystore.pem")}


def p12_props(certs, client_auth="required"):
    return {"ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(certs / "broker.p12"),
            "ssl.keystore.password": STOREPW,
            "ssl.truststore.type": "PKCS12",
            "ssl.truststore.location": str(certs / "trust.p12"),
            "ssl.truststore.password": STOREPW,
            "ssl.client.auth": client_auth}


def kcat_ssl(certs, client=None):
    args = ["-X", "security.protocol=ssl", "-X", "ssl.ca.location=%s" % (certs / "ca.pem")]
    if client:
        args += ["-X", "ssl.certificate.location=%s" % (certs / (client + ".pem")),
                 "-X", "ssl.key.location=%s" % (certs / (client + ".key"))]
    return args


def handshake_failures(b, since):
    return [l for l in b.log_since(since).splitlines() if "TLS handshake with" in l]


# --------------------------------------------------------------------------- serving

def test_kcat_pem_keystore_produce_consume(zk, tmp_path, certs):
    b = tls_broker(zk, tmp_path, certs, pem_props(certs))
    try:
        lines = [("m%04d-" % i).encode() + os.urandom(40).hex().encode() for i in range(500)]
        data = b"\n".join(lines) + b"\n"
        kcat(["-P", "-b", b.tls_bootstrap, "-t", "tls1", "-p", "0"] + kcat_ssl(certs),
             input_data=data)
        out = kcat(["-C", "-b", b.tls_bootstrap, "-t", "tls1", "-p", "0", "-o", "beginning",
                    "-e", "-q"] + kcat_ssl(certs)).stdout
        assert out == data
        # the metadata a TLS client gets names the SSL listener
        md = kcat(["-L", "-b", b.tls_bootstrap, "-J"] + kcat_ssl(certs)).stdout.decode()
        assert str(b.tls_port) in md
        # the same data read over PLAINTEXT is identical
        out2 = kcat(["-C", "-b", b.bootstrap, "-t", "tls1", "-p", "0", "-o", "beginning",
                     "-e", "-q"]).stdout
        assert out2 == data
        # which path TLS data takes is logged: kernel TLS when /proc offers the tls ULP
        with open("/proc/sys/net/ipv4/tcp_available_ulp") as f:
            offered = "tls" in f.read().split()
        assert ("listener SSL: TLS, ssl.client.auth=none; records are encrypted by OpenSSL and "
                "copied in user space (no sendfile): kernel TLS is %s" % (
                    "offered by the kernel but not used by skeind" if offered
                    else "not offered by the kernel")) in b.log_text(), b.log_text()
    finally:
        b.stop()


def test_encrypted_pem_key_and_inline_pem(zk, tmp_path, certs):
    props = {"ssl.keystore.type": "PEM",
             "ssl.keystore.location": str(certs / "broker-keystore-enc.pem"),
             "ssl.key.password": KEYPW}
    b = tls_broker(zk, tmp_path, certs, props, name="enc")
    try:
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs))
    finally:
        b.stop()
    # KIP-651: key and chain inline; the properties file has them with \n escapes
    def esc(name):
        return (certs / name).read_text().replace("\n", "\\n")
    inline = {"ssl.keystore.type": "PEM",
              "ssl.keystore.key": esc("broker-enc.key"),
              "ssl.key.password": KEYPW,
              "ssl.keystore.certificate.chain": esc("broker.pem"),
              "ssl.truststore.type": "PEM",
              "ssl.truststore.certificates": esc("ca.pem"),
              "ssl.client.auth": "required"}
    b = tls_broker(zk, tmp_path, certs, inline, name="inline", extra={"log.level": "debug"})
    try:
        assert "-----BEGIN" in b.config_path.read_text()
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs, "client"))
        # the connection's principal: the client certificate's subject
        H.wait_for(lambda: "principal User:CN=client" in b.log_text(), 10, "the principal")
    finally:
        b.stop()


def test_confluent_kafka_pkcs12_mtls_large_fetch(zk, tmp_path, certs):
    """PKCS12 stores, client certificates required; 40 MB through TLS in large fetches (the
    record bytes come from the segment files, copied into TLS records)."""
    from confluent_kafka import Consumer, Producer, TopicPartition
    b = tls_broker(zk, tmp_path, certs, p12_props(certs), extra={"log.segment.bytes": 8 << 20})
    try:
        conf = {"bootstrap.servers": b.tls_bootstrap, "security.protocol": "ssl",
                "ssl.ca.location": str(certs / "ca.pem"),
                "ssl.certificate.location": str(certs / "client.pem"),
                "ssl.key.location": str(certs / "client.key")}
        p = Producer(dict(conf, **{"linger.ms": 20, "message.max.bytes": 1000000}))
        sent = [os.urandom(100_000) for _ in range(400)]
        errors = []
        for v in sent:
            while True:
                try:
                    p.produce("big", v, partition=0,
                              on_delivery=lambda e, m: errors.append(e) if e else None)
                    break
                except BufferError:
                    p.poll(0.1)
        assert p.flush(60) == 0
        assert not errors
        c = Consumer(dict(conf, **{"group.id": "tls-big", "enable.auto.commit": False,
                                   "fetch.max.bytes": 52428800,
                                   "max.partition.fetch.bytes": 16 << 20}))
        c.assign([TopicPartition("big", 0, 0)])
        got = []
        deadline = time.monotonic() + 90
        while len(got) < len(sent) and time.monotonic() < deadline:
            m = c.poll(1.0)
            if m is None:
                continue
            assert m.error() is None, m.error()
            got.append(m.value())
        c.close()
        assert len(got) == len(sent)
        assert got == sent
        assert len(list(b.partition_dir("big", 0).glob("*.log"))) > 1   # several segments
    finally:
        b.stop()


def test_kafka_python_ssl(zk, tmp_path, certs):
    from kafka import KafkaConsumer, KafkaProducer
    b = tls_broker(zk, tmp_path, certs, p12_props(certs, "requested"))
    try:
        common = dict(bootstrap_servers=b.tls_bootstrap, security_protocol="SSL",
                      ssl_cafile=str(certs / "ca.pem"), ssl_certfile=str(certs / "client.pem"),
                      ssl_keyfile=str(certs / "client.key"))
        p = KafkaProducer(**common)
        sent = [os.urandom(3000) for _ in range(200)]
        for v in sent:
            p.send("kp", v, partition=0)
        p.flush(30)
        p.close()
        c = KafkaConsumer(group_id=None, enable_auto_commit=False, **common)
        try:    # from offset 0 to the end offset: every record, and no other
            got = [m.value for m in kp_consume_all(None, "kp", [0], consumer=c)[0]]
        finally:
            c.close()
        assert got == sent
        # requested: a client without a certificate is served too
        c = KafkaConsumer(group_id=None, consumer_timeout_ms=3000,
                          bootstrap_servers=b.tls_bootstrap, security_protocol="SSL",
                          ssl_cafile=str(certs / "ca.pem"))
        assert "kp" in c.topics()
        c.close()
    finally:
        b.stop()


# --------------------------------------------------------------------------- refusals

def test_client_auth_required_refuses_clients_without_valid_cert(zk, tmp_path, certs):
    b = tls_broker(zk, tmp_path, certs, p12_props(certs, "required"))
    try:
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs, "client"))  # the good one
        # refused in the handshake: the broker's alert reaches the client (kcat is stopped
        # once it reports it)
        for client, alert in ((None, b"alert certificate required"),
                              ("stranger", b"alert unknown ca")):
            since = b.log_size()
            kcat_refused(["-L", "-b", b.tls_bootstrap, "-m", "10"] + kcat_ssl(certs, client),
                         (alert,))
            H.wait_for(lambda: handshake_failures(b, since), 10, "a handshake failure line")
            lines = handshake_failures(b, since)
            assert all("on SSL" in l and "127.0.0.1:" in l for l in lines), lines
            assert any("certificate" in l for l in lines), lines
        # python's ssl module without a certificate: the broker sends an alert, then closes
        ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        with socket.create_connection(("127.0.0.1", b.tls_port), timeout=10) as s:
            with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
                with ctx.wrap_socket(s, server_hostname="localhost") as t:
                    t.sendall(b"\x00\x00\x00\x0a" + b"\x00" * 10)
                    if not t.recv(100):
                        raise ConnectionError("closed")
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs, "client"))  # still serving
    finally:
        b.stop()


def test_expired_client_certificate_refused_others_served(zk, tmp_path, certs):
    """A client certificate signed by the trusted CA but expired (notAfter yesterday) fails
    the handshake with the usual alert, one handshake line in the broker's log names it, and
    the broker keeps serving a client with a valid certificate."""
    make_cert(certs, "expired", "ca", "expired", days=-1)
    out = subprocess.run(["openssl", "x509", "-in", str(certs / "expired.pem"), "-noout",
                          "-checkend", "0"], stdout=subprocess.PIPE)
    assert out.returncode == 1, out.stdout          # openssl itself calls it expired
    b = tls_broker(zk, tmp_path, certs, p12_props(certs, "required"))
    try:
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs, "client"))
        since = b.log_size()
        kcat_refused(["-L", "-b", b.tls_bootstrap, "-m", "10"] + kcat_ssl(certs, "expired"),
                     (b"certificate expired",))
        H.wait_for(lambda: handshake_failures(b, since), 10, "a handshake failure line")
        lines = handshake_failures(b, since)
        assert any("expired" in l for l in lines), lines
        kcat(["-P", "-b", b.tls_bootstrap, "-t", "tls-exp", "-p", "0"] + kcat_ssl(certs, "client"),
             input_data=b"still-served\n")
        out = kcat(["-C", "-b", b.tls_bootstrap, "-t", "tls-exp", "-p", "0", "-o", "beginning",
                    "-e", "-q"] + kcat_ssl(certs, "client")).stdout
        assert out == b"still-served\n", out
    finally:
        b.stop()


def test_plaintext_client_on_ssl_port_fails_cleanly(zk, tmp_path, certs):
    b = tls_broker(zk, tmp_path, certs, pem_props(certs))
    try:
        since = b.log_size()
        with pytest.raises((ConnectionClosed, ConnectionError, OSError)):
            with KafkaConn.to(b.tls_bootstrap) as conn:
                conn.request(18, 0, b"")      # ApiVersions v0 in plaintext
        H.wait_for(lambda: handshake_failures(b, since), 10, "a handshake failure line")
        lines = handshake_failures(b, since)
        assert len(lines) == 1, lines
        assert "on SSL" in lines[0], lines
        # kcat in plaintext against the SSL port gives up without hanging the broker
        kcat_refused(["-L", "-b", b.tls_bootstrap, "-m", "10"],
                     (b"Disconnected while requesting ApiVersion",))
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs))
        assert b.running()
    finally:
        b.stop()


def test_garbage_on_tls_port_closes_with_one_line(zk, tmp_path, certs):
    b = tls_broker(zk, tmp_path, certs, pem_props(certs))
    try:
        blobs = [os.urandom(5000), b"\x16\x03\x01\xff\xff" + os.urandom(300),
                 b"GET / HTTP/1.0\r\n\r\n", b"\x16\x03\x03\x00\x05hello"]
        for blob in blobs:
            since = b.log_size()
            with socket.create_connection(("127.0.0.1", b.tls_port), timeout=10) as s:
                local = "127.0.0.1:%d" % s.getsockname()[1]
                try:
                    s.sendall(blob)
                    s.shutdown(socket.SHUT_WR)
                    while s.recv(4096):
                        pass
                except OSError:
                    pass
            H.wait_for(lambda: [l for l in handshake_failures(b, since) if local in l], 10,
                       "the handshake failure of %s" % local)
            mine = [l for l in b.log_since(since).splitlines() if local in l]
            assert len(mine) == 1, mine
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs))
        assert b.running()
    finally:
        b.stop()


def run_bad(tmp_path, certs, props):
    b = tls_broker(None, tmp_path, certs, props, start=False,
                   extra={"zookeeper.connect": "127.0.0.1:%d/skein" % H.free_port()})
    b.spawn()
    rc = b.wait_exit(15)
    if rc is None:
        b.kill()
    return rc, b.log_text(current_run_only=True)


BAD = [
    ("no keystore", {}, "ssl.keystore.location"),
    ("missing file", {"ssl.keystore.type": "PEM", "ssl.keystore.location": "/nonexistent.pem"},
     "ssl.keystore.location"),
    ("wrong p12 password", {"ssl.keystore.type": "PKCS12", "ssl.keystore.location": "@broker.p12",
                            "ssl.keystore.password": "wrong"}, "ssl.keystore.password"),
    ("encrypted key without password", {"ssl.keystore.type": "PEM",
                                        "ssl.keystore.location": "@broker-keystore-enc.pem"},
     "ssl.keystore.location"),
    ("JKS", {"ssl.keystore.location": "@broker.jks"}, "PKCS12"),
    ("key of another cert", {"ssl.keystore.type": "PEM", "ssl.keystore.key": "@@stranger.key",
                             "ssl.keystore.certificate.chain": "@@broker.pem"},
     "ssl.keystore.key"),
    ("client auth without truststore", {"ssl.keystore.type": "PEM",
                                        "ssl.keystore.location": "@broker-keystore.pem",
                                        "ssl.client.auth": "required"}, "ssl.client.auth"),
    ("unknown cipher", {"ssl.keystore.type": "PEM",
                        "ssl.keystore.location": "@broker-keystore.pem",
                        "ssl.cipher.suites": "TLS_NO_SUCH_CIPHER"}, "ssl.cipher.suites"),
    ("bad client auth value", {"ssl.client.auth": "sometimes"}, "ssl.client.auth"),
    ("bad protocol", {"ssl.enabled.protocols": "TLSv1.1"}, "ssl.enabled.protocols"),
    ("bad endpoint algorithm", {"ssl.endpoint.identification.algorithm": "ftp"},
     "ssl.endpoint.identification.algorithm"),
    ("listener override missing file", {"ssl.keystore.type": "PEM",
                                        "listener.name.ssl.ssl.keystore.location": "/nope.pem"},
     "listener.name.ssl.ssl.keystore.location"),
    ("upper-case listener override", {"listener.name.SSL.ssl.keystore.location": "/x.pem"},
     "lower case"),
]


@pytest.mark.parametrize("what,props,needle", BAD, ids=[b[0] for b in BAD])
def test_unservable_ssl_listener_exits_2(tmp_path, certs, what, props, needle):
    def resolve(v):
        if v.startswith("@@"):
            return (certs / v[2:]).read_text().replace("\n", "\\n")
        return str(certs / v[1:]) if v.startswith("@") else v
    rc, out = run_bad(tmp_path, certs, {k: resolve(v) for k, v in props.items()})
    assert rc == 2, "%s: exit status %s\n%s" % (what, rc, out)
    assert needle in out, "%s: %r not in\n%s" % (what, needle, out)


@pytest.mark.parametrize("proto", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_sasl_listener_refused(tmp_path, certs, proto):
    p = H.free_port()
    rc, out = run_bad(tmp_path, certs, dict(pem_props(certs), **{
        "listeners": "PLAINTEXT://127.0.0.1:%d,%s://127.0.0.1:%d" % (H.free_port(), proto, p),
        "advertised.listeners": None}))
    assert rc == 2, out
    # served since issue 10 part 2 (test_sasl.py), but not with Kafka's default mechanism
    assert "sasl.enabled.mechanisms names GSSAPI (Kafka's default)" in out and proto in out, out


def ib_props(certs, keystore="broker.p12", **more):
    p = dict(p12_props(certs, "required"), **{
        "ssl.keystore.location": str(certs / keystore),
        "inter.broker.listener.name": "SSL",
        "default.replication.factor": "2",
        "min.insync.replicas": "2",
        "replica.lag.time.max.ms": "10000"})
    p.update(more)
    return p


def isr(b, topic):
    import json
    data, _ = b.zk_client().get("/brokers/topics/%s/partitions/0/state" % topic)
    return json.loads(data)


def test_inter_broker_tls_replicates_and_fails_over(zk, tmp_path, certs):
    """inter.broker.listener.name=SSL with client certificates required: the controller's
    requests, the follower's fetches and AlterPartition all go over TLS (mutual), acks=all
    is answered by two in-sync replicas, and the survivor serves everything after the leader
    stops."""
    bs = [tls_broker(zk, tmp_path, certs, ib_props(certs), start=False, name="b%d" % i,
                     broker_id=i) for i in range(2)]
    try:
        for b in bs:
            b.spawn()
        for b in bs:
            b.wait_ready()
        boot = ",".join(b.tls_bootstrap for b in bs)
        data = b"".join(b"r%05d-%s\n" % (i, os.urandom(30).hex().encode()) for i in range(2000))
        kcat(["-P", "-b", boot, "-t", "ibt", "-p", "0", "-X", "acks=all",
              "-X", "message.timeout.ms=60000"] + kcat_ssl(certs, "client"), input_data=data,
             timeout=90)
        H.wait_for(lambda: sorted(isr(bs[0], "ibt")["isr"]) == [0, 1], 30, "both replicas in sync")
        for b in bs:
            assert "inter-broker connections on listener SSL use TLS" in b.log_text(), b.name
            assert "TLS handshake" not in b.log_text(), b.log_text()
        leader = isr(bs[0], "ibt")["leader"]
        bs[leader].stop()
        other = bs[1 - leader]
        H.wait_for(lambda: isr(other, "ibt")["leader"] == other.id, 40, "the survivor to lead")
        out = kcat(["-C", "-b", other.tls_bootstrap, "-t", "ibt", "-p", "0", "-o", "beginning",
                    "-e", "-q"] + kcat_ssl(certs, "client"), timeout=60).stdout
        assert out == data
    finally:
        for b in bs:
            b.stop()


def test_inter_broker_host_name_check(zk, tmp_path, certs):
    """The brokers' certificate names wrong.example: with the default
    ssl.endpoint.identification.algorithm=https they refuse each other (one line naming the
    broker and the reason); with it empty they replicate. The refusing pair cannot reach a
    controller (not even itself), so a controlled shutdown would spend its whole bound (3 x
    5 s + 3 s each) asking: they stop without one (controlled.shutdown.enable=false)."""
    bs = [tls_broker(zk, tmp_path, certs,
                     ib_props(certs, "wronghost.p12", **{"controlled.shutdown.enable": "false"}),
                     start=False, name="h%d" % i, broker_id=i, host="localhost")
          for i in range(2)]
    try:
        for b in bs:
            b.spawn()
        H.wait_for(lambda: any("TLS handshake with broker" in b.log_text() for b in bs), 30,
                   "a refused inter-broker handshake")
        lines = [l for b in bs for l in b.log_text().splitlines() if "TLS handshake with broker" in l]
        assert any("hostname mismatch" in l and "localhost:" in l for l in lines), lines
    finally:
        for b in bs:
            b.stop()
    bs = [tls_broker(zk, tmp_path, certs,
                     ib_props(certs, "wronghost.p12",
                              **{"ssl.endpoint.identification.algorithm": ""}),
                     start=False, name="n%d" % i, broker_id=i, host="localhost")
          for i in range(2)]
    try:
        for b in bs:
            b.spawn()
        for b in bs:
            b.wait_ready()
        plain = ",".join(b.bootstrap for b in bs)
        kcat(["-P", "-b", plain, "-t", "nohost", "-p", "0", "-X", "acks=all"],
             input_data=b"a\nb\n", timeout=60)
        H.wait_for(lambda: sorted(isr(bs[0], "nohost")["isr"]) == [0, 1], 30,
                   "both replicas in sync")
        assert not any("TLS handshake" in b.log_text() for b in bs)
    finally:
        for b in bs:
            b.stop()


def test_inter_broker_tls_without_truststore_refused(tmp_path, certs):
    rc, out = run_bad(tmp_path, certs, dict(pem_props(certs), **{
        "inter.broker.listener.name": "SSL"}))
    assert rc == 2, out
    assert "inter-broker" in out and "ssl.truststore.location" in out, out
    rc, out = run_bad(tmp_path, certs, dict(pem_props(certs), **{
        "inter.broker.listener.name": None, "security.inter.broker.protocol": "SSL"}))
    assert rc == 2, out
    assert "ssl.truststore.location" in out, out


def test_listener_override_and_describe_configs_hides_secrets(zk, tmp_path, certs):
    """listener.name.ssl.ssl.* wins over ssl.*; passwords are sensitive in DescribeConfigs."""
    from confluent_kafka.admin import AdminClient, ConfigResource
    props = {"ssl.keystore.location": "/nonexistent-default.p12",
             "listener.name.ssl.ssl.keystore.type": "PKCS12",
             "listener.name.ssl.ssl.keystore.location": str(certs / "broker.p12"),
             "listener.name.ssl.ssl.keystore.password": STOREPW,
             "ssl.keystore.password": "global-secret"}
    b = tls_broker(zk, tmp_path, certs, props)
    try:
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs))
        a = AdminClient({"bootstrap.servers": b.bootstrap})
        res = ConfigResource(ConfigResource.Type.BROKER, "0")
        got = a.describe_configs([res])[res].result(30)
        assert got["ssl.keystore.location"].value == "/nonexistent-default.p12"
        assert got["ssl.client.auth"].value == "none"
        pw = got["ssl.keystore.password"]
        assert pw.is_sensitive and pw.value is None, pw
        assert "global-secret" not in repr({k: v.value for k, v in got.items()})
    finally:
        b.stop()


# --------------------------------------------------------------------------- renewal

def served_serial(b, certs):
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    with socket.create_connection(("127.0.0.1", b.tls_port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert()["serialNumber"]


def api_versions(t):
    """ApiVersions v0 over an open TLS socket; returns the error code."""
    body = struct.pack(">hhih", 18, 0, 7, 4) + b"test"
    t.sendall(struct.pack(">i", len(body)) + body)
    size = struct.unpack(">i", t.recv(4))[0]
    data = b""
    while len(data) < size:
        data += t.recv(size - len(data))
    return struct.unpack(">h", data[4:6])[0]


def test_certificate_renewed_on_disk_is_served_after_sighup(zk, tmp_path, certs):
    live = tmp_path / "live.pem"
    shutil.copy(certs / "broker-keystore.pem", live)
    b = tls_broker(zk, tmp_path, certs, {"ssl.keystore.type": "PEM",
                                         "ssl.keystore.location": str(live)})
    try:
        first = served_serial(b, certs)
        ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        old = ctx.wrap_socket(socket.create_connection(("127.0.0.1", b.tls_port), timeout=10),
                              server_hostname="localhost")
        assert api_versions(old) == 0
        # renew: a new key and certificate written next to it, then renamed over it
        make_cert(tmp_path, "renewed", str(certs / "ca"), "localhost", "DNS:localhost,IP:127.0.0.1")
        (tmp_path / "live.new").write_text((tmp_path / "renewed.key").read_text()
                                           + (tmp_path / "renewed.pem").read_text())
        os.rename(tmp_path / "live.new", live)
        since = b.log_size()
        os.kill(b.pid, signal.SIGHUP)
        H.wait_for(lambda: "TLS keys reloaded" in b.log_since(since), 10, "the reload")
        assert served_serial(b, certs) != first
        assert api_versions(old) == 0          # the existing session carries on
        old.close()
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs))
        # a broken file: logged, the renewed certificate stays in use
        renewed = served_serial(b, certs)
        live.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
        since = b.log_size()
        os.kill(b.pid, signal.SIGHUP)
        H.wait_for(lambda: "keeping the TLS keys in use" in b.log_since(since), 10,
                   "the refused reload")
        assert "ssl.keystore.location" in b.log_since(since)
        assert b.running()
        assert served_serial(b, certs) == renewed
    finally:
        b.stop()
