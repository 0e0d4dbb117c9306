#!/usr/bin/env python3
"""spf_gen.py - generate SPF interop scenarios (RFC 7208) for a differential
test between vouch and an independent implementation.

Usage: spf_gen.py [--seed N] [--parent NAME] ZONEFILE QUERIES.tsv

Writes one RFC 1035 master file (origin ".", with SOA and NS so that a
real authoritative server loads it; the root is used so that reverse
names for ptr and a single-label domain fit in the same file) and a TSV of
queries, one per line:

    id  ip  mail_from  helo  check  expect

id        "<template>.s<NNN>.<k>": known-difference patterns match on it
ip        the SMTP client, IPv4 or IPv6
mail_from the MAIL FROM address, "" for the null reverse-path (then the
          HELO identity is checked, RFC 7208 section 2.4)
helo      the HELO/EHLO name
check     "exp" when the explanation of a fail result must agree too (the
          domain published an exp= that RFC 7208 section 6.2 says is used);
          "absent" when an exp= text containing MUST-NOT-SHOW was published
          where section 6.2 says it is not used
expect    what the scenario's author reads RFC 7208 to require, or "" when
          not stated; informational only, the test compares implementations

Every scenario owns the names under s<NNN>.<parent> (default parent:
interop.test).  Everything is
derived from the seed: the same seed gives byte-identical output.  Only the
Python standard library is used.
"""
import argparse
import ipaddress
import random
import re
import string
import sys

PARENT = "interop.test"
TTL = 300
EXISTS_ADDR = "127.0.0.2"
DELIMS = ".-+,/_="
UNRESERVED = set(string.ascii_letters + string.digits + "-._~")

# ---- RFC 7208 section 7 macro expansion (the generator's own reading) -----


class MacroCtx:
    def __init__(self, ip, mail_from, helo, domain, p=None):
        self.ip = ipaddress.ip_address(ip)
        if mail_from:
            local, _, dom = mail_from.rpartition("@")
            self.l = local or "postmaster"
            self.o = dom
        else:
            self.l, self.o = "postmaster", helo
        self.s = self.l + "@" + self.o
        self.d = domain
        self.h = helo
        self.p = p or "unknown"
        self.r = "unknown"

    def value(self, letter):
        if letter == "i":
            if self.ip.version == 4:
                return str(self.ip)
            return ".".join(self.ip.exploded.replace(":", ""))
        if letter == "c":
            return str(self.ip)
        if letter == "v":
            return "in-addr" if self.ip.version == 4 else "ip6"
        return getattr(self, letter)


def url_escape(s):
    return "".join(c if c in UNRESERVED else
                   "".join("%%%02X" % b for b in c.encode()) for c in s)


def expand(spec, ctx):
    """Expand a macro-string; assumes it is syntactically valid."""
    out, i = [], 0
    while i < len(spec):
        c = spec[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        n = spec[i + 1]
        if n in "%_-":
            out.append({"%": "%", "_": " ", "-": "%20"}[n])
            i += 2
            continue
        j = spec.index("}", i)
        body = spec[i + 2:j]
        i = j + 1
        letter, rest = body[0], body[1:]
        m = re.fullmatch(r"(\d*)([rR]?)([.\-+,/_=]*)", rest)
        val = ctx.value(letter.lower())
        if rest:
            delims = m.group(3) or "."
            parts = re.split("[" + re.escape(delims) + "]", val)
            if m.group(2):
                parts.reverse()
            if m.group(1):
                parts = parts[-int(m.group(1)):]
            val = ".".join(parts)
        if letter.isupper():
            val = url_escape(val)
        out.append(val)
    return "".join(out)


def query_name(s):
    """Section 7.3: a trailing dot is accepted; over 253 characters,
    labels are removed from the left until it fits."""
    if s.endswith("."):
        s = s[:-1]
    while len(s) > 253:
        s = s.split(".", 1)[1]
    return s


# ---- zone and query output ------------------------------------------------


def zone_name(name):
    """Presentation form of an absolute name, escaping what the master-file
    syntax would otherwise read specially."""
    labels = []
    for label in name.rstrip(".").split("."):
        labels.append("".join(
            c if c.isalnum() or c in "-_*" else "\\%03d" % ord(c)
            for c in label))
    return ".".join(labels) + "."


def txt_rdata(strings):
    out = []
    for s in strings:
        esc = "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\'
                      else ("\\" + c if c in '"\\' else "\\%03d" % ord(c))
                      for c in s)
        out.append('"' + esc + '"')
    return " ".join(out)


def rev_name(ip):
    ip = ipaddress.ip_address(ip)
    return ip.reverse_pointer


