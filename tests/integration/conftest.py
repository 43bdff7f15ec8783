"""pytest fixtures for the Skein integration tests (real ZooKeeper, real skeind, real clients).

Run: /usr/bin/python3 -m pytest tests/integration     (SKEIND=/path/to/skeind to choose the binary)
"""

import os
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "harness"))

import skein_harness as H  # noqa: E402


def pytest_configure(config):
    H.install_sigterm_handler()
    config.addinivalue_line(
        "markers", "long: an acceptance test that takes minutes; it runs only with SKEIN_LONG=1 "
        "(tests/run-integration.sh -m long), and a shorter test of the same thing runs in the suite")


def pytest_collection_modifyitems(config, items):
    """Tests marked long are skipped unless SKEIN_LONG=1: the suite keeps its time budget, and
    the long versions are one documented command (README "Long tests")."""
    if os.environ.get("SKEIN_LONG") == "1":
        return
    skip = pytest.mark.skip(reason="long test: run with SKEIN_LONG=1 tests/run-integration.sh -m long")
    for item in items:
        # the marker itself: "long" in item.keywords would also match a parameter id
        # ("[long]" in test_truncation), which must run
        if item.get_closest_marker("long") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def skeind_bin():
    path = H.skeind_path()
    if not os.access(path, os.X_OK):
        pytest.fail("skeind binary %s not found or not executable; build it or set SKEIND" % path)
    return path


@pytest.fixture(scope="session")
def zk(tmp_path_factory):
    """One ZooKeeper server for the whole session; clusters use distinct chroots. A tick of
    500 ms: a killed broker's session expires within 0.5 s of its timeout instead of 2 s
    (tests wait for that after every kill -9)."""
    z = H.ZooKeeper(tmp_path_factory.mktemp("zk"), tick_ms=500)
    yield z
    z.stop()


@pytest.fixture(scope="module")
def cluster(zk, skeind_bin, tmp_path_factory):
    """A shared single-broker cluster for tests that do not disturb it (auto-create on)."""
    c = H.Cluster(1, tmp_path_factory.mktemp("cluster"), zk=zk,
                  auto_create_topics_enable="true", num_partitions=1)
    yield c
    c.stop()


@pytest.fixture
def make_cluster(zk, skeind_bin, tmp_path):
    """Factory for fresh clusters (tests that kill, restart or reconfigure brokers)."""
    made = []

    def make(n=1, **overrides):
        c = H.Cluster(n, tmp_path / ("cluster-%d" % len(made)), zk=zk, **overrides)
        made.append(c)
        return c

    yield make
    for c in made:
        c.stop()


def _brokers():
    return [i for i in H.instances() if isinstance(i, H.Broker)]


@pytest.fixture(autouse=True)
def _mark_test_start(request):
    """Remember when the test started (for log dumps) and fail it when a broker it used wrote
    a sanitizer report (AddressSanitizer, LeakSanitizer, UBSan) meanwhile."""
    request.node._skein_started = time.monotonic()
    offsets = {id(b): b.log_size() for b in _brokers()}
    yield
    found = []
    for b in _brokers():
        rep = b.sanitizer_reports(offsets.get(id(b), 0))
        if rep:
            found.append("%s (%s):\n  %s" % (b.name, b.log_path, "\n  ".join(rep[:10])))
    if found:
        pytest.fail("sanitizer reports in broker logs:\n" + "\n".join(found), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed or rep.when not in ("setup", "call"):
        return
    started = getattr(item, "_skein_started", 0)
    for inst in H.instances():
        proc = getattr(inst, "proc", None)
        if proc is None:
            continue
        is_zk = isinstance(inst, H.ZooKeeper)
        if is_zk and proc.running() and proc.started_at < started:
            continue        # a healthy shared ZooKeeper: its log is noise here
        if proc.running() or proc.started_at >= started:
            state = "running" if proc.running() else "exit %s" % proc.returncode()
            rep.sections.append(("%s (%s) log tail" % (inst.name, state),
                                 H.tail(inst.log_path, 20 if is_zk else 40)))


def pytest_sessionfinish(session, exitstatus):
    H.kill_everything()
    # reports written at exit (LeakSanitizer) by brokers stopped in module/session teardown
    found = [(b, b.sanitizer_reports()) for b in _brokers()]
    found = [(b, r) for b, r in found if r]
    if found:
        tw = session.config.get_terminal_writer()
        tw.line("")
        for b, rep in found:
            tw.line("SANITIZER REPORT in %s (%s):" % (b.name, b.log_path), red=True)
            for line in rep[:10]:
                tw.line("  " + line)
        session.exitstatus = 1
