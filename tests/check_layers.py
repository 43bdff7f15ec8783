#!/usr/bin/env python3
"""Include direction and stateless handlers (issue 9): requests flow down, api -> group -> replica ->
meta -> controller -> storage/net, and completions come back up only through callbacks.
(The controller sits below meta/: the broker hosts it and names it only by
its handle.)  A file may include headers of its own folder and of lower layers, never of
a higher layer or of another folder of the same layer.  Reads the #include
lines of broker/, controller/ and zkschema/; exit status 1 lists each
offending line.  Run by `make check`; also `tests/check_layers.py [top]`."""
import os
import re
import sys

# layer of each folder (higher calls lower); the broker's top level wires
# everything together and nothing includes it.
LAYERS = {
    "common": 0,
    "zkschema": 1,
    "broker/net": 2,
    "broker/storage": 2,
    "controller": 3,
    "broker/meta": 4,
    "broker/replica": 5,
    "broker/group": 6,
    "broker/api": 7,
    "broker/metrics": 8,   # /metrics reads every module; only the top level wires it
    "broker": 9,
}
STATIC_VAR = re.compile(r"^static\s[^(]*(;|=)")
TIMER_OR_TABLE = re.compile(r"\b(evtimer_new|event_new|evtimer_assign|event_assign|sk_hash_new|sk_purg_new)\b")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(rel):
    d = os.path.dirname(rel)
    while d and d not in LAYERS:
        d = os.path.dirname(d)
    return d or None


def header_folder(top, src_rel, name, flat_dirs):
    """Where #include "name" from src_rel resolves, as the compiler would:
    the including file's directory first, then the -I directories."""
    here = os.path.dirname(src_rel)
    for d in [here] + flat_dirs:
        rel = os.path.normpath(os.path.join(d, name)) if d else name
        if os.path.isfile(os.path.join(top, rel)):
            return folder_of(rel), rel
    return None, None


def main():
    top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                          os.path.join(os.path.dirname(__file__), ".."))
    flat_dirs = ["", "common", "zkschema", "broker", "controller"]   # AM_CPPFLAGS order
    bad = []
    checked = 0
    for root in ("broker", "controller", "zkschema"):
        for dp, _, files in os.walk(os.path.join(top, root)):
            for fn in sorted(files):
                if not fn.endswith((".c", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(dp, fn), top)
                mine = folder_of(rel)
                with open(os.path.join(top, rel), encoding="utf-8") as f:
                    text = f.read()
                for m in INCLUDE.finditer(text):
                    theirs, hrel = header_folder(top, rel, m.group(1), flat_dirs)
                    if theirs is None or theirs == mine:
                        continue
                    checked += 1
                    if LAYERS[theirs] >= LAYERS[mine]:
                        line = text.count("\n", 0, m.start()) + 1
                        bad.append("%s:%d: %s (layer %d) includes %s (layer %d)" % (
                            rel, line, mine, LAYERS[mine], hrel, LAYERS[theirs]))
    # The handlers keep no state of their own: no file-scope variables (other
    # than constant tables), no timers, no hash tables; what waits does so in
    # replica/purgatory.
    api_dir = os.path.join(top, "broker", "api")
    for fn in sorted(os.listdir(api_dir)):
        if not fn.endswith(".c"):
            continue
        with open(os.path.join(api_dir, fn), encoding="utf-8") as f:
            for no, line in enumerate(f, 1):
                state = (STATIC_VAR.match(line) and not line.startswith("static const")) \
                    or TIMER_OR_TABLE.search(line)
                if state:
                    bad.append("broker/api/%s:%d: a handler keeps state: %s" % (fn, no, line.strip()))
    if not checked:
        sys.exit("check_layers: no includes found under %s" % top)
    for b in bad:
        print(b)
    if bad:
        print("check_layers: %d problem(s)" % len(bad))
        return 1
    print("check_layers: %d cross-folder includes, all downward" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