class Scn:
    """One scenario: its records and queries, under s<NNN>.interop.test."""

    def __init__(self, gen, kind):
        gen.n += 1
        gen.used = set()
        self.gen, self.kind, self.n = gen, kind, gen.n
        self.b = "s%03d.%s" % (self.n, PARENT)
        self.k = 0
        self.rng = gen.rng
        gen.rr(self.b, "TXT", txt_rdata(["scenario " + kind]))

    def fq(self, label):
        if label.endswith("."):
            return label[:-1]
        return label + "." + self.b if label else self.b

    def txt(self, label, *strings):
        self.gen.rr(self.fq(label), "TXT", txt_rdata(strings))

    def spf(self, label, record):
        """A TXT record, split into 255-octet strings when long."""
        parts = [record[i:i + 255] for i in range(0, len(record), 255)]
        self.txt(label, *(parts or [""]))

    def a(self, label, *ips):
        for ip in ips:
            t = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
            self.gen.rr(self.fq(label), t, str(ip))

    def mx(self, label, pref, target):
        self.gen.rr(self.fq(label), "MX", "%d %s" % (pref, zone_name(
            self.fq(target)) if target != "." else "."))

    def cname(self, label, target):
        self.gen.rr(self.fq(label), "CNAME", zone_name(self.fq(target)))

    def ptr(self, ip, target):
        self.gen.rr(rev_name(ip) + ".", "PTR", zone_name(self.fq(target)))

    def rr(self, label, rtype, rdata):
        self.gen.rr(self.fq(label), rtype, rdata)

    def q(self, ip, local="user", helo=None, check="", expect="",
          mail_from=None):
        """A query; the sender is local@<base> unless mail_from is
        given ("" for the null reverse-path)."""
        self.k += 1
        if mail_from is None:
            mail_from = "%s@%s" % (local, self.b) if local else self.b
        if helo is None:
            helo = "helo." + self.b
        qid = "%s.s%03d.%d" % (self.kind, self.n, self.k)
        self.gen.queries.append((qid, str(ip), mail_from, helo, check,
                                 expect))
        return qid


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.n = 0
        self.records = []
        self.queries = []
        self.used = set()
        self.ptr4 = (ipaddress.IPv4Address("198.51.100.0") + i
                     for i in range(1, 255))
        self.ptr6 = (ipaddress.IPv6Address("2001:db8:ffff::") + i
                     for i in range(1, 65535))

    def rr(self, owner, rtype, rdata):
        self.records.append((zone_name(owner), rtype, rdata))

    # -- addresses --

    def v4(self):
        """A random client in a documentation range, different from every
        other one handed out for the current scenario."""
        while True:
            net = self.rng.choice(["192.0.2.0", "203.0.113.0"])
            ip = ipaddress.IPv4Address(net) + self.rng.randrange(1, 255)
            if ip not in self.used:
                self.used.add(ip)
                return ip

    def v6(self):
        return ipaddress.IPv6Address("2001:db8::") + self.rng.getrandbits(96)

    def within(self, ip, plen):
        """A random address sharing the first plen bits with ip."""
        bits = ip.max_prefixlen
        keep = (int(ip) >> (bits - plen)) << (bits - plen) if plen else 0
        low = self.rng.getrandbits(bits - plen) if plen < bits else 0
        return type(ip)(keep | low)

    def outside(self, ip, plen):
        """An address that differs from ip within the first plen bits, or
        None when plen is 0.  Stays in a sane unicast range."""
        if plen == 0:
            return None
        bits = ip.max_prefixlen
        for _ in range(100):
            b = self.rng.randrange(0, plen)
            cand = self.within(type(ip)(int(ip) ^ (1 << (bits - 1 - b))),
                               plen)
            if sane(cand):
                return cand
        return None

    # -- output --

    def write(self, zone_path, tsv_path):
        with open(zone_path, "w") as f:
            f.write("; generated by tests/interop/spf_gen.py\n")
            f.write("$TTL %d\n" % TTL)
            f.write(". %d IN SOA ns.%s. hostmaster.%s. 1 3600 600 "
                    "86400 300\n" % (TTL, PARENT, PARENT))
            f.write(". %d IN NS ns.%s.\n" % (TTL, PARENT))
            f.write("ns.%s. %d IN A 127.0.0.1\n" % (PARENT, TTL))
            for owner, rtype, rdata in self.records:
                f.write("%s %d IN %s %s\n" % (owner, TTL, rtype, rdata))
        with open(tsv_path, "w") as f:
            f.write("# id\tip\tmail_from\thelo\tcheck\texpect\n")
            for row in self.queries:
                f.write("\t".join(row) + "\n")


def sane(ip):
    if ip.version == 4:
        first = int(ip) >> 24
        return 1 <= first <= 223 and first != 127 and first != 10
    return (int(ip) >> 125) == 1 and not ip.ipv4_mapped


def qual(rng, weights=(4, 2, 1, 1)):
    return rng.choices(["", "-", "~", "?"], weights)[0]


QRESULT = {"": "pass", "+": "pass", "-": "fail", "~": "softfail",
           "?": "neutral"}

# ---- templates ------------------------------------------------------------
# Each takes the generator and a variant number and adds one scenario.


def t_ip4(g, v):
    s = Scn(g, "ip4")
    rng = g.rng
    plen = rng.choice([32, 32, 31, 30, 28, 24, 24, 20, 16, 12, 8, 1, 0])
    while True:
        net = ipaddress.IPv4Address(rng.getrandbits(32))
        if sane(net):
            break
    inside = g.within(net, plen)
    while not sane(inside):
        inside = g.within(net, plen)
    out = g.outside(net, plen)
    q1, q2 = qual(rng), rng.choice(["-", "~", "?", ""])
    text = str(net) if rng.random() < .5 else str(g.within(net, plen))
    term = "ip4:%s" % text + ("" if plen == 32 and v % 2 else "/%d" % plen)
    s.spf("", "v=spf1 %s%s %sall" % (q1, term, q2))
    s.q(inside, expect=QRESULT[q1])
    if out is not None:
        s.q(out, expect=QRESULT[q2])
    s.q(g.v6(), expect=QRESULT[q2])


def t_ip6(g, v):
    s = Scn(g, "ip6")
    rng = g.rng
    plen = rng.choice([128, 128, 127, 126, 120, 112, 96, 64, 64, 56, 48,
                       32, 16, 3, 0])
    net = g.v6()
    if plen < 32:
        net = ipaddress.IPv6Address((0x2001 << 112) | rng.getrandbits(112))
    inside = g.within(net, plen)
    while not sane(inside):
        inside = g.within(net, plen)
    out = g.outside(net, plen)
    q1, q2 = qual(rng), rng.choice(["-", "~", "?"])
    shown = g.within(net, plen)
    text = rng.choice([str(shown), shown.exploded, str(shown).upper()])
    term = "ip6:%s" % text + ("" if plen == 128 and v % 2 else
                               "/%d" % plen)
    s.spf("", "v=spf1 %s%s %sall" % (q1, term, q2))
    s.q(inside, expect=QRESULT[q1])
    if out is not None:
        s.q(out, expect=QRESULT[q2])
    s.q(g.v4(), expect=QRESULT[q2])


def t_a(g, v):
    """a with single and dual CIDR, default and explicit domain."""
    s = Scn(g, "a_cidr")
    rng = g.rng
    h4, h6 = g.v4(), g.v6()
    c4 = rng.choice([None, 32, 30, 24, 16])
    c6 = rng.choice([None, 128, 120, 64, 48])
    cidr = ("/%d" % c4 if c4 is not None else "") + \
           ("//%d" % c6 if c6 is not None else "")
    if v % 3 == 0:
        s.a("", h4, h6)
        term = "a" + cidr
    elif v % 3 == 1:
        s.a("host", h4, h6, g.v4())
        term = "a:host.%s%s" % (s.b, cidr)
    else:
        s.a("host", h4, h6)
        term = "a:host.%%{d}%s" % cidr
    s.spf("", "v=spf1 %s -all" % term)
    l4, l6 = c4 if c4 is not None else 32, c6 if c6 is not None else 128
    s.q(g.within(h4, l4), expect="pass")
    s.q(g.within(h6, l6), expect="pass")
    o4 = g.outside(h4, l4)
    if o4 is not None and o4 not in [h4]:
        s.q(o4, expect="")
    o6 = g.outside(h6, l6)
    if o6 is not None:
        s.q(o6, expect="fail")


def t_mx(g, v):
    s = Scn(g, "mx_cidr")
    rng = g.rng
    a1, a2, a6 = g.v4(), g.v4(), g.v6()
    s.mx("", 10, "mx1")
    s.mx("", 20, "mx2")
    s.a("mx1", a1, a6)
    s.a("mx2", a2)
    c4 = rng.choice([None, 32, 24, 28])
    c6 = rng.choice([None, 64, 128])
    cidr = ("/%d" % c4 if c4 is not None else "") + \
           ("//%d" % c6 if c6 is not None else "")
    if v % 2:
        s.mx("other", 5, "mx2")
        s.mx("other", 50, "mx1")
        term = "mx:other.%s%s" % (s.b, cidr)
    else:
        term = "mx" + cidr
    s.spf("", "v=spf1 %s ~all" % term)
    l4, l6 = c4 or 32, c6 or 128
    s.q(g.within(a1, l4), expect="pass")
    s.q(g.within(a2, l4), expect="pass")
    s.q(g.within(a6, l6), expect="pass")
    s.q(ipaddress.IPv4Address("198.18.0.1") + rng.randrange(1000),
        expect="softfail")


