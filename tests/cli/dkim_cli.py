#!/usr/bin/python3
"""vouch dkim verify / sign / keygen, the command: results, exit statuses,
messages, the --json schema, key files and DNS records.

Usage: dkim_cli.py VOUCH_BINARY SOURCE_DIR

No expected value comes from running vouch.  They come from:
- the corpora in ../shared/corpora: the RFC 8463 A.3 example (mailauth:
  both signatures pass at t=1528637909) and dkimpy's test data (index.tsv
  says which messages verify and which key records must fail);
- dkimpy (python3-dkim) as an independent signer and verifier: messages it
  signs must pass in vouch, messages vouch signs must pass in dkimpy, and a
  tampered body must fail in both;
- openssl(1) for the public half of the keys vouch makes;
- RFC 6376 / SECURITY.md rules (t= in the future is policy, rsa-sha1 is
  policy unless --allow-sha1) and the documented CLI contract.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, finish, skip  # noqa: E402

VOUCH, SRC = sys.argv[1], sys.argv[2]
CORPORA = os.path.join(SRC, "..", "shared", "corpora")
RFC8463 = os.path.join(CORPORA, "mailauth", "rfc8463-example")
DKIMPY = os.path.join(CORPORA, "dkimpy")
T8463 = 1528637909

try:
    import dkim  # python3-dkim: the independent implementation
except ImportError:
    dkim = None


def run(*args, stdin=None):
    p = subprocess.run([VOUCH, "dkim", *args], input=stdin,
                       capture_output=True, timeout=300)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), p.stdout)


def txt_strings(value):
    """A TXT value as quoted character-strings of at most 200 bytes."""
    parts = [value[i:i + 200] for i in range(0, len(value), 200)] or [""]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for p in parts)


def write_zone(path, records):
    """records: [(owner, value)] -> an RFC 1035 master file."""
    with open(path, "w") as f:
        f.write("$TTL 300\n")
        for owner, value in records:
            f.write(f"{owner.rstrip('.')}. IN TXT ( {txt_strings(value)} )\n")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def verify_json(zone, path=None, *extra, stdin=None):
    args = ["verify", "--dns-zone", zone, "--json", *extra]
    if path is not None:
        args.append(path)
    rc, out, err, _ = run(*args, stdin=stdin)
    try:
        j = json.loads(out)
    except ValueError:
        j = {}
    return rc, j.get("signatures", []), err


def results(sigs):
    return [s.get("result") for s in sigs]


TMP = tempfile.mkdtemp(prefix="vouch-dkim-cli-")

# ---- verify: the RFC 8463 A.3 example ----------------------------------

with open(os.path.join(RFC8463, "dns.json")) as f:
    dns = json.load(f)
zone8463 = os.path.join(TMP, "rfc8463.zone")
write_zone(zone8463, [(name, "".join(strings))
                      for name, types in dns.items()
                      for strings in types.get("TXT", [])])
msg8463 = os.path.join(RFC8463, "signed.eml")
b_tags = re.findall(rb"\bb=([A-Za-z0-9+/=\s]+)",
                    re.sub(rb"\r?\n[ \t]", b" ", read(msg8463)))
b_values = [re.sub(rb"\s", b"", b).decode() for b in b_tags]
# The RSA key size, from openssl rather than from us.
p = subprocess.run(["openssl", "pkey", "-in",
                    os.path.join(RFC8463, "private-rsa.key"), "-noout",
                    "-text"], capture_output=True, text=True)
m = re.search(r"\((\d+) bit", p.stdout)
rsa8463_bits = int(m.group(1)) if m else None

rc, sigs, err = verify_json(zone8463, msg8463, "--now", str(T8463))
check("rfc8463 exit 0", rc == 0, f"rc={rc} {err}")
check("rfc8463 two passes", results(sigs) == ["pass", "pass"], sigs)
KEYS = ["domain", "selector", "auid", "algorithm", "canonicalization",
        "result", "reason", "body_length_limit", "body_length",
        "timestamp", "expire", "key_bits", "key_testing", "header_b",
        "authres"]
for i, s in enumerate(sigs):
    for k in KEYS:
        check(f"rfc8463 sig {i} key {k}", k in s, list(s))
if len(sigs) == 2:
    check("rfc8463 header order", [s["selector"] for s in sigs] ==
          ["brisbane", "test"], sigs)
    check("rfc8463 algorithms", [s["algorithm"] for s in sigs] ==
          ["ed25519-sha256", "rsa-sha256"])
    for s, b in zip(sigs, b_values):
        check("rfc8463 fields", s["domain"] == "football.example.com" and
              s["auid"] == "@football.example.com" and
              s["canonicalization"] == "relaxed/relaxed" and
              s["timestamp"] == T8463 and s["expire"] is None and
              s["body_length_limit"] is None and
              s["key_testing"] is False and
              isinstance(s["body_length"], int), s)
        check("rfc8463 header_b prefix", isinstance(s["header_b"], str) and
              len(s["header_b"]) >= 8 and b.startswith(s["header_b"]),
              (s["header_b"], b))
        check("rfc8463 authres", s["authres"].startswith("dkim=pass") and
              "header.d=football.example.com" in s["authres"] and
              "header.s=" + s["selector"] in s["authres"], s["authres"])
        check("rfc8463 reason", isinstance(s["reason"], str) and
              s["reason"] != "")
    check("rfc8463 rsa key bits", sigs[1]["key_bits"] == rsa8463_bits,
          (sigs[1]["key_bits"], rsa8463_bits))
    check("rfc8463 ed25519 key bits", sigs[0]["key_bits"] == 256,
          sigs[0]["key_bits"])

# Text output: one line per signature, in header order; stdin works.
rc, out, err, _ = run("verify", "--dns-zone", zone8463, "--now", str(T8463),
                      "-", stdin=read(msg8463))
lines = out.splitlines()
check("text exit 0", rc == 0, err)
check("text lines", len(lines) == 2 and
      lines[0].startswith("dkim=pass d=football.example.com s=brisbane "
                          "a=ed25519-sha256: ") and
      lines[1].startswith("dkim=pass d=football.example.com s=test "
                          "a=rsa-sha256: "), lines)

# A changed body: both body hashes mismatch (RFC 6376 6.1.3) -> fail, 1.
tampered = read(msg8463).replace(b"Joe.", b"Jim.")
rc, sigs, err = verify_json(zone8463, None, "--now", str(T8463),
                            stdin=tampered)
check("tampered fail", results(sigs) == ["fail", "fail"], sigs)
check("tampered exit 1", rc == 1, f"rc={rc}")
# A changed signed header: signature mismatch -> fail.
rc, sigs, err = verify_json(zone8463, None, "--now", str(T8463),
                            stdin=read(msg8463).replace(
                                b"Subject: Is dinner ready?",
                                b"Subject: Is dinner ready!"))
check("header tampered fail", results(sigs) == ["fail", "fail"] and rc == 1,
      sigs)
# t= more than 300 s in the future (SECURITY.md: policy) -> exit 1.
rc, sigs, err = verify_json(zone8463, msg8463, "--now", str(T8463 - 3600))
check("future t= policy", results(sigs) == ["policy", "policy"] and rc == 1,
      sigs)
# No key record at all: permerror (RFC 6376 6.1.2).
empty_zone = os.path.join(TMP, "empty.zone")
write_zone(empty_zone, [("other.example", "x")])
rc, sigs, err = verify_json(empty_zone, msg8463, "--now", str(T8463))
check("no key permerror", results(sigs) == ["permerror", "permerror"] and
      rc == 1, sigs)
# A key lookup timing out: temperror.
with open(os.path.join(TMP, "timeout.zone"), "w") as f:
    f.write("$TIMEOUT brisbane._domainkey.football.example.com.\n"
            "$TIMEOUT test._domainkey.football.example.com.\n")
rc, sigs, err = verify_json(os.path.join(TMP, "timeout.zone"), msg8463,
                            "--now", str(T8463))
check("timeout temperror", results(sigs) == ["temperror", "temperror"] and
      rc == 1, sigs)

# ---- verify: dkimpy's pre-signed messages --------------------------------

dkimpy_dns = []
with open(os.path.join(DKIMPY, "dns.txt")) as f:
    for line in f:
        if line.strip() and not line.startswith("#"):
            owner, value = line.rstrip("\n").split(" ", 1)
            dkimpy_dns.append((owner, value))
zone_dkimpy = os.path.join(TMP, "dkimpy.zone")
write_zone(zone_dkimpy, dkimpy_dns)
for name, expect in [("test2.message", ["pass"]),
                     ("rfc6376.signed.msg", ["pass", "pass"]),
                     ("ed25519test2.msg", ["pass"])]:
    rc, sigs, err = verify_json(zone_dkimpy,
                                os.path.join(DKIMPY, "data", name))
    check("dkimpy " + name, results(sigs) == expect and rc == 0,
          f"rc={rc} {sigs} {err}")

# An unsigned message: none, exit 1.
unsigned = os.path.join(DKIMPY, "data", "test.message")
rc, out, err, _ = run("verify", "--dns-zone", zone_dkimpy, unsigned)
check("unsigned text", out.strip() == "dkim=none (no signature)" and
      rc == 1, f"rc={rc} {out!r}")
rc, sigs, err = verify_json(zone_dkimpy, unsigned)
check("unsigned json", sigs == [] and rc == 1, f"rc={rc}")

# ---- verify: messages signed by dkimpy -----------------------------------

test_private = read(os.path.join(DKIMPY, "data", "test.private"))
test_txt = read(os.path.join(DKIMPY, "data", "test.txt")).decode().strip()


def dkimpy_sign(msg, alg=b"rsa-sha256", canon=(b"relaxed", b"simple")):
    sig = dkim.sign(msg, b"test", b"example.com", test_private,
                    canonicalize=canon, signature_algorithm=alg)
    return sig + msg


if dkim is None:
    skip("dkimpy-signed messages", "python3-dkim is not installed")
else:
    msg = crlf(read(unsigned))
    zone_test = os.path.join(TMP, "test.zone")
    write_zone(zone_test, [("test._domainkey.example.com", test_txt)])
    for c in [(b"simple", b"simple"), (b"simple", b"relaxed"),
              (b"relaxed", b"simple"), (b"relaxed", b"relaxed")]:
        signed = dkimpy_sign(msg, canon=c)
        rc, sigs, err = verify_json(zone_test, None, stdin=signed)
        check(f"dkimpy c={c} pass", results(sigs) == ["pass"] and rc == 0,
              f"{sigs} {err}")
        rc, sigs, err = verify_json(zone_test, None, stdin=signed + b"foo")
        check(f"dkimpy c={c} +foo fail", results(sigs) == ["fail"] and
              rc == 1, sigs)
    # rsa-sha1 verifies but is refused by policy unless --allow-sha1.
    signed = dkimpy_sign(msg, alg=b"rsa-sha1")
    rc, sigs, err = verify_json(zone_test, None, stdin=signed)
    check("sha1 policy", results(sigs) == ["policy"] and rc == 1, sigs)
    rc, sigs, err = verify_json(zone_test, None, "--allow-sha1",
                                stdin=signed)
    check("sha1 allowed", results(sigs) == ["pass"] and rc == 0, sigs)
    # The key records dkimpy's tests expect to fail (index.tsv).
    signed = dkimpy_sign(msg)
    for rec, allowed in [("badversion.txt", ["permerror"]),
                         ("badk.txt", ["permerror"]),
                         ("test_tlsrpt.txt", ["permerror"]),
                         ("test_bad.txt", ["permerror", "fail"]),
                         ("test2.txt", ["pass"])]:
        value = read(os.path.join(DKIMPY, "data", rec)).decode().strip()
        z = os.path.join(TMP, rec + ".zone")
        write_zone(z, [("test._domainkey.example.com", value)])
        rc, sigs, err = verify_json(z, None, stdin=signed)
        check("key record " + rec, len(sigs) == 1 and
              sigs[0]["result"] in allowed and
              rc == (0 if allowed == ["pass"] else 1), f"rc={rc} {sigs}")

# ---- keygen -------------------------------------------------------------


def zone_strings(out):
    """The character-strings of the one TXT record in keygen's output."""
    m = re.match(r'^(\S+) 3600 IN TXT \((.*)\)\s*$', out, re.S)
    if not m:
        return None, []
    return m.group(1), re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))


