#!/usr/bin/python3
"""vouch explain, the command: one case per cause from examples/explain,
the --json schema, the human output, stdin, exit statuses and messages.

Usage: explain_cli.py VOUCH_BINARY SOURCE_DIR

No expected value comes from running vouch.  Each case of
examples/explain was built to produce its causes: the records in
examples/explain/explain.zone and the bounce decide them, and
examples/explain/README.md says why for each file.  The comments below
repeat the deciding fact next to what is asserted.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from clitest import check, finish

VOUCH, SRC = sys.argv[1], sys.argv[2]
EX = os.path.join(SRC, "examples", "explain")
ZONE = os.path.join(EX, "explain.zone")
AUTH_CODES = {"unauthorized-server", "free-mail-from", "spf-missing-sender",
              "spf-not-aligned", "spf-record-error", "dkim-missing",
              "dkim-broken", "dkim-not-aligned", "dmarc-record-error",
              "dmarc-missing"}


def run(*args, stdin=None):
    p = subprocess.run([VOUCH, "explain", *args], input=stdin,
                       capture_output=True, timeout=120)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def explain(name, *extra):
    """The --json diagnosis of one example, or {} when it failed."""
    rc, out, err = run("--dns-zone", ZONE, os.path.join(EX, name), "--json",
                       *extra)
    check(f"{name}: exit 0", rc == 0, f"rc={rc} err={err!r}")
    try:
        return json.loads(out)
    except ValueError:
        check(f"{name}: JSON", False, out[:300])
        return {}


def causes(j):
    return {c.get("code"): c for c in j.get("causes") or []}


def text(c):
    """Everything a cause says, for looking up a name in it."""
    return " ".join(c.get(k) or "" for k in ("summary", "evidence", "fix"))


def has_cause(name, j, code, severity=None):
    """The cause, checked present (and of severity); {} when absent."""
    c = causes(j).get(code)
    check(f"{name}: cause {code}", c is not None,
          [x.get("code") for x in j.get("causes") or []])
    if c is None:
        return {}
    if severity is not None:
        check(f"{name}: {code} is {severity}", c.get("severity") == severity,
              c.get("severity"))
    return c


def not_error(name, j, codes):
    for code in codes:
        c = causes(j).get(code)
        check(f"{name}: {code} not an error",
              c is None or c.get("severity") != "error", c)


def common(name, j, kind, fmt, original, from_domain):
    inp = j.get("input") or {}
    check(f"{name}: input kind", inp.get("kind") == kind, inp)
    check(f"{name}: input format", inp.get("format") == fmt, inp)
    check(f"{name}: input original", inp.get("original") == original, inp)
    check(f"{name}: from_domain", j.get("from_domain") == from_domain,
          j.get("from_domain"))
    cs = j.get("causes") or []
    check(f"{name}: causes have the keys", cs and all(
        {"code", "severity", "summary", "evidence", "fix"} <= set(c)
        for c in cs), cs)
    check(f"{name}: errors first", cs and cs[0].get("severity") == "error",
          [(c.get("code"), c.get("severity")) for c in cs])
    sev = [c.get("severity") for c in cs]
    rank = {"error": 0, "warning": 1, "info": 2}
    check(f"{name}: severities ordered",
          all(s in rank for s in sev) and
          sev == sorted(sev, key=lambda s: rank.get(s, 3)), sev)
    check(f"{name}: summary is a sentence",
          isinstance(j.get("summary"), str) and
          j["summary"].strip().endswith("."), j.get("summary"))
    for k in ("reply", "receiver", "mail_from", "client_ip",
              "client_ip_source", "service", "results"):
        check(f"{name}: key {k}", k in j, sorted(j))


def case(name, inp, from_domain, main, client_ip=None):
    """Explain one example; check the input, from_domain, the client IP
    (one of the values given, when given) and the main cause, an error.
    Returns the diagnosis and that cause."""
    j = explain(name)
    common(name, j, *inp, from_domain)
    if client_ip is not None:
        check(f"{name}: client_ip", j.get("client_ip") in client_ip,
              j.get("client_ip"))
    return j, has_cause(name, j, main, "error")


def result(j, method):
    r = (j.get("results") or {}).get(method)
    return r.get("result") if isinstance(r, dict) else None


# ---- free-mail-via-ovh: a contact form on an OVH server puts the visitor's
# yahoo.com address in From.  The DSN's Reporting-MTA,
# ns3141592.ip-203-0-113.eu, made the delivery; its A record is
# 203.0.113.47.  yahoo.com: p=reject, SPF only 198.51.100.128/26.
N = "free-mail-via-ovh.eml"
j, c = case(N, ("dsn", "postfix", "full"), "yahoo.com", "free-mail-from",
            ("203.0.113.47",))
check(f"{N}: reply", (j.get("reply") or "").startswith("550 5.7.26") and
      "DMARC policy" in (j.get("reply") or ""), j.get("reply"))
check(f"{N}: receiver", j.get("receiver") == "gmail-smtp-in.l.google.com",
      j.get("receiver"))
check(f"{N}: mail_from (X-Postfix-Sender)",
      j.get("mail_from") == "www-data@ns3141592.ip-203-0-113.eu",
      j.get("mail_from"))
check(f"{N}: the provider named", "Yahoo" in text(c), c)
check(f"{N}: fix is no SPF record for yahoo.com",
      c.get("fix") and "v=spf1" not in c["fix"], c.get("fix"))
check(f"{N}: nobody told to authorize the OVH server in yahoo.com's SPF",
      not any("ip4:203.0.113.47" in (x.get("fix") or "")
              for x in j.get("causes") or []), j.get("causes"))
check(f"{N}: nothing to publish under yahoo.com", not any(
    re.search(r"_domainkey\.yahoo\.com|publish at yahoo\.com",
              x.get("fix") or "") for x in j.get("causes") or []),
      [x.get("fix") for x in j.get("causes") or []])
check(f"{N}: dmarc fails", result(j, "dmarc") == "fail", j.get("results"))
# Postfix joins the reply's lines with their codes; bounce.h says the
# "550-5.7.26 " prefixes of continuation lines are removed.
check(f"{N}: reply unfolded", "550-5.7.26" not in (j.get("reply") or ""),
      j.get("reply"))

# ---- spf-missing-sender: fabrikam.example.org on Microsoft 365 (the NDR
# says so), SPF "v=spf1 a:mail.fabrikam.example.org -all" without
# include:spf.protection.outlook.com.  The NDR names no public client IP:
# its only Received is Outlook's MAPI submission over fe80::.
N = "spf-missing-sender.eml"
j, c = case(N, ("dsn", "microsoft", "full"), "fabrikam.example.org",
            "spf-missing-sender")
check(f"{N}: reply 5.7.509", (j.get("reply") or "").startswith(
    "550 5.7.509 Access denied"), j.get("reply"))
check(f"{N}: receiver", j.get("receiver") ==
      "partner-example-net.mail.protection.outlook.com", j.get("receiver"))
check(f"{N}: service", j.get("service") == "microsoft-365", j.get("service"))
check(f"{N}: no link-local client IP",
      not (j.get("client_ip") or "").lower().startswith("fe80"),
      j.get("client_ip"))
fix = c.get("fix") or ""
check(f"{N}: fix adds the include",
      "include:spf.protection.outlook.com" in fix, fix)
check(f"{N}: fix keeps the record's own terms",
      re.search(r"v=spf1 .*a:mail\.fabrikam\.example\.org", fix) is not None
      and "-all" in fix, fix)

# ---- spf-not-aligned: Gmail's copy, received from web42.hosting...
# [198.51.100.42]; SPF passes for web42.hosting.example.net, From is
# pinewood-shop.example.com (p=quarantine); no DKIM-Signature.
N = "spf-not-aligned.eml"
j, c = case(N, ("message", "message", "full"), "pinewood-shop.example.com",
            "spf-not-aligned", ("198.51.100.42",))
check(f"{N}: mail_from", j.get("mail_from") ==
      "pinewood@web42.hosting.example.net", j.get("mail_from"))
check(f"{N}: fix names the From domain for the envelope",
      "pinewood-shop.example.com" in (c.get("fix") or ""), c.get("fix"))
has_cause(N, j, "dkim-missing")
check(f"{N}: spf pass", result(j, "spf") == "pass", j.get("results"))
check(f"{N}: dmarc fail", result(j, "dmarc") == "fail", j.get("results"))

# ---- spf-record-error: eleven DNS-querying terms in lumen-events'
# SPF; the receiver's reply gives ip=198.51.100.61.
N = "spf-record-error.eml"
j, c = case(N, ("text", "exim", "full"), "lumen-events.example.org",
            "spf-record-error", ("198.51.100.61",))
check(f"{N}: says lookups", re.search(r"look-?ups?", text(c), re.I), c)
check(f"{N}: has a fix", bool(c.get("fix")), c)
check(f"{N}: spf permerror", result(j, "spf") == "permerror",
      j.get("results"))

# ---- dkim-missing: SPF passes and aligns for mail.alderbrook.example.com
# (192.0.2.120, the Reporting-MTA); no signature; Outlook.com's 5.7.515.
# 203.0.113.150 is the laptop that submitted it, not Outlook's client.
N = "dkim-missing.eml"
j, c = case(N, ("dsn", "postfix", "full"), "alderbrook.example.com",
            "dkim-missing", (None, "192.0.2.120"))
check(f"{N}: fix is a key record for the domain",
      "_domainkey.alderbrook.example.com" in (c.get("fix") or ""),
      c.get("fix"))
not_error(N, j, ["unauthorized-server", "spf-missing-sender",
                 "spf-record-error", "dmarc-missing", "dmarc-record-error"])

# ---- dkim-broken: d=harborview.example.net s=crm2023, and
# crm2023._domainkey.harborview.example.net does not exist.
N = "dkim-broken.eml"
j, c = case(N, ("text", "qmail", "full"), "harborview.example.net",
            "dkim-broken")
check(f"{N}: names the missing key",
      "crm2023._domainkey.harborview.example.net" in text(c), c)
check(f"{N}: dmarc fail", result(j, "dmarc") == "fail", j.get("results"))

# ---- dkim-not-aligned: SendGrid (o4821.static.reverse.sendgrid.net,
# 198.51.100.100, d=sendgrid.net); From brightpath.example.com.
N = "dkim-not-aligned.eml"
j, c = case(N, ("message", "message", "full"), "brightpath.example.com",
            "dkim-not-aligned", ("198.51.100.100",))
check(f"{N}: service", j.get("service") == "sendgrid", j.get("service"))
check(f"{N}: fix signs for the From domain",
      "brightpath.example.com" in (c.get("fix") or ""), c.get("fix"))
check(f"{N}: fix says what to publish (s1/s2 or SendGrid's setting)",
      re.search(r"s1\._domainkey|Sender Authentication",
                c.get("fix") or "") is not None, c.get("fix"))
has_cause(N, j, "spf-not-aligned")
# MAIL FROM is at sendgrid.net: brightpath's SPF plays no part.
not_error(N, j, ["spf-missing-sender"])
dk = (j.get("results") or {}).get("dkim") or []
check(f"{N}: d=sendgrid.net passes", any(
    d.get("result") == "pass" and d.get("domain") == "sendgrid.net"
    for d in dk if isinstance(d, dict)), dk)

# ---- dmarc-record-error: "v=DMARC1; p=quarantine; aspf=rvk; rua=..."
N = "dmarc-record-error.eml"
j, c = case(N, ("dsn", "gmail", "full"), "meridian-clinic.example.org",
            "dmarc-record-error")
check(f"{N}: reply 5.7.515", "5.7.515" in (j.get("reply") or ""),
      j.get("reply"))
check(f"{N}: evidence names aspf=rvk", "aspf=rvk" in (c.get("evidence") or
                                                     ""), c.get("evidence"))
fix = c.get("fix") or ""
check(f"{N}: fix is a record without the bad tag",
      "v=DMARC1" in fix and "p=quarantine" in fix and "rvk" not in fix, fix)
check(f"{N}: fix keeps rua",
      "rua=mailto:dmarc@meridian-clinic.example.org" in fix, fix)
dk = (j.get("results") or {}).get("dkim") or []
check(f"{N}: s=google passes", any(
    d.get("result") == "pass" for d in dk if isinstance(d, dict)), dk)

# ---- dmarc-missing: SPF (mx, 192.0.2.90) and DKIM (s=mail2025) align;
# no _dmarc record anywhere up the tree; Outlook.com's 5.7.515.
N = "dmarc-missing.eml"
j, c = case(N, ("dsn", "postfix", "full"), "copperleaf.example.org",
            "dmarc-missing")
fix = c.get("fix") or ""
check(f"{N}: fix publishes a DMARC record",
      "_dmarc.copperleaf.example.org" in fix and "v=DMARC1" in fix, fix)
# An aligned DKIM signature passes, so no server is "unauthorized".
not_error(N, j, ["unauthorized-server", "dkim-missing", "dkim-broken"])

# ---- unauthorized-server: Gmail's reply names 203.0.113.80
# (mx2.granite-works.example.com), SPF "v=spf1 ip4:192.0.2.40 -all"; no
# signature, no DMARC record.
N = "unauthorized-server.eml"
j, c = case(N, ("text", "exim", "full"), "granite-works.example.com",
            "unauthorized-server", ("203.0.113.80",))
check(f"{N}: fix authorizes the server",
      re.search(r"ip4:203\.0\.113\.80|a:mx2\.granite-works\.example\.com",
                c.get("fix") or "") is not None, c.get("fix"))
has_cause(N, j, "dkim-missing")
has_cause(N, j, "dmarc-missing")
check(f"{N}: spf fail", result(j, "spf") == "fail", j.get("results"))

# ---- forwarded: the list lists.example.org (192.0.2.33) changed Subject
# and body; the original hop, mail.riverbend.example.com 203.0.113.25,
# passes SPF.
N = "forwarded.eml"
# Either hop is a defensible "client": the list's delivery to the
# receiver, or the original one the diagnosis re-evaluates.
j, c = case(N, ("message", "message", "full"), "riverbend.example.com",
            "forwarded", ("192.0.2.33", "203.0.113.25"))
check(f"{N}: names the list", "lists.example.org" in text(c), c)

# ---- dns-temporary: $SERVFAIL for tidewater-supply.example.net and its
# _dmarc; a 451 4.7.1 delay notice with the headers only.
N = "dns-temporary.eml"
j, c = case(N, ("dsn", "postfix", "headers"),
            "tidewater-supply.example.net", "dns-temporary")
check(f"{N}: reply 451", (j.get("reply") or "").startswith("451 4.7.1"),
      j.get("reply"))
check(f"{N}: names the domain", "tidewater-supply.example.net" in text(c),
      c)

# ---- receiver-policy: a yahoo.com user through Yahoo's own server
# 198.51.100.140; SPF, DKIM s2048, DMARC pass; a blocklist refused it.
N = "receiver-policy.eml"
j, c = case(N, ("text", "yahoo", "full"), "yahoo.com", "receiver-policy",
            ("198.51.100.140",))
check(f"{N}: names the blocklist", "spamhaus" in text(c).lower(), c)
not_error(N, j, AUTH_CODES)
check(f"{N}: no free-mail cause (sent through Yahoo)",
      "free-mail-from" not in causes(j), list(causes(j)))
for m in ("spf", "dmarc"):
    check(f"{N}: {m} pass", result(j, m) == "pass", j.get("results"))

# ---- undetermined: no original, and the only address in the bounce is
# the receiver's (mx.partner.example.net [192.0.2.200]).
N = "undetermined.eml"
j = explain(N)
check(f"{N}: input", (j.get("input") or {}) == {
    "kind": "text", "format": "exim", "original": "none"}, j.get("input"))
check(f"{N}: no client IP", j.get("client_ip") is None, j.get("client_ip"))
c = has_cause(N, j, "undetermined")
check(f"{N}: says what would decide",
      re.search(r"--ip|\bIP\b", text(c)) is not None, c)
# With the IP given, SPF can be evaluated: quillpoint's "mx" is 192.0.2.180.
j = explain(N, "--ip", "192.0.2.180")
check(f"{N} --ip: client_ip", j.get("client_ip") == "192.0.2.180",
      j.get("client_ip"))
check(f"{N} --ip: source", "--ip" in (j.get("client_ip_source") or ""),
      j.get("client_ip_source"))
check(f"{N} --ip: spf pass", result(j, "spf") == "pass", j.get("results"))

# With the message as sent (--original, a Sent-folder copy without a
# DKIM-Signature) and the IP, everything can be checked: quillpoint's SPF
# passes for 192.0.2.180 and aligns, so DMARC passes; the copy cannot tell
# whether the server signs, so no dkim-missing error is made of it.
SENT = os.path.join(EX, "undetermined-sent.eml")
j = explain(N, "--ip", "192.0.2.180", "--original", SENT)
check(f"{N} --original: original full",
      (j.get("input") or {}).get("original") == "full", j.get("input"))
check(f"{N} --original: from_domain", j.get("from_domain") ==
      "quillpoint.example.com", j.get("from_domain"))
check(f"{N} --original: dmarc pass", result(j, "dmarc") == "pass",
      j.get("results"))
check(f"{N} --original: no dkim-missing", "dkim-missing" not in causes(j),
      sorted(causes(j)))
c = has_cause(N, j, "undetermined")
check(f"{N} --original: says the copy cannot tell",
      "Sent folder" in text(c), c)
has_cause(N, j, "receiver-policy", "error")
rc, out, err = run("--dns-zone", ZONE, "--original", ZONE,
                   os.path.join(EX, N))
check("--original not a message: exit 1", rc == 1, (rc, err))
check("--original not a message: names the file",
      "explain.zone" in err and "not a message" in err, err)
rc, out, err = run("--dns-zone", ZONE, "--original", "/nonexistent/x.eml",
                   os.path.join(EX, N))
check("--original missing: exit 1, named", rc == 1 and
      "/nonexistent/x.eml" in err, (rc, err))

# ---- reverse-dns: Gmail's 5.7.25 names [203.0.113.99]; its PTR is the
# ISP's generic 203-0-113-99.dsl.isp.example, which has no A record; the
# Reporting-MTA mail.quarry-lane.example.net does resolve to 203.0.113.99.
# SPF (ip4:203.0.113.99) passes and aligns.
N = "reverse-dns.eml"
j, c = case(N, ("dsn", "postfix", "headers"), "quarry-lane.example.net",
            "reverse-dns", ("203.0.113.99",))
check(f"{N}: evidence names the PTR name",
      "203-0-113-99.dsl.isp.example" in (c.get("evidence") or ""), c)
check(f"{N}: fix names the server's own name",
      "mail.quarry-lane.example.net" in (c.get("fix") or ""), c)
check(f"{N}: spf pass", result(j, "spf") == "pass", j.get("results"))
check(f"{N}: not an SPF cause", not any(
    x.get("code") in ("unauthorized-server", "spf-missing-sender")
    for x in j.get("causes") or []), j.get("causes"))

# ---- The human output: one sentence, then numbered causes.
ovh = os.path.join(EX, "free-mail-via-ovh.eml")
rc, out, err = run("--dns-zone", ZONE, ovh)
lead = out.lstrip("\n").split("\n\n")[0]
check("text: exit 0", rc == 0, err)
check("text: leads with one sentence", lead.rstrip().endswith(".") and
      not re.search(r"^\s*\d+[.)]\s", lead, re.M), lead)
n = len(causes(explain("free-mail-via-ovh.eml")))
for i in range(1, n + 1):
    check(f"text: cause {i} numbered",
          re.search(rf"^\s*{i}[.)]\s", out, re.M) is not None, out)
check("text: names the cause", "free-mail-from" in out, out)

# ---- stdin: "-" reads the same bounce.
with open(ovh, "rb") as f:
    data = f.read()
rc, out, err = run("--dns-zone", ZONE, "-", "--json", stdin=data)
check("stdin: exit 0", rc == 0, err)
try:
    js = json.loads(out)
except ValueError:
    js = {}
jf = explain("free-mail-via-ovh.eml")
check("stdin: same diagnosis", js.get("causes") == jf.get("causes") and
      js.get("client_ip") == jf.get("client_ip"), out[:300])

# ---- Input that is neither a bounce nor a message: exit 1, said on
# stderr with the file named.
tmp = tempfile.mkdtemp(prefix="vouch-explain-cli-")
bad = {"image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
       "empty.eml": b"",
       "prose.txt": b"hello there\nthis is not an e-mail at all\n"}
for fname, content in bad.items():
    path = os.path.join(tmp, fname)
    with open(path, "wb") as f:
        f.write(content)
    rc, out, err = run("--dns-zone", ZONE, path)
    check(f"not mail {fname}: exit 1", rc == 1, f"rc={rc} out={out[:200]!r}")
    check(f"not mail {fname}: said", fname in err and out == "",
          f"err={err!r}")
    os.unlink(path)
rc, out, err = run("--dns-zone", ZONE, "-", stdin=b"")
check("not mail stdin: exit 1", rc == 1 and err and out == "",
      f"rc={rc} err={err!r}")

# Runtime errors: exit 1 with the file named.
for args, needle in [
        (["--dns-zone", ZONE, "/nonexistent/bounce.eml"],
         "/nonexistent/bounce.eml"),
        (["--dns-zone", ZONE, "--senders", "/nonexistent/senders.conf",
          ovh], "/nonexistent/senders.conf")]:
    rc, out, err = run(*args)
    check("runtime " + needle, rc == 1 and needle in err and out == "",
          f"rc={rc} err={err!r}")
rc, out, err = run("--dns-zone", "/nonexistent/explain.zone", ovh)
check("missing zone", rc in (1, 2) and "/nonexistent/explain.zone" in err
      and out == "", f"rc={rc} err={err!r}")

# An input over the 20 MiB limit (bounce.h VOUCH_BOUNCE_MAX) is refused
# before it is parsed, naming the limit.
big = os.path.join(tmp, "big.eml")
with open(big, "wb") as f:
    f.write(b"From: a@example.com\n\n")
    f.write(b"x" * (20 * 1024 * 1024))
rc, out, err = run("--dns-zone", ZONE, big)
check("over 20 MiB: exit 1, said", rc == 1 and "20 MiB" in err and
      out == "", f"rc={rc} err={err!r}")
os.unlink(big)
os.rmdir(tmp)

# Usage errors: exit 2, nothing on stdout.
for args, needle in [
        ([], None),
        ([ovh, ovh], None),
        ([ovh, "--bogus"], "--bogus"),
        ([ovh, "--dmarc-mode", "both"], "--dmarc-mode"),
        ([ovh, "--ip", "not-an-address"], "--ip"),
        ([ovh, "--now", "yesterday"], "--now"),
        ([ovh, "--original", "-"], "--original"),
        ([ovh, "--mail-from", "<a@example.com"], "--mail-from"),
        ([ovh, "--dns-zone", ZONE, "--dns-server", "127.0.0.1"], None)]:
    rc, out, err = run(*args)
    check("usage " + " ".join(a.replace(EX + "/", "") for a in args),
          rc == 2 and err != "" and out == "" and
          (needle is None or needle in err), f"rc={rc} err={err!r}")

finish()
