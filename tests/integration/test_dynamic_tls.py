"""Dynamic listener key stores (issue 11 part 1, KIP-226): listener.name.<l>.ssl.keystore.*
set for one broker with AlterConfigs / IncrementalAlterConfigs / skein-configs change the
running SSL listener: new connections get the new certificate, open ones keep their session.
The new store is loaded and checked before anything is written; passwords are written
encoded with password.encoder.secret; the refusals are Kafka's.

Certificates come from test_tls's fixture (one CA, which every client here trusts) and are
made here for the renewals; the clients are Python's ssl module, kcat, confluent-kafka and
skein-configs."""
import json
import socket
import ssl
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import skein_harness as H  # noqa: E402
from clients import kcat  # noqa: E402
from kafka_wire import KafkaConn  # noqa: E402
from test_tls import (STOREPW, api_versions, certs, kcat_ssl, make_cert, openssl,  # noqa: E402,F401
                      pem_props, served_serial, tls_broker)
from test_dynamic_configs import configs, raw_incremental  # noqa: E402

BROKER = 4
INVALID_REQUEST = 42
LOC = "listener.name.ssl.ssl.keystore.location"
TYPE = "listener.name.ssl.ssl.keystore.type"
PASSWORD = "listener.name.ssl.ssl.keystore.password"


def serial_of(pem):
    return ssl._ssl._test_decode_cert(str(pem))["serialNumber"]


def pem_keystore(d, name):
    """A PEM key store file (key, then certificate) from name.key and name.pem in d."""
    out = d / (name + "-keystore.pem")
    out.write_text((d / (name + ".key")).read_text() + (d / (name + ".pem")).read_text())
    return out


def node(b):
    """/config/brokers/0 as the broker's chroot has it: (raw bytes, settings) or (None, {})."""
    zkc = b.zk_client()
    if not zkc.exists("/config/brokers/0"):
        return None, {}
    data = zkc.get("/config/brokers/0")[0]
    return data, json.loads(data)["config"]


def incremental(b, resource, ops):
    with KafkaConn.to(b.bootstrap) as k:
        return raw_incremental(k, [(BROKER, resource, ops)])[0]


