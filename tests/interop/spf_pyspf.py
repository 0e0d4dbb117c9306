#!/usr/bin/python3
"""spf_pyspf.py - differential SPF test: vouch against pyspf over a real
authoritative DNS server.

Usage: /usr/bin/python3 spf_pyspf.py --vouch PATH [--knot-ctl PATH]
           [--seed N] [--parent NAME] [--port PORT] [--zone-only] [--keep]
           [--verbose]

1. spf_gen.py writes a zone and a query list into a temporary directory.
2. scripts/knot-ctl starts knot on loopback with that zone ("." is its
   origin) and prints the port; it is stopped whatever happens.
3. pyspf (Debian python3-spf, with dnspython pointed at 127.0.0.1:PORT)
   evaluates every query in this process.
4. vouch evaluates every query twice: from the zone file (--dns-zone) and
   over DNS (--dns-server 127.0.0.1@PORT).
5. Per query the three results must agree (and, for a fail where the
   scenario published a usable exp=, the explanations).  vouch-zone and
   vouch-dns must always agree.  A vouch/pyspf disagreement is accepted only
   when spf-pyspf-known.tsv lists it with the RFC 7208 text that says
   pyspf deviates.

Ends with "N passed, N failed" (N = queries) and exits 1 on any
unexplained disagreement, 2 on a setup error.  For debugging: --port uses
a server that is already running instead of knot-ctl, --zone-only skips
vouch over DNS (and so never passes), --keep keeps the temporary
directory.  Nothing but 127.0.0.1 is queried.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN = os.path.join(HERE, "spf-pyspf-known.tsv")
DEADLINE = 100          # seconds for the whole run; ctest's TIMEOUT is later


class Setup(Exception):
    pass


def load_queries(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            qid, ip, mf, helo, check, expect = line.rstrip("\n").split("\t")
            out.append(dict(id=qid, ip=ip, mail_from=mf, helo=helo,
                            check=check, expect=expect))
    return out


def load_known(path):
    """id-pattern, field, vouch, pyspf, section, reason (tab separated)."""
    known = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 6 or not all(c.strip() for c in cols):
                raise Setup("%s:%d: want 6 non-empty tab-separated columns"
                            % (path, n))
            known.append(dict(pattern=cols[0], field=cols[1],
                              vouch=cols[2], pyspf=cols[3],
                              section=cols[4], reason=cols[5], used=0,
                              line=n))
    return known


# ---- pyspf ----------------------------------------------------------------


def run_pyspf(queries, port):
    import dns.resolver
    import spf

    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port
    res.timeout = 2.0
    res.lifetime = 5.0
    dns.resolver.default_resolver = res
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    out = {}
    for q in queries:
        try:
            r, exp = spf.check2(i=q["ip"], s=q["mail_from"], h=q["helo"],
                                timeout=5, querytime=20)
            out[q["id"]] = dict(result=r, explanation=exp, error=None)
        except Exception as x:     # pyspf let something escape
            out[q["id"]] = dict(result="exception",
                                explanation="",
                                error="%s: %s" % (type(x).__name__, x))
    return out


# ---- vouch ----------------------------------------------------------------


def run_vouch_one(vouch, dns_args, q):
    cmd = [vouch, "spf"] + dns_args + ["--ip", q["ip"], "--mail-from",
                                       q["mail_from"], "--helo", q["helo"],
                                       "--json"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return dict(result="exception", explanation="",
                    error="timed out after 30 s")
    if p.returncode != 0:
        return dict(result="exception", explanation="",
                    error="exit %d: %s" % (p.returncode,
                                           p.stderr.decode(errors="replace")
                                           .strip()))
    try:
        j = json.loads(p.stdout)
    except ValueError:
        return dict(result="exception", explanation="",
                    error="bad JSON: %r" % p.stdout[:200])
    return dict(result=j.get("result"), explanation=j.get("explanation"),
                error=j.get("error"))


def run_vouch(pool, vouch, dns_args, queries):
    return {q["id"]: pool.submit(run_vouch_one, vouch, dns_args, q)
            for q in queries}


# ---- knot -----------------------------------------------------------------


def knot_start(knot_ctl, kdir, zone):
    p = subprocess.run([knot_ctl, "start", kdir, ".=" + zone],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise Setup("knot-ctl start failed (exit %d): %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip()))
    m = re.search(r"(\d+)\s*$", p.stdout.decode())
    if not m:
        raise Setup("knot-ctl start printed no port: %r" % p.stdout)
    return int(m.group(1))


def knot_stop(knot_ctl, kdir):
    subprocess.run([knot_ctl, "stop", kdir], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30,
                   stdin=subprocess.DEVNULL)


# ---- comparison -----------------------------------------------------------


MARKER = "MUST-NOT-SHOW"


def differs(q, p, z, d):
    """The first field on which the three answers disagree, or None.
    result always; the explanation of a fail where the scenario's exp=
    applies; for an exp= that must not apply, whether its text shows
    (and vouch showing it is wrong even if all three agree)."""
    trio = (p, z, d)
    for r in trio:
        r["exp_marker"] = ("shown" if MARKER in (r["explanation"] or "")
                           else "hidden")
    if len({r["result"] for r in trio}) > 1:
        return "result"
    if (q["check"] == "exp" and z["result"] == "fail" and
            len({r["explanation"] for r in trio}) > 1):
        return "explanation"
    if q["check"] == "absent" and (
            len({r["exp_marker"] for r in trio}) > 1 or
            z["exp_marker"] == "shown"):
        return "exp_marker"
    return None


def match_known(known, q, field, z, p):
    for k in known:
        if (k["field"] == field and fnmatch.fnmatchcase(q["id"], k["pattern"])
                and fnmatch.fnmatchcase(str(z[field]), k["vouch"])
                and fnmatch.fnmatchcase(str(p[field]), k["pyspf"])):
            return k
    return None


def scenario_records(zone_lines, qid, parent):
    scn = qid.split(".")[1]
    base = "%s.%s." % (scn, parent)
    tld = "interoptld" + scn[1:] + "."
    return [l for l in zone_lines
            if base in l.split(" ", 1)[0] or base in l.split(" ")[-1]
            or l.startswith(tld)]


def show(label, r):
    s = "    %-11s %s" % (label, r["result"])
    if r.get("error"):
        s += "  error: %s" % r["error"]
    if r.get("explanation"):
        s += "\n    %-11s explanation: %r" % ("", r["explanation"])
    return s


def compare(queries, py, vz, vd, known, zone_lines, parent, verbose):
    passed = failed = excused = 0
    notes = []
    for q in queries:
        p, z, d = py[q["id"]], vz[q["id"]], vd[q["id"]]
        field = differs(q, p, z, d)
        if q["expect"] and z["result"] != q["expect"]:
            notes.append("note: %s: vouch says %s, the scenario's author "
                         "expected %s (pyspf %s)" % (q["id"], z["result"],
                                                    q["expect"],
                                                    p["result"]))
        if field is None:
            passed += 1
            continue
        k = None
        if z[field] == d[field]:
            k = match_known(known, q, field, z, p)
        if k:
            k["used"] += 1
            excused += 1
            passed += 1
            if verbose:
                print("known: %s: %s vouch=%s pyspf=%s (RFC 7208 %s)" % (
                    q["id"], field, z[field], p[field], k["section"]))
            continue
        failed += 1
        print("DISAGREE %s (%s): ip=%s mail_from=<%s> helo=%s" % (
            q["id"], field, q["ip"], q["mail_from"], q["helo"]))
        print(show("pyspf", p))
        print(show("vouch-zone", z))
        print(show("vouch-dns", d))
        for line in scenario_records(zone_lines, q["id"], parent):
            print("    | " + line)
    for n in notes:
        if verbose:
            print(n)
    for k in known:
        if not k["used"]:
            print("warning: %s:%d matched no query: %s %s" % (
                os.path.basename(KNOWN), k["line"], k["pattern"],
                k["field"]))
    print("%d agreed outright, %d accepted as known pyspf deviations, "
          "%d notes" % (passed - excused, excused, len(notes)))
    return passed, failed


# ---- main -----------------------------------------------------------------


def on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def on_deadline(signum, frame):
    raise Setup("the run exceeded %d seconds" % DEADLINE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vouch", required=True)
    ap.add_argument("--knot-ctl",
                    default=os.path.join(HERE, "..", "..", "scripts",
                                         "knot-ctl"))
    ap.add_argument("--seed", type=int, default=7208)
    ap.add_argument("--parent", default="interop.test")
    ap.add_argument("--port", type=int)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--zone-only", action="store_true",
                    help="skip vouch over DNS (debugging; never passes)")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(DEADLINE)
    tmp = tempfile.mkdtemp(prefix="vouch-interop-")
    kdir = os.path.join(tmp, "knot")
    started = False
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    t0 = time.time()
    try:
        known = load_known(KNOWN)
        zone = os.path.join(tmp, "interop.zone")
        qfile = os.path.join(tmp, "queries.tsv")
        gen = subprocess.run([sys.executable, os.path.join(HERE,
                                                           "spf_gen.py"),
                              "--seed", str(a.seed), "--parent", a.parent,
                              zone, qfile])
        if gen.returncode != 0:
            raise Setup("spf_gen.py failed")
        queries = load_queries(qfile)
        with open(zone) as f:
            zone_lines = [l.rstrip("\n") for l in f
                          if l.strip() and not l.startswith((";", "$"))]
        if not os.access(a.vouch, os.X_OK):
            raise Setup("no vouch binary at %s" % a.vouch)
        # vouch from the zone file needs no server: start it first
        fz = run_vouch(pool, a.vouch, ["--dns-zone", zone], queries)
        port = a.port
        if port is None:
            if not os.access(a.knot_ctl, os.X_OK):
                raise Setup("no knot-ctl at %s" % a.knot_ctl)
            os.mkdir(kdir)
            started = True
            port = knot_start(a.knot_ctl, kdir, zone)
        server = "127.0.0.1@%d" % port
        fd = fz if a.zone_only else run_vouch(
            pool, a.vouch, ["--dns-server", server, "--dns-timeout", "5000"],
            queries)
        py = run_pyspf(queries, port)
        vz = {k: f.result() for k, f in fz.items()}
        vd = {k: f.result() for k, f in fd.items()}
        if started:
            knot_stop(a.knot_ctl, kdir)
            started = False
        passed, failed = compare(queries, py, vz, vd, known, zone_lines,
                                 a.parent.strip(".").lower(), a.verbose)
        print("%d queries in %.1f s (seed %d)" % (len(queries),
                                                  time.time() - t0, a.seed))
        print("%d passed, %d failed" % (passed, failed))
        if a.zone_only:
            print("spf_pyspf: --zone-only: vouch over DNS was not run",
                  file=sys.stderr)
            return 1
        return 1 if failed else 0
    except Setup as x:
        print("spf_pyspf: %s" % x, file=sys.stderr)
        return 2
    except KeyboardInterrupt as x:
        print("spf_pyspf: interrupted (%s)" % x, file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
        pool.shutdown(wait=True, cancel_futures=True)
        if started:
            knot_stop(a.knot_ctl, kdir)
        if a.keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
