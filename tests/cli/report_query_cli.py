#!/usr/bin/python3
"""vouch report summary, sources, readiness and export, the commands: the
--json schemas, the classification of sources, the readiness replay and
verdict, CSV neutralization, exit statuses.

Usage: report_query_cli.py VOUCH_BINARY SOURCE_DIR [CORPORA]

Stores are filled with `vouch report import`.  No expected value comes
from running vouch: the summary of real samples is checked against
shared/corpora/rua-xml-summary.tsv (records and sum_of_count per file); the
crafted reports below are written here (RFC 7489 appendix C) and every
class, count and verdict expected of them is worked out by hand from the
rules of docs/reports.md ("Analysis and classification"), next to each
check.
"""
import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import OrderedDict
from datetime import datetime, timezone

from clitest import check, finish

VOUCH, SRC = sys.argv[1], sys.argv[2]
CORPORA = sys.argv[3] if len(sys.argv) > 3 else \
    os.path.join(SRC, "..", "shared", "corpora")
TMP = tempfile.mkdtemp(prefix="vouch-report-query-")
ENV = {k: v for k, v in os.environ.items() if k != "VOUCH_DB"}


def run(*args, env=None):
    p = subprocess.run([VOUCH, "report", *args], capture_output=True,
                       timeout=300, env=env or ENV, stdin=subprocess.DEVNULL)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), p.stdout)


def jrun(*args):
    rc, out, err, _ = run(*args, "--json")
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err + " / stdout: " + out[:300]


def tmp(name):
    return os.path.join(TMP, name)


def write(name, text):
    with open(tmp(name), "w") as f:
        f.write(text)
    return tmp(name)