def t_mx_special(g, v):
    s = Scn(g, "mx_special")
    c = g.v4()
    if v == 0:      # MX exchange with AAAA only, IPv4 client
        s.mx("", 10, "mx6")
        s.a("mx6", g.v6())
        s.spf("", "v=spf1 mx ip4:%s -all" % c)
        s.q(c, expect="pass")
        s.q(g.v4(), expect="fail")
    elif v == 1:    # null MX (RFC 7505)
        s.mx("", 0, ".")
        s.spf("", "v=spf1 mx -all")
        s.q(c, expect="fail")
    elif v == 2:    # 10 MX names: allowed
        for i in range(10):
            s.mx("", i, "m%d" % i)
            s.a("m%d" % i, c if i == 9 else g.v4())
        s.spf("", "v=spf1 mx -all")
        s.q(c, expect="pass")
        s.q(g.v4(), expect="fail")
    elif v == 3:    # 11 MX names: permerror (section 4.6.4)
        for i in range(11):
            s.mx("", i, "m%d" % i)
            s.a("m%d" % i, g.v4())
        s.spf("", "v=spf1 mx -all")
        s.q(g.v4(), expect="permerror")
    elif v == 4:    # mx domain without MX records at all
        s.a("nomx", c)
        s.spf("", "v=spf1 mx:nomx.%s -all" % s.b)
        s.q(c, expect="fail")
    elif v == 5:    # the same exchange twice, uppercase MX target
        s.mx("", 10, "MX1")
        s.mx("", 20, "mx1")
        s.a("mx1", c)
        s.spf("", "v=spf1 MX -all")
        s.q(c, expect="pass")


def t_include(g, v):
    s = Scn(g, "include")
    rng = g.rng
    c, other = g.v4(), g.v4()
    variants = [
        # (top, {label: record}, expect for c, expect for other)
        ("v=spf1 include:i1.{b} -all", {"i1": "v=spf1 ip4:{c} -all"},
         "pass", "fail"),
        ("v=spf1 include:i1.{b} ?all", {"i1": "v=spf1 ip4:{o} -all"},
         "neutral", "pass"),
        ("v=spf1 -include:i1.{b} +all", {"i1": "v=spf1 ip4:{c} ~all"},
         "fail", "pass"),
        ("v=spf1 ~include:i1.{b} ?include:i2.{b} -all",
         {"i1": "v=spf1 ip4:{c}", "i2": "v=spf1 ip4:{o}"},
         "softfail", "neutral"),
        ("v=spf1 include:i1.{b} -all",
         {"i1": "v=spf1 include:i2.{b} ~all",
          "i2": "v=spf1 include:i3.{b} -all",
          "i3": "v=spf1 ip4:{c} ?all"}, "pass", "fail"),
        ("v=spf1 include:nx.{b} ip4:{c} -all", {}, "permerror",
         "permerror"),
        ("v=spf1 include:nodata.{b} ip4:{c} -all", {"nodata": None},
         "permerror", "permerror"),
        ("v=spf1 ip4:{c} include:bad.{b} -all",
         {"bad": "v=spf1 ip4:{o}/40 -all"}, "pass", "permerror"),
        ("v=spf1 include:_i.%{{d}} -all", {"_i": "v=spf1 ip4:{c}"},
         "pass", "fail"),
        ("v=spf1 include:i1.{b} -all",
         {"i1": "v=spf1 redirect=i2.{b}", "i2": "v=spf1 ip4:{c} -all"},
         "pass", "fail"),
        ("v=spf1 include:i1.{b} -all", {"i1": "v=spf1 ip4:{c}/33"},
         "permerror", "permerror"),
        ("v=spf1 include:i1.{b} include:i2.{b} -all",
         {"i1": "v=spf1 ?all", "i2": "v=spf1 a:{ob}"}, "fail", "pass"),
        ("v=spf1 include:i1.{b}", {"i1": "v=spf1 include:i1.{b}"},
         "permerror", "permerror"),
        ("v=spf1 include:i1.{b} -all",
         {"i1": "v=spf1 include:i2.{b}", "i2": "v=spf1 include:i1.{b}"},
         "permerror", "permerror"),
        ("v=spf1 include:{b} -all", {}, "permerror", "permerror"),
        ("v=spf1 include:i1.{b} -all",
         {"i1": "v=spf1 exists:%{{d}} -all"}, "fail", "fail"),
    ]
    top, recs, ec, eo = variants[v % len(variants)]
    if "{ob}" in str(recs):
        s.a("ohost", other)
    fmt = dict(b=s.b, c=c, o=other, ob="ohost." + s.b)
    for label, rec in recs.items():
        if rec is None:
            s.a(label, g.v4())
        else:
            s.spf(label, rec.format(**fmt))
    s.spf("", top.format(**fmt))
    s.q(c, expect=ec)
    s.q(other, expect=eo)
    if rng.random() < .3:
        s.q(g.v6(), expect="")


def t_redirect(g, v):
    s = Scn(g, "redirect")
    c, y = g.v4(), g.v4()
    variants = [
        ("v=spf1 redirect=r.{b}", {"r": "v=spf1 ip4:{c} -all"},
         "pass", "fail"),
        ("v=spf1 ip4:{y} redirect=r.{b}", {"r": "v=spf1 ip4:{c} -all"},
         "pass", "pass"),
        ("v=spf1 ip4:{y} ?all redirect=r.{b}", {"r": "v=spf1 ip4:{c} -all"},
         "neutral", "pass"),
        ("v=spf1 redirect=r.{b} -all", {"r": "v=spf1 +all"},
         "fail", "fail"),
        ("v=spf1 redirect=nx.{b}", {}, "permerror", "permerror"),
        ("v=spf1 redirect=nodata.{b}", {"nodata": None}, "permerror",
         "permerror"),
        ("v=spf1 redirect=r1.{b}",
         {"r1": "v=spf1 redirect=r2.{b}", "r2": "v=spf1 ip4:{c} ~all"},
         "pass", "softfail"),
        ("v=spf1 redirect=r1.{b}",
         {"r1": "v=spf1 redirect=r2.{b}", "r2": "v=spf1 redirect=r1.{b}"},
         "permerror", "permerror"),
        ("v=spf1 redirect=_spf.%{{d}}", {"_spf": "v=spf1 ip4:{c} -all"},
         "pass", "fail"),
        ("v=spf1 redirect=r.{b}", {"r": "v=spf1 ip4:{c} foo:bar -all"},
         "permerror", "permerror"),
        ("v=spf1 redirect=r.{b}", {"r": "v=spf1 ip4:{c}"},
         "pass", "neutral"),
        ("v=spf1 redirect=r.{b} ip4:{y}", {"r": "v=spf1 ip4:{c} -all"},
         "pass", "pass"),
        ("v=spf1 redirect={b}", {}, "permerror", "permerror"),
        ("v=spf1 redirect=r.{b}", {"r": "v=spf1 a -all"},
         "fail", "fail"),
    ]
    top, recs, ec, ey = variants[v % len(variants)]
    fmt = dict(b=s.b, c=c, y=y)
    for label, rec in recs.items():
        if rec is None:
            s.a(label, g.v4())
        else:
            s.spf(label, rec.format(**fmt))
    if v % len(variants) == 13:
        s.a("r", y)     # "a" inside r means r's own address, not <domain>
        s.a("", c)
        ey = "pass"
    s.spf("", top.format(**fmt))
    s.q(c, expect=ec)
    s.q(y, expect=ey)


