#!/usr/bin/env python3
"""dmarc_gen.py - generate DMARC cases (RFC 7489 mode) for a differential
test between vouch and Mail::DMARC.

Usage: dmarc_gen.py [--seed N] [--psl FILE] ZONEFILE CASES.tsv

Writes one RFC 1035 master file (origin ".", with SOA and NS so that a
real authoritative server loads it; the root holds every name, so that
From domains under com, co.uk, github.io (a private-section PSL entry),
*.kawasaki.jp (a wildcard rule) and www.ck (an exception rule) fit in one
file) and a TSV of cases, one per line:

    id  from  spf  spf_domain  dkim  draw  expect  expect_disposition

id        "<template>.c<NNN>": known-difference patterns match on it
from      the RFC5322.From domain (the author domain)
spf       the SPF result of the MAIL FROM identity (RFC 7208 names)
spf_domain  its domain, "-" for none
dkim      "-" or DKIM signatures "d=domain:result" joined with ","
draw      the pct sampling draw, 0..99: both implementations get it as
          their random number, so pct= is deterministic; the policy is
          applied when draw < pct (RFC 7489 6.3 "pct" pseudocode)
expect    the result the generator's own reading of RFC 7489 gives
          (pass, fail, none); informational, the test compares the two
          implementations
expect_disposition   none, quarantine or reject, likewise

Case NNN owns the names under cNNN.<suffix>; the www.ck cases share
_dmarc.www.ck.  Every organizational domain has an A record, so that
Mail::DMARC's domain existence test (RFC 7489 A.4) passes, except in the
"nxdomain" template.  Everything derives from the seed: the same seed gives
byte-identical output.  Only the Python standard library is used.
"""
import argparse
import random
import sys

TTL = 300
PSL_FILE = "/usr/share/publicsuffix/public_suffix_list.dat"
ADDR = "192.0.2.1"
POLICIES = ["none", "quarantine", "reject"]
SPF_RESULTS = ["pass", "fail", "softfail", "neutral", "none", "temperror",
               "permerror"]
DKIM_RESULTS = ["pass", "fail", "policy", "neutral", "none", "temperror",
                "permerror"]
SUFFIXES = ["com", "co.uk", "github.io", "nagoya.kawasaki.jp"]


# ---- the Public Suffix List (publicsuffix.org's algorithm) ----------------


class Psl:
    def __init__(self, path):
        self.rules, self.wild, self.exc = set(), set(), set()
        with open(path, encoding="utf-8") as f:
            for line in f:
                w = line.split()
                if not w or w[0].startswith("//"):
                    continue
                r = w[0].lower()
                if r.startswith("!"):
                    self.exc.add(r[1:])
                elif r.startswith("*."):
                    self.wild.add(r[2:])
                else:
                    self.rules.add(r)

    def suffix_len(self, labels):
        """Labels in the public suffix of the name (the implicit "*" rule:
        at least one)."""
        n = len(labels)
        best = 1
        for i in range(n):
            name = ".".join(labels[i:])
            if name in self.exc:
                return n - i - 1
            if name in self.rules:
                best = max(best, n - i)
            if i + 1 < n and ".".join(labels[i + 1:]) in self.wild:
                best = max(best, n - i)
        return best

    def org(self, domain):
        """RFC 7489 3.2: the public suffix and one more label; a name that
        is itself a public suffix is its own organizational domain."""
        labels = domain.lower().split(".")
        x = self.suffix_len(labels)
        return domain.lower() if x >= len(labels) else \
            ".".join(labels[-(x + 1):])


# ---- records and the generator's own RFC 7489 reading ---------------------


class Rec:
    """A TXT record: its character-strings, and what RFC 7489 makes of it
    (tags: None when 6.6.3 step 2 discards it)."""

    def __init__(self, strings, tags):
        self.strings = strings if isinstance(strings, list) else [strings]
        self.tags = tags


def dmarc(**tags):
    """A well-formed record from tags in the given order."""
    text = "v=DMARC1; " + "; ".join("%s=%s" % kv for kv in tags.items())
    return Rec(text, {k: str(v) for k, v in tags.items()})