def iso(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def imported(db, *files):
    rc, out, err, _ = run("import", "--db", db, *files)
    check(f"import {[os.path.basename(f) for f in files]} into "
          f"{os.path.basename(db)}", rc == 0, err + out)


# ---- summary of real samples against rua-xml-summary.tsv ----------------

# Every sample the TSV lists as well-formed, except the one our parser
# refuses (tests/conformance/report-skips.tsv: test_empty.xml).  Reports
# are unique by (org_name, report_id): a second file with the same key is
# a duplicate and stores nothing, so the first one imported counts.  Each
# file is imported on its own, in TSV order, so "first" is well defined.
with open(os.path.join(CORPORA, "rua-xml-summary.tsv")) as f:
    tsv = list(csv.DictReader(f, delimiter="\t"))
REAL = tmp("real.db")
stored = OrderedDict()
for row in tsv:
    if row["well_formed_xml"] != "yes" or \
            row["file"].endswith("test_empty.xml"):
        continue
    imported(REAL, os.path.join(CORPORA, row["file"]))
    stored.setdefault((row["org_name"], row["report_id"]), row)
want = {}
for row in stored.values():
    d = want.setdefault(row["policy_domain"], {
        "messages": 0, "reports": 0, "first": None, "last": None})
    d["messages"] += int(row["sum_of_count"])
    d["reports"] += 1
    b, e = int(float(row["date_begin"])), int(float(row["date_end"]))
    d["first"] = b if d["first"] is None else min(d["first"], b)
    d["last"] = e if d["last"] is None else max(d["last"], e)

rc, j, err = jrun("summary", "--db", REAL)
check("summary real: exit 0", rc == 0, err)
doms = {d["domain"]: d for d in (j or {}).get("domains", [])}
check("summary real: the TSV's policy domains", set(doms) == set(want),
      f"{sorted(doms)} vs {sorted(want)}")
check("summary real: domains in order",
      [d["domain"] for d in (j or {}).get("domains", [])] == sorted(doms))
for dom, w in sorted(want.items()):
    g = doms.get(dom, {})
    check(f"summary real {dom}: messages = sum_of_count",
          g.get("messages") == w["messages"], f"{g.get('messages')} vs {w}")
    check(f"summary real {dom}: reports", g.get("reports") == w["reports"],
          f"{g.get('reports')} vs {w['reports']}")
    check(f"summary real {dom}: first/last",
          g.get("first") == iso(w["first"]) and g.get("last") ==
          iso(w["last"]), f"{g.get('first')} {g.get('last')} vs {w}")
    for k in ["dmarc_pass_rate", "spf_aligned_rate", "dkim_aligned_rate"]:
        v = g.get(k)
        check(f"summary real {dom}: {k} in 0..1 or null for no mail",
              (v is None) == (w["messages"] == 0) and
              (v is None or 0 <= v <= 1), v)
    disp = g.get("dispositions", {})
    check(f"summary real {dom}: dispositions add up to the messages",
          set(disp) == {"none", "quarantine", "reject", "pass"} and
          sum(disp.values()) == w["messages"], disp)
    check(f"summary real {dom}: reporters add up",
          sum(r["messages"] for r in g.get("reporters", [])) ==
          w["messages"] and sum(r["reports"] for r in
                                g.get("reporters", [])) == w["reports"])

# 126.com's report (opendmarc good.com…): 183,934 messages in 754 records;
# Google's (nice-input.xml): 3,047.  Both for example.com.
rep = {r["org_name"]: r for r in doms.get("example.com", {}).get(
    "reporters", [])}
check("summary real: 126.com reporter", rep.get("126.com", {}).get(
    "messages") == 183934, rep.get("126.com"))
check("summary real: google.com reporter", rep.get("google.com", {}).get(
    "messages") == 3047, rep.get("google.com"))

rc, j, err = jrun("summary", "--db", REAL, "--domain", "TEST.net")
check("summary --domain (any case): one domain",
      rc == 0 and [d["domain"] for d in j["domains"]] == ["test.net"], j)
# --since 2024-01-01: the reports whose date range reaches into 2024.
since = 1704067200
w2 = {r["policy_domain"] for r in stored.values()
      if float(r["date_end"]) >= since}
rc, j, err = jrun("summary", "--db", REAL, "--since", "2024-01-01")
check("summary --since: the domains with reports in the period",
      rc == 0 and {d["domain"] for d in j["domains"]} == w2, (j, w2))
# --until 1970-01-02: Stalwart's 005.xml covers seconds 100 to 200.
w3 = {r["policy_domain"] for r in stored.values()
      if float(r["date_begin"]) < 86400}
rc, j, err = jrun("summary", "--db", REAL, "--until", "1970-01-02")
check("summary --until 1970-01-02: the 1970 report only",
      rc == 0 and {d["domain"] for d in j["domains"]} == w3 and
      j["domains"][0]["reports"] == 1, (j, w3))
rc, j, err = jrun("summary", "--db", REAL, "--until", "1")
check("summary --until before everything: no domains",
      rc == 0 and j["domains"] == [], j)
rc, out, err, _ = run("summary", "--db", REAL, "--domain", "test.net")
lines = out.splitlines()
check("summary text: a header, the domain's line, its reporters",
      rc == 0 and len(lines) == 3 and lines[0].split()[:4] ==
      ["DOMAIN", "FIRST", "LAST", "MESSAGES"] and lines[1].split()[0] ==
      "test.net" and lines[1].split()[3] ==
      str(want["test.net"]["messages"]) and
      lines[2].startswith(f"  {want['test.net']['reports']} report"), out)
rc, out, err, _ = run("summary", "--db", REAL, "--domain", "none.example")
check("summary text: nothing stored", rc == 0 and
      out == "no reports stored that match\n", out)

# The default store is $VOUCH_DB.
rc, out, err, _ = run("summary", "--json", env=dict(ENV, VOUCH_DB=REAL))
check("summary: $VOUCH_DB names the store", rc == 0 and
      '"test.net"' in out, err)

# Sources of a real report: Amazon SES addresses in Google's reports
# (nice-input.xml, and changed-input.xml under another reporter) sign
# with d=amazonses.com and d=example.com, and pass SPF for amazonses.com
# only: R3 (amazonses.com is Amazon SES's in data/senders.conf) and P =
# 100 %: authorized, not forwarded (R4).  Its volume, read with Python's
# own XML parser from the stored samples:


def sample_xml(name):
    """The XML of a sample, through Python's gzip and zipfile."""
    path = os.path.join(CORPORA, name)
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            return z.read(z.namelist()[0])
    with open(path, "rb") as f:
        data = f.read()
    while data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def ip_messages(ip):
    n = 0
    for row in stored.values():
        if row["policy_domain"] != "example.com":
            continue
        for rec in ET.fromstring(sample_xml(row["file"])).iter("record"):
            if rec.findtext("row/source_ip").strip() == ip:
                n += int(rec.findtext("row/count").strip())
    return n


rc, j, err = jrun("sources", "--db", REAL, "--domain", "example.com",
                  "--offline")
check("sources real: exit 0", rc == 0, err)
ses = [s for s in j or [] if s["ip"] == "54.240.48.90"]
check("sources real: SES address authorized through its service",
      len(ses) == 1 and ses[0]["classification"] == "authorized" and
      ses[0]["service_id"] == "amazon-ses" and
      ses[0]["messages"] == ip_messages("54.240.48.90") == 80, ses)
# 141.211.14.132 (126.com report): 4 messages, SPF fail for example.com,
# aligned DKIM pass: R4, forwarded.
fw = [s for s in j or [] if s["ip"] == "141.211.14.132"]
check("sources real: relay with DKIM intact forwarded",
      len(fw) == 1 and fw[0]["classification"] == "forwarded" and
      fw[0]["messages"] == ip_messages("141.211.14.132") and
      fw[0]["dmarc_pass"] == fw[0]["messages"], fw)
check("sources real: ordered by volume",
      [s["messages"] for s in j or []] ==
      sorted([s["messages"] for s in j or []], reverse=True))

# ---- a crafted report ----------------------------------------------------


def record(ip, count, dkim, spf, hf, dkims=(), spfs=(), reasons=(),
           disp="none"):
    rs = "".join(f"<reason><type>{t}</type><comment>{c}</comment></reason>"
                 for t, c in reasons)
    dk = "".join(f"<dkim><domain>{d}</domain><selector>{s}</selector>"
                 f"<result>{r}</result></dkim>" for d, s, r in dkims)
    sp = "".join(f"<spf><domain>{d}</domain><scope>{s}</scope>"
                 f"<result>{r}</result></spf>" for d, s, r in spfs)
    return (f"<record><row><source_ip>{ip}</source_ip><count>{count}</count>"
            f"<policy_evaluated><disposition>{disp}</disposition>"
            f"<dkim>{dkim}</dkim><spf>{spf}</spf>{rs}</policy_evaluated>"
            f"</row><identifiers><header_from>{hf}</header_from>"
            f"</identifiers><auth_results>{dk}{sp}</auth_results></record>")


def report(org, rid, domain, records, begin=1709251200, p="none"):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback>'
            f"<report_metadata><org_name>{org}</org_name>"
            f"<email>noreply@{org.lower().replace(' ', '')}.example</email>"
            f"<report_id>{rid}</report_id><date_range><begin>{begin}"
            f"</begin><end>{begin + 86399}</end></date_range>"
            f"</report_metadata><policy_published><domain>{domain}</domain>"
            f"<adkim>r</adkim><aspf>r</aspf><p>{p}</p><sp>{p}</sp>"
            f"<pct>100</pct></policy_published>" + "".join(records) +
            "</feedback>\n")


