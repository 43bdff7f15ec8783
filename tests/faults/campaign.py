#!/usr/bin/python3
"""Skein fault campaign (issue 13 part 2).

    tests/faults/campaign.py [--rounds N] [--report FILE] [--seed S] [--skeind PATH]
                             [--kinds k1,k2,...] [--rate R] [--keep]

Runs as root (network namespaces, nftables, tmpfs mounts). It builds:
  - a hub network namespace (the campaign process itself, its clients and ZooKeeper) and one
    namespace per broker, joined by veths to a bridge (netns.py; addresses 10.213.0.0/24 exist
    only in these namespaces);
  - ZooKeeper and three skeind brokers, each broker's log.dirs on its own tmpfs;
  - topic "campaign": 6 partitions, replication factor 3, min.insync.replicas 2;
  - the workload (workload.py): two idempotent acks=all producers (librdkafka
    enable.idempotence) recording every acknowledged (partition, offset, value), a consumer group
    of two members committing every second, and a monitor reading the committed offsets.

Each round injects one fault (KINDS below), lifts it, then waits until the cluster heals (all
brokers registered, every partition of every topic with its full replica set in the ISR, read
from /brokers/topics/<t>/partitions/<p>/state) and records the heal time and the longest gap
without an acknowledgement. A broker that exits without being told to is a crash: its exit
status or signal and its log tail are recorded, it is restarted, and the campaign fails.

At the end: the workload stops; every partition is read back from offset 0 to its high
watermark; the brokers are stopped (SIGTERM) and every replica's segment files are compared
batch by batch up to the HW (segments.py). The checks, each counted in the report:
  crashes, shutdown_failures, lost (acknowledged, not found anywhere), moved (acknowledged, found
  at another offset), duplicated (a record stored twice), reordered (a producer's records out of
  order in a partition), corrupt (values that are not ours or fail their checksum),
  replica_divergence, replica_short, committed_backwards, consumed_not_in_log (a consumer read a
  record that is not in the log at that offset), producer_fatal, heal_timeouts,
  sanitizer_reports, campaign_errors.
Exit status 0 only when every count is 0.
"""

import argparse
import atexit
import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "harness"))
sys.path.insert(0, str(HERE))

import skein_harness as H  # noqa: E402
from kafka_wire import KafkaConn  # noqa: E402
import segments  # noqa: E402
from netns import Topology, pid_alive_campaign  # noqa: E402

KINDS = [
    "kill-leader", "kill-controller", "kill-two", "pause-leader", "pause-controller",
    "sigterm", "zk-restart", "partition-brokers", "partition-zk", "disk-full",
    "rolling-restart",
]

N_BROKERS = 3
TOPIC = "campaign"
PARTITIONS = 6
GROUP = "campaign-group"
SESSION_MS = 6000
LAG_MS = 4000
BROKER_PORT = 9092
ZK_PORT = 2181
CHROOT = "/skein"
TMPFS_SIZE = 2 << 30        # upper bound; tmpfs only uses what is written

SIGNAMES = {s.value: s.name for s in signal.Signals}


def now():
    return time.monotonic()


def exit_desc(rc):
    if rc is None:
        return "still running"
    if rc < 0:
        return "killed by %s" % SIGNAMES.get(-rc, "signal %d" % -rc)
    return "exit status %d" % rc


class CampaignError(Exception):
    pass


