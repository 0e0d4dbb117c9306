#!/usr/bin/python3
"""vouch dmarc, the command: policy discovery with its walk, the record's
findings, p/sp/np, shadow mode, the --json schema and exit statuses.

Usage: dmarc_cli.py VOUCH_BINARY SOURCE_DIR

No expected value comes from running vouch: each case names the section
of RFC 9989 (or RFC 7489) that decides it, for the records in
tests/data/dmarc/dmarc.zone.  The RFC 7489 cases use the Public Suffix
List in ../shared/corpora/publicsuffix, where "example" is not listed, so
its implicit "*" rule makes every name X.example a public suffix's child.
"""
import json
import os
import re
import subprocess
import sys

from clitest import check, finish

VOUCH, SRC = sys.argv[1], sys.argv[2]
ZONE = os.path.join(SRC, "tests", "data", "dmarc", "dmarc.zone")
PSL = os.path.join(SRC, "..", "shared", "corpora", "publicsuffix",
                   "public_suffix_list.dat")


def run(*args):
    p = subprocess.run([VOUCH, "dmarc", *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def disc(domain, *extra):
    rc, out, err = run(domain, "--dns-zone", ZONE, "--json", *extra)
    check(f"{domain} {' '.join(extra)} exit 0", rc == 0, err)
    try:
        return json.loads(out)
    except ValueError:
        return {}


def names(j):
    return [q.get("name") for q in j.get("queries", [])]


def expect(name, j, **want):
    for k, v in want.items():
        check(f"{name}: {k}", j.get(k) == v, f"want {v!r}, got {j.get(k)!r}")


# RFC 9989 B.4.1: for example.com, query _dmarc.example.com and
# _dmarc.com; example.com is the organizational and the policy domain;
# 4.10.1: its own record, so p.
j = disc("example.com")
for k in ["domain", "discovery_method", "policy_domain",
          "organizational_domain", "exists", "record", "policy_tag",
          "requested_policy", "testing", "temperror", "reason", "tags",
          "findings", "queries"]:
    check("key " + k, k in j, list(j))
check("B.4.1 walk", names(j) == ["_dmarc.example.com", "_dmarc.com"],
      names(j))
check("B.4.1 query fields", [(q.get("status"), q.get("records"))
                             for q in j.get("queries", [])] ==
      [("found", 1), ("nxdomain", 0)], j.get("queries"))
expect("B.4.1", j, domain="example.com", discovery_method="rfc9989",
       policy_domain="example.com", organizational_domain="example.com",
       requested_policy="reject", policy_tag="p", temperror=False,
       record="v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com")
t = j.get("tags") or {}
check("tags", t.get("p") == "reject" and t.get("sp") is None and
      t.get("adkim") == "r" and t.get("aspf") == "r" and
      t.get("rua") == ["mailto:dmarc-reports@example.com"] and
      t.get("pct") is None and t.get("state") == "apply", t)
check("no findings", j.get("findings") == [], j.get("findings"))
check("no shadow unless asked", "shadow" not in j)

# RFC 9989 B.4.2 / 4.10: the deep walk, exactly these eight queries.
deep = "a.b.c.d.e.f.g.h.i.j.k.example.com"
j = disc(deep)
check("B.4.2 walk", names(j) == [
    "_dmarc.a.b.c.d.e.f.g.h.i.j.k.example.com",
    "_dmarc.g.h.i.j.k.example.com", "_dmarc.h.i.j.k.example.com",
    "_dmarc.i.j.k.example.com", "_dmarc.j.k.example.com",
    "_dmarc.k.example.com", "_dmarc.example.com", "_dmarc.com"], names(j))
# "the policy domain is the highest element in the DNS tree with a DMARC
# Policy Record, example.com"; no sp/np there, so p (4.7 sp).
expect("B.4.2", j, organizational_domain="example.com",
       policy_domain="example.com", requested_policy="reject",
       policy_tag="p")

# RFC 9989 B.4.3: "the Tree Walk finds both the DMARC Policy Record at
# _dmarc.giant.bank.example and then ... at _dmarc.bank.example and stops
# because of the psd=y flag.  The Organizational Domain is
# giant.bank.example ... it is also the policy domain."
j = disc("giant.bank.example")
check("B.4.3 walk", names(j) == ["_dmarc.giant.bank.example",
                                 "_dmarc.bank.example"], names(j))
expect("B.4.3", j, organizational_domain="giant.bank.example",
       policy_domain="giant.bank.example", requested_policy="reject",
       policy_tag="p")
# The DKIM identifier of B.4.3 as an author domain: "finds no DMARC
# Policy Records at _dmarc.mail.mega.bank.example or
# _dmarc.mega.bank.example, then finds ... _dmarc.bank.example, and
# stops ... The Organizational Domain is mega.bank.example"; 4.10.1: the
# PSD's record is the policy, p since it has no sp/np.
j = disc("mail.mega.bank.example")
check("B.4.3 dkim walk", names(j) == ["_dmarc.mail.mega.bank.example",
                                      "_dmarc.mega.bank.example",
                                      "_dmarc.bank.example"], names(j))
expect("B.4.3 dkim", j, organizational_domain="mega.bank.example",
       policy_domain="bank.example", requested_policy="reject")
check("B.4.3 psd tag", (j.get("tags") or {}).get("psd") == "y", j.get("tags"))
# RFC 7489 6.6.3: the author domain's record, found at once; 3.2 with the
# PSL: bank.example.
j = disc("giant.bank.example", "--dmarc-mode", "rfc7489", "--psl", PSL)
check("7489 queries", names(j) == ["_dmarc.giant.bank.example"], names(j))
expect("7489", j, discovery_method="rfc7489",
       organizational_domain="bank.example",
       policy_domain="giant.bank.example")
# Shadow: both, and the one difference.
j = disc("giant.bank.example", "--dmarc-mode", "shadow", "--psl", PSL)
sh = j.get("shadow") or {}
expect("shadow decides by 9989", j, discovery_method="rfc9989",
       organizational_domain="giant.bank.example")
check("shadow 7489 object", (sh.get("rfc7489") or {})
      .get("discovery_method") == "rfc7489", sh)
check("shadow differences", sh.get("differences") == [{
    "domain": "giant.bank.example", "what": "organizational_domain",
    "rfc9989": "giant.bank.example", "rfc7489": "bank.example"}],
      sh.get("differences"))
rc, out, err = run("giant.bank.example", "--dns-zone", ZONE, "--dmarc-mode",
                   "shadow", "--psl", PSL)
check("shadow text", rc == 0 and re.search(
    r"^  organizational_domain: rfc9989 giant\.bank\.example, rfc7489 "
    r"bank\.example$", out, re.M) and re.search(
        r"^rfc7489: giant\.bank\.example$", out, re.M), out)

# RFC 9989 4.10.1 and 4.7 p/sp/np; 3.2.13 and RFC 8020 for "does not
# exist".
j = disc("parent.example")
expect("own record: p", j, requested_policy="none", policy_tag="p")
j = disc("www.parent.example")
expect("existing subdomain: sp", j, requested_policy="quarantine",
       policy_tag="sp", policy_domain="parent.example", exists=True)
j = disc("ghost.parent.example")
expect("nonexistent subdomain: np", j, requested_policy="reject",
       policy_tag="np", policy_domain="parent.example", exists=False)
# RFC 7489 knows no np (6.3): sp; shadow lists the difference.
j = disc("ghost.parent.example", "--dmarc-mode", "shadow", "--psl", PSL)
check("np vs 7489", (j.get("shadow") or {}).get("differences") == [{
    "domain": "ghost.parent.example", "what": "requested_policy",
    "rfc9989": "reject", "rfc7489": "quarantine"}], j.get("shadow"))

# RFC 9989 4.7 t=y is shown; the requested policy is still p.
j = disc("testing.example")
expect("t=y", j, testing=True, requested_policy="reject")

# RFC 9989 4.10 step 2: two DMARC records at one name are both
# discarded; the walk goes on and finds nothing.
j = disc("double.example")
check("double records", [(q.get("name"), q.get("records"))
                         for q in j.get("queries", [])] ==
      [("_dmarc.double.example", 2), ("_dmarc.example", 0)],
      j.get("queries"))
expect("double: no policy", j, policy_domain=None, record=None,
       requested_policy=None)

# Findings: pct removed by RFC 9989 (appendix C.5.2), foo unknown and
# ignored (4.7); the record still applies.
j = disc("findings.example")
codes = {(f.get("code"), f.get("tag")) for f in j.get("findings", [])}
check("findings", ("removed-tag", "pct") in codes and
      ("unknown-tag", "foo") in codes, j.get("findings"))
check("finding fields", all(set(f) >= {"code", "severity", "tag", "text",
                                       "message"}
                            for f in j.get("findings", [])))
expect("findings record applies", j, requested_policy="quarantine")
check("pct read", (j.get("tags") or {}).get("pct") == 50, j.get("tags"))

# SECURITY.md: a DNS failure is temperror, never "no policy".
j = disc("slow.example")
expect("timeout", j, temperror=True, requested_policy=None)
check("timeout query", (j.get("queries") or [{}])[0].get("status") ==
      "retry" and (j.get("queries") or [{}])[0].get("reason"),
      j.get("queries"))
rc, out, err = run("slow.example", "--dns-zone", ZONE)
check("timeout exit 0", rc == 0 and "retry" in out, out)

# No record anywhere: DMARC does not apply (4.10.1).
j = disc("relay.example.net")
check("none walk", names(j) == ["_dmarc.relay.example.net",
                                "_dmarc.example.net", "_dmarc.net"], names(j))
expect("none", j, policy_domain=None, record=None, requested_policy=None,
       organizational_domain="relay.example.net")

# A domain in U-labels is looked up as A-labels (RFC 9989 5.3.1).
j = disc("bücher.example")
check("idn", j.get("domain") == "xn--bcher-kva.example" and
      names(j)[:1] == ["_dmarc.xn--bcher-kva.example"], names(j))

# Text output.
rc, out, err = run("ghost.parent.example", "--dns-zone", ZONE)
check("text", rc == 0 and out.startswith("rfc9989: ghost.parent.example\n")
      and re.search(r"^  query\s+_dmarc\.parent\.example: found, 1 DMARC "
                    r"record$", out, re.M) and
      re.search(r"^  requests\s+reject \(np=\)$", out, re.M), out)
rc, out, err = run("findings.example", "--dns-zone", ZONE)
check("text findings", re.search(r"^  finding\s+warning removed-tag: ", out,
                                 re.M), out)

# Usage errors: exit 2 with the argument named; runtime errors: exit 1.
for args, needle in [
        ([], "DOMAIN"),
        (["a.example", "b.example"], "unexpected"),
        (["bad..example"], "bad..example"),
        (["example.com", "--dmarc-mode", "both"], "--dmarc-mode"),
        (["example.com", "--bogus"], "--bogus"),
        (["example.com", "--dns-zone", ZONE, "--dns-server", "127.0.0.1"],
         "exclude")]:
    rc, out, err = run(*args)
    check("usage " + " ".join(args), rc == 2 and needle in err and out == "",
          f"rc={rc} err={err!r}")
rc, out, err = run("example.com", "--dns-zone", "/nonexistent/zone")
check("missing zone", rc == 1 and "/nonexistent/zone" in err, err)
rc, out, err = run("example.com", "--dns-zone", ZONE, "--psl",
                   "/nonexistent/psl.dat")
check("missing psl", rc == 1 and "/nonexistent/psl.dat" in err, err)

finish()