# (macro-string, local-part, helo label, ip version, identity[, id tag])
#   identity: "mf" sender local@base; "helo" null MAIL FROM; "bare" the
#   sender is the bare domain (no local-part)
MACROS = [
    ("%{i}._i.%{d}", "user", "helo", 4, "mf"),
    ("%{i}._i.%{d}", "user", "helo", 6, "mf"),
    ("%{ir}.%{v}._spf.%{d}", "user", "helo", 4, "mf"),
    ("%{ir}.%{v}._spf.%{d}", "user", "helo", 6, "mf"),
    ("%{i2}._i2.%{d}", "user", "helo", 4, "mf"),
    ("%{i4r}._i4.%{d}", "user", "helo", 6, "mf"),
    ("%{l}._l.%{d}", "alice", "helo", 4, "mf"),
    ("%{l-}._l.%{d}", "strong-bad", "helo", 4, "mf"),
    ("%{lr-}._l.%{d}", "strong-bad", "helo", 6, "mf"),
    ("%{l1r-}._l.%{d}", "strong-bad", "helo", 4, "mf"),
    ("%{L}._l.%{d}", "a+b", "helo", 4, "mf"),
    ("%{L}._l.%{d}", "o'brien", "helo", 4, "mf"),
    ("%{L}._l.%{d}", "u/x", "helo", 6, "mf"),
    ("%{l+}._l.%{d}", "a+b+c", "helo", 4, "mf"),
    ("%{l=_}._l.%{d}", "x=y_z", "helo", 4, "mf"),
    ("%{lr.-}._l.%{d}", "first.last-x", "helo", 4, "mf"),
    ("%{l}._l.%{d}", "first.last", "helo", 4, "mf"),
    ("%{d2}._d2.%{d}", "user", "helo", 4, "mf"),
    ("%{dr}._dr.%{d}", "user", "helo", 4, "mf"),
    ("%{d1r}._d1r.%{d}", "user", "helo", 4, "mf"),
    ("%{d2r}._d2r.%{d}", "user", "helo", 6, "mf"),
    ("%{d127}._big.%{d}", "user", "helo", 4, "mf"),
    ("%{D}._up.%{d}", "user", "helo", 4, "mf"),
    ("%{o}._o.%{d}", "user", "helo", 4, "mf"),
    ("%{h}._h.%{d}", "user", "mail", 4, "mf"),
    ("%{H}._h.%{d}", "user", "mail", 6, "mf"),
    ("%{v}._v.%{d}", "user", "helo", 4, "mf"),
    ("%{v}._v.%{d}", "user", "helo", 6, "mf"),
    ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d}", "strong-bad", "helo", 4, "mf"),
    ("%{lr-}.lp.%{ir}.%{v}._spf.%{d}", "strong-bad", "helo", 4, "mf"),
    ("%{l}._dot.{B}.", "user", "helo", 4, "mf"),
    ("%{L}._pc.%{d}", "50%off", "helo", 4, "mf"),
    ("%{l}._uc.%{d}", "Alice.Smith", "helo", 6, "mf"),
    ("a%-b._pct.%{d}", "user", "helo", 4, "mf"),
    ("%{l}._l.%{d}", "", "helo", 4, "helo"),
    ("%{o}._o.%{d}", "", "helo", 6, "helo"),
    ("%{h}._h.%{d}", "", "mail", 4, "helo"),
    ("%{l}._l.%{d}", "", "helo", 4, "bare"),
    ("%{l}.%{o}._lo.%{d}", "", "helo", 6, "bare"),
    # section 7.3 rules that get their own id tag
    ("%{h-}._hh.%{d}", "user", "mx-out", 4, "mf", "rejoin"),
    ("%{hr-}._hh.%{d}", "user", "mx-out", 4, "mf", "rejoin"),
    ("%{dR}._rr.%{d}", "user", "helo", 4, "mf", "upper_r"),
    ("%{l}.%{l}.%{l}.%{l}.%{l}._long.%{d}",
     "aaaaaaaaa.bbbbbbbbb.ccccccccc.ddddddddd.eeeeeeeee.fffffffff",
     "helo", 4, "mf", "truncate"),
]


def t_macro(g, v):
    spec, local, helo_label, ipv, ident = MACROS[v % len(MACROS)][:5]
    tag = MACROS[v % len(MACROS)][5:]
    s = Scn(g, "_".join(("macro",) + tag))
    c = g.v4() if ipv == 4 else g.v6()
    helo = helo_label + "." + s.b
    if ident == "mf":
        mail_from = local + "@" + s.b
    elif ident == "helo":
        mail_from = ""
        helo = s.b
    else:
        mail_from = s.b
    spec = spec.replace("{B}", s.b)
    ctx = MacroCtx(c, mail_from, helo, s.b)
    target = query_name(expand(spec, ctx))
    s.a(target + ".", EXISTS_ADDR)
    s.spf("", "v=spf1 exists:%s -all" % spec)
    s.q(c, helo=helo, mail_from=mail_from, expect="pass")


# Explanations: (exp text strings, local, ip version, identity[, id tag])
EXPS = [
    (["%{l} may not send from %{i} for %{o}"], "bob", 4, "mf"),
    (["%{s} via %{h} (%{v}) d=%{d}"], "bob", 4, "mf"),
    (["ip %{c} receiver %{r}"], "bob", 4, "mf"),
    (["ip %{c} %{v}"], "bob", 6, "mf"),
    (["nibbles %{ir}"], "bob", 6, "mf", "nibble"),
    (["%% literal %_ space %- dash"], "bob", 4, "mf"),
    (["%{L} %{S} %{O}"], "a+b", 4, "mf"),
    (["%{ir}.%{v} %{i1}"], "bob", 4, "mf"),
    (["%{d2} %{dr} %{l-} %{l1r-}"], "strong-bad", 4, "mf"),
    (["sender %{s} local %{l}"], "", 4, "bare", "nolocal"),
    (["%{s} %{l} %{o} %{d} %{h}"], "", 6, "helo"),
    (["split ", "into", " three strings"], "bob", 4, "mf"),
    (["  leading and trailing spaces  "], "bob", 4, "mf"),
]