D = "example.com"
SG = "203.0.113.30"       # signs d=sendgrid.net: authorized-failing (R3)
OWN = "192.0.2.10"        # aligned SPF and DKIM: authorized (R5)
FWD = "198.51.100.20"     # SPF fails, aligned DKIM passes: forwarded (R4)
ARC = "198.51.100.77"     # reported with arc=pass: forwarded (R2)
BAD = "192.0.2.99"        # fails everything: unauthorized (R7)
crafted = report("Receiver A", "crafted-1", D, [
    record(OWN, 100, "pass", "pass", D, [(D, "s1", "pass")],
           [(D, "mfrom", "pass")]),
    # A subdomain's mail from the same server: relaxed-aligned only.
    record(OWN, 10, "pass", "pass", "news.example.com", [(D, "s1", "pass")],
           [(D, "mfrom", "pass")]),
    record(FWD, 30, "pass", "fail", D, [(D, "s1", "pass")],
           [(D, "mfrom", "fail")]),
    record(FWD, 5, "fail", "fail", D, [(D, "s1", "fail")],
           [(D, "mfrom", "fail")]),
    record(SG, 40, "fail", "fail", D, [("sendgrid.net", "s1", "pass")],
           [(D, "mfrom", "fail")]),
    record(BAD, 25, "fail", "fail", D, [], [(D, "mfrom", "fail")]),
])
crafted_b = report("Receiver B", "crafted-2", D, [
    record(ARC, 4, "fail", "fail", D, [(D, "s1", "fail")],
           [("lists.example.org", "mfrom", "pass")],
           [("local_policy", "arc=pass as.1.d=lists.example.org")]),
])
# Senders of our own, so that the expected include cannot drift with
# data/senders.conf (docs/senders.md gives the format).
SENDERS = write("senders.conf", """[service sendgrid]
name = Twilio SendGrid
spf-include = sendgrid.net
domains = sendgrid.net
hosts = *.sendgrid.net
source = https://example.org/sendgrid

[service own]
name = Own Relay Test
domains = relay.example.net
source = https://example.org/own
""")
DB = tmp("crafted.db")
imported(DB, write("crafted-1.xml", crafted), write("crafted-2.xml",
                                                     crafted_b))

# Summary: 214 messages = 110 + 35 + 40 + 25 + 4; DMARC pass 110 (OWN) +
# 30 (FWD) = 140; aligned SPF 110 (OWN); aligned DKIM 140.
rc, j, err = jrun("summary", "--db", DB)
s = (j or {}).get("domains", [{}])[0]
check("crafted summary: messages", rc == 0 and s.get("messages") == 214, s)
check("crafted summary: rates",
      abs(s.get("dmarc_pass_rate", 0) - 140 / 214) < 1e-9 and
      abs(s.get("spf_aligned_rate", 0) - 110 / 214) < 1e-9 and
      abs(s.get("dkim_aligned_rate", 0) - 140 / 214) < 1e-9, s)
check("crafted summary: dispositions", s.get("dispositions") ==
      {"none": 214, "quarantine": 0, "reject": 0, "pass": 0}, s)
check("crafted summary: reporters by messages", s.get("reporters") == [
    {"org_name": "Receiver A", "reports": 1, "messages": 210},
    {"org_name": "Receiver B", "reports": 1, "messages": 4}], s)
