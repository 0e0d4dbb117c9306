#!/usr/bin/python3
"""vouch spf, the command: exit statuses, messages and the --json schema.

Usage: spf_cli.py VOUCH_BINARY SOURCE_DIR

The expected results are worked out by hand from RFC 7208 for the records
in examples/spf/example.zone (each case says which rule decides it).
"""
import json
import os
import subprocess
import sys

VOUCH, SRC = sys.argv[1], sys.argv[2]
ZONE = os.path.join(SRC, "examples/spf/example.zone")
passed = failed = 0


def run(*args):
    p = subprocess.run([VOUCH, "spf", *args], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def spf_json(*args):
    rc, out, err = run("--dns-zone", ZONE, "--json", *args)
    check("exit 0 " + " ".join(args), rc == 0, err)
    return json.loads(out) if rc == 0 else {}


REQUIRED = ["result", "identity", "domain", "mechanism", "explanation",
            "received_spf", "dns_lookups", "void_lookups", "error"]

# 5.4: mx of example.com is mx1 = 192.0.2.10.
j = spf_json("--ip", "192.0.2.10", "--mail-from", "alice@example.com")
for k in REQUIRED:
    check("key " + k, k in j, str(j.keys()))
check("mx pass", j.get("result") == "pass" and j.get("mechanism") == "mx", j)
check("mailfrom identity", j.get("identity") == "mailfrom")
check("error null on pass", j.get("error") is None)
check("one lookup", j.get("dns_lookups") == 1)

# 5.2: include of the provider, ip4:198.51.100.0/24.
j = spf_json("--ip", "198.51.100.25", "--mail-from", "n@example.com")
check("include pass", j.get("result") == "pass" and
      j.get("mechanism") == "include:_spf.provider.example.net", j)
check("two lookups", j.get("dns_lookups") == 2)

# 6.2: fail with the domain's exp= text, macro-expanded.
j = spf_json("--ip", "203.0.113.99", "--mail-from", "ceo@example.com")
check("fail", j.get("result") == "fail" and j.get("mechanism") == "-all", j)
check("exp text", j.get("explanation") ==
      "203.0.113.99 is not allowed to send mail as example.com; "
      "see https://example.com/mail-policy", j.get("explanation"))
check("received-spf", j.get("received_spf", "").startswith("fail ("))

# 4.6.4: the eleventh include is a permerror that names it.
j = spf_json("--ip", "203.0.113.11", "--mail-from", "o@shop.example.org")
check("limit permerror", j.get("result") == "permerror", j)
check("limit names term", "include:s11.shop.example.org" in
      (j.get("error") or ""), j.get("error"))
check("limit count", j.get("dns_lookups") == 11)

# 4.6: a syntax error names the term.
j = spf_json("--ip", "192.0.2.1", "--mail-from", "i@typo.example.org")
check("syntax permerror", j.get("result") == "permerror" and
      "ip4:192.0.2.300" in (j.get("error") or ""), j)

# 4.4: a timeout is temperror, never none or fail.
j = spf_json("--ip", "192.0.2.1", "--mail-from", "i@slow.example.org")
check("timeout temperror", j.get("result") == "temperror" and
      j.get("error"), j)

# 2.3/2.4: null MAIL FROM checks the HELO identity.
j = spf_json("--ip", "192.0.2.10", "--mail-from", "", "--helo",
             "mail.example.com")
check("helo identity", j.get("identity") == "helo" and
      j.get("result") == "pass" and j.get("domain") == "mail.example.com", j)

# 4.3: no record at all is none.
j = spf_json("--ip", "192.0.2.1", "--mail-from", "x@nothing.example.org")
check("none", j.get("result") == "none" and j.get("mechanism") is None, j)

# --trace adds the steps.
j = spf_json("--ip", "198.51.100.25", "--mail-from", "n@example.com",
             "--trace")
check("trace", len(j.get("trace", [])) >= 5, j.get("trace"))

# Usage errors: exit 2, a message naming the argument.
for args, needle in [
        (["--ip", "300.1.1.1", "--mail-from", "a@example.com"], "--ip"),
        (["--ip", "192.0.2.1"], "--mail-from"),
        (["--ip", "192.0.2.1", "--mail-from", "a b@example.com"],
         "--mail-from"),
        (["--ip", "192.0.2.1", "--mail-from", "a@"], "--mail-from"),
        (["--ip", "192.0.2.1", "--mail-from", ""], "--helo"),
        (["--ip", "192.0.2.1", "--mail-from", "a@example.com",
          "--dns-zone", ZONE, "--dns-server", "127.0.0.1"], "exclude"),
        (["--nonsense"], "--nonsense"),
        (["--ip", "192.0.2.1", "--mail-from", "a@example.com",
          "--dns-timeout", "x"], "--dns-timeout")]:
    rc, out, err = run(*args)
    check("usage " + " ".join(args), rc == 2 and needle in err,
          f"rc={rc} err={err!r}")

# Runtime errors: exit 1; a bad zone line is named as file:line.
bad = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                   f"vouch-cli-{os.getpid()}.zone")
with open(bad, "w") as f:
    f.write("$ORIGIN example.com.\n@ TXT \"v=spf1 -all\"\n@ A 999.1.1.1\n")
rc, out, err = run("--dns-zone", bad, "--ip", "192.0.2.1",
                   "--mail-from", "a@example.com")
os.unlink(bad)
check("bad zone exit 1", rc == 1, f"rc={rc}")
check("bad zone file:line", f"{bad}:3" in err, err)
rc, out, err = run("--dns-zone", "/nonexistent/zone", "--ip", "192.0.2.1",
                   "--mail-from", "a@example.com")
check("missing zone exit 1", rc == 1 and "/nonexistent/zone" in err, err)

# Hostile text from DNS never reaches the terminal raw.
rc, out, err = run("--dns-zone", ZONE, "--ip", "192.0.2.1", "--mail-from",
                   "a@example.com")
check("no control bytes", not any(ord(c) < 0x20 and c not in "\n"
                                  for c in out))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
