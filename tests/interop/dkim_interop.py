#!/usr/bin/python3
"""dkim_interop.py - DKIM interop test: vouch against dkimpy and OpenDKIM.

Usage: /usr/bin/python3 dkim_interop.py --vouch PATH
           [--opendkim-tool PATH] [--knot-ctl PATH] [--peers-only]
           [--keep] [--verbose]

1. Keys: openssl genpkey makes RSA 1024, RSA 2048 and Ed25519 keys in a
   temporary directory; one zone file (example.com) publishes them as TXT
   records (strings of at most 255 octets; Ed25519 p= is the raw 32-octet
   key, RFC 8463 section 4.2).  dkimpy reads its keys from that zone file
   and OpenDKIM from a key file derived from it, so all three verifiers
   see the same records.
2. Messages: about forty generated messages (plain, multipart, trailing
   whitespace, empty bodies, no final CRLF, folded headers, WSP runs,
   8-bit UTF-8, several recipients, LF-only variants).
3. Direction A: dkimpy and OpenDKIM (tests/interop/opendkim_tool) sign
   every message with every canonicalization pair, rsa-sha256 and
   ed25519-sha256, and a few with both; vouch verifies from the zone file
   (--dns-zone) and, for a subset, over DNS from a knotd on 127.0.0.1
   (scripts/knot-ctl).  The two peers also verify each other's output.
4. Direction B: "vouch dkim sign" signs with rsa 2048, ed25519 and both;
   dkimpy (each signature by index) and OpenDKIM verify.
5. Every intact signature must pass; after one body byte or the Subject
   is changed, every signature must fail.
6. "rfc-bh": on a dozen edge-case bodies (empty, no final CRLF, trailing
   WSP and blank lines) every signer's bh= must be the hash of the
   canonical body derived by hand from RFC 6376 3.4.3/3.4.4 (RFC_BODIES),
   an oracle independent of all three implementations.

libopendkim signs simple/* header canonicalization unfolded (see
sign_opendkim() and dkim-known.tsv for why).

A verdict that differs from that is accepted only when dkim-known.tsv
lists it (a peer's bug, with the RFC 6376 text that says so).  Prints a
table "signer -> verifier: passed/expected" and exits 1 on any unexpected
verdict, 2 on a setup error.  --peers-only runs only dkimpy <-> OpenDKIM
(for debugging without a vouch binary; it never passes).  Nothing but
127.0.0.1 is queried.
"""
import argparse
import base64
import collections
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN = os.path.join(HERE, "dkim-known.tsv")
DEADLINE = 250          # seconds for the whole run; ctest's TIMEOUT is later
DOMAIN = "example.com"
CANONS = ["simple/simple", "simple/relaxed", "relaxed/simple",
          "relaxed/relaxed"]
DNS_EVERY = 7           # one direction-A case in DNS_EVERY also over DNS


class Setup(Exception):
    pass


def run(cmd, data=None, timeout=30):
    try:
        return subprocess.run(cmd, input=data, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout,
                              stdin=None if data is not None
                              else subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, -1, b"",
                                           b"timed out after %d s" % timeout)


# ---- keys and zone --------------------------------------------------------


class Key:
    def __init__(self, selector, alg, pem, record, raw_b64=None):
        self.selector = selector
        self.alg = alg                # "rsa-sha256" or "ed25519-sha256"
        self.pem = pem                # path, mode 0600
        self.record = record          # "v=DKIM1; k=...; p=..."
        self.raw_b64 = raw_b64        # Ed25519 seed, base64 (dkimpy)


def openssl(args, data=None):
    p = run(["openssl"] + args, data)
    if p.returncode != 0:
        raise Setup("openssl %s: %s" % (" ".join(args),
                                        p.stderr.decode(errors="replace")))
    return p.stdout


