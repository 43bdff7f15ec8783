"""Skein test harness: a real ZooKeeper server and real skeind processes.

Usable from pytest (see tests/integration/conftest.py) and by hand:

    import sys; sys.path.insert(0, "tests/harness")
    from skein_harness import Cluster
    with Cluster(1, "/tmp/try") as c:
        print(c.bootstrap)          # 127.0.0.1:PORT
        input("press enter to stop")

Every process is started in its own process group and registered in a module-level
registry; Cluster.__exit__, the pytest finalizers and an atexit hook stop what is left
(by PID, SIGTERM then SIGKILL), so nothing survives a failed test.

Readiness is always a polled condition with a deadline (wait_for), never a fixed sleep.
"""

import atexit
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

JAVA = os.environ.get("JAVA", "/usr/bin/java")
ZK_CLASSPATH = ":".join([
    "/etc/zookeeper/conf",
    "/usr/share/java/zookeeper.jar",
    # the jar's manifest names its own dependencies; these give it a log4j backend
    "/usr/share/java/slf4j-log4j12.jar",
    "/usr/share/java/log4j-1.2.jar",
])
ZK_MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain"


class HarnessError(Exception):
    """A process did not start, did not become ready, or misbehaved."""


class Fatal(HarnessError):
    """Raised inside a wait_for condition to stop waiting at once (e.g. the process died)."""


# --------------------------------------------------------------------------- helpers

def wait_for(cond, timeout, what, interval=0.05):
    """Poll cond() until it returns a truthy value; return that value.

    Raises HarnessError naming `what` (and the last exception cond raised, if any)
    when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = cond()
            if v:
                return v
            last_exc = None
        except Fatal as e:
            raise HarnessError("gave up waiting for %s: %s" % (what, e)) from None
        except Exception as e:  # noqa: BLE001 - reported below
            last_exc = e
        if time.monotonic() >= deadline:
            msg = "timed out after %.1fs waiting for %s" % (timeout, what)
            if last_exc is not None:
                msg += " (last error: %r)" % (last_exc,)
            raise HarnessError(msg)
        time.sleep(interval)


_ports_lock = threading.Lock()
_ports_given = set()


def _unassigned_range():
    """Ports the kernel never picks as the local port of an outgoing connection:
    those below net.ipv4.ip_local_port_range.  A port from the ephemeral range can
    be taken by any client's connect() between our check and the server's bind()."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return 20000, min(low, 65536) - 1