class BumpCounter(logging.Handler):
    """Counts librdkafka's "bumped epoch" debug lines (idempotent producer epoch bumps)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        try:
            if "bumped epoch to" in record.getMessage():
                self.count += 1
        except Exception:  # noqa: BLE001 - never break logging
            pass


# ---------------------------------------------------------------------------- cleanup

class Cleanup:
    """Undo everything the campaign set up, once: processes, mounts, namespaces. Runs from
    atexit, from SIGTERM/SIGINT/SIGHUP handlers and at the normal end."""

    def __init__(self):
        self.mounts = []
        self.topo = None
        self.extra = []
        self.done = False
        self.lock = threading.Lock()

    def run(self):
        with self.lock:
            if self.done:
                return []
            self.done = True
        errs = []
        for fn in self.extra:
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - keep cleaning
                errs.append("cleanup: %r" % (e,))
        H.kill_everything()
        for m in reversed(self.mounts):
            p = subprocess.run(["umount", m], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode != 0:
                p = subprocess.run(["umount", "-l", m], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
                if p.returncode != 0:
                    errs.append("umount %s: %s" % (m, p.stderr.decode().strip()))
        self.mounts = []
        if self.topo is not None:
            errs.extend(self.topo.teardown())
        return errs


CLEANUP = Cleanup()


def _on_signal(signum, frame):
    CLEANUP.run()
    os._exit(128 + signum)


def stale_mounts():
    """tmpfs mounts left by campaign runs whose process is gone."""
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == "tmpfs" and "/skein-faults-" in parts[1]:
                try:
                    pid = int(parts[1].split("/skein-faults-")[1].split("-")[0])
                except ValueError:
                    continue
                if not pid_alive_campaign(pid):
                    out.append(parts[1])
    return out


# ---------------------------------------------------------------------------- campaign

class Campaign:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.skeind = os.path.abspath(args.skeind)
        self.asan = bool(args.asan)
        self.kinds = args.kinds
        self.t0 = now()
        self.log_lines = []
        self.rounds = []
        self.crashes = []
        self.shutdown_failures = []
        self.errors = []
        self.heal_timeouts = 0
        self.exits = []             # every broker exit seen: (round, broker, rc, expected)
        self.round_no = -1
        self.round_kind = "setup"
        self._seen_procs = set()
        self._exit_lock = threading.Lock()
        self.zk_stopping = False
        self.bumps = BumpCounter()
        self.intentional_down = set()
        self._mon_stop = threading.Event()
        self.heal_timeout = args.heal_timeout
        self.ready_timeout = 90.0 if self.asan else 45.0

    # ------------------------------------------------------------------ output

    def log(self, msg):
        line = "[%7.1f] %s" % (now() - self.t0, msg)
        self.log_lines.append(line)
        print(line, flush=True)

    # ------------------------------------------------------------------ cluster

    def setup(self):
        a = self.args
        self.dir = Path(tempfile.mkdtemp(prefix="skein-faults-%d-" % os.getpid(),
                                         dir=a.workdir))
        self.log("run directory %s, skeind %s, seed %s" % (self.dir, self.skeind, a.seed))
        # client libraries (librdkafka through confluent-kafka, kazoo) log to a file
        h = logging.FileHandler(str(self.dir / "clients.log"))
        h.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logging.getLogger().addHandler(h)
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("rdkafka").setLevel(logging.DEBUG)
        logging.getLogger("rdkafka").addHandler(self.bumps)
        for m in stale_mounts():
            subprocess.run(["umount", "-l", m])
        self.topo = Topology(N_BROKERS)
        CLEANUP.topo = self.topo
        self.topo.setup()
        self.topo.enter_hub()
        self.zk = H.ZooKeeper(self.dir / "zk", port=ZK_PORT, host=self.topo.zk_ip)
        root = self.zk.client()
        root.ensure_path(CHROOT)
        overrides = {
            "zookeeper.session.timeout.ms": SESSION_MS,
            "replica.lag.time.max.ms": LAG_MS,
            "auto.create.topics.enable": "false",
            "default.replication.factor": 3,
            "offsets.topic.num.partitions": 3,
            "offsets.topic.replication.factor": 3,
            "group.initial.rebalance.delay.ms": 0,
            "controlled.shutdown.retry.backoff.ms": 500,
            "log.segment.bytes": 1 << 20,
            "leader.imbalance.check.interval.seconds": 20,
        }
        self.brokers = []
        for i in range(N_BROKERS):
            b = H.Broker(i, self.zk, self.dir / ("broker-%d" % i), overrides=overrides,
                         chroot=CHROOT, port=BROKER_PORT, start=False, binary=self.skeind,
                         host=self.topo.broker_ip(i), prefix=self.topo.prefix(i))
            b.log_dir.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d,mode=0755" % TMPFS_SIZE,
                            "skf-broker-%d" % i, str(b.log_dir)], check=True)
            CLEANUP.mounts.append(str(b.log_dir))
            b.expect_exit = False
            self.brokers.append(b)
        for b in self.brokers:
            b.spawn()
        for b in self.brokers:
            b.wait_ready(self.ready_timeout)
        self.zkc = self.zk.client(CHROOT, timeout=30)
        CLEANUP.extra.append(self.zk.stop)
        self.bootstrap = ",".join(b.bootstrap for b in self.brokers)
        self.monitor = threading.Thread(target=self._watch, name="crash-monitor", daemon=True)
        self.monitor.start()
        self.create_topic()
        self.log("cluster up: %s; ZooKeeper %s" % (self.bootstrap, self.zk.connect))

    def all_brokers_known(self):
        """Every broker's Metadata lists every broker: each has had the controller's
        UpdateMetadata, so topic creation sees them all (a broker assigns replicas among the
        live brokers the controller told it of)."""
        for b in self.brokers:
            with KafkaConn.to(b.bootstrap, timeout=5) as k:
                if len(k.metadata([])["brokers"]) < N_BROKERS:
                    return False
        return True

    def create_topic(self):
        from confluent_kafka.admin import AdminClient, NewTopic
        H.wait_for(self.all_brokers_known, 60, "every broker to know all %d brokers" % N_BROKERS,
                   interval=0.2)
        adm = AdminClient({"bootstrap.servers": self.bootstrap})
        fs = adm.create_topics([NewTopic(TOPIC, PARTITIONS, 3,
                                         config={"min.insync.replicas": "2"})],
                               request_timeout=30)
        for f in fs.values():
            f.result(60)
        H.wait_for(lambda: self.healed()[0], 60, "topic %s fully in sync" % TOPIC, interval=0.2)

    def broker(self, i):
        return self.brokers[i]

    # ------------------------------------------------------------------ crash monitor

    def _watch(self):
        while not self._mon_stop.wait(0.1):
            for b in self.brokers:
                self.check_exit(b)
            zp = self.zk.proc
            if zp is not None and id(zp) not in self._seen_procs and not self.zk_stopping:
                rc = zp.returncode()
                if rc is not None:
                    self._seen_procs.add(id(zp))
                    self.errors.append("ZooKeeper exited by itself (%s) in round %d"
                                       % (exit_desc(rc), self.round_no))
                    self.log("ZooKeeper exited by itself: %s" % exit_desc(rc))

    def check_exit(self, b):
        """Record the exit of b's current process once (a crash unless the campaign made it
        exit). Called by the monitor thread and before the campaign signals or restarts b."""
        with self._exit_lock:
            proc = b.proc
            if proc is None or id(proc) in self._seen_procs:
                return
            rc = proc.returncode()
            if rc is None:
                return
            self._seen_procs.add(id(proc))
            expected = b.expect_exit
            self.exits.append(dict(round=self.round_no, broker=b.id, rc=rc,
                                   status=exit_desc(rc), expected=expected))
            if not expected:
                self._record_crash(b, rc)

    def _record_crash(self, b, rc):
        text = b.log_text(current_run_only=True)
        lines = text.splitlines()
        tail = lines[-40:]
        self.crashes.append(dict(round=self.round_no, kind=self.round_kind, broker=b.id,
                                 rc=rc, status=exit_desc(rc), log=str(b.log_path),
                                 log_tail=tail))
        self.log("CRASH: broker %d %s in round %d (%s); log tail:\n    %s"
                 % (b.id, exit_desc(rc), self.round_no, self.round_kind,
                    "\n    ".join(tail[-15:])))

    # ------------------------------------------------------------------ broker control

    def kill(self, i):
        b = self.broker(i)
        self.check_exit(b)
        b.expect_exit = True
        self.intentional_down.add(i)
        rc = b.kill()
        self.log("kill -9 broker %d: %s" % (i, exit_desc(rc)))
        return rc

    def sigterm(self, i):
        b = self.broker(i)
        self.check_exit(b)
        b.expect_exit = True
        self.intentional_down.add(i)
        t = now()
        rc = b.stop(timeout=60)
        took = now() - t
        self.log("SIGTERM broker %d: %s after %.1fs" % (i, exit_desc(rc), took))
        if rc != 0:
            self.shutdown_failures.append(dict(round=self.round_no, broker=i, rc=rc,
                                               status=exit_desc(rc), seconds=round(took, 1),
                                               log_tail=b.log_tail(20).splitlines()))
        return rc, took

    def start(self, ids):
        """Start brokers (each waits for its previous session's registration to go)."""
        ids = list(ids)
        for i in ids:
            b = self.broker(i)
            if b.running():
                continue
            self.check_exit(b)
            b.wait_unregistered(timeout=SESSION_MS / 1000.0 + 30)
            b.expect_exit = False
            b.spawn()
        for i in ids:
            b = self.broker(i)
            b.wait_ready(self.ready_timeout)
            self.intentional_down.discard(i)

    def restart_dead(self):
        """Start every broker that is down without the campaign wanting it (a crash)."""
        dead = [b.id for b in self.brokers
                if not b.running() and b.id not in self.intentional_down]
        if dead:
            self.log("restarting crashed broker(s) %s" % dead)
            self.start(dead)

    # ------------------------------------------------------------------ cluster state

    def zk_json(self, path):
        data, _ = self.zkc.get(path)
        return json.loads(data.decode())

    def controller(self):
        try:
            return self.zk_json("/controller")["brokerid"]
        except Exception:  # noqa: BLE001 - none right now
            return None

    def states(self, topic=TOPIC):
        assign = self.zk_json("/brokers/topics/%s" % topic)["partitions"]
        out = {}
        for p, replicas in assign.items():
            st = self.zk_json("/brokers/topics/%s/partitions/%s/state" % (topic, p))
            out[int(p)] = (replicas, st)
        return out

    def healed(self):
        """(True, "") when every broker is registered, there is a controller and every partition
        of every topic has a live leader and its whole replica set in the ISR."""
        ids = sorted(int(x) for x in self.zkc.get_children("/brokers/ids"))
        want = sorted(b.id for b in self.brokers)
        if ids != want:
            return False, "registered %s" % ids
        if self.controller() not in want:
            return False, "no controller"
        for t in self.zkc.get_children("/brokers/topics"):
            for p, (replicas, st) in self.states(t).items():
                if st["leader"] not in replicas or sorted(st["isr"]) != sorted(replicas):
                    return False, "%s-%d leader %s isr %s replicas %s" % (
                        t, p, st["leader"], st["isr"], replicas)
        return True, ""

    def wait_healed(self, timeout=None):
        """Seconds until healed; None on timeout (counted). Restarts crashed brokers."""
        timeout = timeout or self.heal_timeout
        t = now()
        last = ""
        while now() - t < timeout:
            try:
                self.restart_dead()
                ok, last = self.healed()
                if ok:
                    return now() - t
            except Exception as e:  # noqa: BLE001 - ZooKeeper may be restarting
                last = repr(e)
            time.sleep(0.1)
        self.heal_timeouts += 1
        self.log("NOT HEALED after %.0fs: %s" % (timeout, last))
        self.errors.append("round %d (%s): not healed after %.0fs: %s"
                           % (self.round_no, self.round_kind, timeout, last))
        return None

    def leaders(self):
        return {p: st["leader"] for p, (_, st) in self.states().items()}

    def pick_leader(self, avoid_controller):
        ctl = self.controller()
        leaders = sorted(set(l for l in self.leaders().values() if l >= 0))
        pool = [l for l in leaders if l != ctl] if avoid_controller else leaders
        return self.rng.choice(pool or leaders or [b.id for b in self.brokers])

    # ------------------------------------------------------------------ faults
    # Each returns (details dict, time the fault was lifted).

    def f_kill_leader(self):
        return self._kill_one(self.pick_leader(avoid_controller=True), "leader")

    def need_controller(self):
        def get():
            c = self.controller()
            return None if c is None else (c,)
        return H.wait_for(get, 30, "a controller", interval=0.1)[0]

    def f_kill_controller(self):
        return self._kill_one(self.need_controller(), "controller")

    def _kill_one(self, i, role):
        if i is None:
            raise CampaignError("no %s to kill" % role)
        self.kill(i)
        hold = self.rng.uniform(1, 4)
        time.sleep(hold)
        lift = now()
        self.start([i])
        return dict(target=i, role=role, down_s=round(hold, 1)), lift

    def f_kill_two(self):
        ids = self.rng.sample([b.id for b in self.brokers], 2)
        for i in ids:
            self.kill(i)
        hold = self.rng.uniform(1, 4)
        time.sleep(hold)
        lift = now()
        self.start(ids)
        return dict(targets=ids, down_s=round(hold, 1)), lift

    def _pause(self, i, role):
        if i is None:
            raise CampaignError("no %s to pause" % role)
        is_leader = i in self.leaders().values()
        is_ctl = self.controller() == i
        hold = SESSION_MS / 1000.0 + 3
        self.broker(i).pause()
        self.log("SIGSTOP broker %d (%s; controller %s, leader %s) for %.0fs"
                 % (i, role, is_ctl, is_leader, hold))
        try:
            time.sleep(hold)
        finally:
            self.broker(i).resume()
        lift = now()
        self.log("SIGCONT broker %d" % i)
        return dict(target=i, role=role, was_controller=is_ctl, was_leader=is_leader,
                    paused_s=hold), lift

    def f_pause_leader(self):
        return self._pause(self.pick_leader(avoid_controller=True), "leader")

    def f_pause_controller(self):
        return self._pause(self.need_controller(), "controller")

    def f_sigterm(self):
        i = self.rng.choice([b.id for b in self.brokers])
        was_ctl = self.controller() == i
        rc, took = self.sigterm(i)
        time.sleep(1)
        lift = now()
        self.start([i])
        return dict(target=i, was_controller=was_ctl, exit=exit_desc(rc),
                    shutdown_s=round(took, 1)), lift

    def f_zk_restart(self):
        self.zk_stopping = True
        self.zk.proc.terminate(timeout=15)
        H._untrack(self.zk.proc)
        self.log("ZooKeeper stopped; down for 10 s")
        time.sleep(10)
        lift = now()
        self.zk.start(ready_timeout=60)
        self.zk_stopping = False
        self.log("ZooKeeper started again")
        return dict(down_s=10), lift

    def _cut(self, how):
        ctl = self.controller()
        ids = [b.id for b in self.brokers]
        i = ctl if (ctl is not None and self.rng.random() < 0.5) else self.rng.choice(ids)
        hold = SESSION_MS / 1000.0 + 4
        if how == "brokers":
            self.topo.cut_brokers(i)
        else:
            self.topo.cut_zookeeper(i)
        self.log("broker %d (controller: %s) cut from %s for %.0fs" % (i, i == ctl, how, hold))
        try:
            time.sleep(hold)
        finally:
            self.topo.heal(i)
        lift = now()
        self.log("broker %d reconnected" % i)
        return dict(target=i, was_controller=(i == ctl), cut_from=how, cut_s=hold), lift

    def f_partition_brokers(self):
        return self._cut("brokers")

    def f_partition_zk(self):
        return self._cut("zookeeper")

    def f_disk_full(self):
        i = self.rng.choice([b.id for b in self.brokers])
        mnt = str(self.broker(i).log_dir)
        size = None
        for slack in (64 << 10, 1 << 20, 4 << 20):
            st = os.statvfs(mnt)
            used = (st.f_blocks - st.f_bfree) * st.f_frsize
            size = used + slack
            p = subprocess.run(["mount", "-o", "remount,size=%d" % size, mnt],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode == 0:
                break
            size = None
        if size is None:
            raise CampaignError("could not shrink the tmpfs of broker %d" % i)
        self.log("broker %d: log dir tmpfs shrunk to %d KiB (full)" % (i, size >> 10))
        hold = 8.0
        full_at = None
        t = now()
        try:
            while now() - t < hold:
                st = os.statvfs(mnt)
                if full_at is None and st.f_bavail * st.f_frsize < 16384:
                    full_at = now() - t
                time.sleep(0.2)
        finally:
            subprocess.run(["mount", "-o", "remount,size=%d" % TMPFS_SIZE, mnt], check=True)
        lift = now()
        enospc = self.broker(i).log_text(current_run_only=True).count("no space left")
        self.log("broker %d: log dir tmpfs back to full size (disk full after %s s, "
                 "%d 'no space left' log lines so far)"
                 % (i, "%.1f" % full_at if full_at is not None else "never", enospc))
        return dict(target=i, full_s=hold, filled_after_s=full_at,
                    no_space_log_lines=enospc), lift

    def f_rolling_restart(self):
        ctl = self.controller()
        order = [b.id for b in self.brokers if b.id != ctl] + ([ctl] if ctl is not None else [])
        steps = []
        lift = now()
        for i in order:
            rc, took = self.sigterm(i)
            lift = now()
            self.start([i])
            heal = self.wait_healed()
            steps.append(dict(broker=i, exit=exit_desc(rc), shutdown_s=round(took, 1),
                              heal_s=None if heal is None else round(heal, 1)))
        return dict(order=order, steps=steps), lift

    # ------------------------------------------------------------------ rounds

    def schedule(self, n):
        out = []
        while len(out) < n:
            cycle = list(self.kinds)
            self.rng.shuffle(cycle)
            out.extend(cycle)
        return out[:n]

    def run_rounds(self):
        from workload import AckStats, CommittedMonitor, GroupMember, ProducerSlot
        a = self.args
        self.stats = AckStats(range(a.producers))
        # librdkafka's own log lines go to <run dir>/clients.log
        cl = {"logger": logging.getLogger("rdkafka"), "log_level": 6}
        self.producers = [ProducerSlot(k, self.bootstrap, TOPIC, PARTITIONS,
                                       a.rate / a.producers, self.stats, self.log,
                                       conf=dict(cl, **{"client.id": "skf-producer-%d" % k,
                                                        # idempotence state changes, epoch
                                                        # bumps (the post-mortem of duplicates)
                                                        "debug": "eos", "log_level": 7}))
                          for k in range(a.producers)]
        self.members = [GroupMember(k, self.bootstrap, TOPIC, GROUP, self.log, conf=cl)
                        for k in range(2)]
        self.committed = CommittedMonitor(self.bootstrap, TOPIC, PARTITIONS, GROUP, self.log,
                                          conf=dict(cl, **{"client.id": "skf-monitor"}))
        CLEANUP.extra.insert(0, lambda: [p.stop(abort=True) for p in self.producers])
        for p in self.producers:
            p.start()
        for m in self.members:
            m.start()
        self.committed.start()
        self.wait_acks(what="acks before the first round")
        consecutive_unhealed = 0
        for r, kind in enumerate(self.schedule(a.rounds)):
            self.round_no = r
            self.round_kind = kind
            crashes_before = len(self.crashes)
            bumps_before = self.bumps.count
            self.log("=== round %d/%d: %s ===" % (r + 1, a.rounds, kind))
            self.stats.begin_round()
            t_start = now()
            rec = dict(round=r, kind=kind, t_start=round(t_start - self.t0, 1),
                       wall_start=time.strftime("%H:%M:%S"))
            try:
                details, lift = getattr(self, "f_" + kind.replace("-", "_"))()
            except Exception as e:  # noqa: BLE001 - recorded, the campaign goes on
                self.log("round %d: fault %s failed: %r\n%s" % (r, kind, e,
                                                              traceback.format_exc()))
                self.errors.append("round %d (%s): %r" % (r, kind, e))
                details, lift = dict(error=repr(e)), now()
            heal = self.wait_healed()
            t_healed = now()
            resume = self.wait_acks(timeout=60, what="acks after healing")
            g = self.stats.end_round()
            rec.update(details=details, fault_s=round(lift - t_start, 1),
                       heal_s=None if heal is None else round(t_healed - lift, 2),
                       ack_resume_s=None if resume is None else round(resume, 2),
                       ack_gap_s=round(g["gap_any"], 2),
                       ack_gap_per_producer_s={str(k): round(v, 2)
                                               for k, v in g["gap_per_producer"].items()},
                       acks=g["acks"], crashes=len(self.crashes) - crashes_before,
                       producer_epoch_bumps=self.bumps.count - bumps_before,
                       controller_after=self.controller())
            self.rounds.append(rec)
            self.log("round %d %s: fault %.1fs, healed %s, acks resumed %s, longest ack gap "
                     "%.1fs (per producer %s), %d acks"
                     % (r + 1, kind, rec["fault_s"],
                        "after %.1fs" % rec["heal_s"] if heal is not None else "NEVER",
                        "after %.1fs" % resume if resume is not None else "NOT",
                        g["gap_any"], rec["ack_gap_per_producer_s"], g["acks"]))
            consecutive_unhealed = consecutive_unhealed + 1 if heal is None else 0
            if consecutive_unhealed >= 3:
                self.errors.append("three rounds in a row did not heal; rounds stopped")
                self.log("three rounds in a row did not heal: stopping the rounds")
                break
            time.sleep(a.pause)
        self.round_no = a.rounds
        self.round_kind = "verify"

    def wait_acks(self, timeout=60, what="acks"):
        """Seconds until every producer slot got an acknowledgement after now (None on
        timeout)."""
        t = now()
        while now() - t < timeout:
            if all(self.stats.last_ack(p.slot) > t for p in self.producers if p.alive()):
                return now() - t
            time.sleep(0.05)
        self.log("no %s within %.0fs" % (what, timeout))
        return None

    # ------------------------------------------------------------------ verification

    def stop_workload(self):
        self.log("stopping the workload (producers flush every outstanding record)")
        for p in self.producers:
            if not p.stop():
                self.errors.append("producer %d did not finish flushing" % p.slot)
        for m in self.members:
            m.stop()
        self.committed.stop()
        for p in self.producers:
            if p.error:
                self.errors.append("producer %d: %s" % (p.slot, p.error))
        for m in self.members:
            if m.error:
                self.errors.append("group member %d: %s" % (m.idx, m.error))

    def high_watermarks(self):
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "skf-verify",
                      "enable.auto.commit": False})
        try:
            hw = {}
            for p in range(PARTITIONS):
                def get():
                    return c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
                lo, hi = H.wait_for(get, 60, "watermarks of %s-%d" % (TOPIC, p), interval=0.5)
                hw[p] = hi
            return hw
        finally:
            c.close()

    def read_back(self, hw):
        """{partition: {offset: value}} for offsets below the HW."""
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "skf-verify",
                      "enable.auto.commit": False, "enable.partition.eof": True,
                      "fetch.message.max.bytes": 1 << 20})
        out = {p: {} for p in range(PARTITIONS)}
        try:
            c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
            want = {p for p in range(PARTITIONS) if hw[p] > 0}
            pos = {p: 0 for p in range(PARTITIONS)}
            deadline = now() + 300
            while want:
                if now() > deadline:
                    raise CampaignError("read back timed out: at %s, HWs %s" % (pos, hw))
                for msg in c.consume(10000, 0.5):
                    if msg.error():
                        continue
                    p, off = msg.partition(), msg.offset()
                    if off < hw[p]:
                        out[p][off] = msg.value()
                    pos[p] = max(pos[p], off + 1)
                    if pos[p] >= hw[p]:
                        want.discard(p)
                for p in list(want):
                    try:
                        if c.position([TopicPartition(TOPIC, p)])[0].offset >= hw[p]:
                            want.discard(p)
                    except Exception:  # noqa: BLE001 - position not known yet
                        pass
        finally:
            c.close()
        return out

    def check_records(self, hw, recs, v):
        """Acknowledged records: exactly once, at the acknowledged offset, in order."""
        from workload import parse_value
        gens = {g.name: g for p in self.producers for g in p.gens}
        where = {}          # (name, seq) -> [(partition, offset)]
        corrupt = []
        for p in range(PARTITIONS):
            last_seq = {}
            for off in sorted(recs[p]):
                pv = parse_value(recs[p][off])
                if pv is None or pv[0] not in gens:
                    corrupt.append("p%d@%d: %r" % (p, off, recs[p][off][:80]))
                    continue
                if pv[1] % PARTITIONS != p:
                    corrupt.append("p%d@%d: %s seq %d belongs to partition %d"
                                   % (p, off, pv[0], pv[1], pv[1] % PARTITIONS))
                where.setdefault(pv, []).append((p, off))
                if pv[0] in last_seq and pv[1] < last_seq[pv[0]]:
                    v["reordered"].append("p%d@%d: %s seq %d after seq %d"
                                          % (p, off, pv[0], pv[1], last_seq[pv[0]]))
                last_seq[pv[0]] = max(pv[1], last_seq.get(pv[0], -1))
            missing = [o for o in range(hw[p]) if o not in recs[p]]
            if missing:
                v["read_gaps"].append("p%d: %d offsets below the HW %d not returned, first %s"
                                      % (p, len(missing), hw[p], missing[:5]))
        v["corrupt"].extend(corrupt)
        acked = stored_unacked = 0
        for name, g in gens.items():
            for w in g.wrong_partition:
                v["moved"].append("%s seq %d acknowledged on partition %d" % (name, w[0], w[1]))
            for seq in range(g.sent):
                off = g.acked[seq]
                locs = where.get((name, seq), [])
                if len(locs) > 1:
                    v["duplicated"].append("%s seq %d stored %d times: %s"
                                           % (name, seq, len(locs), locs))
                if off == -1:
                    if locs:
                        stored_unacked += 1
                    continue
                acked += 1
                p = seq % PARTITIONS
                if off == -2:       # acknowledged without an offset: stored once is enough
                    if not locs:
                        v["lost"].append("%s seq %d acknowledged (no offset) on p%d, not stored"
                                         % (name, seq, p))
                    continue
                if (p, off) in locs:
                    continue
                if locs:
                    v["moved"].append("%s seq %d acknowledged at p%d@%d, stored at %s"
                                      % (name, seq, p, off, locs))
                else:
                    found = recs[p].get(off)
                    v["lost"].append("%s seq %d acknowledged at p%d@%d (HW %d), the offset holds "
                                     "%r" % (name, seq, p, off, hw[p],
                                             found[:60] if found else found))
        return dict(acked=acked, stored=sum(len(r) for r in recs.values()),
                    stored_unacknowledged=stored_unacked)

    def check_consumers(self, hw, recs, v):
        n = 0
        for m in self.members:
            for p, offs in m.consumed.items():
                vals = m.consumed_vals[p]
                for off, val in zip(offs, vals):
                    n += 1
                    if off >= hw[p]:
                        v["consumed_not_in_log"].append(
                            "member %d read p%d@%d %r at or beyond the final HW %d"
                            % (m.idx, p, off, val[:60], hw[p]))
                    elif recs[p].get(off) != val:
                        v["consumed_not_in_log"].append(
                            "member %d read p%d@%d %r, the log holds %r"
                            % (m.idx, p, off, val[:60], (recs[p].get(off) or b"")[:60]))
        return n

    def check_committed(self, hw, v):
        # what the members were told was committed, in order, per partition
        commits = sorted(c for m in self.members for c in m.commits)
        best = {}
        for t, p, off in commits:
            if p in best and off < best[p][1]:
                v["committed_backwards"].append(
                    "commit of p%d at %d (t=%.1f) after a commit at %d (t=%.1f)"
                    % (p, off, t - self.t0, best[p][1], best[p][0] - self.t0))
            if p not in best or off >= best[p][1]:
                best[p] = (t, off)
        # what OffsetFetch answered over time
        seen = {}
        for t, snap in self.committed.samples:
            for p, off in snap.items():
                if off < 0:
                    if p in seen:
                        v["committed_backwards"].append(
                            "p%d: committed offset gone (%d) at t=%.1f after %d"
                            % (p, off, t - self.t0, seen[p][1]))
                    continue
                if p in seen and off < seen[p][1]:
                    v["committed_backwards"].append(
                        "p%d: committed offset %d at t=%.1f after %d at t=%.1f"
                        % (p, off, t - self.t0, seen[p][1], seen[p][0] - self.t0))
                if p not in seen or off >= seen[p][1]:
                    seen[p] = (t, off)
        for p, (t, off) in seen.items():
            if off > hw[p]:
                v["committed_backwards"].append("p%d: committed offset %d beyond the HW %d"
                                                % (p, off, hw[p]))
        return dict(commits=len(commits), samples=len(self.committed.samples),
                    final={p: seen[p][1] for p in sorted(seen)})

    def check_replicas(self, hw, v):
        nb = 0
        for p in range(PARTITIONS):
            dirs = {b.id: b.partition_dir(TOPIC, p) for b in self.brokers}
            res = segments.compare_replicas(dirs, hw[p], name="%s-%d" % (TOPIC, p))
            v["replica_divergence"].extend(res["divergent"])
            v["replica_short"].extend(res["short"] + res["torn"])
            nb += res["batches"]
        return nb

    def verify(self):
        V = {k: [] for k in ("lost", "moved", "duplicated", "reordered", "corrupt", "read_gaps",
                             "replica_divergence", "replica_short", "committed_backwards",
                             "consumed_not_in_log")}
        info = {}
        self.stop_workload()
        heal = self.wait_healed()
        self.log("healed for verification%s" % ("" if heal is not None else ": NOT"))
        hw = self.high_watermarks()
        info["high_watermarks"] = hw
        recs = self.read_back(hw)
        self.log("read back %d records below the HWs %s" % (sum(len(r) for r in recs.values()),
                                                            hw))
        info["records"] = self.check_records(hw, recs, V)
        info["consumed"] = self.check_consumers(hw, recs, V)
        info["committed"] = self.check_committed(hw, V)
        # stop the brokers, then compare their files at rest
        self._mon_stop.set()
        self.monitor.join(5)
        for b in self.brokers:
            self.check_exit(b)
        ctl = self.controller()
        order = [b.id for b in self.brokers if b.id != ctl] + ([ctl] if ctl is not None else [])
        self.round_no, self.round_kind = -1, "final shutdown"
        for i in order:
            b = self.broker(i)
            if not b.running():
                continue
            self.sigterm(i)
        info["replica_batches_compared"] = self.check_replicas(hw, V)
        return V, info

    def sanitizer_reports(self):
        out = []
        for b in self.brokers:
            for line in b.sanitizer_reports():
                out.append("broker %d: %s" % (b.id, line))
        return out

    # ------------------------------------------------------------------ report

    def report(self, V, info, wall):
        producers = {p.slot: p.counts() for p in self.producers}
        fatal = [e for p in self.producers for _, e in p.events]
        violations = {k: len(x) for k, x in V.items() if k != "read_gaps"}
        violations["read_gaps"] = len(V["read_gaps"])
        violations.update(crashes=len(self.crashes),
                          shutdown_failures=len(self.shutdown_failures),
                          producer_fatal=len(fatal), heal_timeouts=self.heal_timeouts,
                          sanitizer_reports=len(self.sanitizer),
                          campaign_errors=len(self.errors))
        per_kind = {}
        for r in self.rounds:
            k = per_kind.setdefault(r["kind"], dict(count=0, heal=[], gap=[], gapp=[],
                                                     resume=[], unhealed=0, bumps=0))
            k["count"] += 1
            k["bumps"] += r.get("producer_epoch_bumps", 0)
            if r["heal_s"] is None:
                k["unhealed"] += 1
            else:
                k["heal"].append(r["heal_s"])
            k["gap"].append(r["ack_gap_s"])
            k["gapp"].append(max(r["ack_gap_per_producer_s"].values()))
            if r["ack_resume_s"] is not None:
                k["resume"].append(r["ack_resume_s"])
        kinds = {}
        for name, k in per_kind.items():
            kinds[name] = dict(
                count=k["count"], unhealed=k["unhealed"],
                heal_median_s=round(statistics.median(k["heal"]), 2) if k["heal"] else None,
                heal_max_s=max(k["heal"]) if k["heal"] else None,
                ack_gap_max_s=max(k["gap"]),
                ack_gap_max_per_producer_s=max(k["gapp"]),
                ack_resume_max_s=max(k["resume"]) if k["resume"] else None,
                producer_epoch_bumps=k["bumps"])
        clean = all(v == 0 for v in violations.values())
        rep = dict(
            clean=clean, skeind=self.skeind, seed=self.args.seed, rounds_run=len(self.rounds),
            rounds_asked=self.args.rounds, wall_s=round(wall, 1), run_dir=str(self.dir),
            kinds=kinds, violations=violations,
            details={k: x[:50] for k, x in V.items()},
            crashes=self.crashes, shutdown_failures=self.shutdown_failures,
            producer_fatal=fatal, errors=self.errors, sanitizer=self.sanitizer[:100],
            producers=producers,
            group=dict(members=[dict(idx=m.idx, commits=len(m.commits),
                                     commit_errors=m.commit_errors,
                                     consume_errors=m.consume_errors,
                                     assignments=m.rebalances) for m in self.members],
                       committed_monitor_errors=self.committed.errors),
            broker_exits=self.exits, info=info, round_log=self.rounds)
        return rep

    def text_report(self, rep):
        L = []
        L.append("Skein fault campaign: %s" % ("CLEAN" if rep["clean"] else "FAILED"))
        L.append("skeind %s, seed %s, %d/%d rounds, %.0f s, run dir %s"
                 % (rep["skeind"], rep["seed"], rep["rounds_run"], rep["rounds_asked"],
                    rep["wall_s"], rep["run_dir"]))
        L.append("")
        L.append("%-18s %5s %9s %9s %9s %12s %11s %6s" % (
            "fault kind", "count", "heal med", "heal max", "ack gap", "gap/producer",
            "acks back", "bumps"))
        for name in KINDS:
            k = rep["kinds"].get(name)
            if not k:
                continue

            def f(x):
                return "-" if x is None else "%.1fs" % x
            L.append("%-18s %5d %9s %9s %9s %12s %11s %6d%s"
                     % (name, k["count"], f(k["heal_median_s"]), f(k["heal_max_s"]),
                        f(k["ack_gap_max_s"]), f(k["ack_gap_max_per_producer_s"]),
                        f(k["ack_resume_max_s"]), k["producer_epoch_bumps"],
                        "  (%d not healed)" % k["unhealed"] if k["unhealed"] else ""))
        L.append("  heal: from lifting the fault (restart begun, SIGCONT, link or disk space back)")
        L.append("  until every broker is registered and every ISR is full; ack gap: longest time")
        L.append("  in a round without any acknowledgement (gap/producer: the longest for one")
        L.append("  producer); acks back: from healed until every producer had an acknowledgement;")
        L.append("  bumps: librdkafka producer epoch bumps (each may re-send records that the")
        L.append("  broker had stored but answered as not stored: duplicates).")
        L.append("")
        recs = rep["info"].get("records", {})
        L.append("records: %s acknowledged, %s stored, %s stored but not acknowledged"
                 % (recs.get("acked"), recs.get("stored"), recs.get("stored_unacknowledged")))
        for s, c in sorted(rep["producers"].items()):
            L.append("producer %s: %s" % (s, c))
        L.append("consumer group: %s; committed offsets %s"
                 % (rep["group"]["members"], rep["info"].get("committed", {}).get("final")))
        L.append("replica batches compared: %s" % rep["info"].get("replica_batches_compared"))
        L.append("")
        L.append("violations:")
        for k, n in rep["violations"].items():
            L.append("  %-22s %d" % (k, n))
        for c in rep["crashes"]:
            L.append("")
            L.append("CRASH round %s (%s): broker %s %s (log %s):"
                     % (c["round"], c["kind"], c["broker"], c["status"], c["log"]))
            L.extend("    " + x for x in c["log_tail"][-25:])
        for s in rep["shutdown_failures"]:
            L.append("SHUTDOWN round %s: broker %s %s after %ss"
                     % (s["round"], s["broker"], s["status"], s["seconds"]))
        for k, x in rep["details"].items():
            for line in x[:10]:
                L.append("%s: %s" % (k, line))
        for e in rep["producer_fatal"]:
            L.append("producer fatal: %s" % e)
        for e in rep["errors"]:
            L.append("error: %s" % e)
        for e in rep["sanitizer"][:20]:
            L.append("sanitizer: %s" % e)
        return "\n".join(L) + "\n"

    # ------------------------------------------------------------------ main

    def main(self):
        t = now()
        V, info = None, {}
        try:
            self.setup()
            self.run_rounds()
            V, info = self.verify()
        except Exception as e:  # noqa: BLE001 - the report says what happened
            self.log("campaign aborted: %r\n%s" % (e, traceback.format_exc()))
            self.errors.append("aborted: %r" % (e,))
        finally:
            self._mon_stop.set()
            for b in getattr(self, "brokers", []):
                if b.running():
                    b.expect_exit = True
                    b.resume()
                    b.stop(timeout=30)
        if V is None:
            V = {k: [] for k in ("lost", "moved", "duplicated", "reordered", "corrupt",
                                 "read_gaps", "replica_divergence", "replica_short",
                                 "committed_backwards", "consumed_not_in_log")}
        self.sanitizer = self.sanitizer_reports()
        if not hasattr(self, "producers"):
            self.producers, self.members = [], []

            class _N:
                errors = {}
            self.committed = _N()
        rep = self.report(V, info, now() - t)
        text = self.text_report(rep)
        print("\n" + text, flush=True)
        if self.args.report:
            jpath, tpath = report_paths(self.args.report)
            Path(jpath).write_text(json.dumps(rep, indent=1, default=str))
            Path(tpath).write_text(text)
            print("report written to %s and %s" % (jpath, tpath))
        if (not rep["clean"] or self.args.keep) and hasattr(self, "brokers"):
            # the log dirs are tmpfs mounts, gone at cleanup: keep a copy for the post-mortem
            for b in self.brokers:
                subprocess.run(["cp", "-a", str(b.log_dir), str(b.dir / "data-saved")])
            print("broker data copied to %s/broker-*/data-saved" % self.dir)
        errs = CLEANUP.run()
        for e in errs:
            print("cleanup: %s" % e)
        if rep["clean"] and not self.args.keep and hasattr(self, "dir"):
            subprocess.run(["rm", "-rf", str(self.dir)])
        elif hasattr(self, "dir"):
            print("logs kept in %s" % self.dir)
        return 0 if rep["clean"] and not errs else 1


