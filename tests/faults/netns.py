"""Network namespaces for the fault campaign: a hub and one namespace per broker.

    hub namespace  skf<pid>-hub : bridge br0 with HUB_IP (the campaign process: clients, kazoo)
                                  and ZK_IP (ZooKeeper, a child of the campaign process)
    broker i       skf<pid>-b<i>: eth0 = BROKER_IP(i), a veth whose peer vb<i> is a port of br0

Every address lives only inside these namespaces (10.213.0.0/24 by default); the root namespace
gets no address, route or rule. Faults are nftables tables inside a broker's namespace:

    cut_brokers(i): broker i drops every packet to or from the other brokers (ZooKeeper and
                    the clients still reach it)
    cut_zookeeper(i): broker i drops its packets to and from ZooKeeper's port (the other
                    brokers and the clients still reach it)
    heal(i):        deletes broker i's table

teardown() deletes the namespaces (their veths, bridge and nftables go with them).
"""

import ctypes
import os
import re
import subprocess

CLONE_NEWNET = 0x40000000
PREFIX = "skf"


def run(argv, input_text=None, check=True):
    p = subprocess.run(argv, input=input_text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=30)
    if check and p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
    return p


def pid_alive_campaign(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"campaign" in f.read()
    except OSError:
        return False


def stale_namespaces():
    """Namespaces left by campaign runs whose process is gone."""
    p = run(["ip", "netns", "list"], check=False)
    out = []
    for line in p.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^%s(\d+)-(hub|b\d+)$" % PREFIX, name)
        if m and not pid_alive_campaign(int(m.group(1))):
            out.append(name)
    return out


class Topology:
    def __init__(self, n_brokers, subnet="10.213.0", zk_port=2181):
        self.n = n_brokers
        self.tag = "%s%d" % (PREFIX, os.getpid())
        self.hub = self.tag + "-hub"
        self.subnet = subnet
        self.hub_ip = subnet + ".1"
        self.zk_ip = subnet + ".2"
        self.zk_port = zk_port
        self.created = []
        self.cuts = {}

    def ns(self, i):
        return "%s-b%d" % (self.tag, i)

    def broker_ip(self, i):
        return "%s.%d" % (self.subnet, 11 + i)

    def prefix(self, i):
        return ["ip", "netns", "exec", self.ns(i)]

    # ------------------------------------------------------------------ setup / teardown

    def setup(self):
        for name in stale_namespaces():
            run(["ip", "netns", "del", name], check=False)
        run(["ip", "netns", "add", self.hub])
        self.created.append(self.hub)
        h = ["ip", "-n", self.hub]
        run(h + ["link", "set", "lo", "up"])
        run(h + ["link", "add", "br0", "type", "bridge"])
        run(h + ["addr", "add", self.hub_ip + "/24", "dev", "br0"])
        run(h + ["addr", "add", self.zk_ip + "/24", "dev", "br0"])
        run(h + ["link", "set", "br0", "up"])
        for i in range(self.n):
            ns = self.ns(i)
            run(["ip", "netns", "add", ns])
            self.created.append(ns)
            b = ["ip", "-n", ns]
            run(b + ["link", "set", "lo", "up"])
            run(h + ["link", "add", "vb%d" % i, "type", "veth", "peer", "name", "eth0",
                     "netns", ns])
            run(h + ["link", "set", "vb%d" % i, "master", "br0"])
            run(h + ["link", "set", "vb%d" % i, "up"])
            run(b + ["addr", "add", self.broker_ip(i) + "/24", "dev", "eth0"])
            run(b + ["link", "set", "eth0", "up"])
        return self

    def enter_hub(self):
        """Move the calling thread (call it before any other thread exists: the threads
        and children started later inherit the namespace) into the hub namespace."""
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = os.open("/run/netns/" + self.hub, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, "setns(%s): %s" % (self.hub, os.strerror(e)))
        finally:
            os.close(fd)

    def teardown(self):
        errs = []
        for ns in reversed(self.created):
            p = run(["ip", "netns", "del", ns], check=False)
            if p.returncode != 0 and "No such file" not in p.stderr:
                errs.append("%s: %s" % (ns, p.stderr.strip()))
        self.created = []
        self.cuts = {}
        return errs

    # ------------------------------------------------------------------ faults

    def _nft(self, i, script):
        run(["ip", "netns", "exec", self.ns(i), "nft", "-f", "-"], input_text=script)

    def cut_brokers(self, i):
        others = ", ".join(self.broker_ip(j) for j in range(self.n) if j != i)
        self._nft(i, """table inet skf_cut {
  chain in { type filter hook input priority 0; policy accept; ip saddr { %s } drop; }
  chain out { type filter hook output priority 0; policy accept; ip daddr { %s } drop; }
}
""" % (others, others))
        self.cuts[i] = "brokers"

    def cut_zookeeper(self, i):
        self._nft(i, """table inet skf_cut {
  chain in { type filter hook input priority 0; policy accept; ip saddr %s tcp sport %d drop; }
  chain out { type filter hook output priority 0; policy accept; ip daddr %s tcp dport %d drop; }
}
""" % (self.zk_ip, self.zk_port, self.zk_ip, self.zk_port))
        self.cuts[i] = "zookeeper"

    def heal(self, i):
        if i in self.cuts:
            self._nft(i, "delete table inet skf_cut\n")
            del self.cuts[i]

    def rules(self, i):
        return run(["ip", "netns", "exec", self.ns(i), "nft", "list", "ruleset"],
                   check=False).stdout