def openssl_pub_der(path):
    p = subprocess.run(["openssl", "pkey", "-in", path, "-pubout",
                        "-outform", "DER"], capture_output=True)
    return p.stdout if p.returncode == 0 else None


def keygen(kind, sel, dom, path, *extra):
    rc, out, err, _ = run("keygen", "--type", kind, "--selector", sel,
                          "--domain", dom, "--out", path, *extra)
    owner, strings = zone_strings(out)
    return rc, out, err, owner, strings


records = {}
rsa_key = os.path.join(TMP, "rsa.pem")
ed_key = os.path.join(TMP, "ed.pem")
for kind, sel, path in [("rsa", "r1", rsa_key), ("ed25519", "e1", ed_key)]:
    rc, out, err, owner, strings = keygen(kind, sel, "Example.ORG", path)
    check(f"keygen {kind} exit 0", rc == 0, err)
    check(f"keygen {kind} mode 0600", os.path.exists(path) and
          (os.stat(path).st_mode & 0o777) == 0o600)
    check(f"keygen {kind} owner", owner == f"{sel}._domainkey.example.org.",
          owner)
    check(f"keygen {kind} strings <= 255", strings and
          all(len(s) <= 255 for s in strings), [len(s) for s in strings])
    value = "".join(strings)
    tags = dict(t.strip().split("=", 1) for t in value.split(";")
                if "=" in t)
    check(f"keygen {kind} tags", tags.get("v") == "DKIM1" and
          tags.get("k") == kind, value)
    der = openssl_pub_der(path)
    pub = base64.b64decode(tags.get("p", ""))
    # RSA: p= is the SubjectPublicKeyInfo (RFC 6376 3.6.1); Ed25519: the
    # raw 32-byte key (RFC 8463 4.2), the end of the SPKI.
    want = der if kind == "rsa" else (der or b"")[-32:]
    check(f"keygen {kind} p= matches openssl", der is not None and
          pub == want, value)
    records[f"{sel}._domainkey.example.org"] = value
    before = read(path)
    rc, out, err, _, _ = keygen(kind, sel, "example.org", path)
    check(f"keygen {kind} refuses overwrite", rc == 2 and
          "exist" in err and read(path) == before, f"rc={rc} {err}")