def t_exp(g, v):
    texts, local, ipv, ident = EXPS[v % len(EXPS)][:4]
    s = Scn(g, "_".join(("exp",) + EXPS[v % len(EXPS)][4:]))
    c = g.v4() if ipv == 4 else g.v6()
    mail_from = local + "@" + s.b
    helo = "helo." + s.b
    if ident == "helo":
        mail_from, helo = "", s.b
    elif ident == "bare":
        mail_from = s.b
    s.txt("why", *texts)
    s.spf("", "v=spf1 ip4:192.0.2.0/32 -all exp=why.%{d}")
    s.q(c, helo=helo, mail_from=mail_from, check="exp", expect="fail")


def t_exp_rules(g, v):
    """Which exp= applies (section 6.2) and when it is ignored."""
    s = Scn(g, "exp_rules")
    c = g.v4()
    chk, exp = "exp", "fail"
    if v == 0:      # include's exp is not used; the top one is
        s.txt("e1", "top says no to %{i}")
        s.txt("e2", "INCLUDED exp must not be used")
        s.spf("i", "v=spf1 -all exp=e2.%s" % s.b)
        s.spf("", "v=spf1 include:i.%s -all exp=e1.%s" % (s.b, s.b))
    elif v == 1:    # redirect: the target's exp, not the original's
        s.txt("e1", "ORIGINAL exp must not be used")
        s.txt("e2", "redirect target says no, %{d}")
        s.spf("r", "v=spf1 -all exp=e2.%s" % s.b)
        s.spf("", "v=spf1 exp=e1.%s redirect=r.%s" % (s.b, s.b))
    elif v == 2:    # macro in exp domain-spec
        s.txt("carol._exp", "per-user text for %{l}")
        s.spf("", "v=spf1 -all exp=%{l}._exp.%{d}")
        s.q(c, local="carol", check=chk, expect=exp)
        return
    elif v == 3:    # exp target missing: default explanation, still fail
        s.spf("", "v=spf1 -all exp=nx.%s" % s.b)
        chk = ""
    elif v == 4:    # two TXT records at the exp target: ignored
        s.txt("e", "one")
        s.txt("e", "two")
        s.spf("", "v=spf1 -all exp=e.%s" % s.b)
        chk = ""
    elif v == 5:    # bad macro in the explanation text: ignored
        s.txt("e", "bad %x macro")
        s.spf("", "v=spf1 -all exp=e.%s" % s.b)
        chk = ""
    elif v == 6:    # exp with a pass: result unchanged
        s.txt("e", "not shown")
        s.spf("", "v=spf1 ip4:%s -all exp=e.%s" % (c, s.b))
        chk, exp = "", "pass"
    elif v == 7:    # redirect target without exp: the original's is
        s.txt("e1", "MUST-NOT-SHOW original exp")   # still not used
        s.spf("r", "v=spf1 -all")
        s.spf("", "v=spf1 exp=e1.%s redirect=r.%s" % (s.b, s.b))
        chk = "absent"
    elif v == 8:    # include target fails with its own exp; top has none
        s.txt("e2", "MUST-NOT-SHOW included exp")
        s.spf("i", "v=spf1 -all exp=e2.%s" % s.b)
        s.spf("", "v=spf1 include:i.%s -all" % s.b)
        chk = "absent"
    elif v == 9:    # non-ASCII explanation text: ignored (7.1 grammar)
        s.txt("e", "caf\xe9 MUST-NOT-SHOW")
        s.spf("", "v=spf1 -all exp=e.%s" % s.b)
        chk = "absent"
    s.q(c, check=chk, expect=exp)


def t_ptr(g, v):
    s = Scn(g, "ptr")
    six = v in (5, 8)
    c = next(g.ptr6) if six else next(g.ptr4)
    x = g.v6() if six else g.v4()
    expect = "pass"
    if v == 0:      # validated name under <domain>
        s.ptr(c, "h1")
        s.a("h1", c)
        s.spf("", "v=spf1 ptr -all")
    elif v == 1:    # ptr:other domain
        s.ptr(c, "h.other")
        s.a("h.other", c)
        s.spf("", "v=spf1 ptr:other.%s -all" % s.b)
    elif v == 2:    # name validated but under another domain
        s.ptr(c, "h1")
        s.a("h1", c)
        s.spf("", "v=spf1 ptr:other.%s -all" % s.b)
        expect = "fail"
    elif v == 3:    # not validated: A points elsewhere
        s.ptr(c, "h1")
        s.a("h1", x)
        s.spf("", "v=spf1 ptr -all")
        expect = "fail"
    elif v == 4:    # no PTR at all
        s.spf("", "v=spf1 ptr -all")
        expect = "fail"
    elif v == 5:    # IPv6 client, AAAA validates
        s.ptr(c, "h6")
        s.a("h6", c)
        s.spf("", "v=spf1 ptr -all")
    elif v == 6:    # several PTR names, one validates
        s.ptr(c, "bad1")
        s.a("bad1", x)
        s.ptr(c, "good")
        s.a("good", c)
        s.spf("", "v=spf1 ?ptr -all")
        expect = "neutral"
    elif v == 7:    # %{p} in exists
        s.ptr(c, "h1")
        s.a("h1", c)
        s.a("h1.%s._p" % s.b, EXISTS_ADDR)
        s.spf("", "v=spf1 exists:%{p}._p.%{d} -all")
    elif v == 8:    # %{p} in exp
        s.ptr(c, "h1")
        s.a("h1", c)
        s.txt("why", "client %{p} refused")
        s.spf("", "v=spf1 -all exp=why.%{d}")
        s.q(c, check="exp", expect="fail")
        return
    elif v == 9:    # PTR name is <domain> itself
        s.ptr(c, "")
        s.a("", c)
        s.spf("", "v=spf1 ptr:%{d} -all")
    elif v == 10:   # %{p} without a validated name is "unknown"
        s.a("unknown._p", EXISTS_ADDR)
        s.spf("", "v=spf1 exists:%{p}._p.%{d} -all")
    elif v == 11:   # %{p}: <domain> is preferred among validated names
        s.ptr(c, "zz.other")            # (section 7.3, SHOULD)
        s.a("zz.other", c)
        s.ptr(c, "")
        s.a("", c)
        s.a("%s._p" % s.b, EXISTS_ADDR)
        s.spf("", "v=spf1 exists:%{p}._p.%{d} -all")
    s.q(c, expect=expect)


