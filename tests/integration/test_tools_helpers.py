"""Helpers for the tests of the skein-* command-line tools (no tests in here).

The tools are looked up in $SKEIN_TOOLS_DIR, else next to $SKEIND, else <repo>/build.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "harness"))

import skein_harness as H  # noqa: E402


def tools_dir():
    d = os.environ.get("SKEIN_TOOLS_DIR")
    if d:
        return Path(d)
    skeind = os.environ.get("SKEIND")
    if skeind:
        return Path(skeind).resolve().parent
    return H.REPO / "build"


def tool_path(name):
    p = tools_dir() / name
    if not os.access(p, os.X_OK):
        pytest.fail("%s not found or not executable in %s (build it, or set SKEIN_TOOLS_DIR)"
                    % (name, tools_dir()))
    return str(p)


class Result:
    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def stdout(self):
        return self.out.decode("utf-8", "replace")

    @property
    def stderr(self):
        return self.err.decode("utf-8", "replace")

    def __repr__(self):
        return "<%s rc=%s\n--- stdout ---\n%s\n--- stderr ---\n%s>" % (
            " ".join(self.argv), self.rc, self.stdout[-3000:], self.stderr[-3000:])


def run(name, *args, input=None, timeout=60, check=None):
    """Run a tool; return a Result. check=N asserts the exit status is N."""
    argv = [tool_path(name)] + [str(a) for a in args]
    proc = subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)
    r = Result(argv, proc)
    if check is not None:
        assert r.rc == check, "expected exit %d: %r" % (check, r)
    return r


def topics(*args, **kw):
    return run("skein-topics", *args, **kw)


def zk_connect(cluster):
    """The zookeeper.connect string of a harness cluster (with its chroot)."""
    return cluster.zk.connect + cluster.chroot


def metadata_topics(bootstrap):
    """{topic: {partition: (leader, replicas, isrs)}} from confluent-kafka's Metadata."""
    from confluent_kafka.admin import AdminClient
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)
    out = {}
    for name, t in md.topics.items():
        if t.error is not None:
            continue
        out[name] = {p.id: (p.leader, list(p.replicas), list(p.isrs))
                     for p in t.partitions.values()}
    return out
