"""Read a partition's segment files directly and compare replicas batch by batch.

A partition directory holds `<20-digit base offset>.log` segments of v2 record batches:

    baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
    attributes int16 | lastOffsetDelta int32 | ... | records count int32 (61-byte header)

A follower appends the leader's batches byte for byte (offsets and leader epochs included), so
below the high watermark every in-sync replica must hold the same batches: same base offset,
same last offset, same bytes. Segment boundaries may differ (each replica rolls on its own), so
the comparison is over the batch sequence, not over files.

compare_replicas() reports:
  - divergence: a batch base offset below the HW where two replicas hold different bytes or a
    different offset range, or one holds a batch there and the other has another batch covering
    that offset (two different records at one offset);
  - short: a replica whose batches stop before the HW, or that has a hole below it;
  - torn: a segment with a partial batch in the middle of the log.
"""

import hashlib
import struct
from pathlib import Path

HEADER = 61


class Batch:
    __slots__ = ("base", "last", "digest", "size", "file", "pos", "epoch", "crc", "count")

    def __init__(self, base, last, digest, size, file, pos, epoch, crc, count):
        self.base = base
        self.last = last
        self.digest = digest
        self.size = size
        self.file = file
        self.pos = pos
        self.epoch = epoch
        self.crc = crc
        self.count = count

    def key(self):
        return (self.base, self.last, self.digest)

    def __repr__(self):
        return "batch[%d..%d epoch %d crc %08x %d bytes at %s:%d]" % (
            self.base, self.last, self.epoch, self.crc, self.size, Path(self.file).name, self.pos)


def segment_files(part_dir):
    d = Path(part_dir)
    segs = []
    for f in d.glob("*.log"):
        stem = f.name[:-4]
        if len(stem) == 20 and stem.isdigit():
            segs.append((int(stem), f))
    segs.sort()
    return [f for _, f in segs]


def read_batches(part_dir, stop_at=None, problems=None):
    """Every complete batch of the partition's segments, in offset order (list of Batch).
    stop_at: ignore batches whose base offset is >= stop_at. A partial batch at the end of a
    segment other than the last is reported in `problems` (a list) when given."""
    out = []
    files = segment_files(part_dir)
    for k, f in enumerate(files):
        with open(f, "rb") as fh:
            data = fh.read()
        pos = 0
        n = len(data)
        while pos + 12 <= n:
            base, blen = struct.unpack_from(">qi", data, pos)
            end = pos + 12 + blen
            if blen < HEADER - 12 or end > n:
                if problems is not None and k != len(files) - 1:
                    problems.append("%s: partial or malformed batch at byte %d (length %d, file "
                                    "%d bytes) in a segment that is not the last"
                                    % (f, pos, blen, n))
                break
            if stop_at is not None and base >= stop_at:
                break
            epoch, magic, crc = struct.unpack_from(">ibI", data, pos + 12)
            last_delta = struct.unpack_from(">i", data, pos + 23)[0]
            count = struct.unpack_from(">i", data, pos + 57)[0]
            if magic != 2 and problems is not None:
                problems.append("%s: magic %d at byte %d" % (f, magic, pos))
            digest = hashlib.blake2b(data[pos:end], digest_size=16).digest()
            out.append(Batch(base, base + last_delta, digest, end - pos, str(f), pos, epoch, crc,
                             count))
            pos = end
        if stop_at is not None and out and out[-1].base >= stop_at:
            break
    return out


def covers(batches, hw):
    """Whether the batches reach the HW: the last batch below the HW ends at or past HW - 1."""
    if hw <= 0:
        return True
    below = [b for b in batches if b.base < hw]
    return bool(below) and below[-1].last >= hw - 1


def compare_replicas(replicas, hw, log_start=0, name="partition"):
    """replicas: {broker id: partition dir}. Compare every replica's batches with base offset
    below hw. Returns dict(divergent=[...], short=[...], torn=[...], batches=N, bytes=N),
    each list holding human-readable descriptions."""
    res = dict(divergent=[], short=[], torn=[], batches=0, bytes=0)
    per = {}
    for bid, d in sorted(replicas.items()):
        probs = []
        bs = [b for b in read_batches(d, stop_at=hw, problems=probs) if b.base < hw]
        res["torn"].extend("%s broker %s: %s" % (name, bid, p) for p in probs)
        per[bid] = bs
        # holes and overlaps inside one replica (topics compared here are not compacted)
        expect = None
        for b in bs:
            if expect is not None and b.base != expect:
                res["short"].append("%s broker %s: batch at %d follows one ending at %d (%s)"
                                    % (name, bid, b.base, expect - 1,
                                       "hole" if b.base > expect else "overlap"))
            expect = b.last + 1
        if hw > log_start:
            if not bs:
                res["short"].append("%s broker %s: no batches below the HW %d"
                                    % (name, bid, hw))
            elif bs[0].base > log_start:
                res["short"].append("%s broker %s: first batch at %d, log start %d"
                                    % (name, bid, bs[0].base, log_start))
            elif bs[-1].last < hw - 1:
                res["short"].append("%s broker %s: log ends at %d, below the HW %d"
                                    % (name, bid, bs[-1].last + 1, hw))
    # cross-replica: for each base offset any replica has, the batches must be identical
    by_base = {bid: {b.base: b for b in bs} for bid, bs in per.items()}
    # the offset ranges each replica covers, to tell "missing there" from "other batch there"
    bases = sorted(set().union(*[set(m) for m in by_base.values()])) if by_base else []
    for base in bases:
        have = {bid: m.get(base) for bid, m in by_base.items()}
        keys = {bid: (b.key() if b else None) for bid, b in have.items()}
        present = {k for k in keys.values() if k is not None}
        if len(present) == 1 and None not in keys.values():
            res["batches"] += 1
            res["bytes"] += next(b.size for b in have.values())
            continue
        if len(present) == 1:
            # some replica has no batch starting here: divergent when another of its batches
            # covers this offset (different boundaries = different records), short otherwise
            for bid, b in have.items():
                if b is None:
                    cover = _covering(per[bid], base)
                    if cover is not None:
                        res["divergent"].append(
                            "%s offset %d: broker %s has %r, broker %s has %r"
                            % (name, base, _first(have), next(x for x in have.values() if x),
                               bid, cover))
            continue
        desc = "; ".join("broker %s: %r" % (bid, b) for bid, b in sorted(have.items()))
        res["divergent"].append("%s offset %d: replicas differ: %s" % (name, base, desc))
    return res


def _first(have):
    return next(bid for bid, b in sorted(have.items()) if b is not None)


def _covering(batches, offset):
    lo, hi = 0, len(batches)
    while lo < hi:
        mid = (lo + hi) // 2
        if batches[mid].last < offset:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(batches) and batches[lo].base <= offset <= batches[lo].last:
        return batches[lo]
    return None


def log_end(part_dir):
    """The replica's log end offset (last complete batch's last offset + 1; 0 when empty)."""
    bs = read_batches(part_dir)
    return bs[-1].last + 1 if bs else 0
