#!/usr/bin/env python3
"""Criterion results across repetitions.

usage: criterion_table.py collect TARGET/criterion SINCE -> JSON {full_id: {median_ns, elements}} on stdout
       criterion_table.py table DIR                  -> markdown from DIR/<crate>-<rep>.json and
                                                        the "serialized session" lines of DIR/*.txt
Medians are criterion's median point estimates; the table gives the median over repetitions
with (min-max).
"""
import glob
import json
import os
import re
import statistics
import sys


def collect(root, since):
    out = {}
    for bj in glob.glob(os.path.join(root, "**", "new", "benchmark.json"), recursive=True):
        est = os.path.join(os.path.dirname(bj), "estimates.json")
        if not os.path.exists(est):
            continue
        b, e = json.load(open(bj)), json.load(open(est))
        # Only results written by the run that just finished (criterion keeps old ones).
        out[b["full_id"]] = {
            "median_ns": e["median"]["point_estimate"],
            "elements": (b.get("throughput") or {}).get("Elements"),
            "mtime": os.path.getmtime(est),
        }
    out = {k: v for k, v in out.items() if v["mtime"] >= float(since)}
    print(json.dumps(out, indent=1, sort_keys=True))


def human(ns):
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= f:
            return "%.3g %s" % (ns / f, unit)
    return "%.3g ns" % ns


def table(d):
    runs = {}
    for f in sorted(glob.glob(os.path.join(d, "*-[0-9]*.json"))):
        crate = re.sub(r"-\d+\.json$", "", os.path.basename(f))
        for k, v in json.load(open(f)).items():
            runs.setdefault((crate, k), []).append(v)
    print("| crate | benchmark | runs | median time (min–max) | per element / throughput |")
    print("|---|---|---:|---|---|")
    for (crate, k), vs in sorted(runs.items()):
        t = [v["median_ns"] for v in vs]
        m = statistics.median(t)
        el = vs[0]["elements"]
        per = ""
        if el:
            per = "%s per element; %.0f elements/s (%.0f–%.0f)" % (
                human(m / el), el * 1e9 / m, el * 1e9 / max(t), el * 1e9 / min(t))
        print("| %s | `%s` | %d | %s (%s–%s) | %s |" % (crate, k, len(vs), human(m), human(min(t)), human(max(t)), per))
    sizes = {}
    for f in glob.glob(os.path.join(d, "*.txt")):
        for line in open(f):
            mm = re.match(r"serialized session, (.*): (\d+) bytes", line.strip())
            if mm:
                sizes[mm.group(1)] = int(mm.group(2))
    if sizes:
        print()
        print("| serialized session (lumitalk-core bench output) | bytes |")
        print("|---|---:|")
        for k, v in sizes.items():
            print("| %s | %d |" % (k, v))


if __name__ == "__main__":
    if sys.argv[1] == "collect":
        collect(sys.argv[2], sys.argv[3])
    else:
        table(sys.argv[2])
