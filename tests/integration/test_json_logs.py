"""log.format=json (issue 12 part 4): a broker writing its log as JSON lines to log.file;
every line parses as one JSON object with time, level, broker, module and message, and the
lines about one partition carry topic, partition and epoch as fields. A bad value of the key
exits 2 naming it."""

import json
import re

import clients as C
import skein_harness as H
from test_bad_config import run_bad


def test_every_line_is_one_json_object(make_cluster, tmp_path):
    path = tmp_path / "skeind.json.log"
    c = make_cluster(1, auto_create_topics_enable="true", log_format="json",
                     log_file=str(path))
    topic = "json-logs"
    C.kcat(["-P", "-b", c.bootstrap, "-t", topic], input_data=b"one\ntwo \"quoted\"\n")
    got = C.kcat(["-C", "-b", c.bootstrap, "-t", topic, "-o", "beginning", "-e", "-c", "2"])
    assert got.stdout.decode().split("\n")[:2] == ["one", 'two "quoted"']
    rc = c.broker(0).stop()
    assert rc == 0

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 10, lines
    objs = []
    for no, line in enumerate(lines, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            raise AssertionError("line %d is not JSON (%s): %r" % (no, e, line))
        assert isinstance(o, dict), line
        objs.append(o)
    for o in objs:
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", o["time"]), o
        assert o["level"] in ("ERROR", "WARN", "INFO", "DEBUG"), o
        assert o["broker"] == 0, o
        assert o["module"] and isinstance(o["message"], str), o
    # the leadership of the new partition, with its fields
    lead = [o for o in objs if o.get("topic") == topic and "now leader" in o["message"]]
    assert lead, [o for o in objs if "topic" in o]
    assert lead[0]["partition"] == 0 and isinstance(lead[0]["epoch"], int), lead[0]
    assert any(o["module"] == "broker" and "shutting down" in o["message"] for o in objs)
    # nothing of the logger went to standard error (the harness's own log)
    err = c.broker(0).log_text()
    assert not re.search(r"^\d{4}-\d\d-\d\dT.* \[broker 0\] ", err, re.M), err[-2000:]


def test_bad_log_format_exits_2(skeind_bin, tmp_path):
    rc, out, _ = run_bad(tmp_path, {"log.format": "yaml"})
    assert rc == 2, out
    assert "log.format" in out, out
