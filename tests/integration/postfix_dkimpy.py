#!/usr/bin/python3
"""postfix_dkimpy.py - verify every DKIM-Signature of a delivered message
with dkimpy (python3-dkim), an implementation independent of vouch, the
key records read from the test's knot.

Usage: postfix_dkimpy.py MESSAGE KNOT_PORT DOMAIN ALGORITHM...

Prints one line per signature ("d=... s=... a=... pass|fail").  Exit 0
when every signature verifies, each is by DOMAIN (d=), and the
signatures use exactly the algorithms given (e.g. rsa-sha256
ed25519-sha256, in any order); 1 otherwise.
"""

import sys

import dkim
import dns.resolver


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, port, domain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    want = sorted(a.encode() for a in sys.argv[4:])
    with open(path, "rb") as f:
        msg = f.read()

    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port

    def txt(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        res.lifetime = timeout
        ans = res.resolve(name, "TXT")
        return b"".join(ans[0].strings)

    d = dkim.DKIM(msg)
    sigs = [v for (k, v) in d.headers if k.lower() == b"dkim-signature"]
    if not sigs:
        print("no DKIM-Signature")
        return 1
    ok = True
    algs = []
    for i, raw in enumerate(sigs):
        tags = dkim.util.parse_tag_value(b"".join(raw.split()))
        why = ""
        try:
            good = d.verify(idx=i, dnsfunc=txt)
        except dkim.DKIMException as e:
            good, why = False, " (%s)" % e
        algs.append(tags.get(b"a", b""))
        print("d=%s s=%s a=%s %s%s" % (tags.get(b"d", b"").decode(),
              tags.get(b"s", b"").decode(), algs[-1].decode(),
              "pass" if good else "fail", why))
        ok = ok and good and tags.get(b"d", b"").lower() == domain.encode()
    if sorted(algs) != want:
        print("algorithms %s, want %s" % (sorted(algs), want))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
