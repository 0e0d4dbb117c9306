#!/usr/bin/python3
"""vouch domain, the command: exit statuses, domain checking before any
query, the --json schema (issue 7's keys), --csv, output in argument order
with several jobs, and text that came from DNS never reaching the terminal
unescaped.

Usage: domain_cli.py VOUCH_BINARY SOURCE_DIR

The DNS data are the fixtures of tests/data/domain (one per finding code,
each naming in its header the codes the RFC makes it produce), merged into
one zone.  No expected value comes from running vouch.
"""
import csv
import io
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

from clitest import check, finish, skip

VOUCH, SRC = sys.argv[1], sys.argv[2]
FIXTURES = os.path.join(SRC, "tests", "data", "domain")
TMP = tempfile.mkdtemp(prefix="vouch-domain-cli-")
AREAS = ["spf", "dmarc", "dkim", "mx", "bimi", "mta-sts", "tls-rpt"]
SEVERITIES = ["error", "warning", "info"]
GRADES = ["ok", "info", "warning", "error"]


def run(*args, timeout=120):
    p = subprocess.run([VOUCH, "domain", *args], capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode(
        "latin-1")


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def header(text, key):
    m = re.search(r"^; %s:[ ]?(.*)$" % re.escape(key), text, re.M)
    return m.group(1).split() if m else []


# ---- the fixtures, merged ------------------------------------------------
fixtures = {}
zone = []
for name in sorted(os.listdir(FIXTURES)):
    if not name.endswith(".zone"):
        continue
    text = open(os.path.join(FIXTURES, name)).read()
    zone.append(text)
    # offline, one set of selectors for all: leave out the fixtures that
    # need a fetch, a probe or the test backend of test_audit.c
    if header(text, "fetch") or header(text, "probe") or \
            header(text, "join-strings"):
        continue
    fixtures[header(text, "domain")[0]] = (header(text, "expect"),
                                           header(text, "absent"))
ZONE = write("all.zone", "\n".join(zone))
SEL = "s1"

# ---- usage errors: exit 2, before any query ------------------------------
MISSING = os.path.join(TMP, "no-such.zone")
for bad in ["exa mple.test", "", "192.0.2.1", "a..b.test",
            "bad\x1b[2J.test"]:
    rc, out, err = run("good.test", bad, "--dns-zone", MISSING)
    # the zone file is never opened: the domain is refused first
    check("refused %r" % bad, rc == 2 and "is not a domain name" in err and
          "no-such" not in err and out == "", (rc, err))
    check("escaped %r" % bad, "\x1b" not in err, err)
for args, why in [([], "no domain"),
                  (["good.test", "--bogus"], "unknown option"),
                  (["good.test", "--jobs", "0"], "jobs 0"),
                  (["good.test", "--jobs", "65"], "jobs 65"),
                  (["good.test", "--json", "--csv"], "json and csv"),
                  (["good.test", "--selectors", "bad sel"], "selector"),
                  (["good.test", "--dns-zone", ZONE, "--dns-server",
                    "127.0.0.1"], "two DNS sources")]:
    rc, out, err = run(*args, "--dns-zone", MISSING) if "--dns-zone" not in \
        args else run(*args)
    check("usage: " + why, rc == 2 and out == "", (rc, err))
rc, out, err = run("--help")
check("--help", rc == 0 and "usage: vouch domain" in out, (rc, err))

# ---- runtime error: exit 1 -----------------------------------------------
rc, out, err = run("good.test", "--dns-zone", MISSING)
check("missing zone file: exit 1", rc == 1 and "no-such" in err, (rc, err))

# ---- every fixture, --json, with several jobs ----------------------------
domains = list(fixtures)
rc, out, err = run(*domains, "--dns-zone", ZONE, "--json", "--selectors",
                   SEL, "--no-probe", "--jobs", "8")
check("json run exit 0", rc == 0, err)
lines = out.splitlines()
check("one line per domain", len(lines) == len(domains),
      (len(lines), len(domains)))
objs = []
for line in lines:
    try:
        objs.append(json.loads(line))
    except ValueError:
        check("valid JSON", False, line[:200])
check("argument order", [o.get("domain") for o in objs] == domains,
      [o.get("domain") for o in objs][:5])


def check_node(name, n):
    for k in ["domain", "via", "record", "status", "dns_lookups",
              "void_lookups", "total_lookups", "children"]:
        check("%s: tree key %s" % (name, k), k in n, list(n))
    check(name + ": status", n.get("status") in
          ["ok", "none", "several", "syntax-error", "temperror", "loop",
           "limit"], n.get("status"))
    for c in n.get("children", []):
        check_node(name, c)


for o in objs:
    d = o.get("domain", "?")
    for k in ["domain", "grades", "findings", "spf", "dmarc", "dkim", "mx",
              "bimi", "mta_sts", "tls_rpt", "dns_queries"]:
        check("%s: key %s" % (d, k), k in o, list(o))
    check(d + ": grades", sorted(o.get("grades", {})) == sorted(AREAS) and
          all(g in GRADES for g in o.get("grades", {}).values()),
          o.get("grades"))
    for f in o.get("findings", []):
        check(d + ": finding keys", sorted(f) == sorted(
            ["area", "code", "severity", "message", "evidence", "fix"]), f)
        check(d + ": finding area", f.get("area") in AREAS and
              f.get("code", "").startswith(f.get("area") + "-"), f)
        check(d + ": severity", f.get("severity") in SEVERITIES, f)
    spf = o.get("spf", {})
    for k in ["record", "dns_lookups", "void_lookups", "tree"]:
        check("%s: spf.%s" % (d, k), k in spf, list(spf))
    if spf.get("tree"):
        check_node(d, spf["tree"])
        check(d + ": tree total", spf["tree"]["total_lookups"] ==
              spf["dns_lookups"] or spf["tree"]["status"] != "ok" or
              any(f["code"] == "spf-include-loop" for f in o["findings"]),
              spf)
    dm = o.get("dmarc", {})
    for k in ["record", "policy_domain", "policy", "subdomain_policy",
              "nonexistent_policy", "rfc7489_vs_rfc9989"]:
        check("%s: dmarc.%s" % (d, k), k in dm, list(dm))
    for x in dm.get("rfc7489_vs_rfc9989", []):
        check(d + ": diff keys", sorted(x) == ["aspect", "rfc7489",
                                              "rfc9989"], x)
    for x in o.get("dkim", []):
        for k in ["selector", "key_type", "key_bits", "testing"]:
            check("%s: dkim.%s" % (d, k), k in x, x)
    codes = [f.get("code") for f in o.get("findings", [])]
    want, absent = fixtures.get(d, ([], []))
    for c in want:
        check("%s: finding %s" % (d, c), c in codes, codes)
    for c in absent:
        check("%s: no finding %s" % (d, c), c not in codes, codes)
    # offline: the policy file is never fetched (--dns-zone)
    if o.get("mta_sts"):
        check(d + ": offline", "mta-sts-not-fetched" in codes or
              "mta-sts-syntax" in codes, codes)

# good.zone: every record right; RFC 8301 3.2 and openssl's key sizes
rc, out, err = run("good.test", "--dns-zone", ZONE, "--json", "--no-probe",
                   "--selectors", "s2048,ed")
check("good.test audited", rc == 0, err)
if rc == 0:
    g = json.loads(out)
    check("good: all ok", set(g["grades"].values()) == {"ok"} or
          g["grades"] == dict(g["grades"], **{"mta-sts": "info"}),
          g["grades"])
    check("good: dkim", [(k["selector"], k["key_type"], k["key_bits"],
                          k["testing"]) for k in g["dkim"]] ==
          [("s2048", "rsa", 2048, False), ("ed", "ed25519", 256, False)],
          g["dkim"])
    check("good: dmarc", g["dmarc"]["policy"] == "reject" and
          g["dmarc"]["policy_domain"] == "good.test" and
          g["dmarc"]["nonexistent_policy"] == "reject", g["dmarc"])

# ---- CSV -----------------------------------------------------------------
rc, out, err = run("good.test", "dmarc-p-none.test", "spf-plus-all.test",
                   "--dns-zone", ZONE, "--csv", "--no-probe")
rows = list(csv.reader(io.StringIO(out)))
check("csv exit 0", rc == 0, err)
check("csv header", rows and rows[0] == [
    "domain", "spf", "dmarc", "dkim", "mx", "bimi", "mta_sts", "tls_rpt",
    "errors", "warnings", "spf_lookups", "dmarc_policy"], rows[:1])
check("csv rows", [r[0] for r in rows[1:]] ==
      ["good.test", "dmarc-p-none.test", "spf-plus-all.test"], rows)
if len(rows) == 4:
    check("csv p=none", rows[2][11] == "none" and rows[2][2] == "warning",
          rows[2])
    check("csv +all", rows[3][1] == "error" and int(rows[3][8]) >= 1,
          rows[3])
    check("csv crlf", out.count("\r\n") == 4, repr(out[:80]))

# ---- hostile TXT: nothing raw reaches the terminal -----------------------
HOSTILE = write("hostile.zone",
                '$ORIGIN evil.test.\n@ 300 MX 10 mx\nmx 300 A 192.0.2.1\n'
                '@ 300 TXT "v=spf1 \\027]0;pwned\\007 \\027[2J -all"\n'
                '_dmarc 300 TXT "v=DMARC1; p=reject; x=\\027[31m\\013; '
                'rua=mailto:=cmd@evil.test"\n'
                '_smtp._tls 300 TXT "v=TLSRPTv1; rua=\\027[H\\128\\255"\n')
for fmt in ["--json", "--csv", None]:
    args = ["evil.test", "--dns-zone", HOSTILE, "--no-probe"]
    rc, out, err = run(*args, *([fmt] if fmt else []))
    bad = [c for c in out if ord(c) < 0x20 and c not in "\r\n"]
    check("hostile %s: exit 0" % fmt, rc == 0, err)
    check("hostile %s: no control bytes" % fmt, not bad, repr(out[:300]))
    if fmt is None:
        check("hostile text: \\x1b shown", "\\x1b]0;pwned\\x07" in out,
              out[:300])
    if fmt == "--json":
        j = json.loads(out)
        check("hostile json: record kept", "\x1b[2J" in j["spf"]["record"],
              j["spf"]["record"])

# ---- IDN -----------------------------------------------------------------
IDN = write("idn.zone", '$ORIGIN xn--bcher-kva.test.\n@ 300 MX 0 .\n'
            '@ 300 TXT "v=spf1 -all"\n')
rc, out, err = run("b\u00fccher.test", "--dns-zone", IDN, "--json",
                   "--no-probe")
check("idn", rc == 0 and json.loads(out or "{}").get("domain") ==
      "xn--bcher-kva.test", (rc, out, err))

# ---- the probe: said to be one -------------------------------------------
rc, out, err = run("good.test", "--dns-zone", ZONE)
check("probe note", rc == 0 and "a probe is not proof of absence" in out,
      (rc, err))
rc, out, err = run("good.test", "--dns-zone", ZONE, "--no-probe")
check("no probe", rc == 0 and "probe" not in out, out)

# ---- the MTA-STS fetch, over loopback ------------------------------------
# A Knot server (scripts/knot-ctl) holds test., the policy host resolves
# to 127.0.0.1, where an HTTPS server with a self-signed certificate
# listens on 443: libcurl must refuse it (RFC 8461 3.3: a valid
# certificate).  A policy host without an address fails before any
# connection.  Needs knotd, openssl and port 443 (CI runs as root).
KNOTCTL = os.path.join(SRC, "scripts", "knot-ctl")
KNOT_ZONE = """$ORIGIN test.
$TTL 300
@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@ NS ns.test.
ns A 127.0.0.1
$ORIGIN fetch.test.
@ MX 10 mx
mx A 127.0.0.1
@ TXT "v=spf1 mx -all"
_mta-sts TXT "v=STSv1; id=1"
mta-sts A 127.0.0.1
$ORIGIN noaddr.test.
@ MX 10 mx.fetch.test.
_mta-sts TXT "v=STSv1; id=1"
"""


def https_server():
    cert, key = os.path.join(TMP, "c.pem"), os.path.join(TMP, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=mta-sts.fetch.test"], check=True,
                   capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 443))
    sock.listen(8)

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as c:
                    c.recv(4096)
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: "
                              b"text/plain\r\nContent-Length: 0\r\n\r\n")
            except (OSError, ssl.SSLError):
                pass
    threading.Thread(target=serve, daemon=True).start()
    return sock


