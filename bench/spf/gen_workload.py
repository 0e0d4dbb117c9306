#!/usr/bin/python3
"""gen_workload.py - a deterministic SPF workload for bench/spf.

Usage: gen_workload.py [--seed N] [--domains N] [--queries N] OUTDIR

Writes, from the seed alone (the same files for the same seed and the
same Python; checked with Debian bookworm's /usr/bin/python3):

  OUTDIR/example.zone   RFC 1035 master file for the zone "example." as
                        knot serves it (SOA, NS, then every record)
  OUTDIR/vouch.zone     the same records without SOA/NS, for the vouch
                        zone backend
  OUTDIR/queries.txt    one query a line: IP TAB MAIL-FROM TAB HELO TAB
                        EXPECTED, MAIL-FROM "<>" for the null reverse-path
  OUTDIR/summary.txt    counts per domain kind and per expected result

Every name is under "example." (RFC 2606): unbound's default local zones
answer "test." and "invalid." itself (RFC 6761), so a forwarder would
never see them.  Addresses come from 10/8, 172.16/12 and 2001:db8::/32
(allowed senders) and 192.0.2/24, 198.51.100/24, 203.0.113/24,
2001:db8:ffff::/48 (never allowed: fail/softfail/neutral traffic).

The policies follow what real domains publish: include chains two or
three deep to a handful of providers (_spf -> _netblocks), ip4/ip6
ranges, a/mx with their A/AAAA/MX records, exists: with %{i}, %{ir} and
%{l} macros, redirect= to shared policies, exp=, ~all/-all/?all, some
domains with no SPF, and a few broken ones (permerror).  Every normal
policy stays within the RFC 7208 4.6.4 limits (10 DNS terms, 2 void
lookups) on every path, which the generator checks; the EXPECTED column
is what RFC 7208 says for the query by construction of the zone.
"""

import argparse
import ipaddress
import os
import random
import sys

ZONE = "example"
TTL = 3600
WORDS = ("acme", "globex", "initech", "umbrella", "hooli", "stark",
         "wayne", "wonka", "tyrell", "cyberdyne", "soylent", "oscorp",
         "vandelay", "kramerica", "dunder", "pied", "aperture", "black",
         "mesa", "zorg", "nakatomi", "gringotts", "monarch", "duff",
         "prestige", "sterling", "virtucon", "massive", "bluth", "krusty")
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace",
         "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy",
         "rupert", "sybil", "trent", "victor", "walter", "bounce",
         "noreply", "newsletter", "billing", "support", "info")