SYNTAX = [
    "ip4:{c}/33", "ip4:192.0.2", "ip4:192.0.2.256", "ip4:192.0.02.1",
    "ip4:{c}//64", "ip6:2001:db8::/129", "ip6:2001:db8:::1",
    "ip6:2001:db8::1//64", "ip6:{c}", "a/33", "a//129", "a:", "mx:",
    "include", "include:", "exists", "exists:", "-all:foo", "allx",
    "foo", "foo:bar.test", "=a", "+-all", "a:foo.123", "a:foo",
    "a:%{{x}}.test.example", "a:%{{c}}.test.example",
    "exists:100%.test.example", "exists:%{{d0}}.test.example",
    "exists:%{{d:}}.test.example", "exists:%(ir).test.example",
    "redirect=", "exp=", "redirect=a.test.example redirect=b.test.example",
    "exp=a.test.example exp=b.test.example", "1foo=bar", "foo=%{{x}}",
    "ip4:{c},", "a:-", "ptr:", "mx:test.example/24/24",
    "ip4:{c}/-1", "ip4:{c}/08", "ptr/24", "exists:a.test.example/24",
    "include:a.test.example/24", "a:{c}", "-exp=x.test.example",
    "redirect:a.test.example",
]
VALID_ODD = [
    # unusual but valid: the record still parses
    "foo=bar", "moo=", "x-y_z.w=%{{d}}", "ip4:{c}/0",
    "ip6:::/0", "a//0", "IP4:{c}", "Ip6:2001:DB8::1",
    "exists:%{{i}}.%{{l1}}.100/86400.rate.%{{d}}",
    "mx:%{{d}}/32", "ptr:test.example", "a:foo.test.example.",
    "include:nx.test.example.",
]


SYNTAX_TAGS = {"exists:%{{d0}}.test.example": "digit0",
               "exists:%{{d:}}.test.example": "delim"}


def t_syntax(g, v):
    bad = SYNTAX[v % len(SYNTAX)]
    s = Scn(g, "syntax_" + SYNTAX_TAGS[bad] if bad in SYNTAX_TAGS
            else "syntax")
    c = g.v4()
    bad = bad.format(c=c)
    # the client matches a term before the error: still permerror (4.6)
    s.spf("", "v=spf1 ip4:%s %s -all" % (c, bad))
    s.q(c, expect="permerror")


def t_valid_odd(g, v):
    s = Scn(g, "odd_valid")
    c = g.v4()
    term = VALID_ODD[v % len(VALID_ODD)].format(c=c)
    s.spf("", "v=spf1 %s ?ip4:%s -all" % (term, c))
    s.q(c, expect="")
    s.q(g.v4(), expect="")


def t_records(g, v):
    """Record selection, section 4.5."""
    s = Scn(g, "records")
    c = g.v4()
    exp_c, exp_o = "pass", "fail"
    if v == 0:
        s.spf("", "v=spf1 ip4:%s -all" % c)
        s.spf("", "v=spf1 -all")
        exp_c = exp_o = "permerror"
    elif v == 1:
        s.spf("", "v=spf1 ip4:%s -all" % c)
        s.txt("", "google-site-verification=abc")
        s.txt("", "spf2.0/pra -all")
    elif v == 2:
        s.spf("", "v=spf1 ip4:%s -all" % c)
        s.txt("", "v=spf10 -all")
    elif v == 3:
        s.spf("", "V=SPF1 IP4:%s -ALL" % c)
    elif v == 4:
        s.txt("", "v=spf1 ip4:", "%s -all" % c)
    elif v == 5:
        s.txt("", "v=spf1ip4:%s -all" % c)
        exp_c = exp_o = "none"
    elif v == 6:
        s.txt("", " v=spf1 ip4:%s -all" % c)
        exp_c = exp_o = "none"
    elif v == 7:
        s.txt("", "v=spf1")
        exp_c = exp_o = "neutral"
    elif v == 8:
        s.txt("", "v=spf1 ")
        exp_c = exp_o = "neutral"
    elif v == 9:
        s.txt("", "v=spf1   ip4:%s    -all   " % c)
    elif v == 10:
        s.txt("", "v=spf1\tip4:%s -all" % c)
        exp_c = exp_o = "none"
    elif v == 11:
        s.txt("", "v=spf1 ip4:%s\t-all" % c)
        exp_c = exp_o = "permerror"
    elif v == 12:
        s.rr("", "SPF", txt_rdata(["v=spf1 ip4:%s -all" % c]))
        exp_c = exp_o = "none"
    elif v == 13:
        s.spf("", "v=spf1 " + " ".join("ip4:10.%d.0.0/16" % i
                                       for i in range(60)) +
              " ip4:%s -all" % c)
    elif v == 14:
        s.txt("", "v=spf1 ip4:%s -all" % c, "")
    elif v == 15:       # a non-ASCII byte in a term
        s.txt("", "v=spf1 ip4:%s a:caf\xe9.example -all" % c)
        exp_c = exp_o = "permerror"
    elif v == 16:       # strings are joined without spaces (3.3)
        s.txt("", "v=sp", "f1 ip4:%s -all" % c)
    elif v == 17:       # "v=spf1" must end at SP or the record's end
        s.txt("", "v=spf1-foo ip4:%s -all" % c)
        exp_c = exp_o = "none"
    elif v == 18:       # an expansion with a label over 63 octets
        s.spf("", "v=spf1 exists:%%{l}._x.%%{d} ip4:%s -all" % c)
        local = "x" * 70
        s.q(c, local=local, expect="")
        s.q(g.v4(), local=local, expect="")
        return
    s.q(c, expect=exp_c)
    s.q(g.v4(), expect=exp_o)


def t_none(g, v):
    """Sender domains that yield none (section 4.3) and NXDOMAIN/NODATA
    targets (sections 5 and 4.6.4)."""
    s = Scn(g, "none_single_label" if v == 3 else "none")
    c = g.v4()
    if v == 0:
        s.q(c, mail_from="user@nx." + s.b, expect="none")
    elif v == 1:
        s.a("aonly", c)
        s.q(c, mail_from="user@aonly." + s.b, expect="none")
    elif v == 2:
        s.q(c, expect="none")   # only the non-SPF TXT every base has
    elif v == 3:
        g.rr("interoptld%03d" % s.n, "TXT", txt_rdata(["v=spf1 +all"]))
        s.q(c, mail_from="user@interoptld%03d" % s.n, expect="none")
    elif v == 4:
        s.spf("", "v=spf1 +all")
        s.q(c, mail_from="user@" + s.b.replace(".", "..", 1),
            expect="none")
    elif v == 5:
        s.q(c, mail_from="", helo="nx." + s.b, expect="none")
    elif v == 6:
        s.spf("", "v=spf1 a:nx.%s -all" % s.b)
        s.q(c, expect="fail")
    elif v == 7:
        s.spf("", "v=spf1 exists:nx.%s ~all" % s.b)
        s.q(c, expect="softfail")
    elif v == 8:
        s.spf("", "v=spf1 mx:nx.%s ?all" % s.b)
        s.q(c, expect="neutral")
    elif v == 9:
        s.spf("", "v=spf1 a ip4:%s -all" % c)   # <domain> has no A
        s.q(c, expect="pass")
    elif v == 10:
        s.spf("", "v=spf1 +all")
        s.q(c, mail_from="user@" + s.b.upper(), expect="pass")


