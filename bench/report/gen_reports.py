#!/usr/bin/python3
"""Generate the DMARC aggregate report corpus of bench/report.

Writes N reports into a folder as r00000.xml, r00001.xml.gz, r00002.zip
(one container in three each), half in RFC 7489 appendix C form and half
in RFC 9990's namespaced form, with sizes drawn from a mix that looks
like real mailboxes: most reports hold a few records, some hundreds, a
few thousands.  Deterministic for a given seed.  Prints one summary line
on stderr and writes MANIFEST (file, records, sum of counts).
"""
import argparse
import gzip
import io
import os
import random
import sys
import zipfile

ORGS = ["google.com", "Yahoo", "Mail.Ru", "Outlook.com", "comcast.net",
        "Enterprise Org", "fastmail.example", "web.example"]
DISP = ["none", "none", "none", "quarantine", "reject"]
RES = ["pass", "pass", "pass", "fail"]
SPFRES = ["pass", "pass", "fail", "softfail", "neutral", "none"]


def ip(rnd):
    if rnd.random() < 0.8:
        return "%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255),
                                rnd.randint(0, 255), rnd.randint(1, 254))
    return "2001:db8:%x:%x::%x" % (rnd.randint(0, 65535),
                                   rnd.randint(0, 65535),
                                   rnd.randint(1, 65535))


def record(rnd, dom, new):
    hf = dom if rnd.random() < 0.9 else "mail." + dom
    dk = rnd.choice(RES)
    sp = rnd.choice(RES)
    out = ["<record><row><source_ip>%s</source_ip><count>%d</count>"
           % (ip(rnd), rnd.choice([1, 1, 1, 2, 3, 5, 12, 40])),
           "<policy_evaluated><disposition>%s</disposition>"
           "<dkim>%s</dkim><spf>%s</spf>" % (rnd.choice(DISP), dk, sp)]
    if rnd.random() < 0.1:
        out.append("<reason><type>forwarded</type><comment>arc=pass"
                   "</comment></reason>")
    out.append("</policy_evaluated></row><identifiers>")
    if new:
        out.append("<envelope_to>example.net</envelope_to>")
    out.append("<envelope_from>%s</envelope_from><header_from>%s"
               "</header_from></identifiers><auth_results>"
               % (rnd.choice([hf, "bounces.esp.example"]), hf))
    for i in range(rnd.choice([0, 1, 1, 1, 2])):
        d = rnd.choice([hf, dom, "esp.example"])
        out.append("<dkim><domain>%s</domain><selector>s%d</selector>"
                   "<result>%s</result></dkim>"
                   % (d, i + 1, rnd.choice(["pass", "pass", "fail"])))
    out.append("<spf><domain>%s</domain>%s<result>%s</result></spf>"
               % (hf, "<scope>mfrom</scope>" if not new or
                  rnd.random() < 0.5 else "", rnd.choice(SPFRES)))
    out.append("</auth_results></record>\n")
    return "".join(out)


def report(rnd, n, new):
    org = rnd.choice(ORGS)
    dom = "d%d.example" % rnd.randint(1, 400)
    begin = 1700000000 + rnd.randint(0, 300) * 86400
    head = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    if new:
        head.append('<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'
                    '<version>1.0</version>')
    else:
        head.append("<feedback>")
    head.append("<report_metadata><org_name>%s</org_name><email>"
                "noreply-dmarc@%s</email><report_id>%s-%d</report_id>"
                "<date_range><begin>%d</begin><end>%d</end></date_range>"
                % (org, org.replace(" ", "").lower(), org.replace(" ", ""),
                   n, begin, begin + 86399))
    if new:
        head.append("<generator>bench 1.0</generator>")
    head.append("</report_metadata><policy_published><domain>%s</domain>"
                % dom)
    if new:
        head.append("<discovery_method>treewalk</discovery_method>")
    head.append("<adkim>r</adkim><aspf>r</aspf><p>%s</p><sp>none</sp>"
                % rnd.choice(["none", "quarantine", "reject"]))
    if new:
        head.append("<np>reject</np><testing>n</testing>")
    else:
        head.append("<pct>100</pct>")
    head.append("</policy_published>\n")
    u = rnd.random()
    if u < 0.6:
        nrec = rnd.randint(1, 10)
    elif u < 0.98:
        nrec = rnd.randint(10, 100)
    else:
        nrec = rnd.randint(200, 2000)
    recs = [record(rnd, dom, new) for _ in range(nrec)]
    total = sum(int(r.split("<count>")[1].split("<")[0]) for r in recs)
    text = "".join(head) + "".join(recs) + "</feedback>\n"
    name = "%s!%s!%d!%d" % (org.replace(" ", ""), dom, begin, begin + 86399)
    return name, text.encode(), nrec, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=9990)
    ap.add_argument("--reports", type=int, default=10000)
    ap.add_argument("out")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    nrec = nxml = 0
    with open(os.path.join(a.out, "MANIFEST"), "w") as man:
        for i in range(a.reports):
            name, xml, n, total = report(rnd, i, i % 2 == 1)
            kind = i % 3
            if kind == 0:
                fn, data = "r%05d.xml" % i, xml
            elif kind == 1:
                fn = "r%05d.xml.gz" % i
                data = gzip.compress(xml, compresslevel=6, mtime=0)
            else:
                fn = "r%05d.zip" % i
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                    z.writestr(zipfile.ZipInfo(name + ".xml",
                                               (2024, 1, 1, 0, 0, 0)), xml,
                               compress_type=zipfile.ZIP_DEFLATED)
                data = buf.getvalue()
            with open(os.path.join(a.out, fn), "wb") as f:
                f.write(data)
            man.write("%s\t%d\t%d\n" % (fn, n, total))
            nrec += n
            nxml += len(xml)
    print("gen_reports: %d reports, %d records, %.1f MB of XML"
          % (a.reports, nrec, nxml / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
