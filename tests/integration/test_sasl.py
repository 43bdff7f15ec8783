"""SASL listeners (issue 10, part 2): SASL_PLAINTEXT with PLAIN (users from Kafka's JAAS line)
and SASL_SSL with SCRAM-SHA-256 and -512 (users' salted credentials in ZooKeeper
/config/users/<user>, Kafka's format, written here with kazoo), driven by kcat, confluent-kafka
and kafka-python; a wrong password, requests before authentication, Kafka's old v0 handshake
with bare tokens, start-up refusals (exit status 2 naming the key), and three brokers whose
inter-broker listener is SASL_SSL with SCRAM replicating acks=all and failing over.

Certificates are made with the openssl command; nothing is committed."""
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import skein_harness as H  # noqa: E402
from clients import kcat, kcat_refused, kp_consume_all  # noqa: E402
from kafka_wire import KafkaConn, ConnectionClosed, Reader, i16, i32, string  # noqa: E402

PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule"
SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
PLAIN_JAAS = ('%s required username="admin" password="admin-secret" '
              'user_admin="admin-secret" user_alice="alice-secret";' % PLAIN_MODULE)


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("sasl-certs")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=skein sasl test ca", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=localhost", cwd=d)
    (d / "broker.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "broker.pem", "-days", "2", "-extfile", "broker.ext",
            cwd=d)
    (d / "keystore.pem").write_text((d / "broker.key").read_text() + (d / "broker.pem").read_text())
    return d


# --------------------------------------------------------------------------- SCRAM credentials

def scram_credential(mechanism, password, iterations=4096, salt=None):
    """Kafka's stored form: salt, StoredKey, ServerKey (RFC 5802) and iterations."""
    h = hashlib.sha256 if mechanism == "SCRAM-SHA-256" else hashlib.sha512
    salt = salt or os.urandom(24)
    salted = hashlib.pbkdf2_hmac(h().name, password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", h).digest()
    stored = h(client_key).digest()
    server = hmac.new(salted, b"Server Key", h).digest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return "salt=%s,stored_key=%s,server_key=%s,iterations=%d" % (b64(salt), b64(stored),
                                                                   b64(server), iterations)


def put_scram_user(zkc, user, password, mechanisms=("SCRAM-SHA-256", "SCRAM-SHA-512")):
    """What kafka-configs.sh --alter --add-config 'SCRAM-SHA-256=[password=...]' writes."""
    data = json.dumps({"version": 1, "config": {m: scram_credential(m, password)
                                                for m in mechanisms}}).encode()
    path = "/config/users/" + user
    if zkc.exists(path):
        zkc.set(path, data)
    else:
        zkc.create(path, data, makepath=True)
    zkc.create("/config/changes/config_change_", json.dumps(
        {"version": 2, "entity_path": "users/" + user}).encode(), sequence=True, makepath=True)


# --------------------------------------------------------------------------- brokers

def sasl_broker(zk, tmp_path, certs, extra=None, name="b", broker_id=0, start=True,
                chroot=None):
    """PLAINTEXT (inter-broker unless extra says otherwise), SASL_PLAINTEXT with PLAIN,
    SASL_SSL with both SCRAM mechanisms."""
    plain, sp, ss = H.free_port(), H.free_port(), H.free_port()
    props = {
        "listeners": "PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d,"
                     "SASL_SSL://127.0.0.1:%d" % (plain, sp, ss),
        "advertised.listeners": None,
        "inter.broker.listener.name": "PLAINTEXT",
        "auto.create.topics.enable": "true",
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
        "listener.name.sasl_ssl.sasl.enabled.mechanisms": "SCRAM-SHA-256,SCRAM-SHA-512",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(certs / "keystore.pem"),
    }
    props.update(extra or {})
    b = H.Broker(broker_id, zk, tmp_path / name, port=plain, overrides=props, start=False,
                 chroot=chroot or "/sasl-" + tmp_path.name)
    b.sasl_plain = "127.0.0.1:%d" % sp
    b.sasl_ssl = "127.0.0.1:%d" % ss
    if start:
        b.start()
    return b


def kcat_plain(user="alice", password="alice-secret"):
    return ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN",
            "-X", "sasl.username=" + user, "-X", "sasl.password=" + password]


def kcat_scram(certs, mech, user, password):
    return ["-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=" + mech,
            "-X", "sasl.username=" + user, "-X", "sasl.password=" + password,
            "-X", "ssl.ca.location=%s" % (certs / "ca.pem")]


