#!/usr/bin/python3
"""dmarc_interop.py - differential DMARC test: vouch's RFC 7489 mode against
Mail::DMARC::PurePerl over a real authoritative DNS server.

Usage: /usr/bin/python3 dmarc_interop.py --dmarc-tool PATH [--knot-ctl PATH]
           [--perl PATH] [--psl FILE] [--seed N] [--keep] [--verbose]

1. dmarc_gen.py writes a zone and a case list (From domain, SPF result and
   domain, DKIM d= and results, pct draw) into a temporary directory.
2. scripts/knot-ctl starts knot on loopback with that zone and prints the
   port; it is stopped whatever happens.
3. Mail::DMARC (Debian libmail-dmarc-perl, through maildmarc_tool.pl)
   evaluates every case, asking only that knotd.
4. vouch evaluates every case twice through dmarc_tool
   (vouch_dmarc_check(), RFC 7489 mode): from the zone file and over DNS
   from the same knotd.
5. Both read the same Public Suffix List file (--psl) and get the same pct
   draw, so every field is deterministic.  Per case these must agree:
   result; disposition; and, where each side found a policy record,
   policy_domain, the requested policy (p or sp as selected) and the
   alignment of each identifier; the organizational domain of the From
   domain always.  vouch-zone and vouch-dns must agree on all of them.
   A vouch/Mail::DMARC disagreement is accepted only when
   dmarc-maildmarc-known.tsv lists it with the RFC 7489 text that says
   Mail::DMARC deviates.

Ends with "N passed, N failed" (N = cases) and exits 1 on any unexplained
disagreement, 2 on a setup error.  Nothing but 127.0.0.1 is queried.
"""
import argparse
import concurrent.futures
import fnmatch
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from spf_pyspf import (Setup, knot_start, knot_stop,  # noqa: E402
                       load_known, on_signal)

KNOWN = os.path.join(HERE, "dmarc-maildmarc-known.tsv")
DEADLINE = 90           # seconds for the whole run; ctest's TIMEOUT is later
OUT = ["result", "requested", "disposition", "policy_domain", "org_domain",
       "alignment.spf", "alignment.dkim", "reason"]
CASE = ["id", "from", "spf", "spf_domain", "dkim", "draw", "expect",
        "expect_disposition"]


def read_tsv(path, cols):
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            v = line.rstrip("\n").split("\t")
            out[v[0]] = dict(zip(cols, v))
    return out


def run_tool(name, cmd, timeout=60):
    """Run one evaluator over all cases: id -> its output fields."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Setup("%s timed out after %d s" % (name, timeout))
    if p.returncode != 0:
        raise Setup("%s: exit %d: %s" % (name, p.returncode, p.stderr.decode(
            errors="replace").strip()[-2000:]))
    out = {}
    for line in p.stdout.decode().splitlines():
        v = line.split("\t")
        out[v[0]] = dict(zip(OUT, v[1:]))
    return out


# ---- comparison -----------------------------------------------------------


def has_policy(r):
    return r["result"] in ("pass", "fail") and r["policy_domain"] != "-"


def norm(r):
    r = dict(r)
    if r["disposition"] == "-":
        r["disposition"] = "none"   # vouch leaves it unset unless it failed
    return r


def differs(z, m):
    """The fields on which vouch (z) and Mail::DMARC (m) disagree."""
    z, m = norm(z), norm(m)
    fields = ["result", "disposition", "org_domain"]
    if has_policy(z) and has_policy(m):
        fields += ["policy_domain", "requested", "alignment.spf",
                   "alignment.dkim"]
    return [f for f in fields if z[f] != m[f]]


def match_known(known, cid, field, z, m):
    for k in known:
        if (k["field"] == field and fnmatch.fnmatchcase(cid, k["pattern"])
                and fnmatch.fnmatchcase(norm(z)[field], k["vouch"])
                and fnmatch.fnmatchcase(norm(m)[field], k["maildmarc"])):
            return k
    return None


def case_records(zone_lines, c):
    """The zone lines of c's names (cNNN.* and the shared www.ck ones)."""
    tag = c["id"].split(".")[1] + "."
    base = c["from"].split(tag, 1)[-1]
    return [l for l in zone_lines if tag in l.split(" ", 1)[0] or
            l.split(" ", 1)[0].rstrip(".").endswith("_dmarc." + base)]


def show(label, r):
    return "    %-10s %s %s/%s policy_domain=%s org=%s spf=%s dkim=%s\n" \
        "    %-10s %s" % (label, r["result"], r["requested"],
                          r["disposition"], r["policy_domain"],
                          r["org_domain"], r["alignment.spf"],
                          r["alignment.dkim"], "", r["reason"])