def _bindable(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port_block(n=1):
    """The first of n consecutive loopback TCP ports that are free now, lie outside
    the ephemeral range, and were not handed out before by this process."""
    lo, hi = _unassigned_range()
    rng = random.Random(os.getpid() ^ int(time.time() * 1000))
    with _ports_lock:
        if hi - lo > 1000:
            for _ in range(500):
                base = rng.randint(lo, hi - n + 1)
                block = range(base, base + n)
                if any(p in _ports_given for p in block):
                    continue
                if all(_bindable(p) for p in block):
                    _ports_given.update(block)
                    return base
        if n == 1:          # no room below the ephemeral range: let the kernel choose
            for _ in range(200):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
                finally:
                    s.close()
                if port not in _ports_given:
                    _ports_given.add(port)
                    return port
    raise HarnessError("no block of %d free loopback port(s) found" % n)


def free_port():
    """A loopback TCP port that is free now and not handed out before by this process."""
    return free_port_block(1)


def port_accepts(port, host="127.0.0.1", timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def skeind_path():
    return os.path.abspath(os.environ.get("SKEIND", str(REPO / "build" / "skeind")))


def tail(path, n=60):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "<cannot read %s: %s>" % (path, e)
    lines = data.decode("utf-8", "replace").splitlines()
    return "\n".join(lines[-n:])


# --------------------------------------------------------------------------- processes

_registry_lock = threading.Lock()
_registry = []          # every ZooKeeper / Broker object ever created (for log dumps)


def _register(obj):
    with _registry_lock:
        _registry.append(obj)


def instances():
    with _registry_lock:
        return list(_registry)


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the thread that started it dies (so a test run
    killed with SIGKILL leaves no broker or ZooKeeper behind)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


class _Proc:
    """A child process in its own process group, output to a log file."""

    def __init__(self, argv, log_path, cwd=None, env=None):
        self.argv = argv
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(("=== harness: start %s at %s ===\n"
                       % (" ".join(map(str, argv)), time.strftime("%H:%M:%S"))).encode())
            log.flush()
            self.log_offset = log.tell()
            self.popen = subprocess.Popen(
                [str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True,
                preexec_fn=_die_with_parent)
        self.pid = self.popen.pid
        self.started_at = time.monotonic()

    def running(self):
        return self.popen.poll() is None

    def returncode(self):
        return self.popen.poll()

    def signal_group(self, sig):
        """Signal the whole process group (the child is its leader)."""
        if self.popen.poll() is not None:
            # leader gone; children of it may remain in the group
            try:
                os.killpg(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            return
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def terminate(self, timeout=20.0):
        """SIGTERM the leader, wait; SIGKILL the group when it does not exit. Return the exit status
        (negative = killed by that signal)."""
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(signal.SIGTERM)
                self.popen.send_signal(signal.SIGCONT)     # in case it was paused
            except ProcessLookupError:
                pass
            if self.wait(timeout) is None:
                self.signal_group(signal.SIGKILL)
                self.wait(10)
        # anything the child left behind in its group
        self.signal_group(signal.SIGKILL)
        return self.popen.returncode

    def kill(self):
        self.signal_group(signal.SIGKILL)
        self.wait(10)
        return self.popen.returncode


_live_procs_lock = threading.Lock()
_live_procs = set()


def _track(proc):
    with _live_procs_lock:
        _live_procs.add(proc)


def _untrack(proc):
    with _live_procs_lock:
        _live_procs.discard(proc)


def kill_everything():
    """Stop every process the harness started that is still running (atexit / finalizers)."""
    with _live_procs_lock:
        procs = list(_live_procs)
        _live_procs.clear()
    for p in procs:
        p.kill()


atexit.register(kill_everything)


def install_sigterm_handler():
    """On SIGTERM (e.g. `timeout` around the test run) stop every child, then behave like
    Ctrl-C so pytest runs its teardown and prints its summary."""
    def on_term(signum, frame):
        kill_everything()
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)


# --------------------------------------------------------------------------- ZooKeeper

class ZooKeeper:
    """A standalone ZooKeeper server (Debian's package) on a free loopback port.

    host: the address to listen on (default 127.0.0.1; e.g. an address of a network namespace
    the caller runs in)."""

    def __init__(self, tmpdir, port=None, start=True, ready_timeout=20.0, host="127.0.0.1",
                 tick_ms=2000):
        self.host = host
        # tickTime: ZooKeeper expires sessions on tick boundaries, so a dead session goes
        # between its timeout and its timeout + tickTime after the last ping
        self.tick_ms = tick_ms
        self.dir = Path(tmpdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.data_dir = self.dir / "data"
        self.cfg_path = self.dir / "zoo.cfg"
        self.log_path = self.dir / "zookeeper.log"
        self.proc = None
        self._clients = []
        self.name = "zookeeper:%d" % self.port
        _register(self)
        if start:
            self.start(ready_timeout)

    @property
    def connect(self):
        return "%s:%d" % (self.host, self.port)

    def write_config(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.cfg_path.write_text(
            "tickTime=%d\n"
            "dataDir=%s\n"
            "clientPort=%d\n"
            "clientPortAddress=%s\n"
            "admin.enableServer=false\n"
            "4lw.commands.whitelist=ruok,srvr\n"
            "minSessionTimeout=1000\n"
            "maxSessionTimeout=120000\n"
            "maxClientCnxns=0\n" % (self.tick_ms, self.data_dir, self.port, self.host))

    def start(self, ready_timeout=20.0):
        if self.proc is not None and self.proc.running():
            raise HarnessError("%s already running" % self.name)
        self.write_config()
        argv = [JAVA, "-Xmx256m", "-Dzookeeper.root.logger=INFO,CONSOLE",
                "-Dzookeeper.log.dir=%s" % self.dir,
                "-cp", ZK_CLASSPATH, ZK_MAIN, str(self.cfg_path)]
        self.proc = _Proc(argv, self.log_path, cwd=str(self.dir))
        _track(self.proc)
        try:
            wait_for(self._ready, ready_timeout, "%s to answer ruok with imok" % self.name)
        except HarnessError as e:
            self.stop()
            raise HarnessError("%s\n--- zookeeper log tail ---\n%s" % (e, tail(self.log_path)))

    def _ready(self):
        if not self.proc.running():
            raise Fatal("zookeeper exited with status %s" % self.proc.returncode())
        # ruok answers imok before the server serves requests; srvr tells when it does
        return self.four_letter("ruok") == "imok" and "Mode:" in self.four_letter("srvr")

    def four_letter(self, word, timeout=2.0):
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(word.encode())
            chunks = []
            while True:
                b = s.recv(4096)
                if not b:
                    break
                chunks.append(b)
        return b"".join(chunks).decode("utf-8", "replace")

    def client(self, chroot=None, timeout=15.0):
        """A started kazoo client (closed when this ZooKeeper stops)."""
        from kazoo.client import KazooClient
        hosts = self.connect + (chroot or "")
        c = KazooClient(hosts=hosts, timeout=timeout)
        c.start(timeout=timeout)
        self._clients.append(c)
        return c

    def running(self):
        return self.proc is not None and self.proc.running()

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, n=40):
        return tail(self.log_path, n)

    def stop(self):
        for c in self._clients:
            try:
                c.stop()
                c.close()
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass
        self._clients = []
        if self.proc is not None:
            rc = self.proc.terminate(timeout=10)
            _untrack(self.proc)
            return rc
        return None


# --------------------------------------------------------------------------- skeind

SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |"
                          r"SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)")

def format_properties(props):
    return "".join("%s=%s\n" % (k, v) for k, v in props.items())


class Broker:
    """One skeind process.

    zk: a ZooKeeper (or None with zk_connect given, e.g. for bad-config tests).
    chroot: ZooKeeper chroot appended to zookeeper.connect ("" for none).
    overrides: dict of extra server.properties entries (they win over the defaults here).
    host: the address the listener binds and advertises (default 127.0.0.1).
    prefix: argv put before skeind's (e.g. ["ip", "netns", "exec", NS] to run it in a network
    namespace; the prefix must exec skeind so that the PID stays skeind's).
    """

    def __init__(self, broker_id, zk, tmpdir, overrides=None, chroot="/skein", port=None,
                 start=True, ready_timeout=30.0, zk_connect=None, binary=None,
                 host="127.0.0.1", prefix=()):
        self.id = broker_id
        self.host = host
        self.prefix = list(prefix)
        self.zk = zk
        self.chroot = chroot or ""
        self.dir = Path(tmpdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log_dir = self.dir / "data"
        self.config_path = self.dir / "server.properties"
        self.log_path = self.dir / "skeind.log"
        self.binary = os.path.abspath(binary) if binary else skeind_path()
        self.name = "broker-%s:%d" % (broker_id, self.port)
        self.proc = None
        self.starts = 0
        self._zkc = None
        if zk_connect is None:
            zk_connect = (zk.connect if zk is not None else "127.0.0.1:1") + self.chroot
        self.props = {
            "broker.id": str(broker_id),
            "listeners": "PLAINTEXT://%s:%d" % (host, self.port),
            "advertised.listeners": "PLAINTEXT://%s:%d" % (host, self.port),
            "log.dirs": str(self.log_dir),
            "zookeeper.connect": zk_connect,
            "zookeeper.session.timeout.ms": "10000",
            # Kafka's own integration tests use 0 too: a group's first join is not held back
            # 3 s for more members (tests of the delay set it themselves)
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "1",
            "default.replication.factor": "1",
            "log.level": "info",
        }
        for k, v in (overrides or {}).items():
            if v is None:
                self.props.pop(k, None)
            else:
                self.props[k] = str(v)
        _register(self)
        if start:
            self.start(ready_timeout=ready_timeout)

    # -- addresses
    @property
    def bootstrap(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def zk_connect(self):
        return self.props["zookeeper.connect"]

    def write_config(self):
        self.config_path.write_text(format_properties(self.props))

    # -- lifecycle
    def spawn(self, extra_args=()):
        """Start skeind without waiting for anything."""
        if self.proc is not None and self.proc.running():
            raise HarnessError("%s already running (pid %d)" % (self.name, self.proc.pid))
        if not os.access(self.binary, os.X_OK):
            raise HarnessError("skeind binary %s is missing or not executable (set SKEIND)"
                               % self.binary)
        # a registration that exists now is not this process's (readiness must not see it)
        self._stale_czxid = None
        if self.zk is not None:
            st = self.zk_client().exists(self.reg_path)
            self._stale_czxid = st.czxid if st is not None else None
        self.write_config()
        self.proc = _Proc(self.prefix + [self.binary, "--config", self.config_path]
                          + list(extra_args),
                          self.log_path, cwd=str(self.dir))
        _track(self.proc)
        self.starts += 1
        return self.proc

    @property
    def reg_path(self):
        return "/brokers/ids/%d" % int(self.id)

    def wait_unregistered(self, timeout=None):
        """Wait until no session holds /brokers/ids/<id> (after kill -9 the dead session's
        ephemeral node lives until zookeeper.session.timeout.ms; Kafka, like skeind, refuses
        to start while another session owns it)."""
        if timeout is None:
            timeout = int(self.props.get("zookeeper.session.timeout.ms", "18000")) / 1000.0 + 10
        zkc = self.zk_client()
        wait_for(lambda: zkc.exists(self.reg_path) is None, timeout,
                 "%s of a previous session to expire" % self.reg_path, interval=0.1)

    def start(self, ready_timeout=30.0, extra_args=(), wait_stale=True):
        """Spawn and wait for readiness. wait_stale: first wait for a registration left by a
        killed earlier run to expire."""
        if wait_stale and self.zk is not None:
            self.wait_unregistered()
        self.spawn(extra_args)
        self.wait_ready(ready_timeout)
        return self

    def registered(self):
        """/brokers/ids/<id> exists and was created by this run (not left by an earlier one)."""
        st = self.zk_client().exists(self.reg_path)
        return st is not None and st.czxid != getattr(self, "_stale_czxid", None)

    def _ready(self):
        if not self.proc.running():
            raise Fatal("%s exited with status %s during startup"
                               % (self.name, self.proc.returncode()))
        return port_accepts(self.port, self.host) and self.registered()

    def wait_ready(self, timeout=30.0):
        try:
            wait_for(self._ready, timeout,
                     "%s to accept connections and register /brokers/ids/%s"
                     % (self.name, self.id))
        except HarnessError as e:
            raise HarnessError("%s\n--- %s log tail ---\n%s"
                               % (e, self.name, self.log_tail())) from None

    def wait_exit(self, timeout=20.0):
        """Wait for the process to exit on its own; return its status (None if it did not)."""
        if self.proc is None:
            return None
        rc = self.proc.wait(timeout)
        if rc is not None:
            self.proc.signal_group(signal.SIGKILL)
            _untrack(self.proc)
        return rc

    def running(self):
        return self.proc is not None and self.proc.running()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def stop(self, timeout=20.0):
        """SIGTERM and wait; return the exit status (SIGKILL after `timeout`, then negative)."""
        if self.proc is None:
            return None
        rc = self.proc.terminate(timeout=timeout)
        _untrack(self.proc)
        return rc

    def kill(self):
        """SIGKILL (kill -9) and wait."""
        if self.proc is None:
            return None
        rc = self.proc.kill()
        _untrack(self.proc)
        return rc

    def pause(self):
        """SIGSTOP (the process keeps its sockets but answers nothing, ZooKeeper pings included)."""
        self.proc.signal_group(signal.SIGSTOP)

    def resume(self):
        self.proc.signal_group(signal.SIGCONT)

    def restart(self, ready_timeout=30.0):
        rc = self.stop()
        self.start(ready_timeout=ready_timeout)
        return rc

    # -- ZooKeeper view (chrooted like the broker)
    def zk_client(self):
        if self._zkc is None:
            if self.zk is None:
                raise HarnessError("%s has no ZooKeeper" % self.name)
            self._zkc = self.zk.client(self.chroot or None)
        return self._zkc

    def registration(self):
        data, stat = self.zk_client().get(self.reg_path)
        return data, stat

    # -- logs
    def log_text(self, current_run_only=False):
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as f:
            if current_run_only and self.proc is not None:
                f.seek(self.proc.log_offset)
            return f.read().decode("utf-8", "replace")

    def log_size(self):
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def log_tail(self, n=60):
        return tail(self.log_path, n)

    def sanitizer_reports(self, since=0):
        """Lines of AddressSanitizer / LeakSanitizer / UBSan reports in the log after byte offset
        `since` (a build with --enable-sanitizers writes them to stderr = the log)."""
        if not self.log_path.exists():
            return []
        text = self.log_since(since)
        return [l for l in text.splitlines() if SANITIZER_RE.search(l)]

    # -- storage
    def partition_dir(self, topic, partition):
        return self.log_dir / ("%s-%d" % (topic, partition))


# --------------------------------------------------------------------------- clusters

_cluster_seq = 0
_cluster_seq_lock = threading.Lock()


def _next_cluster_no():
    global _cluster_seq
    with _cluster_seq_lock:
        _cluster_seq += 1
        return _cluster_seq


class Cluster:
    """n brokers (ids 0..n-1) on one ZooKeeper, each chrooted at `chroot`.

    zk: reuse a running ZooKeeper (then the cluster does not stop it); by default the
    cluster starts its own in tmpdir/zk. chroot defaults to a unique /skein-test-<n> so
    clusters sharing a ZooKeeper never see each other.
    props / **overrides: server.properties entries for every broker.
    """

    def __init__(self, n_brokers, tmpdir, zk=None, chroot=None, start=True,
                 ready_timeout=30.0, props=None, **overrides):
        self.n = n_brokers
        self.dir = Path(tmpdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.own_zk = zk is None
        self.zk = zk
        self.chroot = chroot if chroot is not None else "/skein-test-%d" % _next_cluster_no()
        # keyword overrides spell Kafka keys with "_" for "." (log_segment_bytes=...)
        self.overrides = dict(props or {})
        self.overrides.update({k.replace("_", "."): v for k, v in overrides.items()})
        self.brokers = []
        self._zkc = None
        if start:
            try:
                self.start(ready_timeout)
            except BaseException:
                self.stop()
                raise

    def start(self, ready_timeout=30.0):
        if self.zk is None:
            self.zk = ZooKeeper(self.dir / "zk")
        for i in range(self.n):
            b = Broker(i, self.zk, self.dir / ("broker-%d" % i), overrides=self.overrides,
                       chroot=self.chroot, start=False)
            self.brokers.append(b)
        for b in self.brokers:
            b.spawn()
        for b in self.brokers:
            b.wait_ready(ready_timeout)
        self.wait_brokers_known(ready_timeout)
        return self

    def wait_brokers_known(self, timeout=30.0):
        """Wait until every broker's Metadata lists every broker of the cluster (each has had
        the controller's UpdateMetadata). A client that asks a broker in the moment before
        that learns only that broker (and maybe no controller): librdkafka's admin client then
        waited 30 s for the controller in a CI rehearsal. Brokers whose listener is not plain
        PLAINTEXT on the advertised port (TLS, SASL tests) are not asked."""
        plain = [b for b in self.brokers
                 if b.props.get("listeners", "").startswith("PLAINTEXT://")
                 and "," not in b.props.get("listeners", "")]
        if len(plain) != len(self.brokers):
            return
        from kafka_wire import KafkaConn

        def known():
            for b in plain:
                with KafkaConn.to(b.bootstrap, timeout=5) as k:
                    if len(k.metadata([])["brokers"]) < len(self.brokers):
                        return False
            return True
        wait_for(known, timeout, "every broker to list all %d brokers" % len(self.brokers),
                 interval=0.1)

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers)

    def broker(self, i=0):
        return self.brokers[i]

    def zk_client(self):
        """kazoo client chrooted like the brokers."""
        if self._zkc is None:
            self._zkc = self.zk.client(self.chroot or None)
        return self._zkc

    def zk_json(self, path):
        data, _ = self.zk_client().get(path)
        return json.loads(data.decode("utf-8"))

    def stop(self):
        for b in self.brokers:
            try:
                b.stop()
            except Exception:  # noqa: BLE001 - keep stopping the others
                pass
        if self.own_zk and self.zk is not None:
            self.zk.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def logs_tail(self, n=40):
        parts = []
        for b in self.brokers:
            parts.append("--- %s (%s) ---\n%s" % (b.name, b.log_path, b.log_tail(n)))
        if self.zk is not None:
            parts.append("--- %s ---\n%s" % (self.zk.name, self.zk.log_tail(n)))
        return "\n".join(parts)


# --------------------------------------------------------------------------- failover helpers

def partition_state(cluster, topic, partition):
    """The state znode of topic-partition as a dict (leader, leader_epoch, isr, ...)."""
    return cluster.zk_json("/brokers/topics/%s/partitions/%d/state" % (topic, partition))


def controller_id(cluster):
    """The broker id in /controller (raises when there is none)."""
    return cluster.zk_json("/controller")["brokerid"]


def controller_epoch(cluster):
    data, _ = cluster.zk_client().get("/controller_epoch")
    return int(data)


def registered_ids(cluster):
    return sorted(int(x) for x in cluster.zk_client().get_children("/brokers/ids"))


def zkcli_path():
    """Debian's zkCli.sh (package zookeeper)."""
    for p in (os.environ.get("ZKCLI", ""), "/usr/share/zookeeper/bin/zkCli.sh"):
        if p and os.access(p, os.X_OK):
            return p
    raise HarnessError("zkCli.sh not found (install Debian's zookeeper package or set ZKCLI)")


def zkcli(zk, *command, timeout=60):
    """Run `zkCli.sh -server <zk> <command...>`; return its stdout (text)."""
    p = subprocess.run([zkcli_path(), "-server", zk.connect] + [str(c) for c in command],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        raise HarnessError("zkCli.sh %s exited %d:\n%s\n%s" % (" ".join(command), p.returncode,
                           out[-2000:], p.stderr.decode("utf-8", "replace")[-2000:]))
    return out


def tool_path(name):
    """A skein tool built next to the skeind binary in use."""
    p = os.path.join(os.path.dirname(skeind_path()), name)
    if not os.access(p, os.X_OK):
        raise HarnessError("%s not found or not executable next to %s" % (name, skeind_path()))
    return p


# --------------------------------------------------------------------------- per-broker settings

def cluster_with_broker_overrides(n_brokers, tmpdir, zk=None, per_broker=None, start_order=None,
                                  ready_timeout=30.0, **overrides):
    """Like Cluster(n_brokers, tmpdir, zk=zk, **overrides), but broker i also gets the
    server.properties entries in per_broker[i] (Kafka spelling, e.g.
    {"zookeeper.session.timeout.ms": "6000"}). start_order: broker indexes in the order to
    start them, each waited for before the next (the first becomes the controller); by
    default all are spawned at once. Returns the started Cluster."""
    c = Cluster(n_brokers, tmpdir, zk=zk, start=False, **overrides)
    if c.zk is None:
        c.zk = ZooKeeper(c.dir / "zk")
    per_broker = per_broker or {}
    for i in range(n_brokers):
        o = dict(c.overrides)
        o.update(per_broker.get(i, {}))
        c.brokers.append(Broker(i, c.zk, c.dir / ("broker-%d" % i), overrides=o,
                                chroot=c.chroot, start=False))
    try:
        if start_order is None:
            for b in c.brokers:
                b.spawn()
            for b in c.brokers:
                b.wait_ready(ready_timeout)
        else:
            for k, i in enumerate(start_order):
                c.brokers[i].spawn()
                c.brokers[i].wait_ready(ready_timeout)
                if k == 0:
                    zkc = c.zk_client()
                    wait_for(lambda: zkc.exists("/controller") is not None, ready_timeout,
                             "a controller after starting broker %d" % i)
    except BaseException:
        c.stop()
        raise
    return c
