#!/usr/bin/env python3
"""Turn-log analysis for the provider stand-in runs (stdlib only).

Turn log (loadgen --turn-log): scenario variant call step route start_us end_us latency_us status
Provider log (standins GET /log): provider start_us end_us      (both clocks: Unix epoch, µs)

usage:
  turns.py calibrate TURNLOG PROVLOG OUT.json   one caller at a time: attribute every provider
      request to the turn whose window holds it; per kind of turn (scenario, variant, step):
      the provider calls made, whether independent ones overlapped, the critical path
      (time at least one provider request was open) and our overhead (latency - critical path).
  turns.py excess CP.json TURNLOG...            many callers: latency - the calibrated critical
      path of the same kind of turn, per run; medians over runs with (min-max).
  turns.py routes TURNLOG...                    latency percentiles per route, per run.
  turns.py greeting TURNLOG...                  first-greeting latency (files c-greet-<cache>-<rep>.tsv).

excess and routes take --skip-s S (default 0): leave out turns sent in the first S seconds of
each run, when every caller opens its connection at once (the steady state, as the anchor's
windows.py reports it).
"""
import json
import os
import re
import statistics
import sys
from collections import OrderedDict


SKIP_S = 0.0


def read_turns(path, skip=False):
    out = []
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 9:
            continue
        out.append({"scenario": f[0], "variant": f[1], "call": int(f[2]), "step": int(f[3]),
                    "route": f[4], "start": int(f[5]), "end": int(f[6]), "lat": int(f[7]) / 1000.0,
                    "status": int(f[8])})
    if skip and SKIP_S > 0 and out:
        t0 = min(t["start"] for t in out)
        out = [t for t in out if t["start"] >= t0 + SKIP_S * 1e6]
    return out


def key(t):
    return "%s/%s/%d" % (t["scenario"], t["variant"], t["step"])


def pct(vals, q):
    v = sorted(vals)
    return v[int(round((len(v) - 1) * q))] if v else float("nan")


def spread(vals, d=1):
    return "%.*f (%.*f–%.*f)" % (d, statistics.median(vals), d, min(vals), d, max(vals))


def union_ms(iv):
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(iv):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total / 1000.0


def pattern(calls):
    """'openai+shopify > elevenlabs': calls that started before any call of the current
    stage finished run concurrently with it."""
    stages = []
    for name, s, e in sorted(calls, key=lambda c: c[1]):
        if stages and s < min(c[2] for c in stages[-1]):
            stages[-1].append((name, s, e))
        else:
            stages.append([(name, s, e)])

    def stage(st):
        names = sorted(c[0] for c in st)
        return "+".join("%s×%d" % (n, names.count(n)) if names.count(n) > 1 else n
                        for n in sorted(set(names)))
    return " > ".join(stage(st) for st in stages) or "(none)"


def calibrate(turn_path, prov_path, out_json):
    turns = sorted(read_turns(turn_path), key=lambda t: t["start"])
    prov = []
    for line in open(prov_path):
        f = line.split()
        if len(f) == 3:
            prov.append((f[0], int(f[1]), int(f[2])))
    for t in turns:
        t["calls"] = []
    unattributed = 0
    for p in prov:
        hit = [t for t in turns if t["start"] <= p[1] and p[2] <= t["end"]]
        if len(hit) == 1:
            hit[0]["calls"].append(p)
        else:
            unattributed += 1
    kinds = OrderedDict()
    for t in turns:
        cp = union_ms([(c[1], c[2]) for c in t["calls"]])
        total = sum(c[2] - c[1] for c in t["calls"]) / 1000.0
        k = kinds.setdefault(key(t), {"route": t["route"], "cp": [], "sum": [], "lat": [], "patterns": set()})
        k["cp"].append(cp)
        k["sum"].append(total)
        k["lat"].append(t["lat"])
        k["patterns"].add(pattern(t["calls"]))
    out = {}
    print("One caller at a time: %d turns, %d provider requests (%d not inside exactly one turn)."
          % (len(turns), len(prov), unattributed))
    print()
    print("| turn (scenario/order/step) | route | n | provider calls (a+b: concurrent, >: after) "
          "| critical path ms | provider time ms (sum) | overlap saved ms | latency ms (median) | overhead ms median / max |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|")
    overheads = []
    for k in sorted(kinds):
        v = kinds[k]
        cp, sm, lat = statistics.median(v["cp"]), statistics.median(v["sum"]), statistics.median(v["lat"])
        over = [l - c for l, c in zip(v["lat"], v["cp"])]
        overheads += over
        out[k] = {"cp_ms": cp, "cp_min": min(v["cp"]), "cp_max": max(v["cp"]), "n": len(v["cp"]),
                  "pattern": " | ".join(sorted(v["patterns"]))}
        print("| %s | %s | %d | %s | %.1f%s | %.1f | %.1f | %.1f | %.2f / %.2f |" % (
            k, v["route"], len(v["cp"]), " \\| ".join(sorted(v["patterns"])), cp,
            "" if max(v["cp"]) - min(v["cp"]) < 2 else " (%.0f–%.0f)" % (min(v["cp"]), max(v["cp"])),
            sm, sm - cp, lat, statistics.median(over), max(over)))
    print()
    print("Overhead over the critical path, all %d turns: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f."
          % (len(overheads), pct(overheads, .5), pct(overheads, .9), pct(overheads, .99), max(overheads)))
    json.dump(out, open(out_json, "w"), indent=1, sort_keys=True)


