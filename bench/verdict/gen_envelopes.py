#!/usr/bin/python3
"""gen_envelopes.py - SMTP envelopes, SPF and DMARC records for the DKIM
benchmark corpus, so that every message gets a full receiver verdict.

Usage: gen_envelopes.py [--seed N] DKIM_CORPUS OUTDIR

DKIM_CORPUS is a folder bench/dkim/gen_corpus.py wrote; its messages are
used as they are (linked, not copied).  Writes:

  OUTDIR/msg            a symbolic link to DKIM_CORPUS/msg
  OUTDIR/manifest.txt   one message a line, tab-separated:
                          FILE EXPECTED CLIENT_IP HELO MAIL_FROM CASE
                        MAIL_FROM "<>" is the null reverse-path; CASE
                        names the envelope's design (below); EXPECTED is
                        the verdict the design gives, as the drivers
                        print it:
                          spf:R,helo:R,dkim:R[+R...],dmarc:R,action:A
                        spf: RFC 7208 result for the MAIL FROM identity
                        (postmaster@HELO for <>, RFC 7208 2.4); helo: for
                        the HELO identity; dkim: each DKIM-Signature in
                        header order (the DKIM corpus's EXPECTED); dmarc:
                        pass, fail or none (RFC 7489: no policy record);
                        action: reject or quarantine when DMARC fails
                        under that policy, accept otherwise
  OUTDIR/vouch.zone     every record (the DKIM corpus's keys included) as
                        an RFC 1035 master file for vouch's zone backend
  OUTDIR/knot.zone      the same zone "example." with SOA and NS, for knot
  OUTDIR/trio.rr        the SPF-related and _dmarc records, one a line,
                        NAME TAB TYPE TAB DATA (TXT unquoted, MX "PREF
                        HOST"), for libspf2's zone layer and libopendmarc's
                        fake-record table
  OUTDIR/opendkim.keys  the DKIM corpus's key records (libopendkim)
  OUTDIR/summary.txt    counts per case, per result, per action

Everything follows from the seed and the DKIM corpus.

The senders: the five author domains of the DKIM corpus publish SPF
records with their own servers (ip4, ip6, a:, mx, ip ranges of a bounce
subdomain), three of them include an e-mail service provider
(mailer.example, include:_spf.mailer.example) and they end in -all, ~all
or ?all; a mailing list host (lists.example), forwarders, and unlisted
spoofing hosts send too.  Sending hosts have HELO records ("v=spf1 a
-all") except a few.  DMARC records: acme p=reject with sp=quarantine;
globex p=quarantine with adkim=s and aspf=s; initech p=none; umbrella
p=reject with aspf=s; hooli none.  Every From domain of the corpus is an
organizational domain, so sp= is published but never selected.

Cases (the envelope's design):

  direct       the author's own server, MAIL FROM the author's domain
  sub          a bounce subdomain of the author (relaxed alignment only)
  esp          the ESP's server, MAIL FROM the ESP's own domain
  esp-include  the ESP's server, MAIL FROM the author's domain, which
               includes the ESP
  list         the list server, MAIL FROM lists.example (list messages)
  forward      a forwarder's server, MAIL FROM unchanged: the author's
               -all/~all/?all
  spoof        an unlisted host, no HELO record, MAIL FROM the author's
  nospf        an unlisted host, MAIL FROM a domain without SPF
  null         MAIL FROM <> from the author's own server: the MAIL FROM
               identity is postmaster@HELO (RFC 7208 2.4), and DMARC
               aligns that domain (RFC 7489 4.1, RFC 9989 3.2.4)

Messages whose author signature passes mostly get direct, sub and esp
envelopes; the others (changed body or Subject, unpublished selector,
mailing lists) get every case, so that SPF alone decides their DMARC
result.

Expected results come from the design: the SPF result from the records
written here (evaluated by check_host() below, which knows just the terms
used: ip4, ip6, a, mx, include, all), the DMARC result from RFC 7489
with relaxed alignment meaning the same organizational domain.  Every
name here is under the one-label suffix "example", which the Public
Suffix List does not list, so its implicit "*" rule makes the
organizational domain the last two labels.
"""

import argparse
import ipaddress
import os
import random
import re
import shutil
import sys

TTL = 3600
ZONE = "example"
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "news",
         "billing", "support")
HELO_SPF = "v=spf1 a -all"


