#!/usr/bin/env python3
"""Medians and (min-max) spreads of loadgen --json reports, one row per config.

usage: loadgen_table.py DIR CONFIG...   (reads DIR/CONFIG-<rep>.json)
"""
import glob
import json
import statistics
import sys


def fmt(vals, digits=1):
    return "%.*f (%.*f–%.*f)" % (digits, statistics.median(vals), digits, min(vals), digits, max(vals))


def main():
    d = sys.argv[1]
    print("| config | runs | turns/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU µs/turn "
          "| loadgen CPU % of a core | server peak RSS MiB | other load, cores (max) |")
    print("|---|---:|---|---|---|---|---|---:|---|---:|---:|---:|")
    for cfg in sys.argv[2:]:
        reps = [json.load(open(f)) for f in sorted(glob.glob("%s/%s-[0-9]*.json" % (d, cfg)))]
        reps = [r for r in reps if r.get("turns")]
        if not reps:
            continue
        lat = lambda k: [r["turn_latency_ms"][k] for r in reps]
        errors = sum(sum(r["errors"].values()) for r in reps)
        print("| %s | %d | %s | %s | %s | %s | %s | %d | %s | %.0f | %.1f | %.2f |" % (
            cfg, len(reps), fmt([r["turns_per_second"] for r in reps], 0),
            fmt(lat("p50"), 2), fmt(lat("p90"), 2), fmt(lat("p99"), 2), fmt(lat("max"), 1), errors,
            fmt([r["server_cpu_us_per_turn"] or 0 for r in reps], 0),
            statistics.median(r["loadgen_cpu_percent"] for r in reps),
            max((r["server_peak_rss_kib"] or 0) for r in reps) / 1024,
            max(r.get("other_load_cores", 0) for r in reps)))


if __name__ == "__main__":
    main()
