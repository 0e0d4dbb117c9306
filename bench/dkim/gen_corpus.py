#!/usr/bin/python3
"""gen_corpus.py - a deterministic DKIM corpus for bench/dkim.

Usage: gen_corpus.py [--seed N] [--messages N] OUTDIR

Run it with /usr/bin/python3 (Debian's python3-dkim and python3-nacl).
Writes:

  OUTDIR/keys/NAME.pem   private keys made by `openssl genpkey` (mode
                         0600; kept and reused when OUTDIR is reused)
  OUTDIR/vouch.zone      RFC 1035 master file with every key record as a
                         TXT RR at SEL._domainkey.DOMAIN (strings of at
                         most 255 bytes), for vouch_dns_zone_new_file()
  OUTDIR/opendkim.keys   the same records for libopendkim's
                         DKIM_QUERY_FILE: "SEL._domainkey.DOMAIN RECORD"
  OUTDIR/keys.txt        NAME TYPE DOMAIN SELECTOR, one key a line
  OUTDIR/msg/NNNNN.eml   the messages, CRLF line ends
  OUTDIR/manifest.txt    one message a line, tab-separated:
                           FILE EXPECTED ALGS BODY_HASHED HEADER_HASHED SIZE
                         EXPECTED: the result of each DKIM-Signature in
                         header order (comma-separated: pass, fail,
                         permerror); ALGS: the algorithm of each one, "-"
                         for a signature whose key is not published;
                         BODY_HASHED / HEADER_HASHED: the canonical bytes
                         a verifier must hash (see below)
  OUTDIR/summary.txt     counts per kind, per result, sizes

Everything but the keys follows from the seed: the same seed gives the
same messages and, with the same keys, the same signatures (RSA PKCS#1
v1.5 and Ed25519 signatures are deterministic; t= is fixed).  The signer
is dkimpy, independent of vouch.

Messages are 2-200 KB (log-uniform): plain text, multipart/alternative
(text + HTML), or multipart/mixed with a base64 attachment; realistic
header sections (Received chain, List-*, X-* fields).  Kinds:

  rsa       one rsa-sha256 signature (2048-bit keys)
  ed25519   one ed25519-sha256 signature
  dual      rsa-sha256 + ed25519-sha256 by the same domain (RFC 8463)
  esp       the author domain's signature, then an ESP's over it
  list      the author's signature broken by a mailing list (subject tag,
            footer) and the list's own signature: fail + pass
  body      one signature, then one body byte changed: fail
  header    one signature, then the signed Subject changed: fail
  nokey     a selector that is not published: permerror

Bytes hashed, for the crypto ceiling: a verifier that shares body hashes
(same body canonicalization and l=) hashes each distinct canonical body
once, plus for each signature the canonical signed header fields and the
DKIM-Signature field without b= (RFC 6376 3.7).  Signatures whose key is
not published cost nothing.
"""

import argparse
import base64
import math
import os
import random
import re
import subprocess
import sys
import types

import dkim
from dkim.canonicalization import CanonicalizationPolicy

T0 = 1764000000			# t= of every signature (2025-11-24)
MAX_B = 255			# one TXT character-string

# name, type, domain, selector
KEYS = (
    ("acme-rsa", "rsa", "acme.example", "s2026a"),
    ("globex-rsa", "rsa", "globex.example", "mail"),
    ("initech-rsa", "rsa", "initech.example", "k1"),
    ("umbrella-rsa", "rsa", "umbrella.example", "default"),
    ("hooli-rsa", "rsa", "hooli.example", "2026q4"),
    ("mailer-rsa", "rsa", "mailer.example", "m1"),
    ("lists-rsa", "rsa", "lists.example", "lst"),
    ("acme-ed", "ed25519", "acme.example", "ed2026"),
    ("globex-ed", "ed25519", "globex.example", "ed"),
    ("hooli-ed", "ed25519", "hooli.example", "e1"),
)
AUTHORS = ("acme", "globex", "initech", "umbrella", "hooli")
DUAL = ("acme", "globex", "hooli")	# domains with both key types
KINDS = (("rsa", 62), ("ed25519", 10), ("dual", 10), ("esp", 6),
         ("list", 3), ("body", 4), ("header", 4), ("nokey", 1))
CANONS = (((b"relaxed", b"relaxed"), 80), ((b"relaxed", b"simple"), 10),
          ((b"simple", b"simple"), 10))

WORDS = ("the", "of", "and", "to", "a", "in", "for", "is", "on", "that",
         "by", "this", "with", "you", "it", "not", "or", "be", "are",
         "from", "at", "as", "your", "all", "have", "new", "more", "an",
         "was", "we", "will", "home", "can", "us", "about", "if", "page",
         "my", "has", "search", "free", "but", "our", "one", "other",
         "invoice", "meeting", "schedule", "report", "quarterly", "please",
         "attached", "review", "thanks", "regards", "shipment", "order",
         "account", "update", "password", "deadline", "project", "budget")
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace",
         "heidi", "ivan", "judy", "newsletter", "billing", "support")