def t_void(g, v):
    """Section 4.6.4: two void lookups are allowed, the third is a
    permerror.  kind: NXDOMAIN or NODATA through a, exists, mx."""
    kinds = ["a:nx%d.{b}", "a:nd%d.{b}", "exists:nx%d.{b}", "mx:nx%d.{b}",
             "mx:nd%d.{b}", "a:v4only%d.{b}"]
    kind = kinds[v % len(kinds)]
    six = "v4only" in kind
    for nvoid, expect in ((2, "pass"), (3, "permerror")):
        s = Scn(g, "void")
        c = g.v6() if six else g.v4()
        for i in range(3):
            s.txt("nd%d" % i, "not spf")
            s.a("v4only%d" % i, g.v4())
        terms = " ".join(kind.format(b=s.b) % i for i in range(nvoid))
        s.spf("", "v=spf1 %s ip%d:%s -all" % (terms, c.version, c))
        s.q(c, expect=expect)


def t_void_ambiguous(g, v):
    """Void lookups inside one term: the MX exchanges or PTR names of a
    single mx/ptr term have no address."""
    s = Scn(g, "void_inner_" + ("mx" if v == 0 else "ptr"))
    if v == 0:
        c = g.v4()
        for i in range(4):
            s.mx("", 10 + i, "gone%d" % i)
        s.spf("", "v=spf1 mx ip4:%s -all" % c)
        s.q(c, expect="pass")
    else:
        c = next(g.ptr4)
        for i in range(3):
            s.ptr(c, "gone%d" % i)
        s.ptr(c, "good")
        s.a("good", c)
        s.spf("", "v=spf1 ptr -all")
        s.q(c, expect="pass")


def t_limit(g, v):
    s = Scn(g, "limit_unused_redirect" if v in (8, 9) else "limit")
    c = g.v4()
    unrelated = g.v4()
    for i in range(12):
        s.a("h%d" % i, unrelated)

    def aterms(n, start=0):
        return " ".join("a:h%d.%s" % (i, s.b) for i in range(start,
                                                              start + n))
    expect = "pass"
    if v == 0:
        rec = "v=spf1 %s ip4:%s -all" % (aterms(9), c)
    elif v == 1:
        rec = "v=spf1 %s ip4:%s -all" % (aterms(10), c)
    elif v == 2:
        rec = "v=spf1 %s ip4:%s -all" % (aterms(11), c)
        expect = "permerror"
    elif v == 3:    # the match comes before the 11th term
        s.a("hm", c)
        rec = "v=spf1 a:hm.%s %s -all" % (s.b, aterms(11))
    elif v == 4:    # nested includes count too: 1 + 4 + 1 + 4 = 10
        s.spf("i1", "v=spf1 %s include:i2.%s" % (aterms(4), s.b))
        s.spf("i2", "v=spf1 %s ip4:%s" % (aterms(4, 4), c))
        rec = "v=spf1 include:i1.%s -all" % s.b
    elif v == 5:    # 1 + 4 + 1 + 5 = 11
        s.spf("i1", "v=spf1 %s include:i2.%s" % (aterms(4), s.b))
        s.spf("i2", "v=spf1 %s ip4:%s" % (aterms(5, 4), c))
        rec = "v=spf1 include:i1.%s -all" % s.b
        expect = "permerror"
    elif v == 6:    # redirect counts: 9 + 1 = 10
        s.spf("r", "v=spf1 ip4:%s -all" % c)
        rec = "v=spf1 %s redirect=r.%s" % (aterms(9), s.b)
    elif v == 7:    # 10 + redirect + 1 in target = 12
        s.spf("r", "v=spf1 a:h11.%s ip4:%s -all" % (s.b, c))
        rec = "v=spf1 %s redirect=r.%s" % (aterms(10), s.b)
        expect = "permerror"
    elif v == 8:    # the 10th term matches; the unused redirect is not
        s.a("hm", c)            # a term that was evaluated
        s.spf("r", "v=spf1 -all")
        rec = "v=spf1 %s a:hm.%s redirect=r.%s" % (aterms(9), s.b, s.b)
    elif v == 9:    # redirect ignored because of all (section 6.1)
        s.a("hm", c)
        rec = "v=spf1 %s a:hm.%s -all redirect=r.%s" % (aterms(9), s.b,
                                                         s.b)
    elif v == 10:   # an mx term counts one, whatever its exchanges
        s.mx("mx", 10, "h0")
        s.mx("mx", 20, "h1")
        s.a("e", EXISTS_ADDR)
        rec = "v=spf1 %s -exists:e.%s ip4:%s -all" % (
            " ".join(["mx:mx.%s" % s.b] * 8), s.b, c)
        expect = "fail"
    elif v == 11:   # ptr counts one
        c = next(g.ptr4)
        s.ptr(c, "hp")
        s.a("hp", c)
        rec = "v=spf1 %s ptr -all" % aterms(9)
    elif v == 12:   # ip4/ip6/all do not count
        rec = "v=spf1 %s %s ip4:%s -all" % (
            aterms(10), " ".join("ip4:10.0.0.%d" % i for i in range(20)), c)
    elif v == 13:   # include loop through a third party, counted out
        s.spf("i1", "v=spf1 a:h0.%s include:i2.%s" % (s.b, s.b))
        s.spf("i2", "v=spf1 include:i1.%s" % s.b)
        rec = "v=spf1 include:i1.%s ip4:%s -all" % (s.b, c)
        expect = "permerror"
    s.spf("", rec)
    s.q(c, expect=expect)