def make_keys(tmp):
    keys = {}
    for sel, opts in (("r1024", ["-algorithm", "RSA", "-pkeyopt",
                                 "rsa_keygen_bits:1024"]),
                      ("r2048", ["-algorithm", "RSA", "-pkeyopt",
                                 "rsa_keygen_bits:2048"]),
                      ("ed", ["-algorithm", "ED25519"])):
        pem = os.path.join(tmp, sel + ".pem")
        openssl(["genpkey"] + opts + ["-out", pem])
        os.chmod(pem, 0o600)
        spki = openssl(["pkey", "-in", pem, "-pubout", "-outform", "DER"])
        if sel == "ed":
            # RFC 8463 section 4.2: p= is the bare 32-octet public key,
            # the tail of the SubjectPublicKeyInfo; the private PKCS#8
            # DER likewise ends with the 32-octet seed.
            priv = openssl(["pkey", "-in", pem, "-outform", "DER"])
            keys[sel] = Key(sel, "ed25519-sha256", pem,
                            "v=DKIM1; k=ed25519; p=" +
                            base64.b64encode(spki[-32:]).decode(),
                            base64.b64encode(priv[-32:]))
        else:
            keys[sel] = Key(sel, "rsa-sha256", pem,
                            "v=DKIM1; k=rsa; p=" +
                            base64.b64encode(spki).decode())
    return keys


def txt_strings(s, size=255):
    return " ".join('"%s"' % s[i:i + size] for i in range(0, len(s), size))