def fetch_cases():
    if not shutil.which("knotd") or not shutil.which("openssl"):
        skip("mta-sts fetch", "knotd or openssl missing")
        return
    try:
        sock = https_server()
    except (OSError, subprocess.CalledProcessError) as e:
        skip("mta-sts fetch", "no HTTPS server on 127.0.0.1:443: %s" % e)
        return
    kdir = os.path.join(TMP, "knot")
    try:
        port = subprocess.run([KNOTCTL, "start", kdir, "test.=" +
                               write("knot.zone", KNOT_ZONE)],
                              capture_output=True, text=True, check=True,
                              timeout=60).stdout.strip()
        rc, out, err = run("fetch.test", "noaddr.test", "--dns-server",
                           "127.0.0.1@" + port, "--dns-timeout", "2000",
                           "--json", "--no-probe")
        check("fetch: exit 0", rc == 0, err)
        js = [json.loads(x) for x in out.splitlines()]
        f = [x for j in js for x in j["findings"]
             if x["code"] == "mta-sts-fetch-failed"]
        check("fetch: both failed", len(f) == 2, js)
        if len(f) == 2:
            check("fetch: certificate refused",
                  "https://mta-sts.fetch.test/.well-known/mta-sts.txt" in
                  f[0]["message"] and "certificate" in f[0]["message"],
                  f[0])
            check("fetch: no address", "no address" in f[1]["message"],
                  f[1])
    except subprocess.CalledProcessError as e:
        skip("mta-sts fetch", "knot did not start: %s" % e.stderr)
    finally:
        subprocess.run([KNOTCTL, "stop", kdir], capture_output=True)
        sock.close()


fetch_cases()

shutil.rmtree(TMP)
finish()
