#!/usr/bin/env python3
"""Where the server's CPU goes, from a `perf record -e cpu-clock` file.

usage: profile_table.py perf.data  -> markdown on stdout (threads, categories, top symbols)
"""
import re
import subprocess
import sys
from collections import OrderedDict

CATEGORIES = [
    ("HashMap::retain (session-store sweep)", lambda c, d, s: "HashMap" in s and "retain" in s),
    ("SQLite (call records), user space", lambda c, d, s: c.startswith("lumitalk-sqlit") and d != "[kernel.kallsyms]"),
    ("kernel, SQLite thread (write/fsync)", lambda c, d, s: c.startswith("lumitalk-sqlit")),
    ("malloc / free (glibc)", lambda c, d, s: re.search(r"malloc|free|_int_|unlink_chunk|realloc|tcache", s) is not None),
    ("kernel, tokio workers (network, wakeups, scheduling)", lambda c, d, s: d == "[kernel.kallsyms]"),
    ("Twilio: form parse, signature, TwiML", lambda c, d, s: re.search(r"lumitalk_twilio|sha1|hmac|form_urlencoded|percent_encoding|base64", s) is not None),
    ("conversation + assistant + keyword classifier", lambda c, d, s: "lumitalk_core" in s),
    ("serde / JSON", lambda c, d, s: "serde" in s),
    ("HTTP stack (hyper, axum, tower, tokio, mio)", lambda c, d, s: re.search(r"hyper|axum|tower|tokio|mio|http::|bytes::|futures", s) is not None),
    ("libc other (memcpy, locks, ...)", lambda c, d, s: d.startswith("libc")),
    ("other", lambda c, d, s: True),
]


def main():
    out = subprocess.run(
        ["perf", "report", "-i", sys.argv[1], "--no-children", "--sort", "comm,dso,sym", "-g", "none",
         "--stdio", "--percent-limit", "0"],
        capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(\S+)\s+\[[.k]\]\s+(.*)$", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()))
    total = sum(r[0] for r in rows) or 1
    threads, cats = OrderedDict(), OrderedDict((n, 0.0) for n, _ in CATEGORIES)
    for pct, comm, dso, sym in rows:
        t = "lumitalk-sqlite" if comm.startswith("lumitalk-sqlit") else comm
        threads[t] = threads.get(t, 0) + pct
        for name, match in CATEGORIES:
            if match(comm, dso, sym):
                cats[name] += pct
                break
    samples = re.search(r"# Samples: (\S+)", out)
    print("perf record -e cpu-clock (software timer sampling; hardware counters are not available "
          "in this VM), %s samples." % (samples.group(1) if samples else "?"))
    print()
    print("| thread | % of server CPU |")
    print("|---|---:|")
    for t, p in sorted(threads.items(), key=lambda kv: -kv[1]):
        if p >= 0.5:
            print("| %s | %.1f |" % (t, 100 * p / total))
    print()
    print("| category | % of server CPU |")
    print("|---|---:|")
    for n, p in cats.items():
        if p > 0:
            print("| %s | %.1f |" % (n, 100 * p / total))
    print()
    print("| % | thread | object | symbol |")
    print("|---:|---|---|---|")
    for pct, comm, dso, sym in sorted(rows, key=lambda r: -r[0])[:30]:
        sym = sym if len(sym) < 110 else sym[:107] + "..."
        print("| %.2f | %s | %s | `%s` |" % (100 * pct / total, comm, dso, sym.replace("|", "\\|")))


if __name__ == "__main__":
    main()
