#!/usr/bin/python3
"""vouch check, the command: SPF + DKIM + DMARC verdicts, the action and
SMTP reply, the --json schema, --batch, exit statuses and messages.

Usage: check_cli.py VOUCH_BINARY SOURCE_DIR

No expected value comes from running vouch.  The DNS data is
tests/data/dmarc/dmarc.zone; each case says which rule of RFC 9989 (or
RFC 7489, RFC 7208, SECURITY.md) decides it.  DKIM signatures are made by
dkimpy (python3-dkim), an independent implementation, with its own test
key from ../shared/corpora/dkimpy; the DKIM cases are skipped without it.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from clitest import check, finish, skip

VOUCH, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "tests", "data", "dmarc")
ZONE_IN = os.path.join(DATA, "dmarc.zone")
DKIMPY = os.path.join(SRC, "..", "shared", "corpora", "dkimpy", "data")
PSL = os.path.join(SRC, "..", "shared", "corpora", "publicsuffix",
                   "public_suffix_list.dat")
AUTHSERV = "mx.receiver.example"
REJECT = "550 5.7.1 DMARC unauthenticated mail is prohibited"

try:
    import dkim  # python3-dkim: the independent signer
except ImportError:
    dkim = None


TMP = tempfile.mkdtemp(prefix="vouch-check-cli-")
ZONE = os.path.join(TMP, "dmarc.zone")
KEY = None
with open(ZONE_IN) as f:
    zone_text = f.read()
if dkim is not None and os.path.exists(os.path.join(DKIMPY, "test.txt")):
    with open(os.path.join(DKIMPY, "test.private"), "rb") as f:
        KEY = f.read()
    with open(os.path.join(DKIMPY, "test.txt")) as f:
        record = f.read().strip()
    zone_text += "\n$ORIGIN .\n"
    # Selector "test" for every domain a case signs with.
    for d in ["example.com", "strict.example.org", "mail.strict.example.org",
              "mail.mega.bank.example"]:
        parts = [record[i:i + 200] for i in range(0, len(record), 200)]
        zone_text += (f"test._domainkey.{d}. TXT ( " +
                      " ".join(f'"{p}"' for p in parts) + " )\n")
with open(ZONE, "w") as f:
    f.write(zone_text)


def data(name):
    return os.path.join(DATA, name)


def signed(name, domain):
    """The message signed by dkimpy with d=domain s=test, as a file."""
    with open(data(name), "rb") as f:
        msg = re.sub(rb"\r?\n", b"\r\n", f.read())
    sig = dkim.sign(msg, b"test", domain.encode(), KEY,
                    include_headers=[b"from", b"to", b"subject", b"date"])
    out = os.path.join(TMP, f"signed-{domain}-{name}")
    with open(out, "wb") as f:
        f.write(sig + msg)
    return out


def run(*args, stdin=None):
    p = subprocess.run([VOUCH, "check", *args], input=stdin,
                       capture_output=True, timeout=120)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def verdict(path, ip, mail_from, *extra, helo=None):
    args = [path, "--dns-zone", ZONE, "--authserv-id", AUTHSERV, "--ip", ip,
            "--mail-from", mail_from, "--json", *extra]
    if helo is not None:
        args += ["--helo", helo]
    rc, out, err = run(*args)
    try:
        j = json.loads(out)
    except ValueError:
        j = {}
    return rc, j, err


def expect(name, j, result=None, action=None, reply="unset", **dm):
    d = j.get("dmarc", {})
    if result is not None:
        check(f"{name}: dmarc={result}", d.get("result") == result,
              f"got {d.get('result')}: {d.get('reason')}")
    if action is not None:
        check(f"{name}: action {action}", j.get("action") == action,
              f"got {j.get('action')}")
    if reply != "unset":
        check(f"{name}: smtp_reply", j.get("smtp_reply") == reply,
              repr(j.get("smtp_reply")))
    for k, v in dm.items():
        got = d.get(k) if k != "align_spf" and k != "align_dkim" else \
            d.get("alignment", {}).get(k[6:])
        check(f"{name}: {k}", got == v, f"want {v!r}, got {got!r}")


# ---- the --json schema, and a pass by SPF alignment ----------------------

# RFC 9989 4.4.2 / 5.3.5: MAIL FROM example.com passes SPF (ip4 in the
# record, RFC 7208 5.6) and is the From domain itself: aligned, pass;
# 7.2: nothing to reject, so no reply.
rc, j, err = verdict(data("from-example-com.eml"), "192.0.2.10",
                     "bounce@example.com", helo="mail.example.com")
check("spf pass exit 0", rc == 0, err)
for k in ["spf", "spf_helo", "dkim", "dmarc", "authentication_results",
          "action", "smtp_reply", "dns"]:
    check("key " + k, k in j, list(j))
for k in ["result", "from_domain", "policy_domain", "organizational_domain",
          "requested_policy", "disposition", "alignment", "discovery_method",
          "testing", "reason", "authors"]:
    check("dmarc key " + k, k in j.get("dmarc", {}), list(j.get("dmarc", {})))
check("no shadow unless asked", "shadow" not in j.get("dmarc", {}))
for k in ["queries", "ms", "budget_exhausted"]:
    check("dns key " + k, k in j.get("dns", {}))
check("spf object as vouch spf", j.get("spf", {}).get("result") == "pass" and
      j["spf"].get("identity") == "mailfrom" and
      j["spf"].get("mechanism") == "ip4:192.0.2.0/24", j.get("spf"))
check("spf_helo object", (j.get("spf_helo") or {}).get("identity") == "helo"
      and j["spf_helo"].get("domain") == "mail.example.com", j.get("spf_helo"))
check("dkim array empty", j.get("dkim") == [], j.get("dkim"))
expect("spf aligned", j, "pass", "accept", None, from_domain="example.com",
       policy_domain="example.com", organizational_domain="example.com",
       requested_policy="reject", align_spf=True, align_dkim=None,
       discovery_method="rfc9989", testing=False)
check("pass disposition", j.get("dmarc", {}).get("disposition") in
      (None, "none"), j.get("dmarc", {}).get("disposition"))
ar = j.get("authentication_results", "")
check("A-R one line, named", ar.startswith("Authentication-Results: " +
                                           AUTHSERV + ";") and
      "\n" not in ar and "\r" not in ar, ar)
check("A-R results", all(s in ar for s in [
    "spf=pass smtp.mailfrom=bounce@example.com", "spf=pass smtp.helo=",
    "dkim=none", "dmarc=pass", "header.from=example.com"]), ar)
a = (j.get("dmarc", {}).get("authors") or [{}])[0]
check("author queries", [q.get("name") for q in a.get("queries", [])] ==
      ["_dmarc.example.com", "_dmarc.com"], a.get("queries"))
check("author query fields", a.get("queries", [{}])[0].get("status") ==
      "found" and a["queries"][0].get("records") == 1, a.get("queries"))
for k in ["domain", "result", "policy_domain", "organizational_domain",
          "requested_policy", "disposition", "reason", "queries"]:
    check("author key " + k, k in a, list(a))

# RFC 9989 3.2.10.1 / 4.10.2, relaxed alignment: mail.example.com's walk
# finds the record at example.com (B.4.1), so both organizational
# domains are example.com.  <...> is how SMTP writes the address.
rc, j, err = verdict(data("from-example-com.eml"), "192.0.2.10",
                     "<bounce@mail.example.com>")
expect("relaxed spf", j, "pass", "accept", None, align_spf=True)

# ---- fail, p=reject --------------------------------------------------------

# RFC 7208 5.7: 203.0.113.5 is not in example.com's record: SPF fail.
# RFC 9989 5.3.5: no aligned pass -> fail; p=reject (4.7) -> reject,
# with the reply SECURITY.md/verdict.h give (RFC 9989 7.2: 5xy, "DMARC").
rc, j, err = verdict(data("from-example-com.eml"), "203.0.113.5",
                     "bounce@example.com")
check("reject exit 0", rc == 0, err)
expect("reject", j, "fail", "reject", REJECT, requested_policy="reject",
       disposition="reject", align_spf=False, align_dkim=None)
check("reject A-R", "dmarc=fail" in j.get("authentication_results", "") and
      "spf=fail" in j.get("authentication_results", ""))
# RFC 7372 3.4: X.7.26 "Multiple authentication checks failed" (both SPF
# and DKIM, for DMARC), if the operator prefers it.
rc, j, err = verdict(data("from-example-com.eml"), "203.0.113.5",
                     "bounce@example.com", "--reject-reply",
                     "550 5.7.26 Multiple authentication checks failed")
expect("custom reply", j, "fail", "reject",
       "550 5.7.26 Multiple authentication checks failed")

# Human output: one line per identity, signature and author domain, the
# A-R field, the action and reply.
rc, out, err = run(data("from-example-com.eml"), "--dns-zone", ZONE,
                   "--authserv-id", AUTHSERV, "--ip", "203.0.113.5",
                   "--mail-from", "bounce@example.com", "--helo",
                   "mail.example.com")
lines = out.splitlines()
check("text exit 0", rc == 0, err)
check("text spf line", any(re.match(r"^spf\s+fail\s+bounce@example\.com", l)
                           for l in lines), out)
check("text helo line", any(re.match(r"^spf-helo\s+fail\s+", l)
                            for l in lines), out)
check("text dkim line", any(re.match(r"^dkim\s+none\s+", l)
                            for l in lines), out)
check("text dmarc line", any(re.match(r"^dmarc\s+fail\s+example\.com", l)
                             for l in lines), out)
check("text A-R", any(l.startswith("Authentication-Results: " + AUTHSERV)
                      for l in lines), out)
check("text action", lines and re.match(r"^action\s+reject\s+" +
                                        re.escape(REJECT) + "$", lines[-1]),
      out)

# ---- quarantine, t=y, p/sp/np ---------------------------------------------

# RFC 9989 4.7 p=quarantine; SPF fails (RFC 7208 5.7): quarantine, and
# no SMTP reply (the message is accepted into quarantine).
rc, j, err = verdict(data("from-quarantine.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("quarantine", j, "fail", "quarantine", None,
       requested_policy="quarantine", disposition="quarantine")
# RFC 9989 4.7 t=y: "if the policy is "reject" and the value of the "t"
# tag is "y", a policy of "quarantine" will be applied".
rc, j, err = verdict(data("from-testing.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("t=y reject", j, "fail", "quarantine", None, testing=True,
       requested_policy="reject", disposition="quarantine")
# ... "if the policy is "quarantine" ... a policy of "none"".
rc, j, err = verdict(data("from-testq.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("t=y quarantine", j, "fail", "accept", None, testing=True,
       requested_policy="quarantine", disposition="none")
# RFC 9989 4.10.1 / 4.7 np, 3.2.13: ghost.parent.example is NXDOMAIN, so
# np=reject applies.
rc, j, err = verdict(data("from-ghost-parent.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("np", j, "fail", "reject", REJECT, policy_domain="parent.example",
       organizational_domain="parent.example", requested_policy="reject")
check("np tag", (j.get("dmarc", {}).get("authors") or [{}])[0]
      .get("policy_tag") == "np", j.get("dmarc"))
# 4.7 sp: www.parent.example exists: sp=quarantine.
rc, j, err = verdict(data("from-www-parent.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("sp", j, "fail", "quarantine", None, requested_policy="quarantine")
check("sp tag", (j.get("dmarc", {}).get("authors") or [{}])[0]
      .get("policy_tag") == "sp", j.get("dmarc"))
# 4.10.1: the domain's own record: p=none.
rc, j, err = verdict(data("from-parent.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("p=none", j, "fail", "accept", None, requested_policy="none")
# RFC 7489 has no np (6.3): sp applies to the nonexistent subdomain.
rc, j, err = verdict(data("from-ghost-parent.eml"), "203.0.113.5",
                     "bounce@relay.example.net", "--dmarc-mode", "rfc7489",
                     "--psl", PSL)
expect("7489 no np", j, "fail", "quarantine", None,
       requested_policy="quarantine", discovery_method="rfc7489")

# ---- DNS failure, From rules ---------------------------------------------

# SECURITY.md / RFC 9989 5.3.6: the DMARC query times out: temperror,
# never none; a 4xy reply asks the client to retry (7.2).
rc, j, err = verdict(data("from-slow.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("timeout", j, "temperror", "tempfail")
check("timeout 451", (j.get("smtp_reply") or "").startswith("451 4.7."),
      j.get("smtp_reply"))
# SECURITY.md fail closed, RFC 9989 5.3.1: no From, no author domain.
rc, j, err = verdict(data("no-from.eml"), "192.0.2.10", "bounce@example.com")
expect("no From", j, "permerror", "accept", None, from_domain=None)
# Two From fields (RFC 5322 3.6 allows one) never pass, even though SPF
# alone would align with both.
rc, j, err = verdict(data("two-from.eml"), "192.0.2.10", "bounce@example.com")
expect("two From", j, "permerror", "accept", None)
# Two From fields in two domains: every domain is evaluated, the
# strictest outcome applies (quarantine.example fails, p=quarantine).
rc, j, err = verdict(data("two-from-mixed.eml"), "192.0.2.10",
                     "bounce@example.com")
expect("two From mixed", j, "fail", "quarantine",
       from_domain="quarantine.example")
check("two authors", [a.get("domain") for a in
                      j.get("dmarc", {}).get("authors", [])] ==
      ["example.com", "quarantine.example"], j.get("dmarc"))

# ---- strict alignment ------------------------------------------------------

# RFC 9989 3.2.10.2, 4.4.2: aspf=s needs the exact domain.
rc, j, err = verdict(data("from-strict.eml"), "192.0.2.10",
                     "bounce@mail.strict.example.org")
expect("strict spf subdomain", j, "fail", "reject", REJECT, align_spf=False)
check("strict spf passed SPF", j.get("spf", {}).get("result") == "pass")
rc, j, err = verdict(data("from-strict.eml"), "192.0.2.10",
                     "bounce@strict.example.org")
expect("strict spf same", j, "pass", "accept", align_spf=True)

# ---- RFC 7489 pct ----------------------------------------------------------

# RFC 7489 6.6.4: pct=0 -> the policy is never enacted; "reject" is then
# treated as "quarantine".  RFC 9989 removed pct (appendix A.6, C.5.2).
rc, j, err = verdict(data("from-pct.eml"), "203.0.113.5",
                     "bounce@relay.example.net", "--dmarc-mode", "rfc7489",
                     "--psl", PSL)
expect("pct=0 7489", j, "fail", "quarantine", None, disposition="quarantine")
rc, j, err = verdict(data("from-pct.eml"), "203.0.113.5",
                     "bounce@relay.example.net")
expect("pct ignored 9989", j, "fail", "reject", REJECT)

# ---- DKIM (signatures by dkimpy) -------------------------------------------

if KEY is None:
    skip("DKIM cases", "python3-dkim or the dkimpy corpus is missing")
else:
    # RFC 9989 4.4.1: d=example.com passes and is the From domain; SPF
    # passes for relay.example.net, which does not align (its walk finds
    # no record: its own organizational domain).
    m = signed("from-example-com.eml", "example.com")
    rc, j, err = verdict(m, "198.51.100.7", "bounce@relay.example.net")
    check("dkim json", [s.get("result") for s in j.get("dkim", [])] ==
          ["pass"] and j["dkim"][0].get("domain") == "example.com" and
          "selector" in j["dkim"][0] and "authres" in j["dkim"][0],
          j.get("dkim"))
    expect("dkim aligned", j, "pass", "accept", None, align_spf=False,
           align_dkim="example.com")
    check("dkim A-R", "dkim=pass" in j.get("authentication_results", "") and
          "header.d=example.com" in j.get("authentication_results", ""))
    rc, out, err = run(m, "--dns-zone", ZONE, "--authserv-id", AUTHSERV,
                       "--ip", "198.51.100.7", "--mail-from",
                       "bounce@relay.example.net")
    check("text dkim pass line", re.search(
        r"^dkim\s+pass\s+d=example\.com s=test a=rsa-sha256: ", out, re.M),
        out)
    # The same from standard input.
    with open(m, "rb") as f:
        rc, out, err = run("-", "--dns-zone", ZONE, "--authserv-id",
                           AUTHSERV, "--ip", "198.51.100.7", "--mail-from",
                           "bounce@relay.example.net", "--json",
                           stdin=f.read())
    check("stdin", rc == 0 and json.loads(out or "{}").get("dmarc", {})
          .get("result") == "pass", err)
    # A body changed after signing: DKIM fail (RFC 6376 6.1.3), so
    # nothing aligns and p=reject applies.
    with open(m, "rb") as f:
        bad = f.read().replace(b"Hello Bob", b"Hello Eve")
    rc, out, err = run("-", "--dns-zone", ZONE, "--authserv-id", AUTHSERV,
                       "--ip", "198.51.100.7", "--mail-from",
                       "bounce@relay.example.net", "--json", stdin=bad)
    j = json.loads(out or "{}")
    expect("dkim tampered", j, "fail", "reject", REJECT)
    # RFC 9989 3.2.10.2 adkim=s: d=mail.strict.example.org does not align
    # with strict.example.org; d=strict.example.org does.
    m = signed("from-strict.eml", "mail.strict.example.org")
    rc, j, err = verdict(m, "203.0.113.5", "bounce@relay.example.net")
    expect("strict dkim subdomain", j, "fail", "reject", align_dkim=None)
    check("strict dkim verified", [s.get("result") for s in j.get("dkim", [])]
          == ["pass"], j.get("dkim"))
    m = signed("from-strict.eml", "strict.example.org")
    rc, j, err = verdict(m, "203.0.113.5", "bounce@relay.example.net")
    expect("strict dkim same", j, "pass", "accept",
           align_dkim="strict.example.org")

    # RFC 9989 B.4.3: author giant.bank.example, MAIL FROM
    # mail.giant.bank.example (SPF pass), DKIM d=mail.mega.bank.example.
    # RFC 9989: bank.example has psd=y, so both giant.bank.example and
    # mail.giant.bank.example have the organizational domain
    # giant.bank.example ("SPF is aligned"), mail.mega.bank.example has
    # mega.bank.example ("DKIM is not aligned").  RFC 7489 3.2 with the
    # PSL: "example" is no listed suffix, so the "*" rule makes all three
    # organizational domains bank.example: SPF and DKIM both align.
    m = signed("from-giant-bank.eml", "mail.mega.bank.example")
    giant = (m, "192.0.2.10", "bounce@mail.giant.bank.example")
    rc, j, err = verdict(*giant)
    expect("B.4.3 9989", j, "pass", "accept",
           organizational_domain="giant.bank.example",
           policy_domain="giant.bank.example", align_spf=True,
           align_dkim=None, discovery_method="rfc9989")
    rc, j, err = verdict(*giant, "--dmarc-mode", "rfc7489", "--psl", PSL)
    expect("B.4.3 7489", j, "pass", "accept",
           organizational_domain="bank.example",
           policy_domain="giant.bank.example", align_spf=True,
           align_dkim="mail.mega.bank.example", discovery_method="rfc7489")
    rc, j, err = verdict(*giant, "--dmarc-mode", "shadow", "--psl", PSL)
    expect("B.4.3 shadow decides by 9989", j, "pass", "accept",
           organizational_domain="giant.bank.example",
           discovery_method="rfc9989")
    sh = j.get("dmarc", {}).get("shadow", {})
    check("shadow rfc7489 object", sh.get("rfc7489", {})
          .get("discovery_method") == "rfc7489" and "shadow" not in
          sh.get("rfc7489", {}) and sh["rfc7489"].get("organizational_domain")
          == "bank.example", sh)
    diffs = {(d.get("domain"), d.get("what")): d
             for d in sh.get("differences", [])}
    od = diffs.get(("giant.bank.example", "organizational_domain"), {})
    check("shadow org diff", od.get("rfc9989") == "giant.bank.example" and
          od.get("rfc7489") == "bank.example", sh.get("differences"))
    ad = diffs.get(("giant.bank.example", "alignment.dkim"), {})
    check("shadow dkim diff", ad.get("rfc7489") == "mail.mega.bank.example",
          sh.get("differences"))
    check("shadow no result diff", ("giant.bank.example", "result")
          not in diffs, sh.get("differences"))
    # The same message from a client SPF does not allow: RFC 9989 has no
    # aligned identifier left (fail, p=reject), RFC 7489 still has DKIM.
    rc, j, err = verdict(m, "203.0.113.5", "bounce@mail.giant.bank.example",
                         "--dmarc-mode", "shadow", "--psl", PSL)
    expect("B.4.3 spf fail shadow", j, "fail", "reject", REJECT)
    diffs = {(d.get("domain"), d.get("what")): d for d in
             j.get("dmarc", {}).get("shadow", {}).get("differences", [])}
    rd = diffs.get(("giant.bank.example", "result"), {})
    check("shadow result diff", rd.get("rfc9989") == "fail" and
          rd.get("rfc7489") == "pass", diffs)
    rc, out, err = run(m, "--dns-zone", ZONE, "--authserv-id", AUTHSERV,
                       "--ip", "203.0.113.5", "--mail-from",
                       "bounce@mail.giant.bank.example", "--dmarc-mode",
                       "shadow", "--psl", PSL)
    check("text shadow lines", re.search(
        r"^shadow\s+differs\s+giant\.bank\.example result: rfc9989 fail, "
        r"rfc7489 pass$", out, re.M), out)

# ---- --batch ----------------------------------------------------------------

# Rows whose outcome is settled above by the RFC rules named there; the
# manifest has its columns in another order and one more column.
os.makedirs(os.path.join(TMP, "msgs"))
for n in os.listdir(DATA):
    if n.endswith(".eml"):
        shutil.copy(data(n), os.path.join(TMP, "msgs", n))
rows = [
    ("msgs/from-example-com.eml", "192.0.2.10", "mail.example.com",
     "bounce@example.com", "pass", "accept"),
    ("msgs/from-example-com.eml", "203.0.113.5", "", "bounce@example.com",
     "fail", "reject"),
    ("msgs/from-quarantine.eml", "203.0.113.5", "x",
     "<bounce@relay.example.net>", "fail", "quarantine"),
    ("msgs/from-testing.eml", "203.0.113.5", "", "bounce@relay.example.net",
     "fail", "quarantine"),
    ("msgs/from-testq.eml", "203.0.113.5", "", "bounce@relay.example.net",
     "fail", "accept"),
    ("msgs/from-ghost-parent.eml", "203.0.113.5", "",
     "bounce@relay.example.net", "fail", "reject"),
    ("msgs/from-www-parent.eml", "203.0.113.5", "",
     "bounce@relay.example.net", "fail", "quarantine"),
    ("msgs/from-parent.eml", "203.0.113.5", "", "bounce@relay.example.net",
     "fail", "accept"),
    ("msgs/from-slow.eml", "203.0.113.5", "", "bounce@relay.example.net",
     "temperror", "tempfail"),
    ("msgs/no-from.eml", "192.0.2.10", "", "bounce@example.com",
     "permerror", "accept"),
    ("msgs/does-not-exist.eml", "192.0.2.10", "", "bounce@example.com",
     None, None),
    ("msgs/two-from.eml", "192.0.2.10", "", "bounce@example.com",
     "permerror", "accept"),
    ("msgs/from-strict.eml", "192.0.2.10", "",
     "bounce@mail.strict.example.org", "fail", "reject"),
    ("msgs/from-example-com.eml", "999.1.2.3", "", "bounce@example.com",
     None, None),
    ("msgs/from-strict.eml", "192.0.2.10", "", "bounce@strict.example.org",
     "pass", "accept"),
    ("msgs/from-pct.eml", "203.0.113.5", "", "bounce@relay.example.net",
     "fail", "reject"),
    ("msgs/from-example-com.eml", "192.0.2.10", "mail.example.com", "<>",
     "pass", "accept"),
    (os.path.join(DATA, "from-example-com.eml"), "192.0.2.10", "",
     "bounce@mail.example.com", "pass", "accept"),
    ("msgs/two-from-mixed.eml", "192.0.2.10", "", "bounce@example.com",
     "fail", "quarantine"),
    ("msgs/no-separator.eml", "192.0.2.10", "", "bounce@example.com",
     None, None),
    ("msgs/from-quarantine.eml", "192.0.2.10", "", "bounce@example.com",
     "fail", "quarantine"),
]
# The null sender: the MAIL FROM identity is postmaster@HELO (RFC 7208
# 2.4, RFC 9989 3.2.4: "the mailbox composed of the local-part
# 'postmaster' and the HELO identity"), SPF passes for it, and
# mail.example.com aligns relaxed with example.com: pass.
manifest = os.path.join(TMP, "manifest.tsv")
with open(manifest, "w") as f:
    f.write("mail_from\tnote\tclient_ip\tfile\thelo\n")
    for i, (fn, ip, helo, mf, _, _) in enumerate(rows):
        f.write(f"{mf}\trow {i}\t{ip}\t{fn}\t{helo}\n")
p = subprocess.run([VOUCH, "check", "--batch", manifest, "--jobs", "2",
                    "--dns-zone", ZONE, "--authserv-id", AUTHSERV],
                   capture_output=True, text=True, timeout=300)
check("batch exit 0", p.returncode == 0, p.stderr)
out = [json.loads(l) for l in p.stdout.splitlines()]
check("batch one line per row", len(out) == len(rows), len(out))
for i, (row, j) in enumerate(zip(rows, out)):
    fn, _, _, _, result, action = row
    check(f"batch row {i} order", j.get("file") == fn, (j.get("file"), fn))
    if result is None:
        check(f"batch row {i} error", isinstance(j.get("error"), str) and
              "dmarc" not in j, j)
        continue
    check(f"batch row {i} verdict", j.get("dmarc", {}).get("result") ==
          result and j.get("action") == action,
          (fn, j.get("dmarc", {}).get("result"), j.get("action"),
           j.get("error")))
check("batch missing file named", "does-not-exist.eml" in
      out[10].get("error", "") and "cannot open" in out[10].get("error", ""),
      out[10])
check("batch bad ip named", "client_ip" in out[13].get("error", "") and
      "999.1.2.3" in out[13]["error"], out[13])
check("batch no separator", "empty line" in out[19].get("error", ""),
      out[19])
last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
check("batch summary", re.fullmatch(
    r"messages=%d seconds=\d+\.\d+ msgs_per_s=\d+(\.\d+)?" % len(rows), last),
    last)
# One job gives the same lines as four.


def batch(*extra):
    return subprocess.run([VOUCH, "check", "--batch", manifest, "--dns-zone",
                           ZONE, "--authserv-id", AUTHSERV, "--now",
                           "1800000000", *extra], capture_output=True,
                          text=True, timeout=300)


p1, p2 = batch(), batch("--jobs", "4")
strip = [re.sub(r'"ms":\d+', "", l) for l in p1.stdout.splitlines()]
check("batch jobs 1 == jobs 4", strip == [re.sub(r'"ms":\d+', "", l)
                                         for l in p2.stdout.splitlines()])
bad_manifest = os.path.join(TMP, "bad.tsv")
with open(bad_manifest, "w") as f:
    f.write("file\tclient_ip\tmail_from\nx.eml\t192.0.2.1\ta@example.com\n")
rc, out, err = run("--batch", bad_manifest, "--dns-zone", ZONE)
check("batch manifest without helo", rc == 1 and "helo" in err, err)
rc, out, err = run("--batch", os.path.join(TMP, "none.tsv"), "--dns-zone",
                   ZONE)
check("batch missing manifest", rc == 1 and "none.tsv" in err, err)

# ---- errors: usage 2, runtime 1 ------------------------------------------

msg = data("from-example-com.eml")
base = ["--dns-zone", ZONE, "--authserv-id", AUTHSERV]
for args, needle in [
        ([msg, "--ip", "300.1.1.1", "--mail-from", "a@example.com"], "--ip"),
        ([msg, "--mail-from", "a@example.com"], "--ip"),
        ([msg, "--ip", "192.0.2.1"], "--mail-from"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a b@example.com"],
         "--mail-from"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "example.com"],
         "--mail-from"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "<>"], "--helo"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example", "--now",
          "soon"], "--now"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example",
          "--dmarc-mode", "rfc1234"], "--dmarc-mode"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example",
          "--reject-reply", "250 ok"], "reject reply"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example",
          "--authserv-id", "bad id;"], "--authserv-id"),
        ([msg, msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example"],
         "unexpected"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example", "--jobs",
          "2"], "--jobs"),
        (["--batch", manifest, "--ip", "192.0.2.1"], "--batch"),
        (["--batch", manifest, "--jobs", "0"], "--jobs"),
        ([msg, "--ip", "192.0.2.1", "--mail-from", "a@x.example",
          "--dns-server", "127.0.0.1"], "exclude"),
        (["--bogus"], "--bogus")]:
    rc, out, err = run(*base, *args)
    check("usage " + " ".join(args[1:]), rc == 2 and needle in err and
          out == "", f"rc={rc} err={err!r}")
for args, needle in [
        ([os.path.join(TMP, "nofile.eml")], "nofile.eml"),
        ([data("no-separator.eml")], "empty line"),
        ([msg, "--psl", os.path.join(TMP, "nopsl.dat")], "nopsl.dat")]:
    rc, out, err = run(*base, *args, "--ip", "192.0.2.1", "--mail-from",
                       "a@example.com")
    check("runtime " + os.path.basename(args[0]) + " " + needle,
          rc == 1 and needle in err and out == "", f"rc={rc} err={err!r}")
rc, out, err = run(msg, "--dns-zone", os.path.join(TMP, "nozone"), "--ip",
                   "192.0.2.1", "--mail-from", "a@example.com")
check("runtime missing zone", rc == 1 and "nozone" in err, err)

shutil.rmtree(TMP)
finish()
