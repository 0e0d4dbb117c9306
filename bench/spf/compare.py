#!/usr/bin/python3
"""compare.py - do the SPF benchmark drivers agree?

Usage: compare.py [-v] QUERIES NAME=RESULTS...

QUERIES is the generator's queries.txt; each RESULTS file holds one
result a line, in query order, for the first N queries (a driver that
ran a subset, like pyspf, has a shorter file).  Prints one line:

  disagreements=N expected_mismatch=NAME:N,... compared=N

disagreements counts the queries on which the drivers that evaluated
them did not all return the same result; expected_mismatch counts, per
driver, results that differ from the generator's EXPECTED column.  With
-v, the differing queries go to stderr, with every driver's result.
"""

import sys


def main():
    args = sys.argv[1:]
    verbose = bool(args) and args[0] == "-v"
    if verbose:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    with open(args[0]) as f:
        queries = [line.rstrip("\n").split("\t") for line in f
                   if line.strip() and not line.startswith("#")]
    drivers = []
    for a in args[1:]:
        name, _, path = a.partition("=")
        with open(path) as f:
            res = [line.strip() for line in f]
        drivers.append((name, res))

    disagree = 0
    compared = 0
    mismatch = {name: 0 for name, _ in drivers}
    for i, q in enumerate(queries):
        got = [(name, res[i]) for name, res in drivers if i < len(res)]
        if not got:
            continue
        compared += 1
        for name, r in got:
            if r != q[3]:
                mismatch[name] += 1
        if len({r for _, r in got}) > 1:
            disagree += 1
            if verbose:
                print("%s expected=%s %s" % (" ".join(q[:3]), q[3], " ".join(
                    "%s=%s" % g for g in got)), file=sys.stderr)
        elif verbose and got[0][1] != q[3]:
            print("%s expected=%s all=%s" % (" ".join(q[:3]), q[3],
                                             got[0][1]), file=sys.stderr)
    print("disagreements=%d expected_mismatch=%s compared=%d" % (
        disagree, ",".join("%s:%d" % (n, mismatch[n]) for n, _ in drivers),
        compared))


if __name__ == "__main__":
    main()