def test_dynamic_keystore_changes_the_running_listener(zk, tmp_path, certs):
    ca = str(certs / "ca")
    make_cert(tmp_path, "second", ca, "localhost", "DNS:localhost,IP:127.0.0.1")
    make_cert(tmp_path, "third", ca, "localhost", "DNS:localhost,IP:127.0.0.1")
    second = pem_keystore(tmp_path, "second")
    openssl("pkcs12", "-export", "-in", "third.pem", "-inkey", "third.key", "-out", "third.p12",
            "-passout", "pass:" + STOREPW, cwd=tmp_path)
    third = tmp_path / "third.p12"
    (tmp_path / "wronghost.key").write_text((certs / "wronghost.key").read_text())
    (tmp_path / "wronghost.pem").write_text((certs / "wronghost.pem").read_text())
    wronghost = pem_keystore(tmp_path, "wronghost")
    make_cert(tmp_path, "nosan", ca, "localhost", "DNS:localhost")  # drops IP:127.0.0.1
    nosan = pem_keystore(tmp_path, "nosan")

    b = tls_broker(zk, tmp_path, certs, pem_props(certs))
    try:
        first = served_serial(b, certs)
        assert first == serial_of(certs / "broker.pem")
        ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        old = ctx.wrap_socket(socket.create_connection(("127.0.0.1", b.tls_port), timeout=10),
                              server_hostname="localhost")
        assert api_versions(old) == 0

        # skein-configs, kafka-configs.sh's way: a new PEM key store for listener SSL
        since = b.log_size()
        p = configs("--bootstrap-server", b.bootstrap, "--entity-type", "brokers",
                    "--entity-name", "0", "--alter", "--add-config", "%s=%s" % (LOC, second))
        assert b"Completed updating config for broker 0." in p.stdout
        H.wait_for(lambda: "reloaded after a dynamic configuration change" in b.log_since(since),
                   10, "the listener's reload")
        assert served_serial(b, certs) == serial_of(tmp_path / "second.pem")
        assert api_versions(old) == 0                      # the open session carries on
        kcat(["-L", "-b", b.tls_bootstrap] + kcat_ssl(certs))  # librdkafka over the new cert

        # refusals: Kafka's code and message, nothing written, the listener unchanged
        written, _ = node(b)
        label = "Invalid config value for resource ConfigResource(type=BROKER, name='%s'): "
        refused = [
            ("0", [(LOC, 0, "/nonexistent/keystore.pem")], "Invalid dynamic configuration"),
            ("0", [(LOC, 0, str(wronghost))], "Invalid dynamic configuration"),   # other DN
            ("0", [(LOC, 0, str(nosan))], "Invalid dynamic configuration"),       # a SAN less
            ("0", [("ssl.keystore.location", 0, str(second))],
             "These security configs can be dynamically updated only per-listener using the "
             "listener prefix: Set(ssl.keystore.location)"),
            ("", [(LOC, 0, str(second))],
             "Cannot update these configs at default cluster level, broker id must be "
             "specified: Set(%s)" % LOC),
            ("0", [(TYPE, 0, "PKCS12"), (LOC, 0, str(third)), (PASSWORD, 0, STOREPW)],
             "Password encoder secret not configured"),  # no password.encoder.secret
        ]
        for resource, ops, msg in refused:
            err, text, _, _ = incremental(b, resource, ops)
            assert (err, text) == (INVALID_REQUEST, label % resource + msg), (ops, text)
        assert node(b)[0] == written
        assert not b.zk_client().exists("/config/brokers/<default>")
        assert "Keystore DistinguishedName does not match" in b.log_since(since)
        assert "Keystore SubjectAltNames do not match" in b.log_since(since)
        assert served_serial(b, certs) == serial_of(tmp_path / "second.pem")

        # with the secret (a static key: a restart), the dynamic key store is in force at once
        old.close()
        b.stop()
        b.props["password.encoder.secret"] = "encoder-secret-0"
        b.start()
        assert served_serial(b, certs) == serial_of(tmp_path / "second.pem")
        err, text, _, _ = incremental(b, "0", [(TYPE, 0, "PKCS12"), (LOC, 0, str(third)),
                                               (PASSWORD, 0, "wrong-password")])
        assert (err, text) == (INVALID_REQUEST, label % "0" + "Invalid dynamic configuration")
        assert node(b)[0] == written

        since = b.log_size()
        configs("--bootstrap-server", b.bootstrap, "--entity-type", "brokers", "--entity-name",
                "0", "--alter", "--add-config",
                "%s=PKCS12,%s=%s,%s=%s" % (TYPE, LOC, third, PASSWORD, STOREPW))
        H.wait_for(lambda: "reloaded after a dynamic configuration change" in b.log_since(since),
                   10, "the listener's reload")
        assert served_serial(b, certs) == serial_of(tmp_path / "third.pem")
        data, cfg = node(b)
        assert STOREPW.encode() not in data                 # never in clear in ZooKeeper
        enc = dict(f.split(":", 1) for f in cfg[PASSWORD].split(","))
        assert enc["keyFactoryAlgorithm"] == "PBKDF2WithHmacSHA512"
        assert enc["cipherAlgorithm"] == "AES/CBC/PKCS5Padding"
        assert enc["passwordLength"] == str(len(STOREPW))
        assert cfg[LOC] == str(third) and cfg[TYPE] == "PKCS12"

        # DescribeConfigs: the dynamic keys with their source, the password a sensitive null
        from confluent_kafka.admin import AdminClient, ConfigResource
        a = AdminClient({"bootstrap.servers": b.bootstrap})
        res = ConfigResource(ConfigResource.Type.BROKER, "0")
        got = a.describe_configs([res])[res].result(30)
        assert got[LOC].value == str(third) and got[LOC].source == 2   # DYNAMIC_BROKER_CONFIG
        assert got[PASSWORD].is_sensitive and got[PASSWORD].value is None
        assert got[PASSWORD].source == 2
        p = configs("--bootstrap-server", b.bootstrap, "--entity-type", "brokers",
                    "--entity-name", "0", "--describe")
        assert ("  %s=null sensitive=true" % PASSWORD).encode() in p.stdout, p.stdout
        assert STOREPW.encode() not in p.stdout
    finally:
        b.stop()