NEVER4 = [ipaddress.ip_network(n) for n in
          ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
NEVER6 = ipaddress.ip_network("2001:db8:ffff::/48")


class Policy:
    """What a name's SPF record authorizes, in the generator's model."""

    def __init__(self, name):
        self.name = name
        self.nets = []		# ip_network objects that match (pass)
        self.users = []		# local parts matched by exists:%{l}
        self.default = "neutral"	# result when nothing matches
        self.error = None	# "permerror" regardless of the IP
        self.none = False	# no SPF record at all
        self.cost = 0		# DNS terms on the longest path
        self.voids = 0		# void lookups on the no-match path


class Gen:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.rr = []		# (owner, type, rdata text)
        self.pol = {}		# name -> Policy

    # ---- records --------------------------------------------------

    def add(self, owner, rtype, rdata):
        self.rr.append((owner, rtype, rdata))

    def txt(self, owner, text):
        # Character-strings of at most 255 octets (RFC 1035 3.3.14).
        parts = [text[i:i + 255] for i in range(0, len(text), 255)]
        self.add(owner, "TXT", " ".join('"%s"' % p for p in parts))

    def host(self, name, v4net, v6net):
        """A and AAAA records for a host, chosen inside the two nets."""
        a = self.pick(v4net)
        b = self.pick(v6net)
        self.add(name, "A", str(a))
        self.add(name, "AAAA", str(b))
        return [ipaddress.ip_network(a), ipaddress.ip_network(b)]

    def pick(self, net):
        """A random host address inside net (not the network address)."""
        size = net.num_addresses
        off = 1 + self.rnd.randrange(size - 1) if size > 2 else 0
        return net.network_address + off

    def spf(self, owner, terms, pol):
        self.txt(owner, "v=spf1 " + " ".join(terms))
        self.pol[owner] = pol

    # ---- providers --------------------------------------------------

    def providers(self):
        """Six providers with three record shapes, and two exists-based
        ones.  Returns the include targets."""
        out = []
        for k in range(1, 7):
            dom = "prov%d.%s" % (k, ZONE)
            top = "_spf." + dom
            if k <= 3:
                out.append(self.provider_split(k, dom, top))
            elif k <= 5:
                out.append(self.provider_amx(k, dom, top))
            else:
                out.append(self.provider_flat(k, dom, top))
        out.append(self.provider_exists(7, "%{i}._spf.%{d}", "-all"))
        out.append(self.provider_exists(8, "%{ir}.%{v}._ipr.%{d}", "~all"))
        return out

    def nets4(self, k, n):
        nets = set()
        while len(nets) < n:
            plen = self.rnd.choice((20, 22, 24, 24, 24, 26, 28, 32))
            base = ipaddress.ip_address("10.%d.%d.%d" %
                                        (k, self.rnd.randrange(256),
                                         self.rnd.randrange(256)))
            nets.add(ipaddress.ip_network("%s/%d" % (base, plen),
                                          strict=False))
        return sorted(nets)

    def nets6(self, k, n):
        nets = set()
        while len(nets) < n:
            plen = self.rnd.choice((32 + 16, 56, 64, 64))
            base = "2001:db8:%x:%x::" % (k, self.rnd.randrange(65536))
            nets.add(ipaddress.ip_network("%s/%d" % (base, plen),
                                          strict=False))
        return sorted(nets)

    def provider_split(self, k, dom, top):
        """_spf -> _netblocks (ip4) and _netblocks6 (ip6), as the big
        mailbox providers publish."""
        n4, n6 = self.nets4(k, self.rnd.randint(6, 12)), self.nets6(k, 3)
        p4 = Policy("_netblocks." + dom)
        p4.nets, p4.default = n4, "softfail"
        self.spf(p4.name, ["ip4:%s" % n for n in n4] + ["~all"], p4)
        p6 = Policy("_netblocks6." + dom)
        p6.nets, p6.default = n6, "softfail"
        self.spf(p6.name, ["ip6:%s" % n for n in n6] + ["~all"], p6)
        p = Policy(top)
        p.nets, p.default, p.cost = n4 + n6, "softfail", 2
        self.spf(top, ["include:" + p4.name, "include:" + p6.name,
                       "~all"], p)
        return top

    def provider_amx(self, k, dom, top):
        """a:, mx: and ip4 together, with the hosts they name."""
        v4 = ipaddress.ip_network("10.%d.200.0/24" % k)
        v6 = ipaddress.ip_network("2001:db8:%x:c8::/64" % k)
        nets = []
        self.add(dom, "A", "10.%d.0.1" % k)
        for i in (1, 2):
            mx = "mx%d.%s" % (i, dom)
            self.add(dom, "MX", "%d %s." % (10 * i, mx))
            nets += self.host(mx, v4, v6)
        nets += self.host("smtp." + dom, v4, v6)
        n4 = self.nets4(k, 4)
        p = Policy(top)
        p.nets, p.default, p.cost = nets + n4, "fail", 2
        self.spf(top, ["a:smtp." + dom, "mx:" + dom] +
                 ["ip4:%s" % n for n in n4] + ["-all"], p)
        return top

    def provider_flat(self, k, dom, top):
        """One long flat list, split over two character-strings."""
        n4, n6 = self.nets4(k, 14), self.nets6(k, 4)
        p = Policy(top)
        p.nets, p.default = n4 + n6, "fail"
        self.spf(top, ["ip4:%s" % n for n in n4] +
                 ["ip6:%s" % n for n in n6] + ["-all"], p)
        return top

    def provider_exists(self, k, macro, all_term):
        """exists: over a per-IP list; both addresses families."""
        dom = "prov%d.%s" % (k, ZONE)
        top = "spf." + dom
        nets = []
        for i in range(1, 49):
            nets.append(ipaddress.ip_network("10.%d.0.%d/32" % (k, i)))
        for i in range(1, 9):
            nets.append(ipaddress.ip_network("2001:db8:%x::%x/128" % (k, i)))
        for n in nets:
            ip = n.network_address
            if "%{ir}" in macro:
                label = ip.reverse_pointer.rsplit(".", 2)[0]
                v = "in-addr" if ip.version == 4 else "ip6"
                owner = "%s.%s._ipr.%s" % (label, v, top)
            elif ip.version == 4:
                owner = "%s._spf.%s" % (ip, top)
            else:
                owner = "%s._spf.%s" % (".".join(ip.exploded.replace(
                    ":", "")), top)
            self.add(owner, "A", "127.0.0.2")
        p = Policy(top)
        p.nets, p.cost, p.voids = nets, 1, 1
        p.default = "fail" if all_term == "-all" else "softfail"
        self.spf(top, ["exists:" + macro, all_term], p)
        return top

    # ---- sender domains ---------------------------------------------

    def groups(self, provs):
        """Shared policies that many domains redirect= to."""
        out = []
        for g in range(1, 6):
            name = "_spf.group%d.%s" % (g, ZONE)
            inc = self.rnd.sample(provs[:6], 2)
            own = ipaddress.ip_network("172.31.%d.0/24" % g)
            p = self.combine(name, inc, [own],
                             self.rnd.choice(("-all", "~all")))
            self.spf(name, self.terms_of(inc, [own], p), p)
            out.append(name)
        return out

    def combine(self, name, includes, own, all_term):
        p = Policy(name)
        p.default = {"-all": "fail", "~all": "softfail",
                     "?all": "neutral"}[all_term]
        p.all_term = all_term
        p.nets = list(own)
        for t in includes:
            q = self.pol[t]
            p.nets += q.nets
            p.users += q.users
            p.cost += 1 + q.cost
            p.voids += q.voids
        return p

    def terms_of(self, includes, own, p):
        terms = ["include:" + t for t in includes]
        terms += [("ip4:%s" if n.version == 4 else "ip6:%s") % n
                  for n in own]
        return terms + [p.all_term]

    def sender(self, i, provs, groups):
        w = self.rnd.choice(WORDS)
        dom = "%s-%04d.%s" % (w, i, ZONE)
        own4 = ipaddress.ip_network("172.%d.%d.0/%d" % (
            16 + i % 15, (i // 15) % 256, self.rnd.choice((24, 26, 28))),
            strict=False)
        own6 = ipaddress.ip_network("2001:db8:%x::/48" % (0x100 + i))
        kind = self.rnd.choices(
            ("include", "mxa", "deep", "redirect", "a6", "neutral",
             "users", "nospf", "broken"),
            weights=(38, 15, 12, 10, 6, 4, 3, 8, 4))[0]
        # Most domains have an address and mail exchangers.
        hosts = self.host(dom, own4, own6)
        self.add(dom, "MX", "10 mx1.%s." % dom)
        hosts += self.host("mx1." + dom, own4, own6)
        if self.rnd.random() < 0.3:
            self.txt(dom, "site-verification=%016x" %
                     self.rnd.getrandbits(64))
        getattr(self, "kind_" + kind)(dom, own4, own6, hosts, provs,
                                      groups)
        return dom

    def all_term(self):
        return self.rnd.choices(("-all", "~all"), weights=(45, 55))[0]

    def kind_include(self, dom, own4, own6, hosts, provs, groups):
        n = self.rnd.choices((1, 2, 3), weights=(50, 35, 15))[0]
        inc = self.pick_provs(provs, n)
        own = [own4] if self.rnd.random() < 0.5 else []
        p = self.combine(dom, inc, own, self.all_term())
        self.spf(dom, self.terms_of(inc, own, p), p)

    def pick_provs(self, provs, n):
        # At most one exists-based provider: each is a void lookup on
        # the no-match path, and RFC 7208 allows two.
        first = self.rnd.sample(provs[:6], n)
        if self.rnd.random() < 0.25:
            first[-1] = self.rnd.choice(provs[6:])
        return first

    def kind_mxa(self, dom, own4, own6, hosts, provs, groups):
        p = Policy(dom)
        p.all_term = self.all_term()
        p.default = "fail" if p.all_term == "-all" else "softfail"
        p.nets, p.cost = hosts + [own4], 2
        terms = ["mx", "a", "ip4:%s" % own4]
        if self.rnd.random() < 0.5:
            t = self.rnd.choice(provs[:6])
            terms.append("include:" + t)
            p.nets += self.pol[t].nets
            p.cost += 1 + self.pol[t].cost
        self.spf(dom, terms + [p.all_term], p)

    def kind_deep(self, dom, own4, own6, hosts, provs, groups):
        """dom -> _spf.dom -> provider -> provider's netblocks."""
        sub = "_spf." + dom
        inc = self.pick_provs(provs, self.rnd.choice((1, 2)))
        q = self.combine(sub, inc, [own4, own6], "-all")
        self.spf(sub, self.terms_of(inc, [own4, own6], q), q)
        p = self.combine(dom, [sub], [], self.all_term())
        terms = self.terms_of([sub], [], p)
        if p.default == "fail" and self.rnd.random() < 0.4:
            # An explanation with macros (RFC 7208 6.2).
            terms.append("exp=explain._spf.%{d}")
            self.txt("explain._spf." + dom, "%{i} is not one of %{d}'s "
                     "designated mail servers. See "
                     "http://%{d}/why.html?s=%{s}")
        self.spf(dom, terms, p)

    def kind_redirect(self, dom, own4, own6, hosts, provs, groups):
        g = self.rnd.choice(groups)
        q = self.pol[g]
        p = Policy(dom)
        p.nets, p.default, p.cost = q.nets, q.default, 1 + q.cost
        terms = ["redirect=" + g]
        if self.rnd.random() < 0.5:
            terms.insert(0, "ip4:%s" % own4)
            p.nets = [own4] + p.nets
        self.spf(dom, terms, p)

    def kind_a6(self, dom, own4, own6, hosts, provs, groups):
        mail = "mail." + dom
        p = Policy(dom)
        p.nets = self.host(mail, own4, own6) + [own6]
        p.all_term = "~all"
        p.default, p.cost = "softfail", 1
        t = self.rnd.choice(provs[6:])
        p.nets += self.pol[t].nets
        p.cost += 1 + self.pol[t].cost
        p.voids = self.pol[t].voids
        self.spf(dom, ["a:" + mail, "ip6:%s" % own6, "include:" + t,
                       "~all"], p)

    def kind_neutral(self, dom, own4, own6, hosts, provs, groups):
        p = Policy(dom)
        p.nets, p.default, p.cost = [own4], "neutral", 1
        p.nets += self.pol[provs[0]].nets
        p.cost += self.pol[provs[0]].cost
        self.spf(dom, ["ip4:%s" % own4, "include:" + provs[0], "?all"], p)

    def kind_users(self, dom, own4, own6, hosts, provs, groups):
        """Per-user authorization: exists:%{l}._u.%{d}."""
        p = Policy(dom)
        p.users = self.rnd.sample(USERS, 5)
        for u in p.users:
            self.add("%s._u.%s" % (u, dom), "A", "127.0.0.2")
        t = self.rnd.choice(provs[:6])
        p.nets, p.default = list(self.pol[t].nets), "fail"
        p.cost, p.voids = 2 + self.pol[t].cost, 1
        self.spf(dom, ["exists:%{l}._u.%{d}", "include:" + t, "-all"], p)

    def kind_nospf(self, dom, own4, own6, hosts, provs, groups):
        p = Policy(dom)
        p.none = True
        self.pol[dom] = p

    def kind_broken(self, dom, own4, own6, hosts, provs, groups):
        """Errors every implementation must call permerror."""
        p = Policy(dom)
        p.error = "permerror"
        how = self.rnd.randrange(4)
        if how == 0:	# unknown mechanism (RFC 7208 4.6.1)
            self.txt(dom, "v=spf1 ip4:%s foo:bar.%s -all" % (own4, ZONE))
        elif how == 1:	# two SPF records (4.5)
            self.txt(dom, "v=spf1 ip4:%s -all" % own4)
            self.txt(dom, "v=spf1 include:%s ~all" % provs[0])
        elif how == 2:	# include of a name with no record (5.2)
            self.txt(dom, "v=spf1 include:nothing-here.%s ip4:%s -all" %
                     (ZONE, own4))
        else:		# eleven DNS terms (4.6.4), after no match
            self.txt(dom, "v=spf1 " + " ".join(
                "include:" + provs[j % 6] for j in (0, 1, 2, 3, 4, 5)) +
                " -all")
        self.pol[dom] = p

    # ---- queries ----------------------------------------------------

    def never_ip(self, v6):
        if v6:
            return self.pick(NEVER6)
        return self.pick(self.rnd.choice(NEVER4))

    def query(self, dom):
        p = self.pol[dom]
        user = self.rnd.choice(USERS)
        helo = self.rnd.choice(("mail.", "mx1.", "smtp-out.")) + dom
        r = self.rnd.random()
        if p.none or p.error:
            ip, exp = self.never_ip(r < 0.2), \
                "none" if p.none else "permerror"
        elif r < 0.82:
            if p.users and self.rnd.random() < 0.3:
                user = self.rnd.choice(p.users)
                ip, exp = self.never_ip(self.rnd.random() < 0.2), "pass"
            else:
                ip, exp = self.pick(self.rnd.choice(p.nets)), "pass"
        else:
            ip, exp = self.never_ip(r > 0.97), p.default
            while user in p.users:
                user = self.rnd.choice(USERS)
        return (str(ip), "%s@%s" % (user, dom), helo, exp)

    def helo_hosts(self):
        """HELO names with their own "v=spf1 a -all", for null senders."""
        out = []
        for k in range(1, 21):
            name = "out%d.relay.%s" % (k, ZONE)
            v4 = ipaddress.ip_network("10.250.%d.0/24" % k)
            v6 = ipaddress.ip_network("2001:db8:fa:%x::/64" % k)
            p = Policy(name)
            p.nets, p.default, p.cost = self.host(name, v4, v6), "fail", 1
            self.spf(name, ["a", "-all"], p)
            out.append(name)
        return out


def write_zone(path, rr, knot):
    with open(path, "w") as f:
        f.write("; generated by bench/spf/gen_workload.py; do not edit\n")
        f.write("$ORIGIN %s.\n$TTL %d\n" % (ZONE, TTL))
        if knot:
            f.write("@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n"
                    "@ NS ns.%s.\nns A 127.0.0.1\n" % (ZONE, ZONE, ZONE))
        for owner, rtype, rdata in rr:
            f.write("%s. %s %s\n" % (owner, rtype, rdata))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7208)
    ap.add_argument("--domains", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=20000)
    ap.add_argument("outdir")
    a = ap.parse_args()

    g = Gen(a.seed)
    provs = g.providers()
    groups = g.groups(provs)
    helos = g.helo_hosts()
    doms = [g.sender(i, provs, groups) for i in range(1, a.domains + 1)]
    for d in doms:
        p = g.pol[d]
        if p.error is None and (p.cost > 10 or p.voids > 2):
            sys.exit("gen_workload: %s breaks the limits (%d terms, "
                     "%d voids)" % (d, p.cost, p.voids))

    # Traffic is skewed: a tenth of the domains send half the mail.
    hot = doms[:max(1, len(doms) // 10)]
    queries = []
    for _ in range(a.queries):
        r = g.rnd.random()
        if r < 0.03:
            # Null reverse-path: the HELO name is checked as
            # postmaster@HELO (RFC 7208 2.4).
            h = g.rnd.choice(helos)
            p = g.pol[h]
            if g.rnd.random() < 0.8:
                ip, exp = g.pick(g.rnd.choice(p.nets)), "pass"
            else:
                ip, exp = g.never_ip(False), "fail"
            queries.append((str(ip), "<>", h, exp))
        elif r < 0.045:
            # A MAIL FROM domain that does not exist: none.
            dom = "nx-%d.%s" % (g.rnd.randrange(100000), ZONE)
            queries.append((str(g.never_ip(False)), "info@" + dom,
                            "mail." + dom, "none"))
        else:
            dom = g.rnd.choice(hot if g.rnd.random() < 0.5 else doms)
            queries.append(g.query(dom))

    os.makedirs(a.outdir, exist_ok=True)
    write_zone(os.path.join(a.outdir, "example.zone"), g.rr, True)
    write_zone(os.path.join(a.outdir, "vouch.zone"), g.rr, False)
    with open(os.path.join(a.outdir, "queries.txt"), "w") as f:
        for q in queries:
            f.write("\t".join(q) + "\n")
    hist = {}
    for q in queries:
        hist[q[3]] = hist.get(q[3], 0) + 1
    with open(os.path.join(a.outdir, "summary.txt"), "w") as f:
        f.write("seed %d domains %d queries %d records %d\n" %
                (a.seed, len(doms), len(queries), len(g.rr)))
        f.write("expected %s\n" % " ".join(
            "%s=%d" % kv for kv in sorted(hist.items())))


if __name__ == "__main__":
    main()