class Domain:
    """A sending domain: its SPF record, servers, bounce subdomain and
    DMARC record."""

    def __init__(self, name, spf, hosts, sub=None, sub_spf=None,
                 sub_hosts=(), dmarc=None, include=False):
        self.name = name
        self.spf = spf
        self.hosts = hosts		# [(HELO name, address, HELO record?)]
        self.sub = sub
        self.sub_spf = sub_spf
        self.sub_hosts = sub_hosts
        self.dmarc = dmarc
        self.include = include		# the SPF record includes the ESP


ESP_HOSTS = [("o%d.mailer.example" % i, "203.0.113.%d" % (130 + i), True)
             for i in range(4)] + [("o9.mailer.example", "203.0.113.201",
                                    True)]
DOMAINS = {
    "acme.example": Domain(
        "acme.example",
        "v=spf1 ip4:192.0.2.0/28 include:_spf.mailer.example -all",
        [("out%d.acme.example" % i, "192.0.2.%d" % i, True)
         for i in (1, 2, 3)],
        "bounce.acme.example", "v=spf1 ip4:192.0.2.16/28 -all",
        [("mta1.bounce.acme.example", "192.0.2.17", True)],
        "v=DMARC1; p=reject; sp=quarantine; "
        "rua=mailto:dmarc-rua@acme.example", True),
    "globex.example": Domain(
        "globex.example", "v=spf1 mx ip4:198.51.100.32/28 ~all",
        [("mx1.globex.example", "198.51.100.21", False),
         ("mx2.globex.example", "198.51.100.22", False),
         ("out1.globex.example", "198.51.100.40", True)],
        "em.globex.example", "v=spf1 include:_spf.mailer.example -all",
        ESP_HOSTS,
        "v=DMARC1; p=quarantine; adkim=s; aspf=s; fo=1; "
        "rua=mailto:dmarc@globex.example"),
    "initech.example": Domain(
        "initech.example",
        "v=spf1 a:out.initech.example a:out2.initech.example -all",
        [("out.initech.example", "203.0.113.40", True),
         ("out2.initech.example", "203.0.113.41", True)],
        dmarc="v=DMARC1; p=none; rua=mailto:dmarc@initech.example"),
    "umbrella.example": Domain(
        "umbrella.example",
        "v=spf1 ip4:203.0.113.64/27 ip6:2001:db8:64::/48 "
        "include:_spf.mailer.example ~all",
        [("out1.umbrella.example", "203.0.113.70", True),
         ("out6.umbrella.example", "2001:db8:64::25", True)],
        "mail.umbrella.example", "v=spf1 ip4:203.0.113.96/28 -all",
        [("smtp.mail.umbrella.example", "203.0.113.100", True)],
        "v=DMARC1; p=reject; adkim=r; aspf=s; pct=100; "
        "rua=mailto:dmarc@umbrella.example", True),
    "hooli.example": Domain(
        "hooli.example",
        "v=spf1 ip4:198.51.100.128/27 ip6:2001:db8:128::/48 ?all",
        [("out1.hooli.example", "198.51.100.130", True),
         ("out6.hooli.example", "2001:db8:128::10", True)],
        include=True),
}
OTHERS = (
    ("mailer.example", "TXT", "v=spf1 include:_spf.mailer.example -all"),
    ("_spf.mailer.example", "TXT",
     "v=spf1 ip4:203.0.113.128/26 ip4:203.0.113.192/27 -all"),
    ("lists.example", "TXT", "v=spf1 ip4:198.51.100.200/30 -all"),
    ("_dmarc.lists.example", "TXT", "v=DMARC1; p=none"),
    ("globex.example", "MX", "10 mx1.globex.example"),
    ("globex.example", "MX", "20 mx2.globex.example"),
    ("nospf.example", "A", "192.0.2.99"),
)
LIST_HOST = ("lists1.lists.example", "198.51.100.201", True)
FORWARDERS = [("relay1.fwd.example", "198.18.5.10", True),
              ("relay6.fwd.example", "2001:db8:f0::10", True)]

# Case weights for messages whose author signature passes, and for those
# whose does not (SPF decides DMARC for them).
WEIGHTS_DKIM = (("direct", 42), ("sub", 15), ("esp", 12),
                ("esp-include", 8), ("forward", 10), ("spoof", 3),
                ("nospf", 4), ("null", 6))
WEIGHTS_NODKIM = (("direct", 24), ("sub", 15), ("esp", 10),
                  ("esp-include", 6), ("forward", 14), ("spoof", 12),
                  ("nospf", 5), ("null", 14))


def wpick(rng, table):
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


# ---- the zone ----------------------------------------------------------