def wpick(rng, table):
    total = sum(w for _, w in table)
    r = rng.uniform(0, total)
    for v, w in table:
        r -= w
        if r <= 0:
            return v
    return table[-1][0]


# ---- keys --------------------------------------------------------------

def openssl(*args, data=None):
    return subprocess.run(("openssl",) + args, input=data, check=True,
                          capture_output=True).stdout


def make_keys(outdir):
    """Private keys (reused when present) and their public records."""
    kdir = os.path.join(outdir, "keys")
    os.makedirs(kdir, exist_ok=True)
    keys = {}
    for name, kind, domain, sel in KEYS:
        path = os.path.join(kdir, name + ".pem")
        if not os.path.exists(path):
            tmp = path + ".tmp"
            if kind == "rsa":
                openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", tmp)
            else:
                openssl("genpkey", "-algorithm", "ED25519", "-out", tmp)
            os.chmod(tmp, 0o600)
            os.rename(tmp, path)
        with open(path, "rb") as f:
            pem = f.read()
        pub = openssl("pkey", "-in", path, "-pubout", "-outform", "DER")
        if kind == "rsa":
            p = base64.b64encode(pub).decode()
            priv = pem
        else:
            # RFC 8463 3: p= is the raw 32-byte public key; dkimpy signs
            # with the raw 32-byte seed (the tail of the PKCS#8 DER).
            p = base64.b64encode(pub[-32:]).decode()
            der = openssl("pkey", "-in", path, "-outform", "DER")
            priv = base64.b64encode(der[-32:])
        keys[name] = types.SimpleNamespace(
            name=name, kind=kind, domain=domain, sel=sel.encode(),
            priv=priv, record="v=DKIM1; k=%s; p=%s" % (kind, p))
    return keys


def write_zone(outdir, keys):
    with open(os.path.join(outdir, "vouch.zone"), "w") as z, \
            open(os.path.join(outdir, "opendkim.keys"), "w") as o, \
            open(os.path.join(outdir, "keys.txt"), "w") as t:
        z.write("$TTL 3600\n")
        for k in keys.values():
            owner = "%s._domainkey.%s" % (k.sel.decode(), k.domain)
            rec = k.record
            strings = [rec[i:i + MAX_B] for i in range(0, len(rec), MAX_B)]
            z.write("%s. IN TXT %s\n" % (owner, " ".join(
                '"%s"' % s for s in strings)))
            o.write("%s %s\n" % (owner, rec))
            t.write("%s %s %s %s\n" % (k.name, k.kind, k.domain,
                                        k.sel.decode()))


# ---- messages ----------------------------------------------------------

def text_lines(rng, nbytes):
    """Wrapped prose, with the whitespace relaxed canonicalization eats."""
    out = []
    size = 0
    while size < nbytes:
        n = rng.randint(4, 14)
        line = " ".join(rng.choice(WORDS) for _ in range(n))
        r = rng.random()
        if r < 0.05:
            line += "  "		# trailing spaces
        elif r < 0.08:
            line = line.replace(" ", "  ", 1) + "\t"
        elif r < 0.12:
            line = ""
        out.append(line)
        size += len(line) + 2
    return out


def html_lines(rng, nbytes):
    out = ["<html><head><meta charset=\"utf-8\"></head><body>"]
    size = 0
    while size < nbytes:
        para = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        line = "<p style=\"font-family:Arial;font-size:14px\">%s</p>" % para
        out.append(line)
        size += len(line) + 2
    out.append("</body></html>")
    return out


