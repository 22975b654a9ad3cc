#!/usr/bin/env python3
"""Per-session memory from memtest.sh logs (MEMRESULT lines), median and (min-max).

usage: memtable.py DIR CONFIG...   (reads DIR/CONFIG-<rep>.log)
"""
import glob
import re
import statistics
import sys


def main():
    d = sys.argv[1]
    print("| config | runs | bytes per session, median (min–max) | RSS before MB | RSS after MB | growth MB |")
    print("|---|---:|---|---:|---:|---:|")
    for cfg in sys.argv[2:]:
        res = []
        for f in sorted(glob.glob("%s/%s-[0-9]*.log" % (d, cfg))):
            for line in open(f):
                if line.startswith("MEMRESULT"):
                    res.append(dict(kv.split("=") for kv in line.split()[1:]))
        if not res:
            continue
        b = [float(r["bytes_per_session"]) for r in res]
        m = lambda k: statistics.median(float(r[k]) for r in res)
        print("| %s | %d | %.0f (%.0f–%.0f) | %.1f | %.1f | %.1f |" % (
            cfg, len(res), statistics.median(b), min(b), max(b),
            m("rss_before_mb"), m("rss_after_mb"), m("growth_mb")))


if __name__ == "__main__":
    main()