check("crafted summary: period", s.get("first") == "2024-03-01T00:00:00Z"
      and s.get("last") == "2024-03-01T23:59:59Z", s)

# ---- sources: reverse DNS from a zone, then from the cache ---------------

ZONE = write("ptr.zone", """$ORIGIN .
$TTL 600
10.2.0.192.in-addr.arpa. PTR mail.example.com.
30.113.0.203.in-addr.arpa. PTR o1.ptr.sendgrid.net.
77.100.51.198.in-addr.arpa. PTR esc\\027[31m.example.net.
$TIMEOUT 99.2.0.192.in-addr.arpa.
""")
rc, j, err = jrun("sources", "--db", DB, "--senders", SENDERS,
                  "--dns-zone", ZONE)
check("sources: exit 0", rc == 0, err)
by = {s["ip"]: s for s in j or []}
check("sources: five addresses by volume",
      [s["ip"] for s in j or []] == [OWN, SG, FWD, BAD, ARC], list(by))
for k in ["ip", "ptr", "service", "messages", "dmarc_pass", "spf_aligned",
          "dkim_aligned", "classification", "reasons", "fix"]:
    check("sources key " + k, all(k in s for s in j or []))
check("sources: PTR found", by.get(OWN, {}).get("ptr") == "mail.example.com"
      and by[OWN].get("ptr_status") == "known", by.get(OWN))
check("sources: no PTR (NXDOMAIN) is none",
      by.get(FWD, {}).get("ptr") is None and
      by[FWD].get("ptr_status") == "none", by.get(FWD))
check("sources: a timeout is failed", by.get(BAD, {}).get("ptr_status") ==
      "failed", by.get(BAD))
# Classes, by the rules of docs/reports.md:
# OWN: M=110, P=110: R5, authorized, nothing to fix.
o = by.get(OWN, {})
check("OWN authorized", o.get("classification") == "authorized" and
      o.get("fix") is None and o.get("messages") == 110 and
      o.get("dmarc_pass") == 110 and o.get("spf_aligned") == 110, o)
# SG: M=40, P=0, d=sendgrid.net belongs to SendGrid: R3, P < 90 %:
# authorized-failing; the aligned SPF domain example.com passes for 0 of
# 40 (F1, include known) and no aligned DKIM domain, sendgrid.net passes
# (F4).
o = by.get(SG, {})
check("SG authorized-failing", o.get("classification") ==
      "authorized-failing" and o.get("service") == "Twilio SendGrid", o)
check("SG fixes", o.get("fix") == "SPF include missing: add "
      "include:sendgrid.net to the SPF record of example.com; DKIM not "
      "aligned: signs as d=sendgrid.net; set up signing with your domain",
      o.get("fix"))
check("SG reasons", "known service Twilio SendGrid: d=sendgrid.net in its "
      "DKIM results" in o.get("reasons", []), o.get("reasons"))
check("SG PTR", o.get("ptr") == "o1.ptr.sendgrid.net")
# FWD: M=35, SA=0 < 18, DA=30 >= 18: R4 forwarded; 5 fail and an aligned
# DKIM domain exists: F7.
o = by.get(FWD, {})
check("FWD forwarded", o.get("classification") == "forwarded" and
      o.get("dkim_aligned") == 30 and o.get("spf_aligned") == 0, o)
check("FWD fix", o.get("fix") == "the relay alters messages and breaks "
      "DKIM: ask it to forward them unmodified, or to add ARC (RFC 8617)",
      o.get("fix"))
# ARC: 4 messages with an arc=pass comment: F=4 >= 2, SA=0: R2.
o = by.get(ARC, {})
check("ARC forwarded (R2)", o.get("classification") == "forwarded" and
      o.get("forwarded") == 4, o)
# BAD: M=25, P=0, no service: R7.
o = by.get(BAD, {})
check("BAD unauthorized", o.get("classification") == "unauthorized" and
      o.get("fix") is None and "passes DMARC for 0 of 25 messages (0.0 %)"
      in o.get("reasons", []), o)

# The cache: --offline now gives what was found, "none" included; the
# timeout was not kept.
rc, j, err = jrun("sources", "--db", DB, "--senders", SENDERS, "--offline")
by2 = {s["ip"]: s for s in j or []}
check("offline: cached PTR", by2.get(OWN, {}).get("ptr") ==
      "mail.example.com" and by2[OWN]["ptr_status"] == "known", by2.get(OWN))
check("offline: cached none", by2.get(FWD, {}).get("ptr_status") == "none")
check("offline: failed lookup not cached",
      by2.get(BAD, {}).get("ptr_status") == "unknown", by2.get(BAD))
check("offline: same classes", all(
    by2.get(ip, {}).get("classification") == by[ip]["classification"]
    for ip in by))
# A store never looked up: everything unknown.
FRESH = tmp("fresh.db")
imported(FRESH, tmp("crafted-1.xml"))
rc, j, err = jrun("sources", "--db", FRESH, "--offline", "--senders",
                  SENDERS)
