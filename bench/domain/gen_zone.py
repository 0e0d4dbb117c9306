#!/usr/bin/python3
"""bench/domain/gen_zone.py - the zone "bench." of N mail domains for
bench/domain/run: each domain dNNNN.bench has an SPF record with one or
two includes of ten shared providers (each with a nested include of
ranges), a DMARC record (p, rua inside the domain), a DKIM key at
s2026._domainkey and, for one domain in three, google._domainkey (the
probe finds it), and MX hosts with addresses.  Providers p0..p9 live
under bench. too, so every answer comes from the one knot zone.

Usage: gen_zone.py N DKIM_PUBLIC_KEY_BASE64 OUT_ZONE OUT_DOMAINS
"""
import sys

n, key, zone_out, list_out = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    sys.argv[4]
# a character-string holds 255 octets (RFC 1035 3.3): the key in pieces
key = '" "'.join(key[i:i + 200] for i in range(0, len(key), 200))
lines = ["$ORIGIN bench.", "$TTL 3600",
         "@ SOA ns.bench. hostmaster.bench. 1 3600 600 86400 300",
         "@ NS ns.bench.", "ns A 127.0.0.1"]
for p in range(10):
    lines.append('_spf.p%d TXT "v=spf1 ip4:198.51.%d.0/24 '
                 'include:_nb.p%d.bench ~all"' % (p, 100 + p, p))
    lines.append('_nb.p%d TXT "v=spf1 ip6:2001:db8:%x::/48 ip4:203.0.%d.0/25'
                 ' -all"' % (p, p, 113 + p % 10))
names = []
for i in range(n):
    d = "d%04d" % i
    names.append(d + ".bench")
    inc = " ".join("include:_spf.p%d.bench" % ((i + k) % 10)
                   for k in range(1 + i % 2))
    lines.append('%s TXT "v=spf1 ip4:192.0.%d.%d mx %s -all"' %
                 (d, i // 250, i % 250, inc))
    lines.append('_dmarc.%s TXT "v=DMARC1; p=%s; rua=mailto:dmarc@%s.bench"'
                 % (d, ["none", "quarantine", "reject"][i % 3], d))
    lines.append('s2026._domainkey.%s TXT ( "v=DKIM1; k=rsa; " "p=%s" )' %
                 (d, key))
    if i % 3 == 0:
        lines.append('google._domainkey.%s TXT ( "v=DKIM1; k=rsa; " "p=%s" )' %
                     (d, key))
    lines.append("%s MX 10 mx1.%s" % (d, d))
    lines.append("%s MX 20 mx2.%s" % (d, d))
    lines.append("mx1.%s A 192.0.2.%d" % (d, 1 + i % 250))
    lines.append("mx2.%s A 192.0.2.%d" % (d, 2 + i % 250))
with open(zone_out, "w") as f:
    f.write("\n".join(lines) + "\n")
with open(list_out, "w") as f:
    f.write("\n".join(names) + "\n")
