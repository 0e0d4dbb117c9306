#!/usr/bin/python3
"""pyspf_bench.py - the bench/spf query list through pyspf (python3-spf).

Usage: pyspf_bench.py -s PORT -q QUERIES [-r RESULTS] [-n LIMIT]
                      [-p PASSES] [-l LABEL]

Evaluates the first LIMIT queries (default 2000: pyspf keeps no cache
between evaluations and asks DNS for every term, so the whole list takes
minutes) against the DNS server at 127.0.0.1:PORT, through whichever DNS
module pyspf picked (pydns on Debian without python3-dnspython).  A short
warm-up of 100 queries, then PASSES timed passes (default 1).  Prints
the same line as the C drivers (see spfq.h):

  LABEL evals=N secs=S rate=R unstable=U hist=pass:N,...
"""

import argparse
import sys
import time

import spf

RESULTS = ("none", "neutral", "pass", "fail", "softfail", "temperror",
           "permerror")


def use_server(port):
    """Point pyspf's DNS module at 127.0.0.1:port, and nothing else."""
    if spf.DNSLookup is spf.DNSLookup_pydns:
        import DNS
        DNS.defaults["server"] = ["127.0.0.1"]
        DNS.defaults["port"] = port
        DNS.defaults["server_rotate"] = 0
    else:
        import dns.resolver
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = port
        dns.resolver.default_resolver = r


def load(path, limit):
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            ip, mf, helo, exp = line.rstrip("\n").split("\t")
            out.append((ip, "" if mf == "<>" else mf, helo, exp))
            if limit and len(out) == limit:
                break
    return out


def evaluate(q):
    r = spf.query(i=q[0], s=q[1], h=q[2], receiver="bench.example",
                  querytime=20).check()[0]
    return r if r in RESULTS else "permerror"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", type=int, required=True, dest="port")
    ap.add_argument("-q", required=True, dest="queries")
    ap.add_argument("-r", dest="results")
    ap.add_argument("-n", type=int, default=2000, dest="limit")
    ap.add_argument("-p", type=int, default=1, dest="passes")
    ap.add_argument("-l", default="pyspf", dest="label")
    a = ap.parse_args()
    use_server(a.port)
    qs = load(a.queries, a.limit)
    if not qs:
        sys.exit("pyspf_bench: no queries")

    for q in qs[:100]:
        evaluate(q)
    first = None
    unstable = 0
    t0 = time.monotonic()
    for _ in range(a.passes):
        res = [evaluate(q) for q in qs]
        if first is None:
            first = res
        else:
            unstable += sum(1 for x, y in zip(first, res) if x != y)
    secs = time.monotonic() - t0
    evals = len(qs) * a.passes

    if a.results:
        with open(a.results, "w") as f:
            f.write("".join(r + "\n" for r in first))
    hist = ",".join("%s:%d" % (r, first.count(r)) for r in RESULTS
                    if first.count(r))
    print("%s evals=%d secs=%.3f rate=%.0f unstable=%d hist=%s" % (
        a.label, evals, secs, evals / secs if secs > 0 else 0, unstable,
        hist))


if __name__ == "__main__":
    main()