check("offline fresh: nothing known", rc == 0 and
      all(s["ptr_status"] == "unknown" and s["ptr"] is None for s in j), j)
# DNS that fails for every address: after 3 failed lookups in a row the
# rest are not looked up (a timeout each would take minutes).  FRESH's
# sources by volume: OWN, SG, FWD, BAD.
DEAD = write("dead.zone", "".join(
    f"$TIMEOUT {'.'.join(reversed(ip.split('.')))}.in-addr.arpa.\n"
    for ip in [OWN, SG, FWD, BAD]))
rc, out, err, _ = run("sources", "--db", FRESH, "--senders", SENDERS,
                      "--dns-zone", DEAD, "--json")
st = [s["ptr_status"] for s in json.loads(out)] if rc == 0 else []
check("dead DNS: three failures, then no more lookups",
      st == ["failed", "failed", "failed", "unknown"] and
      "3 reverse DNS lookups failed in a row" in err, (st, err))
# The shipped sender knowledge knows SendGrid as well.
rc, j, err = jrun("sources", "--db", FRESH, "--offline")
sg = [s for s in j or [] if s["ip"] == SG]
check("default senders.conf: SendGrid", rc == 0 and len(sg) == 1 and
      sg[0]["service_id"] == "sendgrid" and
      sg[0]["classification"] == "authorized-failing", sg)

# Text: the summary line puts what needs attention first; the PTR name
# with an escape byte (\027 in the zone) never reaches the terminal raw.
rc, out, err, raw = run("sources", "--db", DB, "--senders", SENDERS,
                        "--offline")
check("sources text: summary line", rc == 0 and out.splitlines()[0] ==
      "5 sources, 214 messages: 1 unauthorized (25 messages), 1 "
      "authorized-failing (40 messages), 2 forwarded (39 messages), 1 "
      "authorized (110 messages)", out.splitlines()[:1])
check("sources text: fix shown", "fix: SPF include missing: add "
      "include:sendgrid.net" in out, out)
check("sources text: no raw escape byte", b"\x1b" not in raw and
      "[31m.example.net" in out, out)

# ---- readiness -----------------------------------------------------------

# --policy reject (the default), alignment as reported: 214 messages, 140
# pass, 74 fail and are rejected (SG 40, BAD 25, FWD 5, ARC 4).  The
# legitimate sources (OWN, SG, FWD, ARC: 189 messages) lose 49; BAD's 25
# are blocked.  Fix first by loss: SG 40, FWD 5, ARC 4.  49 > 0.1 % of
# 189: not yet.
rc, j, err = jrun("readiness", "--db", DB, "--domain", D, "--senders",
                  SENDERS)
check("readiness: exit 0", rc == 0, err)
j = j or {}
check("readiness: counts", (j.get("messages"), j.get("passing"),
                            j.get("failing"), j.get("rejected"),
                            j.get("quarantined")) == (214, 140, 74, 74, 0), j)
check("readiness: legitimate", j.get("legitimate", {}).get("sources") == 4
      and j["legitimate"].get("messages") == 189 and
      j["legitimate"].get("lost") == 49 and
      abs(j["legitimate"].get("rate", 0) - 49 / 189) < 1e-9,
      j.get("legitimate"))
check("readiness: unauthorized", j.get("unauthorized") == {
    "sources": 1, "messages": 25, "blocked": 25, "rate": 1.0},
    j.get("unauthorized"))
ff = j.get("fix_first", [])
check("readiness: fix first order", [(f["ip"], f["lost"]) for f in ff] ==
      [(SG, 40), (FWD, 5), (ARC, 4)], ff)
check("readiness: fix first SG fix", ff and ff[0].get("fix", "").startswith(
    "SPF include missing: add include:sendgrid.net"), ff[:1])
check("readiness: verdict", j.get("verdict", {}).get("status") == "not-yet"
      and j["verdict"].get("safe") is False and
      j["verdict"].get("max_lost_rate") == 0.001 and
      j["verdict"].get("max_lost_per_failing_source") == 10, j.get("verdict"))
check("readiness: candidate", j.get("candidate") == {
    "p": "reject", "sp": "reject", "testing": False, "record": None,
    "alignment": "reported", "adkim": None, "aspf": None}, j.get("candidate"))
check("readiness: sources lists BAD as rejected", any(
    s["ip"] == BAD and s["rejected"] == 25 and
    s["classification"] == "unauthorized" for s in j.get("sources", [])))

rc, j, err = jrun("readiness", "--db", DB, "--domain", D, "--policy",
                  "quarantine", "--senders", SENDERS)
check("readiness quarantine: 74 quarantined", rc == 0 and
      (j["rejected"], j["quarantined"]) == (0, 74), j)