def write_zone(path, keys):
    lines = ["$ORIGIN %s." % DOMAIN, "$TTL 300",
             "@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300"
             % (DOMAIN, DOMAIN),
             "@ IN NS ns.%s." % DOMAIN,
             "ns IN A 127.0.0.1"]
    for k in keys.values():
        lines.append("%s._domainkey.%s. IN TXT %s" % (
            k.selector, DOMAIN, txt_strings(k.record)))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def read_zone_txt(path):
    """name (lower case, no final dot) -> TXT strings joined, read back
    from the zone file so that the peers see what vouch sees."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$", line)
            if not m:
                continue
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
            out[m.group(1).rstrip(".").lower()] = "".join(parts)
    return out


def write_keyfile(path, txt):
    with open(path, "w") as f:
        for name, rec in sorted(txt.items()):
            f.write("%s %s\n" % (name, rec))


# ---- messages -------------------------------------------------------------


def hdrs(subject, extra=(), to="Bob <bob@example.org>"):
    h = ["From: Alice Example <alice@example.com>",
         "To: " + to,
         "Subject: " + subject,
         "Date: Sat, 28 Nov 2026 10:00:00 +0000",
         "Message-ID: <%s@example.com>" % re.sub(r"\W", "", subject)[:20]]
    return h + list(extra)


def msg(headers, body):
    """CRLF message from header lines (folds already inside) and body
    text (LF line ends, turned into CRLF); body None: no separator."""
    m = "\r\n".join(headers) + "\r\n"
    if body is not None:
        m += "\r\n" + body.replace("\n", "\r\n")
    return m.encode("utf-8")


def messages():
    lorem = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
             "sed do eiusmod tempor incididunt ut labore et dolore.\n")
    mime = ["MIME-Version: 1.0",
            'Content-Type: multipart/alternative; boundary="b1"']
    alt = ("--b1\nContent-Type: text/plain; charset=utf-8\n\n"
           "Plain part.\n\n--b1\nContent-Type: text/html; charset=utf-8\n\n"
           "<p>HTML part.</p>\n\n--b1--\n")
    ms = [
        ("plain", msg(hdrs("Hello"), "Hello Bob.\n\nSee you.\n-- \nAlice\n")),
        ("plain-long", msg(hdrs("Minutes"), lorem * 40)),
        ("multipart-alt", msg(hdrs("Alternatives", mime), alt)),
        ("multipart-mixed", msg(hdrs("Attachment", [
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed;\r\n\tboundary=\"=_mix\""]),
            "This is a MIME message.\n--=_mix\nContent-Type: text/plain\n\n"
            "See attached.\n--=_mix\nContent-Type: application/octet-stream"
            "\nContent-Transfer-Encoding: base64\n\n" +
            base64.encodebytes(bytes(range(256)) * 3).decode() +
            "--=_mix--\n")),
        ("trailing-wsp", msg(hdrs("Trailing"),
                             "line one   \nline two\t\t\nline three \t \n")),
        ("trailing-blank-lines", msg(hdrs("Blank lines"),
                                     "text\n\n\n\n\n")),
        ("trailing-wsp-lines", msg(hdrs("WSP lines"),
                                   "text\n  \n\t\n \t \n")),
        ("only-blank-lines", msg(hdrs("Only blanks"), "\n\n\n")),
        ("only-wsp-lines", msg(hdrs("Only WSP"), "   \n\t\n")),
        ("empty-body", msg(hdrs("Empty"), "")),
        ("no-body", msg(hdrs("Headers only"), None)),
        ("no-final-crlf", msg(hdrs("No final CRLF"), "last line")),
        ("no-final-crlf-wsp", msg(hdrs("No final CRLF WSP"),
                                  "a\nlast line  \t")),
        ("one-crlf", msg(hdrs("One CRLF"), "\n")),
        ("folded-subject", msg(hdrs("A subject that is long enough to be"
                                    "\r\n folded over\r\n\tthree lines"),
                               "Body.\n")),
        ("folded-references", msg(hdrs("Re: thread", [
            "In-Reply-To: <m1@example.org>",
            "References: <m1@example.org>\r\n <m2@example.org>\r\n"
            " <m3@example.org>\r\n\t<m4@example.org>"]), "Reply.\n")),
        ("wsp-runs-header", msg([
            "From:   Alice   Example\t<alice@example.com>",
            "To:\tBob\t\t<bob@example.org>",
            "Subject:  many    spaces \t here  ",
            "Date: Sat, 28 Nov 2026 10:00:00 +0000"], "Body.\n")),
        ("wsp-runs-body", msg(hdrs("Body WSP"),
                              "a  b\t\tc \t d\n\t leading tab\n   x  \n")),
        ("no-space-after-colon", msg([
            "From:alice@example.com", "To:bob@example.org",
            "Subject:tight", "Date:Sat, 28 Nov 2026 10:00:00 +0000"],
            "Body.\n")),
        ("header-case", msg([
            "FROM: Alice <alice@example.com>", "to: bob@example.org",
            "SUBJECT: Upper case", "date: Sat, 28 Nov 2026 10:00:00 +0000"],
            "Body.\n")),
        ("empty-header-value", msg(hdrs("Empty value",
                                        ["X-Empty:", "X-Blank:   "]),
                                   "Body.\n")),
        ("utf8-body", msg(hdrs("Grüße", [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit"]),
            "Grüße aus Köln — ça va? 日本語のテキスト。\nÆØÅ æøå\n")),
        ("utf8-header", msg([
            "From: Zoë <zoe@example.com>", "To: Jürgen <j@example.org>",
            "Subject: Ünïcödé 件名", "Date: Sat, 28 Nov 2026 10:00:00 +0000"],
            "Body.\n")),
        ("many-recipients", msg(hdrs("Team", [
            "Cc: carol@example.org, dave@example.org,\r\n"
            " erin@example.net, frank@example.net",
            "Reply-To: list@example.com"],
            to="bob@example.org, \"Smith, Jo\" <jo@example.org>"),
            "All hands.\n")),
        ("repeated-fields", msg(hdrs("Repeats", [
            "X-Tag: one", "X-Tag: two", "Comments: first",
            "Comments: second"]), "Body.\n")),
        ("received-chain", msg([
            "Received: from a.example.org by b.example.org; "
            "Sat, 28 Nov 2026 09:59:00 +0000",
            "Received: from c.example.org\r\n\tby a.example.org; "
            "Sat, 28 Nov 2026 09:58:00 +0000"] + hdrs("Relayed"),
            "Body.\n")),
        ("dot-lines", msg(hdrs("Dots"), ".\n..\nFrom the start\n.\n")),
        ("long-line", msg(hdrs("Long line"), "x" * 900 + "\n")),
        ("big-body", msg(hdrs("Big"), lorem * 2500)),
        ("quoted-printable", msg(hdrs("QP", [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable"]),
            "Gr=C3=BC=C3=9Fe, a soft=\n line break =3D ok\n")),
        ("tab-continuations", msg(hdrs("Tabs", [
            "X-Long:\tvalue\r\n\t\tcontinued\r\n  \t and more"]),
            "\tindented body\n")),
    ]
    lf = ["plain", "multipart-alt", "trailing-wsp", "empty-body",
          "no-final-crlf", "folded-subject", "wsp-runs-body", "utf8-body"]
    by = dict(ms)
    for n in lf:
        ms.append((n + "-lf", by[n].replace(b"\r\n", b"\n")))
    return ms


# ---- tampering ------------------------------------------------------------


def split_message(m):
    for sep in (b"\r\n\r\n", b"\n\n"):
        i = m.find(sep)
        if i >= 0 and (sep == b"\n\n" or b"\n\n" not in m[:i]):
            return m[:i + len(sep)], m[i + len(sep):]
    return m, b""


def flip(b, i):
    c = b[i:i + 1]
    r = b"b" if c.lower() == b"a" else (b"1" if c == b"0" else b"a")
    if c.isdigit() and r != b"1":
        r = b"0"
    return b[:i] + r + b[i + 1:]


def tamper_body(m):
    head, body = split_message(m)
    mo = re.search(rb"[A-Za-z0-9]", body)
    if mo:
        return head + flip(body, mo.start())
    eol = b"\r\n" if b"\r\n" in m else b"\n"
    if not head.endswith(eol + eol):
        head += eol        # a message without body gets one
    return head + b"tampered" + eol


def tamper_subject(m):
    head, body = split_message(m)
    mo = re.search(rb"(?im)^subject:[ \t]*", head)
    if not mo:
        raise Setup("no Subject to tamper with")
    rest = head[mo.end():]
    c = re.search(rb"[A-Za-z0-9]", rest)
    return head[:mo.end()] + flip(rest, c.start()) + body


TAMPERS = [(None, None), ("body", tamper_body), ("subject", tamper_subject)]


# ---- signers --------------------------------------------------------------


def eol_of(m):
    return b"\r\n" if b"\r\n" in m else b"\n"


def sign_dkimpy(m, keys, specs, canon):
    import dkim
    hc, bc = canon.encode().split(b"/")
    for k in specs:
        priv = k.raw_b64 if k.alg == "ed25519-sha256" else open(
            k.pem, "rb").read()
        field = dkim.sign(m, k.selector.encode(), DOMAIN.encode(), priv,
                          canonicalize=(hc, bc),
                          signature_algorithm=k.alg.encode(),
                          linesep=eol_of(m))
        m = field + m
    return m


def sign_opendkim(tool, m, keys, specs, canon):
    # libopendkim folds the field it hashes (b= empty) and the field it
    # returns (b= filled) differently, so a simple-header signature often
    # fails even in libopendkim itself; unfolded (margin 0) they agree.
    # See dkim-known.tsv.
    margin = ["--margin", "0"] if canon.startswith("simple/") else []
    for k in specs:
        p = run([tool, "sign", "--key", k.pem, "--domain", DOMAIN,
                 "--selector", k.selector, "--canon", canon, "--alg", k.alg,
                 "--oversign", "from"] + margin, m)
        if p.returncode != 0:
            raise RuntimeError("opendkim_tool sign: exit %d: %s" % (
                p.returncode, p.stderr.decode(errors="replace").strip()))
        m = p.stdout
    return m


def sign_vouch(vouch, m, keys, specs, canon):
    cmd = [vouch, "dkim", "sign"]
    for k in specs:
        cmd += ["--key", k.pem, "--domain", DOMAIN, "--selector", k.selector]
    p = run(cmd + ["--canon", canon, "-"], m)
    if p.returncode != 0:
        raise RuntimeError("vouch dkim sign: exit %d: %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip()))
    return p.stdout


# ---- verifiers: each returns a list of (verdict, detail) ------------------


# Canonical bodies derived by hand from RFC 6376 section 3.4.3 (simple:
# "*CRLF" at the end becomes one CRLF; no body or no final CRLF: a CRLF
# is added) and 3.4.4 (relaxed: WSP at line ends ignored, WSP runs become
# one SP, empty lines at the end ignored, a CRLF added to a non-empty body
# without one).  The "rfc-bh" verifier checks every signer's bh= on these
# messages against sha256 of the text here, independently of all three
# implementations.
RFC_BODIES = {
    "empty-body": (b"\r\n", b""),
    "no-body": (b"\r\n", b""),
    "one-crlf": (b"\r\n", b""),
    "only-blank-lines": (b"\r\n", b""),
    "only-wsp-lines": (b"   \r\n\t\r\n", b""),
    "trailing-blank-lines": (b"text\r\n", b"text\r\n"),
    "trailing-wsp-lines": (b"text\r\n  \r\n\t\r\n \t \r\n", b"text\r\n"),
    "trailing-wsp": (b"line one   \r\nline two\t\t\r\nline three \t \r\n",
                     b"line one\r\nline two\r\nline three\r\n"),
    "no-final-crlf": (b"last line\r\n", b"last line\r\n"),
    "no-final-crlf-wsp": (b"a\r\nlast line  \t\r\n", b"a\r\nlast line\r\n"),
    "wsp-runs-body": (b"a  b\t\tc \t d\r\n\t leading tab\r\n   x  \r\n",
                      b"a b c d\r\n leading tab\r\n x\r\n"),
}


def sig_tags(m):
    """The tags of each DKIM-Signature field, in header order."""
    head, _ = split_message(m)
    head = re.sub(rb"\r?\n(?=[ \t])", b"", head)
    out = []
    for line in re.split(rb"\r?\n", head):
        mo = re.match(rb"(?i)dkim-signature[ \t]*:(.*)", line)
        if mo:
            tags = {}
            for t in mo.group(1).split(b";"):
                if b"=" in t:
                    k, v = t.split(b"=", 1)
                    tags[k.strip().decode()] = re.sub(rb"\s", b"",
                                                      v).decode()
            out.append(tags)
    return out


def verify_rfc_bh(name, m):
    import hashlib
    want = RFC_BODIES[re.sub(r"-lf$", "", name)]
    out = []
    for t in sig_tags(m):
        body = t.get("c", "simple/simple").split("/") + ["simple"]
        canon = want[0] if body[1] == "simple" else want[1]
        exp = base64.b64encode(hashlib.sha256(canon).digest()).decode()
        if t.get("bh") == exp:
            out.append(("pass", ""))
        else:
            out.append(("fail", "s=%s c=%s bh=%s, RFC 6376 gives %s (%r)"
                        % (t.get("s"), t.get("c"), t.get("bh"), exp, canon)))
    return out



def count_sigs(m):
    head, _ = split_message(m)
    return len(re.findall(rb"(?im)^dkim-signature[ \t]*:", head))


def verify_dkimpy(m, txt):
    import dkim

    def dnsfunc(name, timeout=5):
        rec = txt.get(name.decode().rstrip(".").lower())
        return rec.encode() if rec is not None else None

    out = []
    for i in range(count_sigs(m)):
        try:
            ok = dkim.DKIM(m).verify(idx=i, dnsfunc=dnsfunc)
            out.append(("pass", "") if ok else ("fail", "verify False"))
        except Exception as x:       # dkimpy's verdict by exception
            out.append(("fail", "%s: %s" % (type(x).__name__, x)))
    return out


def verify_opendkim(tool, keyfile, m):
    p = run([tool, "verify", "--keyfile", keyfile], m)
    if p.returncode != 0:
        return [("error", "exit %d: %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip()))]
    out = []
    for line in p.stdout.decode(errors="replace").splitlines():
        w = line.split(" ", 3)
        if w[0] == "none":
            continue
        out.append((w[0], line))
    return out


def verify_vouch(vouch, dns_args, m):
    p = run([vouch, "dkim", "verify"] + dns_args + ["--json", "-"], m)
    # exit 0: one signature passes, 1: none does, 2: no check was made
    if p.returncode not in (0, 1):
        return [("error", "exit %d: %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip()))]
    try:
        j = json.loads(p.stdout)
        return [(s.get("result"), "%s s=%s a=%s c=%s: %s" % (
            s.get("result"), s.get("selector"), s.get("algorithm"),
            s.get("canonicalization"), s.get("reason")))
                for s in j["signatures"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return [("error", "bad JSON: %r" % p.stdout[:300])]


# ---- known peer deviations ------------------------------------------------


def load_known(path):
    """message, signer, canon, verifier, verdict, section, reason (tab
    separated; the first five are fnmatch patterns)."""
    known = []
    if not os.path.exists(path):
        return known
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 7 or not all(c.strip() for c in cols):
                raise Setup("%s:%d: want 7 non-empty tab-separated columns"
                            % (path, n))
            known.append(dict(zip(("msg", "signer", "canon", "verifier",
                                   "verdict", "section", "reason"), cols),
                              used=0, line=n))
    return known


def signer_bug(known, case):
    """A line saying the signer got this intact case wrong (verifier "*"):
    then every verifier must say what the line says, and a pass is a
    verifier accepting what RFC 6376 says is a broken signature."""
    if case["tamper"] != "intact":
        return None
    for k in known:
        if (k["verifier"] == "*" and
                fnmatch.fnmatchcase(case["msg"], k["msg"]) and
                fnmatch.fnmatchcase(case["signer"], k["signer"]) and
                fnmatch.fnmatchcase(case["canon"], k["canon"])):
            return k
    return None


def match_known(known, case):
    """A verifier's line matching the case, with every signature's
    verdict matching its verdict pattern (and as many verdicts as
    signatures)."""
    got = case["got"]
    if len(got) != case["nsig"]:
        return None
    for k in known:
        if (k["verifier"] != "*" and
                fnmatch.fnmatchcase(case["msg"], k["msg"]) and
                fnmatch.fnmatchcase(case["signer"], k["signer"]) and
                fnmatch.fnmatchcase(case["canon"], k["canon"]) and
                fnmatch.fnmatchcase(case["verifier"], k["verifier"]) and
                all(fnmatch.fnmatchcase(v, k["verdict"]) for v, _ in got)):
            return k
    return None


# ---- knot -----------------------------------------------------------------


def knot_start(knot_ctl, kdir, zone):
    p = run([knot_ctl, "start", kdir, DOMAIN + "=" + zone])
    if p.returncode != 0:
        raise Setup("knot-ctl start failed (exit %d): %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip()))
    m = re.search(r"(\d+)\s*$", p.stdout.decode())
    if not m:
        raise Setup("knot-ctl start printed no port: %r" % p.stdout)
    return int(m.group(1))


def knot_stop(knot_ctl, kdir):
    run([knot_ctl, "stop", kdir])


# ---- the run --------------------------------------------------------------


class Runner:
    def __init__(self, a, tmp, odt):
        self.a = a
        self.odt = odt
        self.tmp = tmp
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(2, os.cpu_count() or 2))
        self.cases = []           # verification cases
        self.notes = []
        self.sign_errors = []
        self.nfile = 0

    def save(self, data):
        self.nfile += 1
        path = os.path.join(self.tmp, "m%05d.eml" % self.nfile)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def add(self, signer, verifier, name, canon, keyset, m, nsig, fn,
            tampers=TAMPERS):
        for tname, tfn in tampers:
            data = tfn(m) if tfn else m
            case = dict(signer=signer, verifier=verifier, msg=name,
                        canon=canon, keys=keyset, tamper=tname or "intact",
                        nsig=nsig, data=data,
                        expect="fail" if tname else "pass")
            case["future"] = self.pool.submit(fn, data)
            self.cases.append(case)


def select_keysets(name_index, canon_index, keys):
    """Every message: rsa 2048 and ed25519 in each canonicalization;
    rsa 1024 and the dual signature rotate over the pairs."""
    sets = [[keys["r2048"]], [keys["ed"]]]
    if (name_index + canon_index) % 4 == 0:
        sets.append([keys["r1024"]])
    if (name_index + canon_index) % 4 == 1:
        sets.append([keys["r2048"], keys["ed"]])
    return sets


def add_rfc_bh(runner, signer, name, canon, ks, m, nsig):
    if re.sub(r"-lf$", "", name) in RFC_BODIES:
        runner.add(signer, "rfc-bh", name, canon, ks, m, nsig,
                   lambda d: verify_rfc_bh(name, d), tampers=TAMPERS[:1])


def sign_matrix(runner, signer, fn, msgs, keys):
    futs = []
    for i, (name, m) in enumerate(msgs):
        for j, canon in enumerate(CANONS):
            for ks in select_keysets(i, j, keys):
                futs.append((name, canon, ks, m,
                             runner.pool.submit(fn, m, ks, canon)))
    out = []
    for name, canon, ks, m, f in futs:
        try:
            out.append((name, canon, "+".join(k.selector for k in ks),
                        len(ks), f.result()))
        except Exception as x:
            what = "%s %s %s %s: %s" % (signer, name, canon,
                                        "+".join(k.selector for k in ks), x)
            if signer == "vouch":
                # vouch refusing a valid message is vouch's failure
                runner.sign_errors.append(what)
            else:
                runner.notes.append("peer could not sign: " + what)
    return out


def judge(case):
    got = case["got"]
    exp = case["expect"]
    if len(got) != case["nsig"]:
        return "%d signatures reported, %d expected" % (len(got),
                                                        case["nsig"])
    bad = [d or v for v, d in got if v != exp]
    return "; ".join(bad) if bad else None


def report(runner, known, verbose):
    rows = collections.OrderedDict()
    failed = 0
    for c in runner.cases:
        c["got"] = c["future"].result()
        key = (c["signer"], c["verifier"])
        r = rows.setdefault(key, dict(intact=[0, 0], tampered=[0, 0],
                                      known=0))
        slot = r["intact"] if c["tamper"] == "intact" else r["tampered"]
        slot[1] += 1
        sk = signer_bug(known, c)
        if sk:
            c["expect"] = sk["verdict"]
        why = judge(c)
        if why is None:
            slot[0] += 1
            if sk:
                sk["used"] += 1
                r["known"] += 1
            continue
        verdict = ",".join(v for v, _ in c["got"]) or "nothing"
        k = None if sk else match_known(known, c)
        if k:
            k["used"] += 1
            r["known"] += 1
            slot[0] += 1
            if verbose:
                print("known: %s %s -> %s %s %s %s: %s (%s)" % (
                    c["signer"], c["keys"], c["verifier"], c["msg"],
                    c["canon"], c["tamper"], verdict, k["section"]))
            continue
        failed += 1
        print("UNEXPECTED %s -> %s: message %s, %s, keys %s, %s: "
              "want %s, got %s" % (c["signer"], c["verifier"], c["msg"],
                                   c["canon"], c["keys"], c["tamper"],
                                   c["expect"], why))
        if runner.a.keep:
            print("    message: %s" % runner.save(c["data"]))
    for e in runner.sign_errors:
        failed += 1
        print("UNEXPECTED vouch dkim sign failed: " + e)
    for k in known:
        if not k["used"] and (runner.odt or "opendkim" not in
                              k["signer"] + k["verifier"]):
            print("warning: %s:%d matched nothing" % (
                os.path.basename(KNOWN), k["line"]))
    for n in runner.notes:
        print("note: " + n)
    print()
    print("%-9s -> %-12s %16s %16s %6s" % ("signer", "verifier",
                                          "intact pass", "tampered fail",
                                          "known"))
    for (s, v), r in rows.items():
        print("%-9s -> %-12s %16s %16s %6d" % (
            s, v, "%d/%d" % tuple(r["intact"]),
            "%d/%d" % tuple(r["tampered"]), r["known"]))
    print("(n/m: verdicts as expected / cases; \"known\" of them are peer "
          "bugs listed in %s)" % os.path.basename(KNOWN))
    return failed


def on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def on_deadline(signum, frame):
    raise Setup("the run exceeded %d seconds" % DEADLINE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vouch")
    ap.add_argument("--opendkim-tool")
    ap.add_argument("--knot-ctl",
                    default=os.path.join(HERE, "..", "..", "scripts",
                                         "knot-ctl"))
    ap.add_argument("--peers-only", action="store_true",
                    help="only dkimpy <-> OpenDKIM (debugging)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(DEADLINE)
    tmp = tempfile.mkdtemp(prefix="vouch-dkim-interop-")
    kdir = os.path.join(tmp, "knot")
    started = False
    runner = None
    t0 = time.time()
    try:
        try:
            import importlib
            importlib.import_module("dkim")    # Debian python3-dkim
            importlib.import_module("nacl")    # python3-nacl (ed25519)
        except ImportError as x:
            raise Setup("%s: run with /usr/bin/python3, install "
                        "python3-dkim and python3-nacl" % x)
        use_vouch = not a.peers_only
        if use_vouch and not (a.vouch and os.access(a.vouch, os.X_OK)):
            raise Setup("no vouch binary at %s" % a.vouch)
        odt = a.opendkim_tool
        if odt and not os.access(odt, os.X_OK):
            raise Setup("no opendkim_tool at %s" % odt)
        if not odt:
            print("note: no opendkim_tool (libopendkim missing at build "
                  "time): OpenDKIM is skipped")
        known = load_known(KNOWN)
        keys = make_keys(tmp)
        zone = os.path.join(tmp, "example.com.zone")
        write_zone(zone, keys)
        txt = read_zone_txt(zone)
        keyfile = os.path.join(tmp, "opendkim.keys")
        write_keyfile(keyfile, txt)
        msgs = messages()
        runner = Runner(a, tmp, odt)
        zone_args = ["--dns-zone", zone]

        # knotd first: the DNS cases are queued along with the rest
        dns_args = None
        if use_vouch:
            if not os.access(a.knot_ctl, os.X_OK):
                raise Setup("no knot-ctl at %s" % a.knot_ctl)
            os.mkdir(kdir)
            started = True
            port = knot_start(a.knot_ctl, kdir, zone)
            dns_args = ["--dns-server", "127.0.0.1@%d" % port,
                        "--dns-timeout", "5000"]

        # direction A: the peers sign
        signers = [("dkimpy", lambda m, ks, c: sign_dkimpy(m, keys, ks, c))]
        if odt:
            signers.append(("opendkim", lambda m, ks, c: sign_opendkim(
                odt, m, keys, ks, c)))
        n = 0
        for sname, sfn in signers:
            for name, canon, ks, nsig, m in sign_matrix(runner, sname, sfn,
                                                        msgs, keys):
                add_rfc_bh(runner, sname, name, canon, ks, m, nsig)
                if use_vouch:
                    runner.add(sname, "vouch-zone", name, canon, ks, m, nsig,
                               lambda d: verify_vouch(a.vouch, zone_args, d))
                    if n % DNS_EVERY == 0:
                        runner.add(sname, "vouch-dns", name, canon, ks, m,
                                   nsig, lambda d: verify_vouch(
                                       a.vouch, dns_args, d))
                    n += 1
                # the peers check each other: the corpus itself is sound
                if sname == "dkimpy" and odt:
                    runner.add(sname, "opendkim", name, canon, ks, m, nsig,
                               lambda d: verify_opendkim(odt, keyfile, d))
                if sname == "opendkim":
                    runner.add(sname, "dkimpy", name, canon, ks, m, nsig,
                               lambda d: verify_dkimpy(d, txt))

        # direction B: vouch signs, the peers verify
        if use_vouch:
            for name, canon, ks, nsig, m in sign_matrix(
                    runner, "vouch", lambda m, ks, c: sign_vouch(
                        a.vouch, m, keys, ks, c), msgs, keys):
                add_rfc_bh(runner, "vouch", name, canon, ks, m, nsig)
                runner.add("vouch", "dkimpy", name, canon, ks, m, nsig,
                           lambda d: verify_dkimpy(d, txt))
                if odt:
                    runner.add("vouch", "opendkim", name, canon, ks, m,
                               nsig, lambda d: verify_opendkim(odt, keyfile,
                                                               d))

        failed = report(runner, known, a.verbose)
        if started:
            knot_stop(a.knot_ctl, kdir)
            started = False
        total = len(runner.cases) + len(runner.sign_errors)
        print("%d messages, %d verifications in %.1f s" % (
            len(msgs), total, time.time() - t0))
        print("%d passed, %d failed" % (total - failed, failed))
        if a.peers_only:
            print("dkim_interop: --peers-only: vouch was not run",
                  file=sys.stderr)
            return 1
        return 1 if failed else 0
    except Setup as x:
        print("dkim_interop: %s" % x, file=sys.stderr)
        return 2
    except KeyboardInterrupt as x:
        print("dkim_interop: interrupted (%s)" % x, file=sys.stderr)
        return 2
    finally:
        signal.alarm(0)
        if runner:
            runner.pool.shutdown(wait=True, cancel_futures=True)
        if started:
            knot_stop(a.knot_ctl, kdir)
        if a.keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
