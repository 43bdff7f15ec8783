#!/usr/bin/env python3
"""Partition state has one writer (issue 9): no file under broker/ other than
the partition module writes a field of sk_partition_t (broker/meta/topics.h).

The fields are read from the struct itself, so a new field is checked too.
A write is an assignment (=, op=), ++/--, or taking a field's address
(&p->log handed to a function that fills it), made through an expression of
partition type: a variable declared sk_partition_t in the same file, or an
element of a topic's partitions array (t->partitions[i].field).

    tests/check_partition_writers.py [REPO]     exit 0: clean, 1: writers listed

Also run by `make check`.
"""
import os
import re
import sys

ALLOWED = {"broker/replica/partition.c", "broker/replica/partition.c"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def partition_fields(repo):
    for rel in ("broker/meta/topics.h", "broker/meta/topics.h"):
        path = os.path.join(repo, rel)
        if os.path.exists(path):
            break
    else:
        sys.exit("check_partition_writers: broker/meta/topics.h not found under %s" % repo)
    text = strip_comments(open(path, encoding="utf-8").read())
    m = re.search(r"typedef\s+struct\s+sk_partition\s*\{(.*?)\}\s*sk_partition_t\s*;", text, re.S)
    if not m:
        sys.exit("check_partition_writers: struct sk_partition not found in %s" % rel)
    fields = []
    for decl in m.group(1).split(";"):
        decl = decl.strip()
        if not decl:
            continue
        # "const char *topic", "int32_t *replicas", "int a, b"
        parts = decl.split(",")
        first = re.search(r"([A-Za-z_]\w*)\s*(\[[^]]*\])?\s*$", parts[0])
        if first:
            fields.append(first.group(1))
        for extra in parts[1:]:
            n = re.search(r"([A-Za-z_]\w*)\s*(\[[^]]*\])?\s*$", extra)
            if n:
                fields.append(n.group(1))
    return fields


def source_files(repo):
    root = os.path.join(repo, "broker")
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                path = os.path.join(dirpath, name)
                yield os.path.relpath(path, repo), path


DECL = re.compile(r"\b(?:sk_partition_t|struct\s+sk_partition)\s*(?:const\s*)?\*?\s*(?:const\s+)?"
                  r"([A-Za-z_]\w*)")
ASSIGN_OP = r"(?:=(?!=)|\+=|-=|\*=|/=|%=|\|=|&=|\^=|<<=|>>=|\+\+|--)"


def writes(text, fields):
    text = strip_comments(text)
    names = set(DECL.findall(text))
    bases = [r"\b" + re.escape(n) + r"\s*->" for n in sorted(names)]
    bases.append(r"\bpartitions\s*\[[^]]*\]\s*\.")
    base = "(?:" + "|".join(bases) + ")"
    field = "(?:" + "|".join(re.escape(f) for f in fields) + r")\b"
    index = r"(?:\s*\[[^]\n]*\])?"
    patterns = [
        re.compile(base + r"\s*(" + field + ")" + index + r"\s*" + ASSIGN_OP),
        re.compile(r"(?:\+\+|--)\s*" + base + r"\s*(" + field + ")"),
        re.compile(r"(?<![&\w)\]\s])\s*&(?!&)\s*" + base + r"\s*(" + field + ")"),
    ]
    found = []
    for lineno, line in enumerate(text.split("\n"), 1):
        for pat in patterns:
            for m in pat.finditer(line):
                found.append((lineno, m.group(1), line.strip()))
    return found


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    fields = partition_fields(repo)
    bad = 0
    for rel, path in source_files(repo):
        if rel in ALLOWED:
            continue
        for lineno, field, line in writes(open(path, encoding="utf-8").read(), fields):
            print("%s:%d: writes partition field %s: %s" % (rel, lineno, field, line))
            bad += 1
    if bad:
        print("check_partition_writers: %d write(s) outside the partition module" % bad)
        return 1
    print("check_partition_writers: %d partition fields, written only by the partition module"
          % len(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