# --record p=reject; sp=quarantine; adkim=s; aspf=s, alignment recomputed:
# OWN's 10 news.example.com messages (d=example.com, MAIL FROM
# example.com) no longer align and are quarantined (sp); the rest as
# above.  Passing 100 + 30 = 130, failing 84: rejected 74, quarantined 10.
# Lost 10 + 40 + 5 + 4 = 59; fix first SG 40, OWN 10, FWD 5, ARC 4; OWN's
# 10 passed as reported.
REC = "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s"
rc, j, err = jrun("readiness", "--db", DB, "--domain", D, "--record", REC,
                  "--senders", SENDERS)
check("readiness --record: counts", rc == 0 and (
    j["messages"], j["passing"], j["rejected"], j["quarantined"]) ==
    (214, 130, 74, 10), (j or {}).get("messages"))
check("readiness --record: lost", j["legitimate"]["lost"] == 59,
      j["legitimate"])
check("readiness --record: candidate", j["candidate"] == {
    "p": "reject", "sp": "quarantine", "testing": False, "record": REC,
    "alignment": "recomputed", "adkim": "s", "aspf": "s"}, j["candidate"])
ff = j["fix_first"]
check("readiness --record: fix first", [(f["ip"], f["lost"]) for f in ff] ==
      [(SG, 40), (OWN, 10), (FWD, 5), (ARC, 4)], ff)
own = [f for f in ff if f["ip"] == OWN]
check("readiness --record: OWN's alignment note",
      own and own[0]["alignment_note"].startswith("10 messages passed as "
                                                  "reported and fail only"),
      own)
# t=y lowers p=reject to quarantine; relaxed alignment keeps OWN passing.
rc, j, err = jrun("readiness", "--db", DB, "--domain", D, "--record",
                  "v=DMARC1; p=reject; t=y", "--senders", SENDERS)
check("readiness t=y: quarantine", rc == 0 and (
    j["passing"], j["rejected"], j["quarantined"]) == (140, 0, 74) and
    j["candidate"]["p"] == "quarantine" and j["candidate"]["testing"], j)

# Verdict boundaries, one domain each (reports of their own):
#  example.org: OWN2 2997 pass + 3 fail: legitimate 3000, lost 3 = 0.1 %:
#               safe (a spoofer's 50 are blocked);
#  example.net: 2996 + 4: lost 4 > 3: not yet;
#  example.edu: 20000 pass, a SendGrid source (R3) losing 11 (under 0.1 %
#               of 20011, over 10): not yet;
#  example.biz: the same losing 10: safe;
#  example.info: only a spoofer: not yet, nothing legitimate.


def own_and_fail(dom, ok, bad):
    return [record("192.0.2.50", ok, "pass", "pass", dom,
                   [(dom, "s", "pass")], [(dom, "mfrom", "pass")]),
            record("192.0.2.50", bad, "fail", "fail", dom,
                   [(dom, "s", "fail")], [(dom, "mfrom", "fail")]),
            record("203.0.113.66", 50, "fail", "fail", dom, [],
                   [(dom, "mfrom", "fail")])]


def with_sendgrid(dom, lost):
    return [record("192.0.2.60", 20000, "pass", "pass", dom,
                   [(dom, "s", "pass")], [(dom, "mfrom", "pass")]),
            record("203.0.113.70", lost, "fail", "fail", dom,
                   [("sendgrid.net", "s1", "pass")],
                   [(dom, "mfrom", "fail")])]


files = [write("org.xml", report("R", "b1", "example.org",
                                 own_and_fail("example.org", 2997, 3))),
         write("net.xml", report("R", "b2", "example.net",
                                 own_and_fail("example.net", 2996, 4))),
         write("edu.xml", report("R", "b3", "example.edu",
                                 with_sendgrid("example.edu", 11))),
         write("biz.xml", report("R", "b4", "example.biz",
                                 with_sendgrid("example.biz", 10))),
         write("info.xml", report("R", "b5", "example.info", [
             record("203.0.113.66", 9, "fail", "fail", "example.info", [],
                    [("example.info", "mfrom", "fail")])]))]
imported(DB, *files)


def verdict(dom):
    rc, j, err = jrun("readiness", "--db", DB, "--domain", dom, "--senders",
                      SENDERS)
    return rc, (j or {}).get("verdict", {}), j or {}


rc, v, j = verdict("example.org")
check("verdict example.org safe", rc == 0 and v.get("status") == "safe" and
      v.get("safe") is True and j["legitimate"]["lost"] == 3 and
      j["unauthorized"]["blocked"] == 50 and
      v.get("text", "").startswith("safe to move to p=reject"), (v, err))
rc, v, j = verdict("example.net")
check("verdict example.net not yet (0.1 %)", v.get("status") == "not-yet"
      and j["legitimate"]["lost"] == 4 and "would lose 4 of 3000" in
      v.get("text", ""), v)
rc, v, j = verdict("example.edu")
check("verdict example.edu not yet (failing source)",
      v.get("status") == "not-yet" and "203.0.113.70 would lose 11" in
      v.get("text", ""), v)
