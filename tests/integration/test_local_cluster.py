"""deploy/skein-local-cluster: start, status, idempotent start, stop (on free ports)."""

import os
import subprocess

import pytest

import skein_harness as H
from clients import kcat_metadata

SCRIPT = str(H.REPO / "deploy" / "skein-local-cluster")


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def local(tmp_path, skeind_bin):
    env = dict(os.environ, SKEIN_LOCAL_DIR=str(tmp_path / "lc"), SKEIND=skeind_bin,
               SKEIN_ZK_PORT=str(H.free_port()))
    base = H.free_port_block(2)     # two consecutive free ports for two brokers
    env["SKEIN_BASE_PORT"] = str(base)

    def run(*args, timeout=120):
        return subprocess.run([SCRIPT] + list(args), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)

    run.env = env
    run.dir = tmp_path / "lc"
    run.base = base
    yield run
    run("stop")      # whatever happened, stop what the script started
    for pf in list(run.dir.glob("*/*.pid")):
        pid = int(pf.read_text())
        if _alive(pid):
            os.kill(pid, 9)


def test_local_cluster_start_status_stop(local):
    p = local("start", "--brokers", "2")
    out = p.stdout.decode()
    assert p.returncode == 0, out
    boot = "127.0.0.1:%d,127.0.0.1:%d" % (local.base, local.base + 1)
    assert boot in out
    zk_port = local.env["SKEIN_ZK_PORT"]
    assert "/usr/share/zookeeper/bin/zkCli.sh -server 127.0.0.1:%s ls /brokers/ids" % zk_port in out
    assert "stop" in out

    pids = {pf: int(pf.read_text()) for pf in local.dir.glob("*/*.pid")}
    assert len(pids) == 3          # ZooKeeper + 2 brokers
    assert all(_alive(pid) for pid in pids.values())

    md = kcat_metadata("127.0.0.1:%d" % local.base)
    assert 0 in [br["id"] for br in md["brokers"]]
    from kazoo.client import KazooClient
    zk = KazooClient(hosts="127.0.0.1:%s" % zk_port)
    zk.start(10)
    try:
        assert sorted(zk.get_children("/brokers/ids")) == ["0", "1"]
    finally:
        zk.stop()

    st = local("status")
    assert st.returncode == 0, st.stdout.decode()
    assert st.stdout.decode().count("registered in ZooKeeper") == 2

    again = local("start", "--brokers", "2")
    assert again.returncode == 0, again.stdout.decode()
    assert "already running" in again.stdout.decode()
    assert {pf: int(pf.read_text()) for pf in local.dir.glob("*/*.pid")} == pids

    stop = local("stop")
    assert stop.returncode == 0, stop.stdout.decode()
    for pid in pids.values():
        assert not _alive(pid), "pid %d survived stop" % pid
    assert list(local.dir.glob("*/*.pid")) == []
    assert local("status").returncode != 0
    # broker logs end with a clean shutdown (skeind exits 0 on SIGTERM: nothing to assert
    # about the status here since the script's daemons are not our children)


def test_local_cluster_existing_zookeeper_with_chroot(local, zk):
    p = local("start", "--zookeeper", "%s/lc-chroot" % zk.connect)
    out = p.stdout.decode()
    assert p.returncode == 0, out
    assert not (local.dir / "zk" / "zookeeper.pid").exists()
    root = zk.client()
    assert root.get_children("/lc-chroot/brokers/ids") == ["0"]
    assert "ls /lc-chroot/brokers/ids" in out
    assert local("stop").returncode == 0
    H.wait_for(lambda: root.get_children("/lc-chroot/brokers/ids") == [], 5,
               "broker 0 to deregister")
    assert zk.running()             # the script never touches a ZooKeeper it did not start