def t_cname(g, v):
    """CNAMEs, wildcards and empty non-terminals: the zone backend and a
    real server must answer alike."""
    s = Scn(g, "cname" if v < 5 else "wildcard")
    c = g.v4()
    sender = None
    expect_other = "fail"
    if v == 0:
        s.cname("alias", "host")
        s.a("host", c)
        s.spf("", "v=spf1 a:alias.%s -all" % s.b)
    elif v == 1:
        s.cname("alias", "real")
        s.spf("real", "v=spf1 ip4:%s -all" % c)
        s.spf("", "v=spf1 include:alias.%s -all" % s.b)
    elif v == 2:
        s.cname("mail", "real")
        s.spf("real", "v=spf1 ip4:%s -all" % c)
        sender = "user@mail." + s.b
    elif v == 3:
        s.cname("a1", "a2")
        s.cname("a2", "a3")
        s.a("a3", c)
        s.spf("", "v=spf1 a:a1.%s -all" % s.b)
    elif v == 4:        # dangling CNAME: no match (a void lookup)
        s.cname("dangle", "gone")
        s.spf("", "v=spf1 a:dangle.%s ip4:%s -all" % (s.b, c))
    elif v == 5:        # the sender domain matches a wildcard
        s.spf("*.wild", "v=spf1 ip4:%s -all" % c)
        sender = "user@host.wild." + s.b
    elif v == 6:        # a wildcard A record
        s.a("*.wa", c)
        s.spf("", "v=spf1 a:any.wa.%s -all" % s.b)
    elif v == 7:        # an existing name is not covered by the wildcard
        s.spf("*.w", "v=spf1 +all")
        s.a("x.w", g.v4())
        sender = "user@x.w." + s.b
        expect_other = "none"
    elif v == 8:        # an empty non-terminal is NODATA, not NXDOMAIN
        s.a("leaf.ent", g.v4())
        s.a("leaf.ent2", c)
        s.spf("", "v=spf1 exists:ent.%s a:ent.%s a:leaf.ent2.%s -all" % (
            s.b, s.b, s.b))
    elif v == 9:        # wildcard exists for any client, via %{ir}
        s.a("*._w", EXISTS_ADDR)
        s.spf("", "v=spf1 exists:%{ir}._w.%{d} -all")
        expect_other = "pass"
    s.q(c, mail_from=sender, expect="none" if v == 7 else "pass")
    s.q(g.v4(), mail_from=sender, expect=expect_other)


def t_cname_loop(g, v):
    """A CNAME loop on a term's target."""
    s = Scn(g, "cname_loop")
    c = g.v4()
    s.cname("l1", "l2")
    s.cname("l2", "l1")
    s.spf("", "v=spf1 a:l1.%s ip4:%s -all" % (s.b, c))
    s.q(c, expect="")


def t_mapped(g, v):
    s = Scn(g, "mapped")
    c = g.v4()
    mapped = "::ffff:%s" % c
    if v == 0:
        s.spf("", "v=spf1 ip4:%s -all" % c)
    elif v == 1:
        s.a("", c)
        s.spf("", "v=spf1 a -all")
    else:               # written as IPv6, the client connects over IPv4
        s.spf("", "v=spf1 ip6:%s -all" % mapped)
        s.q(c, expect="")
        s.q(mapped, expect="")
        return
    s.q(mapped, expect="pass")


def t_names(g, v):
    """Mechanism and modifier names are case-insensitive (4.6.1);
    unrecognized modifiers are ignored however often they appear, but
    redirect and exp at most once (section 6)."""
    tags = ["modcase_redirect", "modcase_exp", "moddup_unknown",
            "moddup_case", "mechcase", "mapped_macro"]
    s = Scn(g, tags[v])
    c, o = g.v4(), g.v4()
    ec, eo, chk = "pass", "fail", ""
    if v == 0:
        s.spf("r", "v=spf1 ip4:%s -all" % c)
        s.spf("", "v=spf1 REDIRECT=r.%s" % s.b)
    elif v == 1:
        s.txt("e", "upper-case EXP= for %{l}")
        s.spf("", "v=spf1 ip4:%s -all EXP=e.%s" % (c, s.b))
        chk = "exp"
    elif v == 2:
        s.spf("", "v=spf1 foo=1 ip4:%s foo=2 -all foo=%%{d}" % c)
    elif v == 3:
        s.spf("r", "v=spf1 ip4:%s -all" % c)
        s.spf("r2", "v=spf1 +all")
        s.spf("", "v=spf1 Redirect=r.%s redirect=r2.%s" % (s.b, s.b))
        ec = eo = "permerror"
    elif v == 4:
        s.spf("i", "v=spf1 IP4:%s" % c)
        s.spf("", "v=spf1 INCLUDE:i.%s Exists:nx.%s -ALL" % (s.b, s.b))
    else:
        s.a("%s.in-addr._m" % ".".join(reversed(str(c).split("."))),
            EXISTS_ADDR)
        s.spf("", "v=spf1 exists:%{ir}.%{v}._m.%{d} -all")
        s.q("::ffff:%s" % c, expect="pass")
        return
    s.q(c, check=chk, expect=ec)
    s.q(o, check=chk, expect=eo)


def t_helo(g, v):
    """The HELO identity (null MAIL FROM) and the MAIL FROM without a
    local-part."""
    s = Scn(g, "helo")
    c = g.v4() if v % 2 == 0 else g.v6()
    s.spf("", "v=spf1 a -all")
    s.a("", c)
    s.spf("gw", "v=spf1 ip4:%s ip6:%s ~all" % (g.v4(), c)
          if c.version == 6 else "v=spf1 ip4:%s ~all" % c)
    if v == 4:          # HELO not a multi-label domain (section 2.3)
        s.q(c, mail_from="", helo="localhost", expect="none")
        s.q(c, mail_from="", helo="[%s]" % g.v4(), expect="none")
    elif v < 2:
        s.q(c, mail_from="", helo=s.b, expect="pass")
        s.q(c, mail_from="", helo="gw." + s.b, expect="pass")
        s.q(g.v4(), mail_from="", helo="gw." + s.b, expect="softfail")
    else:
        s.q(c, mail_from=s.b, expect="pass")
        s.q(c, mail_from="user@gw." + s.b, helo=s.b, expect="pass")


# template, how many scenarios
PLAN = [
    (t_ip4, 20), (t_ip6, 16), (t_a, 12), (t_mx, 6), (t_mx_special, 6),
    (t_include, 16), (t_redirect, 14), (t_macro, len(MACROS)),
    (t_exp, len(EXPS)), (t_exp_rules, 10), (t_ptr, 12),
    (t_syntax, len(SYNTAX)), (t_valid_odd, len(VALID_ODD)),
    (t_records, 19), (t_none, 11), (t_void, 6), (t_void_ambiguous, 2),
    (t_limit, 14), (t_cname, 10), (t_cname_loop, 1), (t_mapped, 3),
    (t_helo, 5), (t_names, 6),
]


def main():
    global PARENT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7208)
    ap.add_argument("--parent", default=PARENT,
                    help="the test-only parent of every scenario's names")
    ap.add_argument("zone")
    ap.add_argument("queries")
    a = ap.parse_args()
    PARENT = a.parent.strip(".").lower()
    g = Gen(a.seed)
    for tmpl, count in PLAN:
        for v in range(count):
            tmpl(g, v)
    g.write(a.zone, a.queries)
    print("%d scenarios, %d records, %d queries" % (
        g.n, len(g.records), len(g.queries)), file=sys.stderr)


if __name__ == "__main__":
    main()