def report_paths(path):
    if path.endswith(".json"):
        return path, path[:-5] + ".txt"
    return path + ".json", path + ".txt"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--report", help="write the report to FILE.json and FILE.txt")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--skeind", default=os.environ.get("SKEIND", str(REPO / "build" / "skeind")))
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help="comma list of fault kinds (default all: %s)" % ",".join(KINDS))
    ap.add_argument("--rate", type=float, default=400.0,
                    help="records per second over all producers (default 400)")
    ap.add_argument("--producers", type=int, default=2)
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between rounds")
    ap.add_argument("--heal-timeout", type=float, default=120.0)
    ap.add_argument("--asan", action="store_true",
                    help="the skeind is a sanitizer build (longer timeouts); implied when the "
                         "binary links libasan")
    ap.add_argument("--workdir", default=None, help="parent of the run directory (default /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the run directory when clean")
    a = ap.parse_args(argv)
    a.kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    bad = [k for k in a.kinds if k not in KINDS]
    if bad:
        ap.error("unknown fault kinds %s (known: %s)" % (bad, ", ".join(KINDS)))
    if a.seed is None:
        a.seed = random.randrange(1 << 30)
    if not os.access(a.skeind, os.X_OK):
        ap.error("skeind %s is not an executable" % a.skeind)
    if not a.asan:
        try:
            out = subprocess.run(["ldd", a.skeind], stdout=subprocess.PIPE).stdout
            a.asan = b"libasan" in out
        except OSError:
            pass
    return a


def main(argv=None):
    a = parse_args(argv)
    if os.geteuid() != 0:
        print("campaign.py needs root (network namespaces, nftables, tmpfs mounts)",
              file=sys.stderr)
        return 2
    for tool in ("ip", "nft", "mount"):
        if subprocess.run(["which", tool], stdout=subprocess.DEVNULL).returncode != 0:
            print("campaign.py: %s missing (scripts/install-deps.sh installs it)" % tool,
                  file=sys.stderr)
            return 2
    atexit.register(CLEANUP.run)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    return Campaign(a).main()


if __name__ == "__main__":
    sys.exit(main())