p = subprocess.run(["openssl", "pkey", "-in", rsa_key, "-noout", "-text"],
                   capture_output=True, text=True)
check("keygen rsa default 2048", "(2048 bit" in p.stdout, p.stdout[:60])
k1024 = os.path.join(TMP, "rsa1024.pem")
rc, out, err, owner, strings = keygen("rsa", "r2", "example.org", k1024,
                                      "--bits", "1024")
p = subprocess.run(["openssl", "pkey", "-in", k1024, "-noout", "-text"],
                   capture_output=True, text=True)
check("keygen --bits 1024", rc == 0 and "(1024 bit" in p.stdout, err)
for args, needle in [
        (["--type", "rsa", "--bits", "512"], "--bits"),
        (["--type", "dsa"], "--type"),
        (["--type", "ed25519", "--bits", "2048"], "--bits"),
        (["--type", "rsa", "--selector", "bad selector!"], "--selector")]:
    sel = [] if "--selector" in args else ["--selector", "x"]
    rc, out, err, _ = run("keygen", *args, *sel, "--domain", "example.org",
                          "--out", os.path.join(TMP, "never.pem"))
    check("keygen usage " + " ".join(args), rc == 2 and needle in err and
          not os.path.exists(os.path.join(TMP, "never.pem")),
          f"rc={rc} {err}")
