#!/usr/bin/python3
"""ceiling.py - how fast could a DKIM verifier doing only the crypto go?

Usage: ceiling.py SPEED MANIFEST

SPEED is the output of
    openssl speed -mr -seconds 3 -bytes 16384 sha256 rsa2048 ed25519
(machine-readable: "+F:N:sha256:BYTES_PER_SEC", "+F2:N:2048:SIGN:VERIFY",
"+F6:N:253:Ed25519:SIGN:VERIFY"); MANIFEST is gen_corpus.py's.  For
exactly that corpus, the time a verifier needs if it did nothing but
the cryptography is, per message,

    (BODY_HASHED + HEADER_HASHED) / sha256_rate
        + sum over its signatures of 1 / verify_rate(algorithm)

(signatures whose key is not published cost nothing; see gen_corpus.py
for what BODY_HASHED and HEADER_HASHED count).  Prints one line:

    ceiling=MSGS_PER_SEC sha256_mbps=R rsa2048_verify=R ed25519_verify=R
            hashed_mb=N rsa_sigs=N ed25519_sigs=N crypto_share_hash=P
"""

import sys


def speeds(path):
    sha = rsa = ed = None
    with open(path) as f:
        for line in f:
            p = line.strip().split(":")
            if p[0] == "+F" and p[2] == "sha256":
                sha = float(p[3])
            elif p[0] == "+F2" and p[2] == "2048":
                rsa = float(p[4])
            elif p[0] == "+F6" and p[3] == "Ed25519":
                ed = float(p[5])
    if None in (sha, rsa, ed):
        sys.exit("ceiling.py: %s: no sha256/rsa2048/ed25519 figures" % path)
    return sha, rsa, ed


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    sha, rsa, ed = speeds(sys.argv[1])
    n = nbytes = nrsa = ned = 0
    with open(sys.argv[2]) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            algs = cols[2].split(",")
            n += 1
            nbytes += int(cols[3]) + int(cols[4])
            nrsa += algs.count("rsa")
            ned += algs.count("ed25519")
    t_hash = nbytes / sha
    t = t_hash + nrsa / rsa + ned / ed
    print("ceiling=%.0f sha256_mbps=%.0f rsa2048_verify=%.0f "
          "ed25519_verify=%.0f hashed_mb=%.1f rsa_sigs=%d ed25519_sigs=%d "
          "crypto_share_hash=%.0f%%" % (n / t, sha / 1e6, rsa, ed,
                                        nbytes / 1e6, nrsa, ned,
                                        100 * t_hash / t))


if __name__ == "__main__":
    main()