def b64_lines(rng, nbytes):
    raw = rng.randbytes(nbytes * 3 // 4)
    b = base64.b64encode(raw).decode()
    return [b[i:i + 76] for i in range(0, len(b), 76)]


def make_body(rng, size):
    """(content-type header value, body lines)."""
    r = rng.random()
    if size > 12000 and r < 0.6:
        bnd = "=_mixed_%016x" % rng.getrandbits(64)
        alt = min(size // 5, 8000)
        lines = ["This is a multi-part message in MIME format.", "",
                 "--" + bnd, "Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: 7bit", ""]
        lines += text_lines(rng, alt)
        name = "%s-%d.%s" % (rng.choice(("report", "invoice", "scan")),
                             rng.randint(1, 999),
                             rng.choice(("pdf", "xlsx", "png")))
        lines += ["", "--" + bnd,
                  "Content-Type: application/octet-stream; name=\"%s\""
                  % name,
                  "Content-Transfer-Encoding: base64",
                  "Content-Disposition: attachment; filename=\"%s\""
                  % name, ""]
        lines += b64_lines(rng, max(size - alt - 1500, 1000))
        lines += ["", "--" + bnd + "--", ""]
        return "multipart/mixed; boundary=\"%s\"" % bnd, lines
    if r < 0.75:
        bnd = "=_alt_%016x" % rng.getrandbits(64)
        half = max((size - 1500) // 3, 200)
        lines = ["--" + bnd, "Content-Type: text/plain; charset=utf-8", ""]
        lines += text_lines(rng, half)
        lines += ["", "--" + bnd, "Content-Type: text/html; charset=utf-8",
                  ""]
        lines += html_lines(rng, 2 * half)
        lines += ["", "--" + bnd + "--", ""]
        return "multipart/alternative; boundary=\"%s\"" % bnd, lines
    lines = text_lines(rng, max(size - 1500, 200))
    lines += ["", "--", "sent from the bench", "", ""]
    return "text/plain; charset=utf-8; format=flowed", lines


def make_message(rng, i, author):
    size = int(math.exp(rng.uniform(math.log(2048), math.log(200 * 1024))))
    dom = author + ".example"
    frm = "%s@%s" % (rng.choice(USERS), dom)
    to = "%s@%s.example" % (rng.choice(USERS), rng.choice(AUTHORS))
    ctype, body = make_body(rng, size)
    day = 1 + i % 28
    h = []
    for hop in range(rng.randint(2, 5)):
        h.append("Received: from mx%d.relay%d.example (mx%d.relay%d.example"
                 " [198.51.100.%d])\r\n\tby mx.in.example with ESMTPS id "
                 "%012X;\r\n\tTue, %d Nov 2026 %02d:%02d:%02d +0000"
                 % (hop, i % 50, hop, i % 50, rng.randint(1, 254),
                    rng.getrandbits(48), day, rng.randint(0, 23),
                    rng.randint(0, 59), rng.randint(0, 59)))
    h.append("Return-Path: <bounce-%d@%s>" % (i, dom))
    h.append("From: %s <%s>" % (frm.split("@")[0].title(), frm))
    h.append("To: %s" % to)
    if rng.random() < 0.3:
        h.append("Cc: %s@%s.example" % (rng.choice(USERS),
                                         rng.choice(AUTHORS)))
    subj = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
    h.append("Subject: %s" % subj.capitalize())
    h.append("Date: Tue, %d Nov 2026 %02d:%02d:%02d +0000"
             % (day, rng.randint(0, 23), rng.randint(0, 59),
                rng.randint(0, 59)))
    h.append("Message-ID: <%016x.%d@%s>" % (rng.getrandbits(64), i, dom))
    h.append("MIME-Version: 1.0")
    h.append("Content-Type: %s" % ctype)
    if rng.random() < 0.4:
        h.append("List-Unsubscribe: <https://%s/u/%x>,\r\n <mailto:unsub-%d@"
                 "%s>" % (dom, rng.getrandbits(40), i, dom))
    if rng.random() < 0.5:
        h.append("X-Mailer: bench-mailer %d.%d" % (rng.randint(1, 9),
                                                   rng.randint(0, 20)))
    head = "\r\n".join(h) + "\r\n"
    return (head + "\r\n" + "\r\n".join(body)).encode()


# ---- signing and what it costs to verify -------------------------------

def split(msg):
    i = msg.index(b"\r\n\r\n") + 2
    return msg[:i], msg[i + 2:]


def sign(msg, key, canon):
    d = dkim.DKIM(msg, signature_algorithm=(
        b"rsa-sha256" if key.kind == "rsa" else b"ed25519-sha256"))
    return d.sign(key.sel, key.domain.encode(), key.priv,
                  canonicalize=canon)


def hashed_bytes(msg, sigs):
    """(body bytes, header bytes) a sharing verifier hashes for sigs, the
    (field, published) pairs of the message's signatures."""
    headers, body = dkim.rfc822_parse(msg)
    bodies = {}
    hbytes = 0
    for field, published in sigs:
        if not published:
            continue
        name, _, value = field.partition(b":")
        tags = dkim.util.parse_tag_value(value.replace(b"\r\n", b""))
        c = tags.get(b"c", b"simple/simple")
        pol = CanonicalizationPolicy.from_c_value(c)
        bodies[c.split(b"/")[1] if b"/" in c else b"simple"] = len(
            pol.canonicalize_body(body))
        inc = [x.strip().lower() for x in tags[b"h"].split(b":")]
        sel = dkim.select_headers(pol.canonicalize_headers(headers), inc)
        sighdr = pol.canonicalize_headers(
            [(name, dkim.RE_BTAG.sub(b"\\1", value))])
        for x, y in sel + [(x, y.rstrip()) for x, y in sighdr]:
            hbytes += len(x) + 1 + len(y)
    return sum(bodies.values()), hbytes


def tamper_body(rng, msg):
    head, body = split(msg)
    b = bytearray(body)
    while True:
        j = rng.randrange(len(b) // 4, len(b) * 3 // 4)
        if chr(b[j]).isalnum():
            b[j] = ord("X") if b[j] != ord("X") else ord("Y")
            return head + b"\r\n" + bytes(b)


def tamper_header(msg):
    return re.sub(rb"\r\nSubject: ", b"\r\nSubject: Re: ", msg, count=1)


def build(rng, i, kind, keys):
    """(message bytes, [(field, expected, alg, published)] in header
    order)."""
    canon = wpick(rng, CANONS)
    if kind in ("ed25519", "dual"):
        author = rng.choice(DUAL)
    else:
        author = rng.choice(AUTHORS)
    msg = make_message(rng, i, author)
    rsa = keys[author + "-rsa"]
    if kind == "rsa" or kind == "nokey":
        key = rsa
        if kind == "nokey":
            key = types.SimpleNamespace(**vars(rsa))
            key.sel = b"retired2019"
        f = sign(msg, key, canon)
        return f + msg, [(f, "pass" if kind == "rsa" else "permerror",
                          "rsa" if kind == "rsa" else "-", kind == "rsa")]
    if kind == "ed25519":
        f = sign(msg, keys[author + "-ed"], canon)
        return f + msg, [(f, "pass", "ed25519", True)]
    if kind == "dual":
        f1 = sign(msg, keys[author + "-ed"], canon)
        f2 = sign(msg, rsa, canon)
        return f1 + f2 + msg, [(f1, "pass", "ed25519", True),
                               (f2, "pass", "rsa", True)]
    if kind == "esp":
        f1 = sign(msg, rsa, canon)
        msg = (b"Feedback-ID: %d:%s:bench\r\n" % (i, author.encode())
               + f1 + msg)
        f2 = sign(msg, keys["mailer-rsa"], (b"relaxed", b"simple"))
        return f2 + msg, [(f2, "pass", "rsa", True),
                          (f1, "pass", "rsa", True)]
    if kind == "list":
        f1 = sign(msg, rsa, canon)
        msg = (f1 + msg).replace(b"\r\nSubject: ", b"\r\nSubject: [team] ",
                                 1)
        msg = (b"List-Id: Team <team.lists.example>\r\n" + msg
               + b"--\r\nteam mailing list\r\nteam@lists.example\r\n")
        f2 = sign(msg, keys["lists-rsa"], (b"relaxed", b"relaxed"))
        return f2 + msg, [(f2, "pass", "rsa", True),
                          (f1, "fail", "rsa", True)]
    # body, header: one signature, either algorithm, then a change
    key = keys[author + "-ed"] if (author in DUAL and
                                   rng.random() < 0.3) else rsa
    f = sign(msg, key, canon)
    msg = f + msg
    msg = tamper_body(rng, msg) if kind == "body" else tamper_header(msg)
    return msg, [(f, "fail", key.kind, True)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=6376)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("outdir")
    a = ap.parse_args()
    # t= from the generator, not the clock: same seed, same corpus.
    dkim.time = types.SimpleNamespace(time=lambda: T0)
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.outdir, "msg"), exist_ok=True)
    keys = make_keys(a.outdir)
    write_zone(a.outdir, keys)
    counts = {}
    results = {}
    total = 0
    with open(os.path.join(a.outdir, "manifest.txt"), "w") as man:
        man.write("# FILE\tEXPECTED\tALGS\tBODY_HASHED\tHEADER_HASHED"
                  "\tSIZE\n")
        for i in range(a.messages):
            kind = wpick(rng, KINDS)
            msg, sigs = build(rng, i, kind, keys)
            bb, hb = hashed_bytes(msg, [(s[0], s[3]) for s in sigs])
            name = "msg/%05d.eml" % i
            with open(os.path.join(a.outdir, name), "wb") as f:
                f.write(msg)
            man.write("%s\t%s\t%s\t%d\t%d\t%d\n" % (
                name, ",".join(s[1] for s in sigs),
                ",".join(s[2] for s in sigs), bb, hb, len(msg)))
            counts[kind] = counts.get(kind, 0) + 1
            for s in sigs:
                results[s[1]] = results.get(s[1], 0) + 1
            total += len(msg)
    with open(os.path.join(a.outdir, "summary.txt"), "w") as f:
        f.write("messages %d, %d bytes (mean %d)\n" % (
            a.messages, total, total // max(a.messages, 1)))
        f.write("kinds %s\n" % " ".join(
            "%s:%d" % kv for kv in sorted(counts.items())))
        f.write("signatures %s\n" % " ".join(
            "%s:%d" % kv for kv in sorted(results.items())))


if __name__ == "__main__":
    sys.exit(main())