def weird(text, tags):
    """A record whose reading is stated by hand (tags None: not DMARC)."""
    return Rec(text, tags)


def valid_policy(v):
    return v.lower() if v is not None and v.lower() in POLICIES else None


def valid_rua(v):
    return v is not None and any(u.strip().lower().startswith("mailto:") and
                                 "@" in u for u in v.split(","))


def step_down(p):
    return {"reject": "quarantine"}.get(p, "none")


def expect(psl, recs, c):
    """RFC 7489 6.6.2-6.6.4 for case c: (result, disposition)."""
    frm = c["from"]
    org = psl.org(frm)
    found = None
    for name in [frm] + ([org] if org != frm else []):
        dm = [r for r in recs.get(name, []) if r.tags is not None]
        if dm:                          # 6.6.3 step 3: only when empty
            found = (name, dm)
            break
    if found is None or len(found[1]) != 1:         # step 5
        return "none", "none"
    at, t = found[0], found[1][0].tags
    p, sp = valid_policy(t.get("p")), valid_policy(t.get("sp"))
    if p is None or ("sp" in t and sp is None):     # step 6
        if not valid_rua(t.get("rua")):
            return "none", "none"
        p, sp = "none", None
    requested = sp if at != frm and sp else p

    def aligned(dom, tag):
        if not dom:
            return False
        if dom.lower() == frm:
            return True
        return t.get(tag, "r").lower() != "s" and psl.org(dom) == org

    if (c["spf"] == "pass" and aligned(c["spf_domain"], "aspf")) or any(
            r == "pass" and aligned(d, "adkim") for d, r in c["dkim"]):
        return "pass", "none"
    pct = t.get("pct", "100")
    pct = int(pct) if pct.isdigit() and int(pct) <= 100 else 100
    if requested != "none" and c["draw"] >= pct:    # 6.6.4
        return "fail", step_down(requested)
    return "fail", requested


# ---- the generator --------------------------------------------------------


class Gen:
    def __init__(self, seed, psl):
        self.rnd = random.Random(seed)
        self.psl = psl
        self.n = 0
        self.zone = []          # (owner, type, rdata)
        self.recs = {}          # name under _dmarc -> [Rec]
        self.cases = []
        self.shared = set()

    def new(self, suffix=None):
        self.n += 1
        suffix = suffix or self.rnd.choice(SUFFIXES)
        return "c%03d.%s" % (self.n, suffix)

    def host(self, name, addr=True):
        if addr and name not in self.shared:
            self.zone.append((name, "A", ADDR))

    def put(self, name, *recs):
        for r in recs:
            self.recs.setdefault(name, []).append(r)
            self.zone.append(("_dmarc." + name, "TXT",
                              " ".join('"%s"' % s for s in r.strings)))

    def case(self, tmpl, frm, spf, spf_domain, dkim=(), draw=0, tag=""):
        c = dict(id="%s.c%03d%s" % (tmpl, self.n, tag),
                 spf=spf, spf_domain=spf_domain, dkim=list(dkim), draw=draw)
        c["from"] = frm.lower()
        c["expect"], c["expect_disposition"] = expect(self.psl, self.recs, c)
        self.cases.append(c)

    # identifiers related to an author domain in a stated way
    def related(self, how, author, org):
        return {
            "author": author,
            "org": org,
            "sibling": "bounce." + org if author != "bounce." + org
            else "mta." + org,
            "sub": "bounces." + author,
            "parent": author.split(".", 1)[1],
            "other": "x" + org.split(".", 1)[0] + ".example.net",
            "suffix": org.split(".", 1)[1],
        }[how]

    def ident(self, author, org):
        how = self.rnd.choice(["author", "author", "org", "sibling", "sub",
                               "parent", "other", "suffix"])
        return self.related(how, author, org)

    def write(self, zone_path, tsv_path):
        with open(zone_path, "w") as f:
            f.write("; generated by tests/interop/dmarc_gen.py\n")
            f.write("$TTL %d\n" % TTL)
            f.write(". %d IN SOA ns.interop.test. hostmaster.interop.test. "
                    "1 3600 600 86400 300\n" % TTL)
            f.write(". %d IN NS ns.interop.test.\n" % TTL)
            f.write("ns.interop.test. %d IN A 127.0.0.1\n" % TTL)
            for owner, rtype, rdata in self.zone:
                f.write("%s. %d IN %s %s\n" % (owner, TTL, rtype, rdata))
        with open(tsv_path, "w") as f:
            f.write("# id\tfrom\tspf\tspf_domain\tdkim\tdraw\texpect\t"
                    "expect_disposition\n")
            for c in self.cases:
                dk = ",".join("%s:%s" % d for d in c["dkim"]) or "-"
                f.write("\t".join([c["id"], c["from"], c["spf"],
                                   c["spf_domain"] or "-", dk,
                                   str(c["draw"]), c["expect"],
                                   c["expect_disposition"]]) + "\n")