def roundtrip_kcat(boot, topic, auth, n=300):
    data = b"".join(b"%s-%05d-%s\n" % (topic.encode(), i, os.urandom(20).hex().encode())
                    for i in range(n))
    kcat(["-P", "-b", boot, "-t", topic, "-p", "0"] + auth, input_data=data)
    out = kcat(["-C", "-b", boot, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"] + auth)
    assert out.stdout == data


def roundtrip_confluent(conf, topic, n=200):
    from confluent_kafka import Consumer, Producer, TopicPartition
    p = Producer(dict(conf, **{"linger.ms": 5}))
    sent = [os.urandom(500) for _ in range(n)]
    errors = []
    for v in sent:
        p.produce(topic, v, partition=0, on_delivery=lambda e, m: errors.append(e) if e else None)
    assert p.flush(60) == 0
    assert not errors, errors
    c = Consumer(dict(conf, **{"group.id": "g-" + topic, "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    deadline = time.monotonic() + 60
    while len(got) < n and time.monotonic() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        assert m.error() is None, m.error()
        got.append(m.value())
    c.close()
    assert got == sent


def roundtrip_kafka_python(common, topic, n=100):
    from kafka import KafkaConsumer, KafkaProducer
    p = KafkaProducer(**common)
    sent = [os.urandom(300) for _ in range(n)]
    for v in sent:
        p.send(topic, v, partition=0)
    p.flush(30)
    p.close()
    c = KafkaConsumer(group_id=None, enable_auto_commit=False, **common)
    try:    # from offset 0 to the end offset: every record, and no other
        got = [m.value for m in kp_consume_all(None, topic, [0], consumer=c)[0]]
    finally:
        c.close()
    assert got == sent


def auth_failures(b, since):
    return [l for l in b.log_since(since).splitlines() if "authentication failed" in l]


def login_refused(boot, auth):
    """kcat -L with these credentials is refused: librdkafka reports the authentication error
    (kcat is stopped once it has; ending without that error fails the test)."""
    return kcat_refused(["-L", "-b", boot, "-m", "10"] + auth,
                        (b"Authentication failed", b"SASL authentication error"))


# --------------------------------------------------------------------------- serving

def test_plain_with_kcat_confluent_kafka_python(zk, tmp_path, certs):
    b = sasl_broker(zk, tmp_path, certs, extra={"log.level": "debug"})
    try:
        roundtrip_kcat(b.sasl_plain, "plain-kcat", kcat_plain())
        roundtrip_confluent({"bootstrap.servers": b.sasl_plain,
                             "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
                             "sasl.username": "admin", "sasl.password": "admin-secret"},
                            "plain-ck")
        roundtrip_kafka_python(dict(bootstrap_servers=b.sasl_plain,
                                    security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                                    sasl_plain_username="alice",
                                    sasl_plain_password="alice-secret"), "plain-kp")
        # the principal is the SASL user
        log = b.log_text()
        assert "authenticated as User:alice with PLAIN" in log
        assert "authenticated as User:admin with PLAIN" in log
        assert "alice-secret" not in log and "admin-secret" not in log
        # the data is the same through the plaintext listener
        out = kcat(["-C", "-b", b.bootstrap, "-t", "plain-kcat", "-p", "0", "-o", "beginning",
                    "-e", "-q"]).stdout
        assert out.count(b"\n") == 300
    finally:
        b.stop()


@pytest.mark.parametrize("mech", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_scram_over_ssl(zk, tmp_path, certs, mech):
    """Users written to ZooKeeper while the broker runs can log in at once."""
    b = sasl_broker(zk, tmp_path, certs)
    try:
        zkc = b.zk_client()
        put_scram_user(zkc, "carol", "carol-secret")
        wait_login(b.sasl_ssl, "carol", "carol-secret", True, mech, certs / "ca.pem")
        tag = mech[-3:]
        roundtrip_kcat(b.sasl_ssl, "scram-kcat-" + tag, kcat_scram(certs, mech, "carol",
                                                                  "carol-secret"))
        roundtrip_confluent({"bootstrap.servers": b.sasl_ssl, "security.protocol": "SASL_SSL",
                             "sasl.mechanisms": mech, "sasl.username": "carol",
                             "sasl.password": "carol-secret",
                             "ssl.ca.location": str(certs / "ca.pem")}, "scram-ck-" + tag)
        roundtrip_kafka_python(dict(bootstrap_servers=b.sasl_ssl, security_protocol="SASL_SSL",
                                    sasl_mechanism=mech, sasl_plain_username="carol",
                                    sasl_plain_password="carol-secret",
                                    ssl_cafile=str(certs / "ca.pem")), "scram-kp-" + tag)
        # a password changed in ZooKeeper counts at the next login, without a restart
        put_scram_user(zkc, "carol", "carol-new")
        wait_login(b.sasl_ssl, "carol", "carol-new", True, mech, certs / "ca.pem")
        login_refused(b.sasl_ssl, kcat_scram(certs, mech, "carol", "carol-secret"))
        kcat(["-L", "-b", b.sasl_ssl] + kcat_scram(certs, mech, "carol", "carol-new"))
        # a user with only the other mechanism's credential is refused
        other = "SCRAM-SHA-512" if mech == "SCRAM-SHA-256" else "SCRAM-SHA-256"
        put_scram_user(zkc, "dave", "dave-secret", mechanisms=(other,))
        wait_login(b.sasl_ssl, "dave", "dave-secret", True, other, certs / "ca.pem")
        login_refused(b.sasl_ssl, kcat_scram(certs, mech, "dave", "dave-secret"))
    finally:
        b.stop()


def test_wrong_password_fails_while_others_keep_working(zk, tmp_path, certs):
    from confluent_kafka import Producer
    from kafka import KafkaProducer
    from kafka.errors import KafkaError, NoBrokersAvailable
    b = sasl_broker(zk, tmp_path, certs)
    try:
        good = ["-b", b.sasl_plain] + kcat_plain()
        kcat(["-P", "-t", "wp", "-p", "0"] + good, input_data=b"before\n")
        since = b.log_size()
        t0 = time.monotonic()
        login_refused(b.sasl_plain, kcat_plain("alice", "wrong"))
        H.wait_for(lambda: auth_failures(b, since), 10, "the failure's log line")
        line = auth_failures(b, since)[0]
        assert "User:alice" in line and "PLAIN" in line and "127.0.0.1:" in line, line
        assert "wrong" not in line
        # an unknown user gets the same answer
        login_refused(b.sasl_plain, kcat_plain("mallory", "x"))
        # confluent-kafka: the producer reports the authentication error
        errs = []
        pr = Producer({"bootstrap.servers": b.sasl_plain, "security.protocol": "SASL_PLAINTEXT",
                       "sasl.mechanisms": "PLAIN", "sasl.username": "alice",
                       "sasl.password": "nope", "error_cb": lambda e: errs.append(e)})
        deadline = time.monotonic() + 15
        while not errs and time.monotonic() < deadline:
            pr.poll(0.5)
        assert any("Authentication failed: Invalid username or password" in e.str()
                   for e in errs), [e.str() for e in errs]
        # kafka-python raises
        with pytest.raises((KafkaError, NoBrokersAvailable, Exception)):
            KafkaProducer(bootstrap_servers=b.sasl_plain, security_protocol="SASL_PLAINTEXT",
                          sasl_mechanism="PLAIN", sasl_plain_username="alice",
                          sasl_plain_password="nope", api_version_auto_timeout_ms=5000,
                          request_timeout_ms=6000).send("wp", b"x").get(10)
        # SCRAM with a wrong password
        put_scram_user(b.zk_client(), "erin", "erin-secret")
        wait_login(b.sasl_ssl, "erin", "erin-secret", True, ca=certs / "ca.pem")
        login_refused(b.sasl_ssl, kcat_scram(certs, "SCRAM-SHA-256", "erin", "erin-wrong"))
        H.wait_for(lambda: any("User:erin" in l for l in auth_failures(b, since)), 10,
                   "the SCRAM failure's log line")
        # meanwhile the good client is served as before
        kcat(["-P", "-t", "wp", "-p", "0"] + good, input_data=b"after\n")
        out = kcat(["-C", "-t", "wp", "-p", "0", "-o", "beginning", "-e", "-q"] + good).stdout
        assert out == b"before\nafter\n"
        assert b.running()
        assert time.monotonic() - t0 > 0.1   # failures are delayed (100 ms each)
    finally:
        b.stop()


# --------------------------------------------------------------------------- the wire

def handshake(conn, mech, version=1):
    r = conn.request(17, version, string(mech))
    err = r.i16()
    mechs = r.array(r.string)
    return err, mechs


def authenticate(conn, token):
    r = conn.request(36, 1, i32(len(token)) + token)
    err = r.i16()
    msg = r.string()
    data = r.nbytes()
    return err, msg, data


def scram_login(addr, user, password, mech="SCRAM-SHA-256", ca=None):
    """One SCRAM exchange (RFC 5802) over hand-built SaslHandshake/SaslAuthenticate v1 on
    a fresh connection (TLS when ca is given): True when the broker accepts it, False when it
    answers SASL_AUTHENTICATION_FAILED; the server's signature is checked."""
    import ssl
    h = hashlib.sha256 if mech == "SCRAM-SHA-256" else hashlib.sha512
    host, port = addr.rsplit(":", 1)
    c = KafkaConn.__new__(KafkaConn)
    sock = socket.create_connection((host, int(port)), timeout=10)
    if ca:
        ctx = ssl.create_default_context(cafile=str(ca))
        ctx.check_hostname = False
        sock = ctx.wrap_socket(sock)
    c.sock, c.client_id, c.corr = sock, "scram-login", 0
    try:
        err, _ = handshake(c, mech)
        assert err == 0, err
        nonce = base64.b64encode(os.urandom(18)).decode()
        bare = "n=%s,r=%s" % (user, nonce)
        err, msg, first = authenticate(c, ("n,," + bare).encode())
        if err == 58:
            return False
        assert err == 0, (err, msg)
        fields = dict(f.split("=", 1) for f in first.decode().split(","))
        assert fields["r"].startswith(nonce)
        salted = hashlib.pbkdf2_hmac(h().name, password.encode(),
                                     base64.b64decode(fields["s"]), int(fields["i"]))
        without_proof = "c=biws,r=" + fields["r"]
        auth_msg = ",".join((bare, first.decode(), without_proof)).encode()
        client_key = hmac.new(salted, b"Client Key", h).digest()
        sig = hmac.new(h(client_key).digest(), auth_msg, h).digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, sig))).decode()
        err, msg, final = authenticate(c, (without_proof + ",p=" + proof).encode())
        if err == 58:
            return False
        assert err == 0, (err, msg)
        server_sig = hmac.new(hmac.new(salted, b"Server Key", h).digest(), auth_msg,
                              h).digest()
        assert final.decode() == "v=" + base64.b64encode(server_sig).decode()
        return True
    finally:
        c.close()


def wait_login(addr, user, password, ok, mech="SCRAM-SHA-256", ca=None, timeout=1.0):
    """Seconds until a login of user is accepted (ok) or refused (not ok); fails after
    timeout."""
    t0 = time.monotonic()
    while scram_login(addr, user, password, mech, ca) != ok:
        assert time.monotonic() - t0 < timeout, "%s's %s login still %s after %.1f s" % (
            user, mech, "refused" if ok else "accepted", timeout)
        time.sleep(0.02)
    return time.monotonic() - t0


def test_requests_before_authentication_close_the_connection(zk, tmp_path, certs):
    b = sasl_broker(zk, tmp_path, certs)
    try:
        metadata_v1 = i32(-1)   # all topics
        # Metadata first: closed, one line
        since = b.log_size()
        with KafkaConn.to(b.sasl_plain) as c:
            frame, _ = c.request_bytes(3, 1, metadata_v1)
            c.send_raw(frame)
            closed, got = c.wait_closed(10)
            assert closed and got == b""
        H.wait_for(lambda: "Metadata request before SASL authentication" in b.log_since(since),
                   10, "the log line")
        # ApiVersions is served and lists both SASL APIs; after the handshake only
        # SaslAuthenticate is
        with KafkaConn.to(b.sasl_plain) as c:
            err, keys = c.api_versions()
            assert err == 0 and keys[17] == (0, 1) and keys[36] == (0, 2)
            err, mechs = handshake(c, "PLAIN")
            assert err == 0 and mechs == ["PLAIN"]
            frame, _ = c.request_bytes(3, 1, metadata_v1)
            c.send_raw(frame)
            closed, got = c.wait_closed(10)
            assert closed and got == b""
        # SaslAuthenticate before SaslHandshake: closed
        with KafkaConn.to(b.sasl_plain) as c:
            frame, _ = c.request_bytes(36, 1, i32(17) + b"\0alice\0alice-secr")
            c.send_raw(frame)
            assert c.wait_closed(10)[0]
        # a mechanism this listener does not enable: UNSUPPORTED_SASL_MECHANISM, then closed
        with KafkaConn.to(b.sasl_plain) as c:
            err, mechs = handshake(c, "SCRAM-SHA-256")
            assert err == 33 and mechs == ["PLAIN"]
            assert c.wait_closed(10)[0]
        # the right way: served, and then a second handshake is ILLEGAL_SASL_STATE
        with KafkaConn.to(b.sasl_plain) as c:
            assert handshake(c, "PLAIN")[0] == 0
            err, msg, data = authenticate(c, b"\0alice\0alice-secret")
            assert err == 0 and msg is None and data == b""
            r = c.request(3, 1, metadata_v1)
            assert r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
            assert handshake(c, "PLAIN")[0] == 34
            r = c.request(3, 1, metadata_v1)   # still served
        # a wrong password: SASL_AUTHENTICATION_FAILED with Kafka's message, then closed
        with KafkaConn.to(b.sasl_plain) as c:
            assert handshake(c, "PLAIN")[0] == 0
            t0 = time.monotonic()
            err, msg, _ = authenticate(c, b"\0alice\0nope")
            assert time.monotonic() - t0 >= 0.09    # connection.failed.authentication.delay.ms
            assert err == 58 and msg == "Authentication failed: Invalid username or password"
            assert c.wait_closed(10)[0]
        # SASL requests on the PLAINTEXT listener: ILLEGAL_SASL_STATE, still served
        with KafkaConn.to(b.bootstrap) as c:
            assert handshake(c, "PLAIN")[0] == 34
            c.request(3, 1, metadata_v1)
        # an unauthenticated request larger than sasl.server.max.receive.size: closed
        with KafkaConn.to(b.sasl_plain) as c:
            c.send_raw(struct.pack(">i", 600000) + b"\0" * 100)
            assert c.wait_closed(10)[0]
        assert b.running()
    finally:
        b.stop()


def test_v0_handshake_with_bare_tokens(zk, tmp_path, certs):
    """SaslHandshake v0: the tokens follow as size-prefixed frames without Kafka headers
    (clients older than Kafka 1.0 do this)."""
    b = sasl_broker(zk, tmp_path, certs)
    try:
        with KafkaConn.to(b.sasl_plain) as c:
            err, mechs = handshake(c, "PLAIN", version=0)
            assert err == 0
            tok = b"\0alice\0alice-secret"
            c.send_raw(struct.pack(">i", len(tok)) + tok)
            assert c.recv_frame() == b""       # an empty token: authenticated
            c.request(3, 1, i32(-1))
        with KafkaConn.to(b.sasl_plain) as c:
            assert handshake(c, "PLAIN", version=0)[0] == 0
            tok = b"\0alice\0wrong"
            c.send_raw(struct.pack(">i", len(tok)) + tok)
            closed, got = c.wait_closed(10)
            assert closed and got == b""
        # SCRAM with bare tokens, our own client side in Python
        put_scram_user(b.zk_client(), "frank", "frank-secret")
        wait_login(b.sasl_ssl, "frank", "frank-secret", True, ca=certs / "ca.pem")
        import ssl as pyssl
        ctx = pyssl.create_default_context(cafile=str(certs / "ca.pem"))
        host, port = b.sasl_ssl.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                c = KafkaConn.__new__(KafkaConn)
                c.sock, c.client_id, c.corr = t, "skein-test", 0
                assert handshake(c, "SCRAM-SHA-256", version=0)[0] == 0
                nonce = base64.b64encode(os.urandom(18)).decode()
                first = "n,,n=frank,r=" + nonce
                c.send_raw(struct.pack(">i", len(first)) + first.encode())
                server_first = c.recv_frame().decode()
                attrs = dict(a.split("=", 1) for a in server_first.split(","))
                assert attrs["r"].startswith(nonce) and attrs["i"] == "4096"
                salted = hashlib.pbkdf2_hmac("sha256", b"frank-secret",
                                             base64.b64decode(attrs["s"]), 4096)
                ck = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
                without = "c=biws,r=" + attrs["r"]
                auth = ",".join([first[3:], server_first, without]).encode()
                sig = hmac.new(hashlib.sha256(ck).digest(), auth, hashlib.sha256).digest()
                proof = base64.b64encode(bytes(x ^ y for x, y in zip(ck, sig))).decode()
                final = without + ",p=" + proof
                c.send_raw(struct.pack(">i", len(final)) + final.encode())
                server_final = c.recv_frame().decode()
                sk = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
                assert server_final == "v=" + base64.b64encode(
                    hmac.new(sk, auth, hashlib.sha256).digest()).decode()
                c.request(3, 1, i32(-1))
    finally:
        b.stop()


def authenticate_v1(conn, token):
    """SaslAuthenticate v1: (error, message, bytes, SessionLifetimeMs)."""
    r = conn.request(36, 1, i32(len(token)) + token)
    return r.i16(), r.string(), r.nbytes(), r.i64()


def test_reauthentication(zk, tmp_path, certs):
    """connections.max.reauth.ms (KIP-368): the session lifetime is answered, the client
    authenticates again on its connection, as the same user only, and a connection whose
    session has ended is closed at its next request (hand-built requests: none of the tested
    clients re-authenticates)."""
    b = sasl_broker(zk, tmp_path, certs, extra={"connections.max.reauth.ms": "2000"})
    try:
        alice = b"\0alice\0alice-secret"
        with KafkaConn.to(b.sasl_plain) as c:
            assert handshake(c, "PLAIN")[0] == 0
            assert authenticate_v1(c, alice) == (0, None, b"", 2000)
            c.request(3, 1, i32(-1))
            time.sleep(1.2)
            assert handshake(c, "PLAIN")[0] == 0          # re-authentication
            assert authenticate_v1(c, alice) == (0, None, b"", 2000)
            time.sleep(1.2)                                # past the first session's end
            c.request(3, 1, i32(-1))                       # the new session serves it
            since = b.log_size()
            time.sleep(1.0)                                # past the second one's
            frame, _ = c.request_bytes(3, 1, i32(-1))
            c.send_raw(frame)
            closed, got = c.wait_closed(10)
            assert closed and got == b""
        H.wait_for(lambda: "SASL session expired" in b.log_since(since), 10, "the log line")
        # re-authenticating as someone else is refused and closes the connection
        with KafkaConn.to(b.sasl_plain) as c:
            assert handshake(c, "PLAIN")[0] == 0
            assert authenticate_v1(c, alice)[0] == 0
            assert handshake(c, "PLAIN")[0] == 0
            err, msg, _, _ = authenticate_v1(c, b"\0admin\0admin-secret")
            assert err == 58 and msg == ("Cannot change principals during re-authentication "
                                         "from User:alice: User:admin"), msg
            assert c.wait_closed(10)[0]
        # a v0 client cannot re-authenticate: its connection ends with the session
        with KafkaConn.to(b.sasl_plain) as c:
            assert handshake(c, "PLAIN", version=0)[0] == 0
            c.send_raw(struct.pack(">i", len(alice)) + alice)
            assert c.recv_frame() == b""
            c.request(3, 1, i32(-1))
            time.sleep(2.2)
            frame, _ = c.request_bytes(3, 1, i32(-1))
            c.send_raw(frame)
            assert c.wait_closed(10)[0]
        # kcat (librdkafka 2.0, no re-authentication) still works: its connections are
        # closed when their sessions end and it connects again
        roundtrip_kcat(b.sasl_plain, "reauth-kcat", kcat_plain(), n=50)
        assert b.running()
    finally:
        b.stop()


# --------------------------------------------------------------------------- refusals

def run_bad(tmp_path, certs, props):
    b = sasl_broker(None, tmp_path, certs, start=False,
                    extra=dict({"zookeeper.connect": "127.0.0.1:%d/skein" % H.free_port()},
                               **props))
    b.spawn()
    rc = b.wait_exit(15)
    if rc is None:
        b.kill()
    return rc, b.log_text(current_run_only=True)


BAD = [
    ("Kafka's default GSSAPI", {"listener.name.sasl_plaintext.sasl.enabled.mechanisms": None},
     "sasl.enabled.mechanisms names GSSAPI (Kafka's default)"),
    ("OAUTHBEARER", {"listener.name.sasl_ssl.sasl.enabled.mechanisms": "SCRAM-SHA-256,OAUTHBEARER"},
     "listener.name.sasl_ssl.sasl.enabled.mechanisms names OAUTHBEARER"),
    ("PLAIN without users", {"listener.name.sasl_plaintext.plain.sasl.jaas.config": None},
     "listener.name.sasl_plaintext.plain.sasl.jaas.config"),
    ("unparsable JAAS", {"listener.name.sasl_plaintext.plain.sasl.jaas.config":
                         PLAIN_MODULE + " required user_a=\"b\""},
     "listener.name.sasl_plaintext.plain.sasl.jaas.config"),
    ("inter-broker GSSAPI", {"inter.broker.listener.name": "SASL_PLAINTEXT"},
     "sasl.mechanism.inter.broker.protocol=GSSAPI (Kafka's default)"),
    ("inter-broker mechanism not enabled", {"inter.broker.listener.name": "SASL_PLAINTEXT",
                                            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-256"},
     "is not enabled on the inter-broker listener SASL_PLAINTEXT"),
    ("inter-broker without credentials", {"inter.broker.listener.name": "SASL_SSL",
                                          "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
                                          "ssl.truststore.type": "PEM",
                                          "ssl.truststore.location": "@ca.pem"},
     "needs username and password"),
    ("SASL_SSL without key store", {"ssl.keystore.location": None, "ssl.keystore.type": None},
     "ssl.keystore.location"),
]


@pytest.mark.parametrize("what,props,needle", BAD, ids=[x[0] for x in BAD])
def test_unservable_sasl_listener_exits_2(tmp_path, certs, what, props, needle):
    props = {k: str(certs / v[1:]) if v and v.startswith("@") else v for k, v in props.items()}
    rc, out = run_bad(tmp_path, certs, props)
    assert rc == 2, "%s: exit status %s\n%s" % (what, rc, out)
    assert needle in out, "%s: %r not in\n%s" % (what, needle, out)


# --------------------------------------------------------------------------- inter-broker

def isr(b, topic):
    data, _ = b.zk_client().get("/brokers/topics/%s/partitions/0/state" % topic)
    return json.loads(data)


def wait_brokers_known(bs, auth, boot_attr="sasl_ssl"):
    """Every broker's metadata lists all of them (auto-creation checks the replication factor
    against the brokers a broker knows; right after start-up it may know fewer)."""
    def known():
        for b in bs:
            p = kcat(["-L", "-J", "-b", getattr(b, boot_attr), "-m", "5"] + auth, check=False,
                     timeout=30)
            if p.returncode != 0 or len(json.loads(p.stdout.decode())["brokers"]) != len(bs):
                return False
        return True
    H.wait_for(known, 30, "every broker to know all %d" % len(bs), interval=0.5)


def test_inter_broker_sasl_ssl_scram_replicates_and_fails_over(zk, tmp_path, certs):
    """Three brokers whose inter-broker listener is SASL_SSL with SCRAM-SHA-512: the
    controller's requests, the followers' fetches and AlterPartition authenticate as the
    broker user (credential in ZooKeeper), an acks=all topic with three replicas is answered
    by all three, and after the leader is killed another one leads with every record."""
    chroot = "/sasl-ib-" + tmp_path.name
    zkc = zk.client(chroot=None)
    zkc.ensure_path(chroot)
    zkc.stop()
    zkc = zk.client(chroot=chroot)
    put_scram_user(zkc, "broker", "broker-secret")
    put_scram_user(zkc, "carol", "carol-secret")
    zkc.stop()
    ib = {"inter.broker.listener.name": "SASL_SSL",
          "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
          "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
              '%s required username="broker" password="broker-secret";' % SCRAM_MODULE,
          "ssl.truststore.type": "PEM",
          "ssl.truststore.location": str(certs / "ca.pem"),
          "default.replication.factor": "3", "min.insync.replicas": "2",
          "replica.lag.time.max.ms": "10000"}
    bs = [sasl_broker(zk, tmp_path, certs, extra=ib, name="ib%d" % i, broker_id=i, start=False,
                      chroot=chroot) for i in range(3)]
    try:
        for b in bs:
            b.spawn()
        for b in bs:
            b.wait_ready()
        auth = kcat_scram(certs, "SCRAM-SHA-256", "carol", "carol-secret")
        wait_brokers_known(bs, auth)
        boot = ",".join(b.sasl_ssl for b in bs)
        data = b"".join(b"r%05d-%s\n" % (i, os.urandom(30).hex().encode()) for i in range(2000))
        kcat(["-P", "-b", boot, "-t", "ibs", "-p", "0", "-X", "acks=all",
              "-X", "message.timeout.ms=60000"] + auth, input_data=data, timeout=120)
        H.wait_for(lambda: sorted(isr(bs[0], "ibs")["isr"]) == [0, 1, 2], 40,
                   "all three replicas in sync")
        for b in bs:
            log = b.log_text()
            assert "inter-broker connections on listener SASL_SSL authenticate with " \
                   "SCRAM-SHA-512 as broker" in log, b.name
            assert "SASL authentication with broker" not in log, log
            assert "authentication failed" not in log, log
        leader = isr(bs[0], "ibs")["leader"]
        bs[leader].kill()
        others = [b for b in bs if b.id != leader]
        H.wait_for(lambda: isr(others[0], "ibs")["leader"] in (others[0].id, others[1].id), 40,
                   "another broker to lead")
        boot = ",".join(b.sasl_ssl for b in others)
        kcat(["-P", "-b", boot, "-t", "ibs", "-p", "0", "-X", "acks=all",
              "-X", "message.timeout.ms=60000"] + auth, input_data=b"after-failover\n",
             timeout=90)
        out = kcat(["-C", "-b", boot, "-t", "ibs", "-p", "0", "-o", "beginning", "-e", "-q"]
                   + auth, timeout=90).stdout
        assert out == data + b"after-failover\n"
    finally:
        for b in bs:
            b.stop()


def test_inter_broker_sasl_plaintext_plain(zk, tmp_path, certs):
    """Two brokers whose inter-broker listener is SASL_PLAINTEXT with PLAIN: they log in as
    admin (the JAAS line's username/password, also a user_ entry) and replicate acks=all."""
    ib = {"inter.broker.listener.name": "SASL_PLAINTEXT",
          "sasl.mechanism.inter.broker.protocol": "PLAIN",
          "default.replication.factor": "2", "min.insync.replicas": "2",
          "replica.lag.time.max.ms": "10000"}
    chroot = "/sasl-ibp-" + tmp_path.name
    bs = [sasl_broker(zk, tmp_path, certs, extra=ib, name="p%d" % i, broker_id=i, start=False,
                      chroot=chroot) for i in range(2)]
    try:
        for b in bs:
            b.spawn()
        for b in bs:
            b.wait_ready()
        wait_brokers_known(bs, kcat_plain(), "sasl_plain")
        boot = ",".join(b.sasl_plain for b in bs)
        data = b"".join(b"p%04d\n" % i for i in range(500))
        kcat(["-P", "-b", boot, "-t", "ibp", "-p", "0", "-X", "acks=all"] + kcat_plain(),
             input_data=data, timeout=90)
        H.wait_for(lambda: sorted(isr(bs[0], "ibp")["isr"]) == [0, 1], 30, "both in sync")
        for b in bs:
            assert "authenticate with PLAIN as admin" in b.log_text(), b.name
            assert "authentication failed" not in b.log_text()
        out = kcat(["-C", "-b", boot, "-t", "ibp", "-p", "0", "-o", "beginning", "-e", "-q"]
                   + kcat_plain()).stdout
        assert out == data
    finally:
        for b in bs:
            b.stop()


def configs(b, *args, check=True):
    p = subprocess.run([H.tool_path("skein-configs"), "--zookeeper", b.zk_connect,
                        "--entity-type", "users"] + list(args), capture_output=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr.decode()
    return p


def test_skein_configs_manages_scram_users(zk, tmp_path, certs):
    """skein-configs writes Kafka's credential znode (kafka-configs.sh --zookeeper's way): a
    user added while the broker runs logs in with kcat, --describe shows mechanisms and
    iterations only, other configs of the user are kept, --delete-config removes a
    mechanism."""
    b = sasl_broker(zk, tmp_path, certs)
    try:
        zkc = b.zk_client()
        zkc.create("/config/users/gina", json.dumps(
            {"version": 1, "config": {"producer_byte_rate": "1024"}}).encode(), makepath=True)
        before = len(zkc.get_children("/config/changes")) if zkc.exists("/config/changes") else 0
        out = configs(b, "--entity-name", "gina", "--alter", "--add-config",
                      "SCRAM-SHA-256=[iterations=8192,password=gina-secret],"
                      "SCRAM-SHA-512=[password=gina-secret]").stdout.decode()
        assert "Completed updating config for user gina." in out
        cfg = json.loads(zkc.get("/config/users/gina")[0])
        assert cfg["config"]["producer_byte_rate"] == "1024"
        assert cfg["config"]["SCRAM-SHA-256"].endswith(",iterations=8192")
        assert "gina-secret" not in json.dumps(cfg)
        assert len(zkc.get_children("/config/changes")) == before + 1
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            wait_login(b.sasl_ssl, "gina", "gina-secret", True, mech, certs / "ca.pem")
            kcat(["-L", "-b", b.sasl_ssl] + kcat_scram(certs, mech, "gina", "gina-secret"))
        out = configs(b, "--entity-name", "gina", "--describe").stdout.decode()
        assert out == ("Quota configs for user-principal 'gina' are producer_byte_rate=1024\n"
                       "SCRAM credential configs for user-principal 'gina' are "
                       "SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n"), out
        configs(b, "--entity-name", "gina", "--alter", "--delete-config", "SCRAM-SHA-512")
        wait_login(b.sasl_ssl, "gina", "gina-secret", False, "SCRAM-SHA-512", certs / "ca.pem")
        login_refused(b.sasl_ssl, kcat_scram(certs, "SCRAM-SHA-512", "gina", "gina-secret"))
        kcat(["-L", "-b", b.sasl_ssl] + kcat_scram(certs, "SCRAM-SHA-256", "gina",
                                                    "gina-secret"))
        out = configs(b, "--describe").stdout.decode()
        assert "user-principal 'gina' are SCRAM-SHA-256=iterations=8192\n" in out, out
        # bad usage: exit status 2 with a message
        for args in (["--entity-name", "x", "--alter", "--add-config", "SCRAM-SHA-1=[password=p]"],
                     ["--entity-name", "x", "--alter", "--add-config",
                      "SCRAM-SHA-256=[iterations=100,password=p]"],
                     ["--entity-name", "x", "--alter", "--add-config", "SCRAM-SHA-256=[iterations=4096]"],
                     ["--entity-name", "x", "--alter"],
                     ["--entity-name", "x", "--alter", "--delete-config", "producer_byte_rate"]):
            p = configs(b, *args, check=False)
            assert p.returncode == 2 and p.stderr, (args, p)
    finally:
        b.stop()


# --------------------------------------------------------------------------- KIP-554 APIs

def _cstr(s):
    from kafka_wire import uvarint
    b = s.encode()
    return uvarint(len(b) + 1) + b


def _cbytes(b):
    from kafka_wire import uvarint
    return uvarint(len(b) + 1) + b


def _carr(items):
    from kafka_wire import uvarint
    return uvarint(len(items) + 1) + b"".join(items)


def _read_cstr(r):
    from kafka_wire import read_uvarint
    n = read_uvarint(r) - 1
    return None if n < 0 else r.take(n).decode()


def _read_carr(r, fn):
    from kafka_wire import read_uvarint
    n = read_uvarint(r) - 1
    return None if n < 0 else [fn() for _ in range(n)]


def flex_request(c, key, body):
    """A request at version 0 of a flexible-only API (header v2, response header v1)."""
    from kafka_wire import skip_tags
    c.corr += 1
    payload = i16(key) + i16(0) + i32(c.corr) + string(c.client_id) + b"\0" + body
    c.send_raw(i32(len(payload)) + payload)
    r = Reader(c.recv_frame())
    assert r.i32() == c.corr
    skip_tags(r)
    return r


def describe_scram(c, users):
    from kafka_wire import skip_tags
    body = (b"\0" if users is None else _carr([_cstr(u) + b"\0" for u in users])) + b"\0"
    r = flex_request(c, 50, body)
    r.i32()
    top = (r.i16(), _read_cstr(r))

    def info():
        v = (r.i8(), r.i32())
        skip_tags(r)
        return v

    def result():
        v = (_read_cstr(r), r.i16(), _read_cstr(r), _read_carr(r, info))
        skip_tags(r)
        return v
    return top, _read_carr(r, result)


def alter_scram(c, deletions=(), upsertions=()):
    from kafka_wire import skip_tags
    body = _carr([_cstr(n) + struct.pack(">b", m) + b"\0" for n, m in deletions])
    body += _carr([_cstr(n) + struct.pack(">bi", m, it) + _cbytes(salt) + _cbytes(sp) + b"\0"
                   for n, m, it, salt, sp in upsertions]) + b"\0"
    r = flex_request(c, 51, body)
    r.i32()

    def result():
        v = (_read_cstr(r), r.i16(), _read_cstr(r))
        skip_tags(r)
        return v
    return _read_carr(r, result)


def salted(mech, password, salt, iterations):
    return hashlib.pbkdf2_hmac("sha256" if mech == 1 else "sha512", password.encode(), salt,
                               iterations)


def test_describe_and_alter_user_scram_credentials(zk, tmp_path, certs):
    """KIP-554's two APIs (hand-built requests: the tested clients have no admin call for
    them): an upsertion with salt and SaltedPassword lets kcat log in, Describe shows
    mechanisms and iterations, Kafka's refusals per user, a deletion takes the login away."""
    b = sasl_broker(zk, tmp_path, certs)
    try:
        salt = os.urandom(20)
        with KafkaConn.to(b.bootstrap) as c:
            err, keys = c.api_versions()
            assert keys[50] == (0, 0) and keys[51] == (0, 0)
            res = alter_scram(c, upsertions=[
                ("hana", 1, 8192, salt, salted(1, "hana-secret", salt, 8192)),
                ("hana", 2, 4096, salt, salted(2, "hana-secret", salt, 4096))])
            assert res == [("hana", 0, None)], res
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            wait_login(b.sasl_ssl, "hana", "hana-secret", True, mech, certs / "ca.pem")
        kcat(["-L", "-b", b.sasl_ssl] + kcat_scram(certs, "SCRAM-SHA-256", "hana", "hana-secret"))
        kcat(["-L", "-b", b.sasl_ssl] + kcat_scram(certs, "SCRAM-SHA-512", "hana", "hana-secret"))
        out = configs(b, "--entity-name", "hana", "--describe").stdout.decode()
        assert "SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096" in out, out
        with KafkaConn.to(b.bootstrap) as c:
            top, results = describe_scram(c, ["hana"])
            assert top == (0, None) and results == [("hana", 0, None, [(1, 8192), (2, 4096)])]
            top, results = describe_scram(c, None)
            assert ("hana", 0, None, [(1, 8192), (2, 4096)]) in results
            _, results = describe_scram(c, ["nobody", "hana", "hana"])
            assert results[0][:2] == ("nobody", 91), results
            assert results[0][2] == "Attempt to describe a user credential that does not " \
                                    "exist: nobody"
            assert results[1][1] == 0 and results[2][1] == 92, results
            res = alter_scram(c, upsertions=[
                ("ivan", 1, 100, salt, salted(1, "x", salt, 4096)),
                ("", 1, 4096, salt, salted(1, "x", salt, 4096)),
                ("jon", 3, 4096, salt, salted(1, "x", salt, 4096)),
                ("kim", 1, 4096, salt, salted(1, "x", salt, 4096)),
                ("kim", 1, 4096, salt, salted(1, "x", salt, 4096))],
                deletions=[("hana", 2), ("lea", 1)])
            got = {u: (e, m) for u, e, m in res}
            assert got["ivan"] == (93, "Too few iterations"), got
            assert got[""] == (93, "Username must not be empty"), got
            assert got["jon"] == (33, "Unknown SCRAM mechanism"), got
            assert got["kim"][0] == 92, got
            assert got["lea"] == (91, "Attempt to delete a user credential that does not "
                                      "exist"), got
            assert got["hana"] == (0, None), got
            _, results = describe_scram(c, ["hana", "ivan", "kim"])
            assert results[0] == ("hana", 0, None, [(1, 8192)]), results
            assert results[1][1] == 91 and results[2][1] == 91, results
        wait_login(b.sasl_ssl, "hana", "hana-secret", False, "SCRAM-SHA-512", certs / "ca.pem")
        login_refused(b.sasl_ssl, kcat_scram(certs, "SCRAM-SHA-512", "hana", "hana-secret"))
        assert b.running()
    finally:
        b.stop()


def test_sasl_principal_with_authorizer(zk, tmp_path, certs):
    """With the authorizer on, the SASL user is the principal ACLs see: admin (a super user)
    may describe and alter SCRAM credentials, alice (no ACL) gets CLUSTER_AUTHORIZATION_FAILED
    for both."""
    b = sasl_broker(zk, tmp_path, certs, extra={
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
        "super.users": "User:admin;User:ANONYMOUS"})
    try:
        salt = os.urandom(16)
        up = [("ivy", 1, 4096, salt, salted(1, "ivy-secret", salt, 4096))]
        for user, pw, allowed in (("alice", "alice-secret", False), ("admin", "admin-secret", True)):
            with KafkaConn.to(b.sasl_plain) as c:
                assert handshake(c, "PLAIN")[0] == 0
                assert authenticate(c, b"\0" + user.encode() + b"\0" + pw.encode())[0] == 0
                top, results = describe_scram(c, None)
                assert top[0] == (0 if allowed else 31), (user, top)
                assert alter_scram(c, upsertions=up) == [("ivy", 0 if allowed else 31, None)]
        kcat(["-L", "-b", b.sasl_ssl] + kcat_scram(certs, "SCRAM-SHA-256", "ivy", "ivy-secret"))
    finally:
        b.stop()


def zk_requests(port):
    """The broker's ZooKeeper requests so far (its latency histogram's count)."""
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms"
                               "_count"):
                return float(line.split()[-1])
    raise AssertionError("no ZooKeeper request count in /metrics")


def test_scram_users_follow_config_changes_without_zookeeper_reads(zk, tmp_path, certs):
    """SCRAM credentials are cached and kept current by /config/changes: a user added with
    skein-configs --zookeeper logs in over SASL_PLAINTEXT SCRAM-SHA-256 within a second (our
    wire client, then confluent-kafka), a changed password within a second, a deleted
    credential is refused within a second, and 40 logins (10 of unknown users) cost the broker
    no ZooKeeper read."""
    from confluent_kafka import Producer
    mport = H.free_port()
    b = sasl_broker(zk, tmp_path, certs, extra={
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
        "metrics.listener": "http://127.0.0.1:%d" % mport})
    try:
        H.wait_for(lambda: "every /config/users entity read" in b.log_text(), 10,
                   "the users' credentials loaded")
        configs(b, "--entity-name", "nora", "--alter", "--add-config",
                "SCRAM-SHA-256=[password=nora-1]")
        took_add = wait_login(b.sasl_plain, "nora", "nora-1", True)
        p = Producer({"bootstrap.servers": b.sasl_plain, "security.protocol": "SASL_PLAINTEXT",
                      "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "nora",
                      "sasl.password": "nora-1"})
        got = []
        p.produce("nora-t", b"hello", on_delivery=lambda e, m: got.append(e))
        p.flush(30)
        assert got == [None], got

        configs(b, "--entity-name", "nora", "--alter", "--add-config",
                "SCRAM-SHA-256=[password=nora-2]")
        took_change = wait_login(b.sasl_plain, "nora", "nora-2", True)
        assert not scram_login(b.sasl_plain, "nora", "nora-1")

        before = zk_requests(mport)
        for i in range(30):
            assert scram_login(b.sasl_plain, "nora", "nora-2")
            if i % 3 == 0:  # refusals are delayed 100 ms each
                assert not scram_login(b.sasl_plain, "nobody-%d" % i, "x")
        # a login read ZooKeeper before (40 here); a few of the broker's own remain
        assert zk_requests(mport) - before < 15, zk_requests(mport) - before

        configs(b, "--entity-name", "nora", "--alter", "--delete-config", "SCRAM-SHA-256")
        took_delete = wait_login(b.sasl_plain, "nora", "nora-2", False)
        print("in force after: add %.3f s, change %.3f s, delete %.3f s" % (
            took_add, took_change, took_delete))
        assert b.running()
    finally:
        b.stop()


def test_skein_perf_compare_and_scram(zk, tmp_path, certs):
    """skein-perf's TLS and SCRAM benchmarks (figures printed, not asserted): compare
    produces and consumes the same records over a PLAINTEXT and an SSL listener of one broker
    and prints both side by side; scram logs in N times over SASL_PLAINTEXT; a wrong password
    ends scram with exit 1 naming the refusal; compare without --ssl-config is a usage error."""
    plain, ssl_port, sp = H.free_port(), H.free_port(), H.free_port()
    b = sasl_broker(zk, tmp_path, certs, extra={
        "listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d"
                     % (plain, ssl_port, sp),
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "SCRAM-SHA-256",
        "listener.name.sasl_ssl.sasl.enabled.mechanisms": None,
        "num.partitions": "1"}, start=False)
    b.port = plain
    b.start()
    try:
        put_scram_user(b.zk_client(), "perf", "perf-secret")
        sasl_at = "127.0.0.1:%d" % sp
        wait_login(sasl_at, "perf", "perf-secret", True)
        topics = subprocess.run([H.tool_path("skein-topics"), "--bootstrap-server", b.bootstrap,
                                 "--create", "--topic", "perf-tls", "--partitions", "1",
                                 "--replication-factor", "1"], capture_output=True, timeout=60)
        assert topics.returncode == 0, topics.stderr
        ssl_cfg = tmp_path / "ssl.properties"
        ssl_cfg.write_text("security.protocol=SSL\nssl.ca.location=%s\n" % (certs / "ca.pem"))
        perf = H.tool_path("skein-perf")
        p = subprocess.run([perf, "compare", "--bootstrap-server", b.bootstrap,
                            "--ssl-bootstrap-server", "127.0.0.1:%d" % ssl_port,
                            "--ssl-config", str(ssl_cfg), "--topic", "perf-tls",
                            "--num-records", "3000", "--record-size", "1000"],
                           capture_output=True, timeout=120, universal_newlines=True)
        assert p.returncode == 0, (p.stdout, p.stderr)
        print(p.stdout)
        table = p.stdout[p.stdout.index("PLAINTEXT          SSL"):]
        for row in ("produce MB/sec", "consume MB/sec"):
            vals = [float(v) for v in table.split(row)[1].split("\n")[0].split()]
            assert len(vals) == 3 and vals[0] > 0 and vals[1] > 0, (row, vals)
        assert "kernel TLS on this machine: " in p.stdout
        assert p.stdout.count("3000 records received") == 2, p.stdout
        s = subprocess.run([perf, "scram", "--bootstrap-server", sasl_at, "--user", "perf",
                            "--password", "perf-secret", "--num-records", "50"],
                           capture_output=True, timeout=120, universal_newlines=True)
        assert s.returncode == 0, (s.stdout, s.stderr)
        print(s.stdout)
        assert "50 SCRAM-SHA-256 handshakes in " in s.stdout, s.stdout
        bad = subprocess.run([perf, "scram", "--bootstrap-server", sasl_at, "--user", "perf",
                              "--password", "wrong", "--num-records", "5"],
                             capture_output=True, timeout=60, universal_newlines=True)
        assert bad.returncode == 1 and "login 1 refused" in bad.stderr, bad
        usage = subprocess.run([perf, "compare", "--bootstrap-server", b.bootstrap,
                                "--ssl-bootstrap-server", "127.0.0.1:%d" % ssl_port,
                                "--topic", "perf-tls", "--num-records", "1",
                                "--record-size", "1"],
                               capture_output=True, timeout=60, universal_newlines=True)
        assert usage.returncode == 2 and "--ssl-config" in usage.stderr, usage
    finally:
        b.stop()


def test_scram_user_deleted_while_session_gone_is_forgotten(zk, tmp_path, certs):
    """The credential cache is read again in a new ZooKeeper session, and a user whose znode
    was deleted while the broker had no session (its notification then old news) is dropped
    from it: the login is refused once the broker has registered again."""
    b = sasl_broker(zk, tmp_path, certs, extra={
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
        "zookeeper.session.timeout.ms": "2000"})
    try:
        zkc = b.zk_client()
        put_scram_user(zkc, "olga", "olga-secret")
        wait_login(b.sasl_plain, "olga", "olga-secret", True, timeout=10)
        _, st0 = zkc.get("/brokers/ids/0")
        b.pause()
        try:
            H.wait_for(lambda: zkc.exists("/brokers/ids/0") is None, 20,
                       "ZooKeeper to expire the paused broker's session")
            zkc.delete("/config/users/olga")
            zkc.create("/config/changes/config_change_", json.dumps(
                {"version": 2, "entity_path": "users/olga"}).encode(), sequence=True)
        finally:
            b.resume()
        st1 = H.wait_for(lambda: zkc.exists("/brokers/ids/0"), 30,
                         "the broker to register again")
        assert st1.ephemeralOwner != st0.ephemeralOwner
        wait_login(b.sasl_plain, "olga", "olga-secret", False, timeout=10)
        assert "users olga: its znode is gone" in b.log_text(current_run_only=True)
    finally:
        b.stop()