def compare(cases, md, vz, vd, known, zone_lines, verbose):
    passed = failed = excused = 0
    for cid, c in cases.items():
        m, z, d = md.get(cid), vz.get(cid), vd.get(cid)
        if m is None or z is None or d is None:
            raise Setup("case %s missing from an output" % cid)
        bad = [f for f in OUT[:-1] if norm(z)[f] != norm(d)[f]]
        bad = ["zone/dns:" + f for f in bad]
        ks = []
        for f in differs(z, m):
            k = match_known(known, cid, f, z, m)
            if k:
                ks.append(k)
            else:
                bad.append(f)
        if not bad:
            passed += 1
            for k in ks:
                k["used"] += 1
            excused += 1 if ks else 0
            if ks and verbose:
                print("known: %s: %s (RFC 7489 %s)" % (
                    cid, ", ".join(k["field"] for k in ks), ks[0]["section"]))
            continue
        failed += 1
        print("DISAGREE %s (%s): From %s, spf=%s %s, dkim=%s, draw=%s; "
              "the generator's RFC 7489 reading: %s/%s" % (
                  cid, ", ".join(bad), c["from"], c["spf"], c["spf_domain"],
                  c["dkim"], c["draw"], c["expect"],
                  c["expect_disposition"]))
        print(show("maildmarc", m))
        print(show("vouch-zone", z))
        print(show("vouch-dns", d))
        for line in case_records(zone_lines, c):
            print("    | " + line)
    stale = ["%s:%d (%s %s)" % (os.path.basename(KNOWN), k["line"],
                                k["pattern"], k["field"])
             for k in known if not k["used"]]
    if stale:
        print("warning: known differences that matched no case: " +
              ", ".join(stale))
    print("%d agreed outright, %d accepted as known Mail::DMARC deviations"
          % (passed - excused, excused))
    return passed, failed


# ---- main -----------------------------------------------------------------


def on_deadline(signum, frame):
    raise Setup("the run exceeded %d seconds" % DEADLINE)


class Session:
    """One run's temporary folder and the knotd serving the zone in it,
    under the run's deadline; all of it undone on exit, whatever
    happened (--keep keeps the folder)."""

    def __init__(self, a):
        self.a = a
        self.kdir = None

    def __enter__(self):
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGALRM, on_deadline)
        signal.alarm(DEADLINE)
        self.tmp = tempfile.mkdtemp(prefix="vouch-dmarc-interop-")
        return self

    def start_knot(self, zone):
        self.kdir = os.path.join(self.tmp, "knot")
        os.mkdir(self.kdir)
        return knot_start(self.a.knot_ctl, self.kdir, zone)

    def stop_knot(self):
        if self.kdir is not None:
            knot_stop(self.a.knot_ctl, self.kdir)
            self.kdir = None

    def __exit__(self, *exc):
        signal.alarm(0)
        self.stop_knot()
        if self.a.keep:
            print("kept %s" % self.tmp, file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def evaluate(a, zone, cases_path, port):
    tool = [a.dmarc_tool, "--psl", a.psl]
    jobs = {
        "vouch-zone": tool + ["--dns-zone", zone, cases_path],
        "vouch-dns": tool + ["--dns-server", "127.0.0.1@%d" % port,
                             cases_path],
        "maildmarc": [a.perl, os.path.join(HERE, "maildmarc_tool.pl"),
                      "--server", "127.0.0.1", "--port", str(port),
                      "--psl", a.psl, cases_path],
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        fut = {k: pool.submit(run_tool, k, v) for k, v in jobs.items()}
        return {k: f.result() for k, f in fut.items()}


def run(a, s):
    t0 = time.time()
    known = load_known(KNOWN)
    for k in known:             # spf_pyspf.py names the peer's column
        k["maildmarc"] = k.pop("pyspf")
    for exe in (a.dmarc_tool, a.knot_ctl, a.perl):
        if not os.access(exe, os.X_OK):
            raise Setup("cannot run %s" % exe)
    zone = os.path.join(s.tmp, "dmarc.zone")
    cases_path = os.path.join(s.tmp, "cases.tsv")
    if subprocess.run([sys.executable, os.path.join(HERE, "dmarc_gen.py"),
                       "--seed", str(a.seed), "--psl", a.psl, zone,
                       cases_path]).returncode != 0:
        raise Setup("dmarc_gen.py failed")
    cases = read_tsv(cases_path, CASE)
    with open(zone) as f:
        zone_lines = [l.rstrip("\n") for l in f
                      if l.strip() and not l.startswith((";", "$"))]
    out = evaluate(a, zone, cases_path, s.start_knot(zone))
    s.stop_knot()
    passed, failed = compare(cases, out["maildmarc"], out["vouch-zone"],
                             out["vouch-dns"], known, zone_lines, a.verbose)
    print("%d cases in %.1f s (seed %d)" % (len(cases), time.time() - t0,
                                            a.seed))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dmarc-tool", required=True)
    ap.add_argument("--knot-ctl", default=os.path.join(
        HERE, "..", "..", "scripts", "knot-ctl"))
    ap.add_argument("--perl", default="/usr/bin/perl")
    ap.add_argument("--psl",
                    default="/usr/share/publicsuffix/public_suffix_list.dat")
    ap.add_argument("--seed", type=int, default=7489)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()
    try:
        with Session(a) as s:
            return run(a, s)
    except Setup as x:
        print("dmarc_interop: %s" % x, file=sys.stderr)
    except KeyboardInterrupt as x:
        print("dmarc_interop: interrupted (%s)" % x, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