def build_rr():
    """[(owner, type, data)] of the SPF-related and DMARC records."""
    rr = []
    hosts = list(ESP_HOSTS) + [LIST_HOST] + FORWARDERS
    for d in DOMAINS.values():
        rr.append((d.name, "TXT", d.spf))
        if d.sub:
            rr.append((d.sub, "TXT", d.sub_spf))
        if d.dmarc:
            rr.append(("_dmarc." + d.name, "TXT", d.dmarc))
        hosts += d.hosts + [h for h in d.sub_hosts if h not in ESP_HOSTS]
    rr += OTHERS
    for name, addr, helo_spf in hosts:
        rr.append((name, "AAAA" if ":" in addr else "A", addr))
        if helo_spf:
            rr.append((name, "TXT", HELO_SPF))
    return rr


def lookup(rr, name, rtype):
    return [d for o, t, d in rr if o == name and t == rtype]


def check_host(rr, ip, domain):
    """RFC 7208 check_host() over the records above (only the terms they
    use)."""
    recs = [t for t in lookup(rr, domain, "TXT") if t.startswith("v=spf1 ")]
    if not recs:
        return "none"
    addr = ipaddress.ip_address(ip)
    for term in recs[0].split()[1:]:
        qual = "+"
        if term[0] in "+-~?":
            qual, term = term[0], term[1:]
        mech, _, arg = term.partition(":")
        if mech == "all":
            match = True
        elif mech in ("ip4", "ip6"):
            net = ipaddress.ip_network(arg)
            match = net.version == addr.version and addr in net
        elif mech in ("a", "mx"):
            names = [arg or domain] if mech == "a" else [
                m.split()[1] for m in lookup(rr, domain, "MX")]
            rtype = "AAAA" if addr.version == 6 else "A"
            match = any(ipaddress.ip_address(a) == addr
                        for n in names for a in lookup(rr, n, rtype))
        elif mech == "include":
            match = check_host(rr, ip, arg) == "pass"
        else:
            raise ValueError("term %s not modelled" % term)
        if match:
            return {"+": "pass", "-": "fail", "~": "softfail",
                    "?": "neutral"}[qual]
    return "neutral"


def write_zones(outdir, rr, dkim_lines):
    body = []
    for owner, rtype, data in rr:
        if rtype == "TXT":
            data = '"%s"' % data
        elif rtype == "MX":
            data += "."
        body.append("%s. IN %s %s\n" % (owner, rtype, data))
    body += dkim_lines
    with open(os.path.join(outdir, "vouch.zone"), "w") as f:
        f.write("; generated by bench/verdict/gen_envelopes.py\n")
        f.write("$TTL %d\n" % TTL)
        f.writelines(body)
    with open(os.path.join(outdir, "knot.zone"), "w") as f:
        f.write("; generated by bench/verdict/gen_envelopes.py\n")
        f.write("$ORIGIN %s.\n$TTL %d\n" % (ZONE, TTL))
        f.write("@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n"
                "@ NS ns.%s.\nns A 127.0.0.1\n" % (ZONE, ZONE, ZONE))
        f.writelines(body)
    with open(os.path.join(outdir, "trio.rr"), "w") as f:
        for owner, rtype, data in rr:
            f.write("%s\t%s\t%s\n" % (owner, rtype, data))


# ---- the messages ------------------------------------------------------

def read_header(path):
    """(From domain, [d= of each DKIM-Signature in header order])."""
    with open(path, "rb") as f:
        data = f.read(65536).decode("ascii", "replace")
    head = data[:data.index("\r\n\r\n")]
    fields = re.split(r"\r\n(?![ \t])", head)
    frm, dlist = None, []
    for field in fields:
        name, _, value = field.partition(":")
        value = re.sub(r"\r\n[ \t]", " ", value)
        if name.lower() == "from":
            frm = re.search(r"@([^>\s]+)", value).group(1).lower()
        elif name.lower() == "dkim-signature":
            dlist.append(re.search(r"(?:^|;)\s*d\s*=\s*([^;\s]+)",
                                   value).group(1).lower())
    return frm, dlist


def org(domain):
    return ".".join(domain.split(".")[-2:])


def aligned(ident, frm, strict):
    return ident == frm if strict else org(ident) == org(frm)


def tags(record):
    return dict(t.strip().split("=", 1) for t in record.split(";")
                if "=" in t)