# ---- templates ------------------------------------------------------------


def random_record(g, org):
    r = g.rnd
    tags = {"p": r.choice(POLICIES)}
    if r.random() < 0.4:
        tags["sp"] = r.choice(POLICIES)
    for t in ("adkim", "aspf"):
        if r.random() < 0.5:
            tags[t] = r.choice("rs")
    x = r.random()
    if x < 0.15:
        tags["pct"] = r.choice([0, 100])
    elif x < 0.3:
        tags["pct"] = r.randint(1, 99)
    if r.random() < 0.3:
        tags["rua"] = "mailto:dmarc@" + org
    return dmarc(**tags)


def t_random(g, v):
    """From at depth 0-2 under each suffix; a record at the author, the
    organizational domain, both or neither; random p/sp/adkim/aspf/pct;
    SPF and up to three DKIM results for related identifiers."""
    r = g.rnd
    org = g.new()
    author = [org, "mail." + org, "a.b." + org][v % 3]
    g.host(org)
    where = r.choice(["author", "org", "both", "none"])
    if where in ("author", "both"):
        g.put(author, random_record(g, org))
    if where in ("org", "both") and author != org:
        g.put(org, random_record(g, org))
    spf = r.choice(SPF_RESULTS[:2] + SPF_RESULTS)
    spf_dom = g.ident(author, org) if r.random() < 0.95 else None
    dkim = [(g.ident(author, org), r.choice(DKIM_RESULTS[:1] + DKIM_RESULTS))
            for _ in range(r.choice([0, 1, 1, 2, 3]))]
    draws = [r.randint(0, 99)] + ([0] if v % 4 == 0 else [])
    for i, draw in enumerate(draws):
        g.case("random", author, spf, spf_dom, dkim, draw, ".%d" % i)