rc, v, j = verdict("example.biz")
check("verdict example.biz safe (10 lost)", v.get("status") == "safe", v)
rc, v, j = verdict("example.info")
check("verdict example.info: nothing legitimate", v.get("status") ==
      "not-yet" and j["legitimate"]["sources"] == 0 and
      "no source of the domain's own mail" in v.get("text", ""), v)
rc, v, j = verdict("nothing.example")
check("verdict no data", rc == 0 and v.get("status") == "no-data" and
      j.get("messages") == 0, v)
rc, out, err, _ = run("readiness", "--db", DB, "--domain", "example.org",
                      "--senders", SENDERS)
check("readiness text: verdict line", rc == 0 and
      "\nverdict: safe to move to p=reject: " in out, out)
rc, out, err, _ = run("readiness", "--db", DB, "--domain", D, "--senders",
                      SENDERS)
check("readiness text: fix first", "fix first:\n  1. 203.0.113.30 " in out
      and "verdict: not yet: the legitimate sources would lose 49 of 189 "
      "messages" in out, out)

# ---- export ----------------------------------------------------------------

# Fields a spreadsheet would take for formulas, a comma and quotes, a line
# break: RFC 4180 quoting and the SECURITY.md quote in front.
hostile = ('<?xml version="1.0"?><feedback><report_metadata>'
           '<org_name>=HYPERLINK("http://x.example","a,b")</org_name>'
           '<email>a@x.example</email><report_id>+1+2&#10;next</report_id>'
           '<date_range><begin>1709251200</begin><end>1709337599</end>'
           '</date_range></report_metadata><policy_published>'
           '<domain>csv.example</domain><p>none</p></policy_published>' +
           record("192.0.2.5", 3, "fail", "fail", "csv.example",
                  [("csv.example", "@sel", "fail")],
                  [("csv.example", "mfrom", "softfail")]).replace(
               "</header_from>", "</header_from><envelope_to>@SUM(1)"
               "</envelope_to><envelope_from>-2+3</envelope_from>") +
           "</feedback>")
EXP = tmp("export.db")
imported(EXP, write("hostile.xml", hostile))
rc, out, err, raw = run("export", "--db", EXP, "--format", "csv")
check("export csv: exit 0", rc == 0, err)
check("export csv: CRLF line ends", raw.count(b"\r\n") == 2 and
      raw.endswith(b"\r\n"), raw[:200])
rows = list(csv.reader(io.StringIO(raw.decode(), newline="")))
check("export csv: header", rows and rows[0] == [
    "org_name", "report_id", "begin", "end", "domain", "p", "sp", "np",
    "adkim", "aspf", "source_ip", "count", "disposition", "dkim", "spf",
    "reasons", "header_from", "envelope_from", "envelope_to",
    "dkim_results", "spf_results"], rows[:1])
r = dict(zip(rows[0], rows[1])) if len(rows) == 2 else {}
check("export csv: = neutralized, comma and quotes kept",
      r.get("org_name") == "'=HYPERLINK(\"http://x.example\",\"a,b\")",
      r.get("org_name"))
check("export csv: + neutralized, line break kept",
      r.get("report_id") == "'+1+2\nnext", repr(r.get("report_id")))
check("export csv: - neutralized", r.get("envelope_from") == "'-2+3",
      r.get("envelope_from"))
check("export csv: @ neutralized", r.get("envelope_to") == "'@SUM(1)",
      r.get("envelope_to"))
check("export csv: values", r.get("source_ip") == "192.0.2.5" and
      r.get("count") == "3" and r.get("begin") == "2024-03-01T00:00:00Z"
      and r.get("dkim_results") == "d=csv.example s=@sel fail" and
      r.get("spf_results") == "csv.example mfrom softfail" and
      r.get("p") == "none" and r.get("sp") == "", r)
check("export csv: raw quoting", b'"\'=HYPERLINK(""http://x.example"",'
      b'""a,b"")"' in raw, raw[:300])
rc, out, err, raw = run("export", "--db", EXP, "--format", "json")
try:
    arr = json.loads(out)
except ValueError:
    arr = None
check("export json: one array, one object per line", rc == 0 and
      isinstance(arr, list) and len(arr) == 1 and
      out.splitlines()[0] == "[" and out.splitlines()[-1] == "]" and
      len(out.splitlines()) == 3, out[:300])
a0 = (arr or [{}])[0]
check("export json: text as is (JSON needs no neutralizing)",
      a0.get("org_name") == '=HYPERLINK("http://x.example","a,b")' and
      a0.get("report_id") == "+1+2\nnext" and a0.get("count") == 3 and
      a0.get("dkim_results") == [{"domain": "csv.example",
                                  "selector": "@sel", "result": "fail",
                                  "human_result": None}], a0)
rc, out, err, _ = run("export", "--db", EXP, "--json", "--domain",
                      "none.example")
