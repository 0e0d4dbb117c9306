#!/usr/bin/python3
"""vouch generate spf|dmarc: round trips and refusals.

Usage: generate_cli.py VOUCH_BINARY SOURCE_DIR

Each generated record is put in a zone beside the include tree written
below and audited with `vouch domain --dns-zone ... --json`: it must come
back with no error finding, the expected policies, and the DNS-lookup
count worked out by hand from that zone (RFC 7208 4.6.4: include, a, mx,
ptr, exists and redirect count, at every level; ip4, ip6 and all do not).
No expected value comes from running vouch.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from clitest import check, finish

VOUCH, SRC = sys.argv[1], sys.argv[2]
SENDERS = os.path.join(SRC, "data", "senders.conf")
TMP = tempfile.mkdtemp(prefix="vouch-generate-cli-")
D = "gen.test"

# The include tree.  Cost of "include:X" = 1 + the terms below X.
BASE = """\
gen.test.             300 IN A   192.0.2.10
gen.test.             300 IN MX  10 mx.gen.test.
mx.gen.test.          300 IN A   192.0.2.11
; include:_spf.one.test costs 1
_spf.one.test.        300 IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
; include:_spf.two.test costs 3 (itself and two includes)
_spf.two.test.        300 IN TXT "v=spf1 include:_a.two.test include:_b.two.test ~all"
_a.two.test.          300 IN TXT "v=spf1 ip4:203.0.113.0/25 -all"
_b.two.test.          300 IN TXT "v=spf1 ip6:2001:db8:2::/48 -all"
; include:_spf.mxy.test costs 3 (itself, mx, a)
_spf.mxy.test.        300 IN TXT "v=spf1 mx a -all"
_spf.mxy.test.        300 IN MX  10 out.mxy.test.
_spf.mxy.test.        300 IN A   203.0.113.200
out.mxy.test.         300 IN A   203.0.113.201
; include:_spf.big.test costs 6 (itself and five includes)
_spf.big.test.        300 IN TXT "v=spf1 include:_1.big.test include:_2.big.test include:_3.big.test include:_4.big.test include:_5.big.test -all"
_1.big.test.          300 IN TXT "v=spf1 ip4:192.0.2.101 -all"
_2.big.test.          300 IN TXT "v=spf1 ip4:192.0.2.102 -all"
_3.big.test.          300 IN TXT "v=spf1 ip4:192.0.2.103 -all"
_4.big.test.          300 IN TXT "v=spf1 ip4:192.0.2.104 -all"
_5.big.test.          300 IN TXT "v=spf1 ip4:192.0.2.105 -all"
; what --service google-workspace includes (data/senders.conf), here
; costing 2
_spf.google.com.      300 IN TXT "v=spf1 include:_netblocks.google.com ~all"
_netblocks.google.com. 300 IN TXT "v=spf1 ip4:35.190.247.0/24 ~all"
"""


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


ZONE = write("base.zone", BASE)


def run(*args):
    p = subprocess.run([VOUCH, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def gen(kind, *args, zone=ZONE):
    return run("generate", kind, "--domain", D, "--dns-zone", zone,
               "--senders", SENDERS, *args) if kind == "spf" else \
        run("generate", kind, "--domain", D, "--dns-zone", zone, *args)


def gen_json(name, kind, *args):
    """The --json object of a generation that must succeed, or None."""
    rc, out, err = gen(kind, "--json", *args)
    check(name + ": exit 0", rc == 0, (rc, err))
    try:
        return json.loads(out)
    except ValueError:
        check(name + ": JSON", False, out[:200])
        return None


def audit(extra):
    """vouch domain on BASE plus the zone lines in extra."""
    z = write("rt.zone", BASE + extra)
    rc, out, err = run("domain", D, "--dns-zone", z, "--json",
                       "--no-probe")
    try:
        return json.loads(out) if rc == 0 else None
    except ValueError:
        return None


def errors(obj, area):
    return [f["code"] for f in obj.get("findings", [])
            if f["area"] == area and f["severity"] == "error"]


def strings_ok(strings):
    """Quoted zone-file strings, each of at most 255 octets."""
    parts = [p for p in strings.split('"') if p.strip()]
    return all(len(p.encode()) <= 255 for p in parts)


# ---- SPF round trips -----------------------------------------------------
SPF_CASES = [
    (["--ip4", "192.0.2.0/24"], 0,
     "v=spf1 ip4:192.0.2.0/24 ~all"),
    (["--ip4", "192.0.2.0/24", "--ip6", "2001:DB8::/32", "--mx", "--a"], 2,
     "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ~all"),
    (["--ip4", "192.0.2.7/32", "--all", "fail"], 0,
     "v=spf1 ip4:192.0.2.7 -all"),
    (["--include", "_spf.one.test"], 1,
     "v=spf1 include:_spf.one.test ~all"),
    (["--include", "_spf.two.test", "--ip4", "192.0.2.1"], 3,
     "v=spf1 ip4:192.0.2.1 include:_spf.two.test ~all"),
    (["--include", "_spf.one.test", "--mx", "--include", "_spf.two.test",
      "--all", "softfail"], 5,
     "v=spf1 mx include:_spf.one.test include:_spf.two.test ~all"),
    (["--include", "_spf.mxy.test", "--a"], 4,
     "v=spf1 a include:_spf.mxy.test ~all"),
    (["--service", "google-workspace"], 2,
     "v=spf1 include:_spf.google.com ~all"),
    (["--service", "google-workspace", "--include", "_spf.google.com"], 2,
     "v=spf1 include:_spf.google.com ~all"),
    # exactly 10: allowed
    (["--include", "_spf.big.test", "--include", "_spf.two.test",
      "--include", "_spf.one.test"], 10, None),
]
for args, lookups, expect in SPF_CASES:
    name = "spf " + " ".join(args)
    o = gen_json(name, "spf", *args)
    if o is None:
        continue
    if expect is not None:
        check(name + ": record", o["record"] == expect, o["record"])
    check(name + ": lookups", o["dns_lookups"] == lookups,
          (o["dns_lookups"], lookups))
    check(name + ": not refused", o["refused"] is False, o)
    a = audit("%s. 300 IN TXT %s\n" % (D, o["strings"]))
    check(name + ": audited", a is not None)
    if a is None:
        continue
    check(name + ": round trip record", a["spf"]["record"] == o["record"],
          a["spf"]["record"])
    check(name + ": round trip lookups", a["spf"]["dns_lookups"] == lookups,
          a["spf"]["dns_lookups"])
    check(name + ": no SPF error", errors(a, "spf") == [], errors(a, "spf"))
    check(name + ": no void lookup", a["spf"]["void_lookups"] == 0,
          a["spf"]["void_lookups"])

# the text form: the record, the count and the zone line
rc, out, err = gen("spf", "--include", "_spf.two.test", "--mx")
check("spf text", rc == 0 and "v=spf1 mx include:_spf.two.test ~all" in out
      and "4 of 10" in out and
      '%s. 3600 IN TXT "v=spf1 mx include:_spf.two.test ~all"' % D in out,
      (rc, out, err))
# 9 or 10 lookups: printed, with a warning that there is no room left
rc, out, err = gen("spf", "--include", "_spf.big.test", "--include",
                   "_spf.two.test")
check("spf 9 lookups warns", rc == 0 and "9 of 10" in out and
      "warning" in err, (rc, out, err))

# over 255 octets: several strings, joined back by the audit
long_args = []
for i in range(1, 31):
    long_args += ["--ip4", "198.51.100.%d" % i]
rc, out, err = gen("spf", "--json", *long_args)
o = json.loads(out) if rc == 0 else {}
check("long: over 255", len(o.get("record", "")) > 255, o)
check("long: split", o.get("strings", "").count('" "') >= 1 and
      strings_ok(o.get("strings", "")), o.get("strings"))
a = audit("%s. 300 IN TXT %s\n" % (D, o.get("strings", '""')))
check("long: round trip", a is not None and
      a["spf"]["record"] == o.get("record") and errors(a, "spf") == [],
      a and a["spf"])

# ---- over 10 lookups: refused with the three ways out --------------------
OVER = ["--include", "_spf.big.test", "--include", "_spf.two.test",
        "--include", "_spf.one.test", "--mx"]
rc, out, err = gen("spf", *OVER)
check("over 10: exit 1", rc == 1, (rc, err))
check("over 10: nothing on stdout", out == "", out)
check("over 10: count", "11 DNS lookups" in err, err)
for word in ["drop a service", "subdomain", "flatten", "cost"]:
    check("over 10: option " + word, word in err, err)
check("over 10: drop figures", "include:_spf.big.test" in err and
      "6 lookups; without it 5" in err and
      "1 lookups; without it 10" in err, err)
rc, out, err = gen("spf", "--json", *OVER)
o = json.loads(out) if out else {}
check("over 10 json: refused", rc == 1 and o.get("refused") is True and
      o.get("dns_lookups") == 11, (rc, o))
opt = o.get("options", {})
drop = {d["term"]: (d["lookups"], d["without"]) for d in opt.get("drop", [])}
check("over 10 json: drop", drop == {"include:_spf.big.test": (6, 5),
                                     "include:_spf.two.test": (3, 8),
                                     "include:_spf.one.test": (1, 10)},
      drop)
sub = opt.get("subdomain") or {}
check("over 10 json: subdomain", sub.get("record") ==
      "v=spf1 include:_spf.big.test ~all" and sub.get("leaves") == 5, sub)
flat = opt.get("flattened") or {}
# every include here holds ranges only: all are flattened, mx remains
want = {"ip4:192.0.2.101", "ip4:192.0.2.105", "ip4:203.0.113.0/25",
        "ip6:2001:db8:2::/48", "ip4:198.51.100.0/24"}
rec = flat.get("record", "")
check("over 10 json: flattened", flat.get("dns_lookups") == 1 and
      want <= set(rec.split()) and "include:" not in rec and
      rec.startswith("v=spf1 ") and rec.endswith(" ~all"), flat)
a = audit("%s. 300 IN TXT %s\n" % (D, flat.get("strings", '""')))
check("flattened round trip", a is not None and
      a["spf"]["dns_lookups"] == 1 and errors(a, "spf") == [],
      a and a["spf"])
# an include that names hosts is kept in the flattened record
rc, out, err = gen("spf", "--json", "--include", "_spf.big.test",
                   "--include", "_spf.mxy.test", "--include",
                   "_spf.two.test")
o = json.loads(out) if out else {}
rec = ((o.get("options") or {}).get("flattened") or {}).get("record", "")
check("flatten keeps a/mx include", rc == 1 and o.get("dns_lookups") == 12
      and "include:_spf.mxy.test" in rec.split() and
      "include:_spf.big.test" not in rec, (rc, o))

# ---- SPF refusals from the audit and usage errors -------------------------
rc, out, err = gen("spf", "--include", "nowhere.test")
check("include nxdomain: exit 1", rc == 1 and "spf-include-nxdomain" in err,
      (rc, err))
for args, why, msg in [
        ([], "no flag is fine but no domain", None),
        (["--ip4", "300.1.1.1"], "bad ip4", "IPv4"),
        (["--ip4", "2001:db8::1"], "ip6 as ip4", "IPv4"),
        (["--ip4", "192.0.2.0/33"], "ip4 prefix", "IPv4"),
        (["--ip4", "192.0.2.0/"], "empty prefix", "IPv4"),
        (["--ip6", "2001:db8::/129"], "ip6 prefix", "IPv6"),
        (["--ip6", "192.0.2.1"], "ip4 as ip6", "IPv6"),
        (["--include", "a b.test"], "bad include", "not a domain"),
        (["--include", "x\x1b[2J.test"], "escape in include",
         "not a domain"),
        (["--service", "no-such-service"], "unknown service",
         "google-workspace"),
        (["--service", "mailchimp"], "service without include",
         "--include"),
        (["--all", "neutral"], "all neutral", "softfail"),
        (["stray"], "positional", None),
        (["--bogus"], "unknown option", None)]:
    if why.startswith("no flag"):
        rc, out, err = run("generate", "spf", "--dns-zone", ZONE)
    else:
        rc, out, err = gen("spf", *args)
    check("spf usage: " + why, rc == 2 and out == "" and
          (msg is None or msg in err), (rc, out, err))
    check("spf usage escaped: " + why, "\x1b" not in err, err)
rc, out, err = run("generate", "spf", "--domain", "192.0.2.1",
                   "--dns-zone", ZONE)
check("spf: address as domain", rc == 2 and "not a domain" in err, err)
rc, out, err = run("generate", "spf", "--domain", D, "--dns-zone",
                   os.path.join(TMP, "missing.zone"))
check("spf: missing zone: exit 1", rc == 1, (rc, err))
rc, out, err = run("generate", "nope")
check("generate unknown kind", rc == 2 and "spf or dmarc" in err, err)
rc, out, err = run("generate")
check("generate alone", rc == 2 and "usage" in err, err)
rc, out, err = run("generate", "--help")
check("generate --help", rc == 0 and "vouch generate spf" in out, err)
rc, out, err = run("generate", "spf", "--help")
check("generate spf --help", rc == 0 and "usage" in out, err)

# ---- DMARC round trips -------------------------------------------------------
DMARC_CASES = [
    (["--policy", "none", "--rua", "mailto:dmarc@gen.test"],
     "none", "none", "none", "v=DMARC1; p=none; rua=mailto:dmarc@gen.test"),
    (["--policy", "reject", "--sp", "quarantine", "--np", "reject",
      "--adkim", "s", "--aspf", "s", "--rua", "mailto:d@gen.test"],
     "reject", "quarantine", "reject",
     "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=s; "
     "rua=mailto:d@gen.test"),
    (["--policy", "quarantine", "--testing", "--fo", "1", "--rua",
      "mailto:d@gen.test", "--ruf", "mailto:f@gen.test"],
     "quarantine", "quarantine", "quarantine",
     "v=DMARC1; p=quarantine; t=y; fo=1; rua=mailto:d@gen.test; "
     "ruf=mailto:f@gen.test"),
    (["--policy", "reject", "--adkim", "r", "--fo", "d:s", "--rua",
      "mailto:d@reports.gen.test"],
     "reject", "reject", "reject",
     "v=DMARC1; p=reject; fo=d:s; rua=mailto:d@reports.gen.test"),
    (["--policy", "quarantine", "--np", "reject"],
     "quarantine", "quarantine", "reject",
     "v=DMARC1; p=quarantine; np=reject"),
]
for args, p, sp, np, expect in DMARC_CASES:
    name = "dmarc " + " ".join(args)
    o = gen_json(name, "dmarc", *args)
    if o is None:
        continue
    check(name + ": record", o["record"] == expect, o["record"])
    tags = [t.split("=")[0].strip() for t in o["record"].split(";")]
    check(name + ": no removed tags", not {"pct", "rf", "ri"} & set(tags),
          tags)
    check(name + ": no authorization needed", o["authorizations"] == [],
          o["authorizations"])
    roll = o["rollout"]
    check(name + ": rollout", [r["policy"] for r in roll] ==
          ["none", "quarantine", "reject"] and
          [r["this"] for r in roll] == [r["policy"] == p for r in roll] and
          "vouch report readiness --domain gen.test --policy quarantine" in
          roll[1]["watch"] and "vouch report sources" in roll[0]["watch"],
          roll)
    a = audit("_dmarc.%s. 300 IN TXT %s\n" % (D, o["strings"]))
    check(name + ": audited", a is not None)
    if a is None:
        continue
    dm = a["dmarc"]
    check(name + ": round trip", dm["record"] == expect and
          dm["policy_domain"] == D and dm["policy"] == p and
          dm["subdomain_policy"] == sp and dm["nonexistent_policy"] == np,
          dm)
    check(name + ": no DMARC error", errors(a, "dmarc") == [],
          errors(a, "dmarc"))
    for r in roll:
        a = audit("_dmarc.%s. 300 IN TXT \"%s\"\n" % (D, r["record"]))
        check(name + ": step " + r["policy"], a is not None and
              a["dmarc"]["policy"] == r["policy"] and
              errors(a, "dmarc") == [], a and a["dmarc"])

# an external destination: the record its owner must publish (RFC 9990 4)
EXT = ["--policy", "none", "--rua", "mailto:agg@reports.example.net",
       "--ruf", "mailto:F@Forensic.Example.ORG"]
rc, out, err = gen("dmarc", "--json", *EXT)
o = json.loads(out) if rc == 0 else {}
auth = sorted((x["name"], x["record"]) for x in o.get("authorizations", []))
check("external: authorizations", auth == [
    ("gen.test._report._dmarc.forensic.example.org", "v=DMARC1"),
    ("gen.test._report._dmarc.reports.example.net", "v=DMARC1")], (rc, o))
rc, out, err = gen("dmarc", *EXT)
check("external text", rc == 0 and
      'gen.test._report._dmarc.reports.example.net. 3600 IN TXT '
      '"v=DMARC1"' in out, out)
# once published, nothing more is asked
pub = write("pub.zone", BASE +
            'gen.test._report._dmarc.reports.example.net. 300 IN TXT '
            '"v=DMARC1"\n'
            'gen.test._report._dmarc.forensic.example.org. 300 IN TXT '
            '"v=DMARC1"\n')
rc, out, err = gen("dmarc", "--json", *EXT, zone=pub)
o = json.loads(out) if rc == 0 else {}
check("external published", o.get("authorizations") == [], (rc, o))

# usage errors
for args, why in [([], "no policy"),
                  (["--policy", "monitor"], "bad policy"),
                  (["--policy", "none", "--sp", "x"], "bad sp"),
                  (["--policy", "none", "--np", ""], "bad np"),
                  (["--policy", "none", "--rua", "https://x.test/r"],
                   "https rua"),
                  (["--policy", "none", "--rua", "mailto:nobody"],
                   "rua without @"),
                  (["--policy", "none", "--rua", "mailto:a,b@x.test"],
                   "comma in rua"),
                  (["--policy", "none", "--rua", "mailto:a@x.test;p=r"],
                   "semicolon in rua"),
                  (["--policy", "none", "--ruf", "mailto:a@bad domain"],
                   "bad ruf domain"),
                  (["--policy", "none", "--fo", "2"], "fo 2"),
                  (["--policy", "none", "--fo", "0:"], "fo trailing"),
                  (["--policy", "none", "--adkim", "x"], "adkim"),
                  (["--policy", "none", "--aspf", "relaxed"], "aspf"),
                  (["--policy", "none", "--pct", "50"], "pct"),
                  (["--policy", "none", "stray"], "positional")]:
    rc, out, err = gen("dmarc", *args)
    check("dmarc usage: " + why, rc == 2 and out == "", (rc, out, err))
rc, out, err = run("generate", "dmarc", "--policy", "none", "--dns-zone",
                   ZONE)
check("dmarc: no domain", rc == 2, (rc, err))

shutil.rmtree(TMP)
finish()