def t_alignment(g, v):
    """Every identifier relation against strict and relaxed modes, one
    mechanism at a time, with From at the organizational domain and below
    it."""
    rels = ["author", "org", "sibling", "sub", "parent", "other", "suffix"]
    how = rels[v % len(rels)]
    mode = "rs"[(v // len(rels)) % 2]
    mech = ["spf", "dkim"][(v // (2 * len(rels))) % 2]
    org = g.new(SUFFIXES[v % len(SUFFIXES)])
    author = "a.b." + org if how == "parent" else "mail." + org
    g.host(org)
    tag = "aspf" if mech == "spf" else "adkim"
    g.put(org, dmarc(p="reject", **{tag: mode}))
    ident = g.related(how, author, org)
    if mech == "spf":
        g.case("align_%s_%s_%s" % (mech, mode, how), author, "pass", ident)
    else:
        g.case("align_%s_%s_%s" % (mech, mode, how), author, "fail",
               "other.example.net", [(ident, "pass")])


def t_policy(g, v):
    """p and sp selection: record at the author or at the organizational
    domain, From at the organizational domain or below."""
    p, sp = POLICIES[v % 3], POLICIES[(v // 3) % 3]
    org = g.new()
    g.host(org)
    at_org = v % 2 == 0
    author = org if v % 4 == 0 else "news." + org
    g.put(org if at_org else author, dmarc(p=p, sp=sp))
    g.case("policy_sp", author, "fail", "other.example.net")


def t_pct(g, v):
    """pct= with draws either side of it; pct=0 and pct=100."""
    pct = [0, 100, 50, 50, 1, 99, 37, 37][v % 8]
    draw = [0, 99, 49, 50, 0, 99, 36, 37][v % 8]
    p = ["reject", "quarantine"][v // 8 % 2]
    org = g.new()
    g.host(org)
    g.put(org, dmarc(p=p, pct=pct))
    g.case("pct", "mail." + org, "fail", org, draw=draw)


def t_invalid(g, v):
    """Records RFC 7489 6.6.3 step 6 speaks of: no valid p, or an invalid
    sp, with and without a valid rua."""
    org = g.new("com")
    g.host(org)
    rua = "mailto:dmarc@" + org
    spec = [
        ("p_bogus_norua", "v=DMARC1; p=bogus", {"p": "bogus"}),
        ("p_bogus_rua", "v=DMARC1; p=bogus; rua=" + rua,
         {"p": "bogus", "rua": rua}),
        ("p_bogus_badrua", "v=DMARC1; p=bogus; rua=bogus",
         {"p": "bogus", "rua": "bogus"}),
        ("p_missing_rua", "v=DMARC1; rua=" + rua, {"rua": rua}),
        ("p_missing_norua", "v=DMARC1", {}),
        ("p_missing_adkim", "v=DMARC1; adkim=s", {"adkim": "s"}),
        ("sp_bogus_rua", "v=DMARC1; p=reject; sp=bogus; rua=" + rua,
         {"p": "reject", "sp": "bogus", "rua": rua}),
        ("sp_bogus_norua", "v=DMARC1; p=reject; sp=bogus",
         {"p": "reject", "sp": "bogus"}),
    ][v % 8]
    g.put(org, weird(spec[1], spec[2]))
    author = org if v % 16 < 8 else "mail." + org
    aligned = (v // 16) % 2 == 1
    g.case("invalid_%s%s" % (spec[0], "_sub" if v % 16 >= 8 else ""),
           author, "pass", org if aligned else "other.example.net")


def t_multiple(g, v):
    """Several DMARC records at one name, a non-DMARC TXT beside one, a
    non-DMARC TXT alone (6.6.3 steps 2-5)."""
    org = g.new("com")
    author = "mail." + org
    g.host(org)
    two = [dmarc(p="reject"), dmarc(p="none")]
    spf_txt = weird("v=spf1 -all", None)
    kind = ["two_at_author", "two_at_org", "two_at_org_from_org",
            "spf_beside_author", "spf_alone_author", "spf_beside_org",
            "two_at_author_none_at_org"][v % 7]
    if kind == "two_at_author":
        g.put(author, *two)
        g.put(org, dmarc(p="quarantine"))
    elif kind == "two_at_author_none_at_org":
        g.put(author, *two)
    elif kind.startswith("two_at_org"):
        g.put(org, *two)
        if kind.endswith("from_org"):
            author = org
    elif kind == "spf_beside_author":
        g.put(author, spf_txt, dmarc(p="quarantine"))
        g.put(org, dmarc(p="none"))
    elif kind == "spf_alone_author":
        g.put(author, spf_txt)
        g.put(org, dmarc(p="reject"))
    else:
        g.put(org, dmarc(p="reject"), spf_txt)
    spf_dom = org if v >= 7 else "other.example.net"
    g.case("multi_" + kind, author, "pass", spf_dom)


def t_syntax(g, v):
    """Record text: version spelling, WSP, multi-string TXT, case of
    values, tag order, unknown tags, pct that is not a number."""
    org = g.new("com")
    g.host(org)
    dk = {"adkim": "s"}
    spec = [
        ("lower_version", ["v=dmarc1; p=reject"], None),
        ("version_suffix", ["v=DMARC1x; p=reject"], None),
        ("version_not_first", ["p=reject; v=DMARC1"], None),
        ("wsp_around_eq", ["v = DMARC1 ; p = reject"], {"p": "reject"}),
        ("no_spaces", ["v=DMARC1;p=reject;"], {"p": "reject"}),
        ("split_in_version", ["v=DMAR", "C1; p=reject"], {"p": "reject"}),
        ("split_at_tag", ["v=DMARC1; ", "p=reject"], {"p": "reject"}),
        ("split_in_value", ["v=DMARC1; p=rej", "ect"], {"p": "reject"}),
        ("upper_values", ["v=DMARC1; p=REJECT; adkim=S"],
         {"p": "REJECT", "adkim": "S"}),
        ("upper_tags", ["v=DMARC1; P=reject; ADKIM=s"],
         {"p": "reject", "adkim": "s"}),
        ("p_not_second", ["v=DMARC1; adkim=s; p=reject"],
         {"p": "reject", "adkim": "s"}),
        ("unknown_tags", ["v=DMARC1; p=reject; foo=bar; np=none"],
         {"p": "reject"}),
        ("pct_text", ["v=DMARC1; p=reject; pct=abc"], {"p": "reject"}),
        ("pct_over", ["v=DMARC1; p=reject; pct=150"], {"p": "reject"}),
        ("trailing_junk", ["v=DMARC1; p=reject; ;"], {"p": "reject"}),
    ][v % 15]
    if spec[2] is not None and "adkim" not in spec[2]:
        spec[2].update(dk)
        spec[1][-1] += "; adkim=s"
    author = "mail." + org
    # no record at author: the organizational domain's applies; DKIM d= is
    # the organizational domain, so adkim=s decides alignment
    g.put(org, weird(spec[1], spec[2]))
    g.case("syntax_" + spec[0], author, "fail", "other.example.net",
           [(org, "pass")], draw=60)


def t_case(g, v):
    """Identifiers in another letter case than From (RFC 7489 3.1:
    compared case-insensitively), strict and relaxed."""
    org = g.new("com")
    g.host(org)
    mode = "rs"[v % 2]
    mech = ["spf", "dkim"][v // 2 % 2]
    author = "Mail." + org.upper() if v >= 4 else org
    tag = "aspf" if mech == "spf" else "adkim"
    g.put(org, dmarc(p="reject", **{tag: mode}))
    ident = (author if v >= 4 else org).upper()
    if mech == "spf":
        g.case("case_%s_%s" % (mech, mode), author, "pass", ident)
    else:
        g.case("case_%s_%s" % (mech, mode), author, "fail",
               "other.example.net", [(ident, "pass")])


def t_nxdomain(g, v):
    """A From domain and organizational domain with no A, AAAA, MX or NS,
    but a DMARC record (RFC 7489 A.4: no existence test)."""
    org = g.new("com")
    author = [org, "mail." + org][v % 2]
    g.put(author, dmarc(p="reject"))
    g.case("nxdomain", author, "fail", "other.example.net")


def t_psl_rules(g, v):
    """PSL exception (www.ck, city.kawasaki.jp) and wildcard rules, and a
    From that is itself a public suffix's registrable name."""
    base = ["www.ck", "city.kawasaki.jp"][v % 2]
    g.new()
    if base not in g.shared:
        g.host(base)
        g.put(base, dmarc(p="reject", sp="quarantine"))
        g.shared.add(base)
    author = ["c%03d.%s" % (g.n, base), "a.c%03d.%s" % (g.n, base), base,
              "c%03d.%s" % (g.n, base)][v // 2 % 4]
    g.host(author)
    spf_dom = [base, base, base, "c%03d.%s" % (g.n, base)][v // 2 % 4]
    g.case("psl_exception", author, "pass", spf_dom)


PLAN = [
    (t_random, 216), (t_alignment, 28), (t_policy, 18), (t_pct, 16),
    (t_invalid, 32), (t_multiple, 14), (t_syntax, 15), (t_case, 8),
    (t_nxdomain, 2), (t_psl_rules, 8),
]


def generate(seed, psl_path):
    """Every template of PLAN, in order, from one seed."""
    g = Gen(seed, Psl(psl_path))
    for tmpl, count in PLAN:
        for v in range(count):
            tmpl(g, v)
    return g


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7489)
    ap.add_argument("--psl", default=PSL_FILE)
    ap.add_argument("zone")
    ap.add_argument("cases")
    a = ap.parse_args()
    g = generate(a.seed, a.psl)
    g.write(a.zone, a.cases)
    print("dmarc_gen: %d scenarios, %d records, %d cases" % (
        g.n, len(g.zone), len(g.cases)), file=sys.stderr)


if __name__ == "__main__":
    main()