def excess(cp_json, paths):
    cps = json.load(open(cp_json))
    runs = []
    for p in paths:
        turns = read_turns(p, skip=True)
        ex, lat, cpl, missing = [], [], [], 0
        for t in turns:
            c = cps.get(key(t))
            if c is None:
                missing += 1
                continue
            ex.append(t["lat"] - c["cp_ms"])
            lat.append(t["lat"])
            cpl.append(c["cp_ms"])
        runs.append({"file": os.path.basename(p), "n": len(ex), "missing": missing,
                     "lat_p50": pct(lat, .5), "lat_p99": pct(lat, .99), "cp_p99": pct(cpl, .99),
                     "ex_p50": pct(ex, .5), "ex_p90": pct(ex, .9), "ex_p99": pct(ex, .99),
                     "ex_max": max(ex) if ex else float("nan")})
    print("| run | turns | not calibrated | latency p50 / p99 ms | critical path p99 ms "
          "| excess over critical path p50 / p90 / p99 / max ms |")
    print("|---|---:|---:|---|---:|---|")
    for r in runs:
        print("| %s | %d | %d | %.1f / %.1f | %.1f | %.2f / %.2f / %.2f / %.1f |" % (
            r["file"], r["n"], r["missing"], r["lat_p50"], r["lat_p99"], r["cp_p99"],
            r["ex_p50"], r["ex_p90"], r["ex_p99"], r["ex_max"]))
    if len(runs) > 1:
        g = lambda k: [r[k] for r in runs]
        print("| **median (min–max)** | | | %s / %s | %s | %s / %s / %s / %s |" % (
            spread(g("lat_p50")), spread(g("lat_p99")), spread(g("cp_p99")),
            spread(g("ex_p50"), 2), spread(g("ex_p90"), 2), spread(g("ex_p99"), 2), spread(g("ex_max"))))


def routes(paths):
    per = OrderedDict()
    for p in paths:
        turns = read_turns(p, skip=True)
        groups = {"all": [t["lat"] for t in turns]}
        for t in turns:
            groups.setdefault(t["route"], []).append(t["lat"])
        for r, v in groups.items():
            per.setdefault(r, []).append((len(v), pct(v, .5), pct(v, .9), pct(v, .99), max(v)))
    print("| route | runs | turns per run | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---:|---:|---|---|---|---|")
    for r, rs in sorted(per.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        col = lambda i: [x[i] for x in rs]
        print("| %s | %d | %d | %s | %s | %s | %s |" % (
            r, len(rs), statistics.median(col(0)), spread(col(1), 2), spread(col(2), 2),
            spread(col(3), 2), spread(col(4), 1)))


def greeting(paths):
    by = OrderedDict()
    for p in sorted(paths):
        m = re.search(r"greet-(\w+)-(\d+)\.tsv$", p)
        if not m:
            continue
        turns = [t for t in read_turns(p) if t["step"] == 0]
        if not turns:
            continue
        first = min(turns, key=lambda t: t["start"])
        later = [t["lat"] for t in turns if t is not first]
        by.setdefault(m.group(1), []).append((first["lat"], statistics.median(later) if later else float("nan")))
    print("| speech cache | runs | first call's greeting ms, median (min–max) | later calls' greetings ms |")
    print("|---|---:|---|---|")
    for cache, rs in by.items():
        print("| %s | %d | %s | %s |" % (cache, len(rs), spread([r[0] for r in rs]), spread([r[1] for r in rs])))


if __name__ == "__main__":
    if "--skip-s" in sys.argv:
        i = sys.argv.index("--skip-s")
        SKIP_S = float(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    cmd = sys.argv[1]
    if cmd == "calibrate":
        calibrate(*sys.argv[2:5])
    elif cmd == "excess":
        excess(sys.argv[2], sys.argv[3:])
    elif cmd == "routes":
        routes(sys.argv[2:])
    elif cmd == "greeting":
        greeting(sys.argv[2:])
    else:
        sys.exit(__doc__)