check("export json: empty", rc == 0 and json.loads(out) == [], out)
rc, out, err, _ = run("export", "--db", DB, "--format", "json",
                      "--domain", D)
check("export json: crafted rows", rc == 0 and
      sum(x["count"] for x in json.loads(out)) == 214, err)

# A failure report (RFC 6591) whose fields start with = and @.
arf = """From: dmarc@receiver.example
To: ruf@example.com
Subject: DMARC failure report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
 boundary="b1"

--b1
Content-Type: text/plain

A failure report.

--b1
Content-Type: message/feedback-report

Feedback-Type: auth-failure
User-Agent: Receiver/1.0
Version: 1
Auth-Failure: dmarc
Original-Mail-From: =cmd@evil.example
Original-Rcpt-To: @user@receiver.example
Reported-Domain: example.com
Source-IP: 192.0.2.99
Arrival-Date: Mon, 4 Mar 2024 10:00:00 +0000

--b1
Content-Type: text/rfc822-headers

From: ceo@example.com
Subject: +1

--b1--
""".replace("\n", "\r\n")
imported(EXP, write("failure.eml", arf))
rc, out, err, raw = run("export", "--db", EXP, "--failures")
rows = list(csv.reader(io.StringIO(raw.decode(), newline="")))
f = dict(zip(rows[0], rows[1])) if len(rows) == 2 else {}
check("export failures csv", rc == 0 and
      f.get("original_mail_from") == "'=cmd@evil.example" and
      f.get("original_rcpt_to") == "'@user@receiver.example" and
      f.get("source_ip") == "192.0.2.99" and
      f.get("arrival_date") == "2024-03-04T10:00:00Z" and
      f.get("feedback_type") == "auth-failure" and
      "Subject: +1" in f.get("headers", ""), (rows[:1], f, err))
rc, out, err, _ = run("export", "--db", EXP, "--failures", "--json")
fj = json.loads(out) if rc == 0 else []
check("export failures json", len(fj) == 1 and
      fj[0]["original_mail_from"] == "=cmd@evil.example" and
      fj[0]["reported_domain"] == "example.com" and
      fj[0]["headers_truncated"] is False, fj)

# ---- exit statuses -------------------------------------------------------

usage = [
    ("summary", "--since", "2024-13-01"),
    ("summary", "--since", "2023-02-29"),
    ("summary", "--until", "yesterday"),
    ("summary", "--since", "-5"),
    ("summary", "--since", "2024-02-02", "--until", "2024-02-01"),
    ("summary", "--domain", "a b"),
    ("summary", "--domain", ""),
    ("summary", "--bogus"),
    ("summary", "extra"),
    ("summary", "--db"),
    ("sources", "--offline", "--dns-zone", ZONE),
    ("sources", "--dns-timeout", "0"),
    ("export", "--format", "xml"),
    ("export", "--json", "--format", "csv"),
    ("readiness",),
    ("readiness", "--domain", D, "--policy", "none"),
    ("readiness", "--domain", D, "--record", "p=reject"),
    ("readiness", "--domain", D, "--record",
     "v=DMARC1; rua=mailto:d@example.com"),
    ("readiness", "--domain", D, "--policy", "reject", "--record",
     "v=DMARC1; p=reject"),
]
for args in usage:
    rc, out, err, _ = run(*args, "--db", DB)
    check(f"usage error {args}: 2", rc == 2 and err.startswith(
        f"vouch report {args[0]}: ") and out == "", (rc, err))
for cmd in ["summary", "sources", "readiness", "export"]:
    rc, out, err, _ = run(cmd, "--help")
    check(f"{cmd} --help: 0", rc == 0 and out.startswith("usage: vouch "
                                                          "report " + cmd))
    args = [cmd, "--db", "/nonexistent/folder/x.db"]
    if cmd == "readiness":
        args += ["--domain", D]
    if cmd == "sources":
        args += ["--offline"]
    rc, out, err, _ = run(*args)
    check(f"{cmd}: unopenable store: 1", rc == 1 and
          "/nonexistent/folder/x.db" in err, (rc, err))
rc, out, err, _ = run("sources", "--db", DB, "--senders", tmp("missing"))
check("sources: unreadable --senders: 1", rc == 1 and "--senders" in err,
      (rc, err))
rc, out, err, _ = run("sources", "--db", DB, "--dns-zone", tmp("missing"))
check("sources: unreadable zone: 1", rc == 1, (rc, err))
# Dates: a day, and seconds; --until DAY takes in that day.
rc, j, err = jrun("summary", "--db", DB, "--domain", D, "--since",
                  "2024-03-01", "--until", "2024-03-01")
check("summary: one day by dates", rc == 0 and len(j["domains"]) == 1, j)
rc, j, err = jrun("summary", "--db", DB, "--domain", D, "--since",
                  "1709337600")
check("summary: --since after the report: nothing", rc == 0 and
      j["domains"] == [], j)

shutil.rmtree(TMP, ignore_errors=True)
finish()