rc, out, err, _ = run("keygen", "--selector", "x", "--domain", "example.org")
check("keygen needs --out", rc == 2 and "--out" in err, err)

# ---- sign ----------------------------------------------------------------


def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    v = records.get(n.rstrip(".").lower())
    return v.encode() if v is not None else None


def dkimpy_verify(msg, n):
    """dkimpy's verdict on each of the first n signatures."""
    d = dkim.DKIM(crlf(msg))
    res = []
    for i in range(n):
        try:
            res.append(bool(d.verify(idx=i, dnsfunc=dnsfunc)))
        except dkim.DKIMException:
            res.append(False)
    return res


def split_signed(out, original):
    """The DKIM-Signature fields vouch put in front of original."""
    check("sign keeps the message", out.endswith(original),
          "the original bytes do not follow the fields")
    return out[:len(out) - len(original)]


zone_keys = os.path.join(TMP, "keys.zone")
write_zone(zone_keys, list(records.items()))
lf_msg = read(unsigned)                 # bare LF line ends
crlf_msg = crlf(lf_msg)
for label, original in [("LF", lf_msg), ("CRLF", crlf_msg)]:
    rc, _, err, out = run("sign", "--key", rsa_key, "--domain", "example.org",
                          "--selector", "r1", "--key", ed_key, "--domain",
                          "example.org", "--selector", "e1", stdin=original)
    check(f"sign {label} exit 0", rc == 0, err)
    fields = split_signed(out, original)
    check(f"sign {label} two fields", fields.count(b"DKIM-Signature:") == 2,
          fields)
    if label == "LF":
        check("sign LF fields use LF", b"\r" not in fields, fields)
    else:
        check("sign CRLF fields use CRLF", b"\n" not in
              fields.replace(b"\r\n", b""), fields)
    check(f"sign {label} defaults", b"c=relaxed/relaxed" in fields and
          b"t=" in fields and b"x=" not in fields and b"l=" not in fields,
          fields)
    rc, sigs, err = verify_json(zone_keys, None, stdin=out)
    check(f"sign {label} vouch verifies", results(sigs) == ["pass", "pass"],
          sigs)
    if dkim is None:
        skip(f"sign {label} dkimpy", "python3-dkim is not installed")
        continue
    check(f"sign {label} dkimpy verifies", dkimpy_verify(out, 2) ==
          [True, True], fields)
    bad = out.replace(b"This is a test message.", b"This is a fake message.")
    check(f"sign {label} tampered dkimpy fails", dkimpy_verify(bad, 2) ==
          [False, False])
    rc, sigs, err = verify_json(zone_keys, None, stdin=bad)
    check(f"sign {label} tampered vouch fails", results(sigs) ==
          ["fail", "fail"] and rc == 1, sigs)

