#!/usr/bin/python3
"""compare.py - do a benchmark's drivers agree, and with the generator?

Usage: compare.py [-v] EXPECT_COLUMN MANIFEST NAME=RESULTS...

MANIFEST is the corpus generator's TAB-separated list of cases (lines
starting with "#" are comments); column EXPECT_COLUMN (0-based) holds
the result the generator intended, the columns before it name the case.
Each RESULTS file holds one result a line, in manifest order, for the
first N cases (a driver that ran a subset has a shorter file).  Prints
one line:

  disagreements=N expected_mismatch=NAME:N,... compared=N

disagreements counts the cases on which the drivers that ran them did
not all return the same result; expected_mismatch counts, per driver,
results that differ from the intended one.  With -v the differing cases
go to stderr with every driver's result.
"""

import sys


def main():
    args = sys.argv[1:]
    verbose = bool(args) and args[0] == "-v"
    if verbose:
        args = args[1:]
    if len(args) < 3 or not args[0].isdigit():
        sys.exit(__doc__.split("\n\n")[1])
    col = int(args[0])
    with open(args[1]) as f:
        cases = [line.rstrip("\n").split("\t") for line in f
                 if line.strip() and not line.startswith("#")]
    drivers = []
    for a in args[2:]:
        name, _, path = a.partition("=")
        with open(path) as f:
            drivers.append((name, [line.strip() for line in f]))

    disagree = compared = 0
    mismatch = {name: 0 for name, _ in drivers}
    for i, c in enumerate(cases):
        got = [(name, res[i]) for name, res in drivers if i < len(res)]
        if not got:
            continue
        compared += 1
        for name, r in got:
            if r != c[col]:
                mismatch[name] += 1
        differ = len({r for _, r in got}) > 1
        disagree += differ
        if verbose and (differ or got[0][1] != c[col]):
            print("%s expected=%s %s" % (" ".join(c[:col]), c[col], " ".join(
                "%s=%s" % g for g in got)), file=sys.stderr)
    print("disagreements=%d expected_mismatch=%s compared=%d" % (
        disagree, ",".join("%s:%d" % (n, mismatch[n]) for n, _ in drivers),
        compared))


if __name__ == "__main__":
    main()
