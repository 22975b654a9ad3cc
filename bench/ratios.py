#!/usr/bin/env python3
"""Server CPU per request and ratios, from the anchor's bench.sh rows (raw.tsv).

usage: ratios.py raw.tsv  -> markdown on stdout

CPU per request = server CPU (utime+stime of its process tree) / requests served, per run;
medians over repetitions with (min-max). Ratios compare medians: Python's CPU per request
over ours (higher is better for us) and our req/s over Python's, per connection count.
"""
import csv
import statistics
import sys
from collections import OrderedDict


def main():
    rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
    groups = OrderedDict()
    for r in rows:
        groups.setdefault((r["label"], int(r["conns"])), []).append(r)

    def us(r):
        return float(r["server_cpu_cores"]) * 1e6 / float(r["rps"])

    med = {}
    print("| config | conns | runs | server CPU µs per request, median (min–max) | req/s median | server CPU cores |")
    print("|---|---:|---:|---|---:|---:|")
    for (label, conns), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        v = [us(r) for r in rs]
        rps = statistics.median(float(r["rps"]) for r in rs)
        cores = statistics.median(float(r["server_cpu_cores"]) for r in rs)
        med[(label, conns)] = (statistics.median(v), rps)
        print("| %s | %d | %d | %.0f (%.0f–%.0f) | %.0f | %.2f |" % (
            label, conns, len(rs), statistics.median(v), min(v), max(v), rps, cores))
    ours = sorted({l for l, _ in med if not l.startswith("py")})
    theirs = sorted({l for l, _ in med if l.startswith("py")})
    if not ours or not theirs:
        return
    print()
    print("| ours vs reference | conns | CPU per request: reference / ours | req/s: ours / reference |")
    print("|---|---:|---:|---:|")
    for o in ours:
        for t in theirs:
            for conns in sorted({c for _, c in med}):
                if (o, conns) in med and (t, conns) in med:
                    (ou, orps), (tu, trps) = med[(o, conns)], med[(t, conns)]
                    print("| %s vs %s | %d | %.1fx | %.1fx |" % (o, t, conns, tu / ou, orps / trps))


if __name__ == "__main__":
    main()