# Options: canonicalization, h=, over-signing, x=, l=, i=, t=.
now = int(time.time())
rc, _, err, out = run("sign", "--key", rsa_key, "--domain", "example.org",
                      "--selector", "r1", "--canon", "simple/simple",
                      "--headers", "From:Subject:X-Absent", "--oversign",
                      "--expire", "3600", "--body-length", "--auid",
                      "robot@example.org", "--now", str(now), unsigned)
check("sign options exit 0", rc == 0, err)
fields = re.sub(rb"\r?\n[ \t]+", b" ", split_signed(out, lf_msg))
tags = dict((k.strip(), v.strip()) for k, v in
            (t.split(b"=", 1) for t in fields.split(b":", 1)[1].split(b";")
             if b"=" in t))
hdrs = [h.strip().lower() for h in tags.get(b"h", b"").split(b":")]
check("sign c=", tags.get(b"c") == b"simple/simple", tags)
check("sign t= x=", tags.get(b"t") == str(now).encode() and
      tags.get(b"x") == str(now + 3600).encode(), tags)
check("sign l=", tags.get(b"l") == str(len(crlf(
    lf_msg.split(b"\n\n", 1)[1]))).encode(), tags.get(b"l"))
check("sign i=", tags.get(b"i") == b"robot@example.org", tags)
check("sign h= oversigned", hdrs.count(b"from") == 2 and
      hdrs.count(b"subject") == 2 and hdrs.count(b"x-absent") == 1, hdrs)
if dkim is not None:
    check("sign options dkimpy verifies", dkimpy_verify(out, 1) == [True])