def envelope(rng, i, case, frm):
    """(client IP, HELO, MAIL FROM, case): a case the author cannot have
    (no bounce subdomain, no include of the ESP) becomes the nearest."""
    d = DOMAINS[frm]
    user = rng.choice(USERS)
    if case == "sub" and not d.sub:
        case = "direct"
    if case == "esp-include" and not d.include:
        case = "esp"
    if case in ("direct", "null"):
        helo, ip, _ = rng.choice(d.hosts)
        return (ip, helo, "<>" if case == "null" else "%s@%s" % (user, frm),
                case)
    if case == "sub":
        helo, ip, _ = rng.choice(d.sub_hosts)
        return ip, helo, "bounce-%d@%s" % (i, d.sub), case
    if case in ("esp", "esp-include"):
        helo, ip, _ = rng.choice(ESP_HOSTS)
        return ip, helo, ("bounces+%d@mailer.example" % i if case == "esp"
                          else "%s@%s" % (user, frm)), case
    if case == "list":
        return (LIST_HOST[1], LIST_HOST[0],
                "team-bounces+%d@lists.example" % i, case)
    if case == "forward":
        helo, ip, _ = rng.choice(FORWARDERS)
        return ip, helo, "%s@%s" % (user, frm), case
    n = rng.randint(1, 254)
    ip = "198.18.66.%d" % n if rng.random() < 0.8 else "2001:db8:bad::%x" % n
    helo = "host-%d.dialup.example" % n
    dom = frm if case == "spoof" else "nospf.example"
    return ip, helo, "%s@%s" % (user, dom), case


def verdict(rr, ip, helo, mail_from, frm, sigs):
    """The expected result word of one message (see the manifest)."""
    spf_dom = helo if mail_from == "<>" else mail_from.split("@")[1]
    spf = check_host(rr, ip, spf_dom)
    helo_res = check_host(rr, ip, helo)
    rec = DOMAINS[frm].dmarc
    dmarc, action = "none", "accept"
    if rec:
        t = tags(rec)
        dkim_ok = any(r == "pass" and aligned(d, frm, t.get("adkim") == "s")
                      for d, r in sigs)
        spf_ok = spf == "pass" and aligned(spf_dom, frm, t.get("aspf") == "s")
        dmarc = "pass" if dkim_ok or spf_ok else "fail"
        if dmarc == "fail" and t["p"] in ("reject", "quarantine"):
            action = t["p"]
    return "spf:%s,helo:%s,dkim:%s,dmarc:%s,action:%s" % (
        spf, helo_res, "+".join(r for _, r in sigs), dmarc, action)


def count(table, key):
    table[key] = table.get(key, 0) + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7489)
    ap.add_argument("corpus")
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    corpus = os.path.abspath(a.corpus)
    os.makedirs(a.outdir, exist_ok=True)
    link = os.path.join(a.outdir, "msg")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.join(corpus, "msg"), link)
    shutil.copyfile(os.path.join(corpus, "opendkim.keys"),
                    os.path.join(a.outdir, "opendkim.keys"))
    with open(os.path.join(corpus, "vouch.zone")) as f:
        dkim_lines = [x for x in f if not x.startswith("$")]
    rr = build_rr()
    write_zones(a.outdir, rr, dkim_lines)

    stats = {"case": {}, "dmarc": {}, "action": {}, "spf": {}}
    with open(os.path.join(corpus, "manifest.txt")) as f:
        cases = [x.rstrip("\n").split("\t") for x in f
                 if x.strip() and not x.startswith("#")]
    with open(os.path.join(a.outdir, "manifest.txt"), "w") as man:
        man.write("# FILE\tEXPECTED\tCLIENT_IP\tHELO\tMAIL_FROM\tCASE\n")
        for i, (name, expect) in enumerate(c[:2] for c in cases):
            frm, dlist = read_header(os.path.join(corpus, name))
            sigs = list(zip(dlist, expect.split(",")))
            rec = tags(DOMAINS[frm].dmarc or "v=DMARC1")
            if "lists.example" in dlist:
                case = "list"
            elif any(r == "pass" and aligned(d, frm, rec.get("adkim") == "s")
                     for d, r in sigs):
                case = wpick(rng, WEIGHTS_DKIM)
            else:
                case = wpick(rng, WEIGHTS_NODKIM)
            ip, helo, mail_from, case = envelope(rng, i, case, frm)
            word = verdict(rr, ip, helo, mail_from, frm, sigs)
            man.write("%s\t%s\t%s\t%s\t%s\t%s\n" % (
                name, word, ip, helo, mail_from, case))
            parts = dict(p.split(":") for p in word.split(","))
            count(stats["case"], case)
            for k in ("dmarc", "action", "spf"):
                count(stats[k], parts[k])
    with open(os.path.join(a.outdir, "summary.txt"), "w") as f:
        for k, v in stats.items():
            f.write("%s %s\n" % (k, " ".join(
                "%s:%d" % kv for kv in sorted(v.items()))))


if __name__ == "__main__":
    sys.exit(main())