# A body far larger than any buffer: streamed, kept byte for byte.
big = crlf_msg + b"".join(b"line %07d of a long body\r\n" % i
                          for i in range(200000))
rc, _, err, out = run("sign", "--key", ed_key, "--domain", "example.org",
                      "--selector", "e1", stdin=big)
check("sign big exit 0", rc == 0, err)
split_signed(out, big)
rc, sigs, err = verify_json(zone_keys, None, stdin=out)
check("sign big vouch verifies", results(sigs) == ["pass"], sigs)
if dkim is not None:
    check("sign big dkimpy verifies", dkimpy_verify(out, 1) == [True])

# Refusals: a key others can read, not one From, no key.
open_key = os.path.join(TMP, "open.pem")
shutil.copy(rsa_key, open_key)
os.chmod(open_key, 0o644)
rc, out, err, _ = run("sign", "--key", open_key, "--domain", "example.org",
                      "--selector", "r1", unsigned)
check("sign 0644 key refused", rc == 2 and "permission" in err.lower() and
      out == "", f"rc={rc} {err}")
two_from = lf_msg.replace(b"From: Test User <test@example.com>\n",
                          b"From: Test User <test@example.com>\n"
                          b"From: Other <other@example.com>\n")
rc, out, err, _ = run("sign", "--key", rsa_key, "--domain", "example.org",
                      "--selector", "r1", stdin=two_from)
check("sign two From refused", rc == 2 and "From" in err and out == "",
      f"rc={rc} {err}")
rc, out, err, _ = run("sign", "--key", rsa_key, "--domain", "example.org",
                      "--selector", "r1",
                      os.path.join(DKIMPY, "data", "test_nofrom.message"))
check("sign no From refused", rc == 2 and "From" in err, f"rc={rc} {err}")
rc, out, err, _ = run("sign", "--key", os.path.join(TMP, "none.pem"),
                      "--domain", "example.org", "--selector", "r1", unsigned)
check("sign missing key", rc == 2 and "none.pem" in err, f"rc={rc} {err}")

# ---- usage errors and unreadable input: exit 2 with a message -------------

for args, needle in [
        ([], "usage"),
        (["bogus"], "bogus"),
        (["verify", "--bogus"], "--bogus"),
        (["verify", "--now", "soon", unsigned], "--now"),
        (["verify", unsigned, unsigned], "unexpected"),
        (["verify", "--dns-zone", zone8463, "--dns-server", "127.0.0.1",
          unsigned], "exclude"),
        (["verify", "--dns-zone", os.path.join(TMP, "nozone"), unsigned],
         "nozone"),
        (["verify", "--dns-zone", zone8463, os.path.join(TMP, "nofile")],
         "nofile"),
        (["sign", unsigned], "--key"),
        (["sign", "--key", rsa_key, unsigned], "--domain"),
        (["sign", "--key", rsa_key, "--domain", "example.org", unsigned],
         "--selector"),
        (["sign", "--key", rsa_key, "--domain", "a.example", "--domain",
          "b.example", "--selector", "s", unsigned], "--domain"),
        (["sign", "--key", rsa_key, "--domain", "example.org", "--selector",
          "r1", "--canon", "loose", unsigned], "--canon"),
        (["sign", "--key", rsa_key, "--domain", "example.org", "--selector",
          "r1", "--expire", "-5", unsigned], "--expire")]:
    rc, out, err, _ = run(*args)
    check("usage " + " ".join(a.replace(TMP, "$TMP") for a in args),
          rc == 2 and needle in err, f"rc={rc} err={err!r}")

# A header section that is not one: a line without a colon.
rc, out, err, _ = run("verify", "--dns-zone", zone8463,
                      stdin=b"From: a@example.com\nnot a header line\n\nx\n")
check("malformed header exit 2", rc == 2 and "header" in err,
      f"rc={rc} {err}")
p = subprocess.run([VOUCH, "--help"], capture_output=True, text=True)
check("help lists dkim", p.returncode == 0 and "dkim" in p.stdout)
rc, out, err, _ = run("--help")
check("dkim --help", rc == 0 and "keygen" in out)

shutil.rmtree(TMP)
finish()
