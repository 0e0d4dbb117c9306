#!/usr/bin/python3
"""authres_interop.py - Authentication-Results interop: vouch's builder
and parser (lib/authres/, through tests/interop/authres_tool) against the
`authres` module (Debian python3-authres), an independent RFC 8601
implementation.

Usage: /usr/bin/python3 authres_interop.py --tool PATH [--verbose]

1. Builder: a few hundred result sets (generated from a fixed seed, plus
   hand-written ones) are written as fragments the way vouch's modules
   write them (values as dot-atoms or quoted-strings, comments escaped),
   joined by authres_tool's builder, and the folded field value is read
   by authres.AuthenticationResultsHeader.parse (unfolded first, as its
   documentation asks) and by vouch's parser.  Method, version, result,
   reason and properties must be what was put in; vouch's parse must also
   give back every comment.  Every built line must be at most 78 octets
   unless it is one token.
2. Parser: the RFC 8601 appendix B fields, the RFC 8617 example, hand-
   written edge cases and fields authres itself writes from its own
   objects are parsed by both; they must agree on whether the field
   parses and on authserv-id, version, methods, results, reasons and
   properties.  Fields authres wrote must also read back as its objects.

A disagreement is accepted only when authres-known.tsv lists it (case and
field patterns, with the reason: an authres bug or a difference RFC 8601
allows); a line of that file that matches nothing fails the run too.
Prints one line per disagreement and "N passed, N failed"; exits 1 on
any unexpected disagreement, 2 on a setup error.
"""
import argparse
import fnmatch
import json
import os
import random
import re
import subprocess
import sys

try:
    import authres
    import authres.arc
    import authres.dmarc
except ImportError as e:
    print("authres_interop: python3-authres is missing (%s); "
          "scripts/install-deps installs it" % e, file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN = os.path.join(HERE, "authres-known.tsv")
SEED = 8601
ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
DOT_ATOM = re.compile(r"^[%s]+(\.[%s]+)*$" % (ATEXT, ATEXT))
TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`{|}~-]+$")


# ---- vouch's side -----------------------------------------------------------

def tool(path, mode, records):
    data = b"".join(r.encode("utf-8", "surrogateescape") + b"\0"
                    for r in records)
    p = subprocess.run([path, mode], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise SystemExit("authres_tool %s failed: %s" % (mode, p.stderr))
    lines = p.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) != len(records):
        raise SystemExit("authres_tool %s: %d answers to %d records"
                         % (mode, len(lines), len(records)))
    return [json.loads(x) for x in lines]


def ours_norm(j):
    """vouch's JSON parse as (id, version, none, [results]) or None."""
    if j["rc"] != 0:
        return None
    res = [(r["method"], str(r["method_version"] or "") or None,
            r["result"], r["reason"],
            [tuple(p) for p in r["props"]]) for r in j["results"]]
    return (j["authserv_id"].lower(), j["version"], j["none"], res)


# ---- authres's side ---------------------------------------------------------

def unfold(value):
    return value.replace("\r\n", "").replace("\n", "")


def theirs_norm(value):
    """authres's parse of a field value, normalized like ours_norm()."""
    try:
        h = authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + unfold(value))
    except Exception as e:      # authres raises several kinds
        return None, "%s: %s" % (type(e).__name__, e)
    res = [(r.method, r.version, r.result,
            None if r.reason is None else str(r.reason),
            [(p.type, p.name, str(p.value)) for p in r.properties])
           for r in h.results]
    return (h.authserv_id, int(h.version or 1), int(not res), res), None


def diff(a, b):
    """Fields in which two normalized parses differ."""
    if a is None or b is None:
        return [] if a is None and b is None else ["parse"]
    out = [f for f, x, y in (("authserv_id", a[0], b[0]),
                             ("version", a[1], b[1]), ("none", a[2], b[2]),
                             ("nresults", len(a[3]), len(b[3]))) if x != y]
    for i, (x, y) in enumerate(zip(a[3], b[3])):
        for k, name in enumerate(("method", "method_version", "result",
                                  "reason", "props")):
            if x[k] != y[k]:
                out.append("%s.%d" % (name, i))
    return out


# ---- fragments the way vouch's modules write them ---------------------------

def q_value(s):
    """lib/util/hdrval.c vouch__hdr_value(): dot-atom or quoted-string."""
    if DOT_ATOM.match(s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def q_pvalue(s):
    """vouch__hdr_pvalue(): [local-part] "@" domain bare when dot-atoms."""
    local, at, dom = s.rpartition("@")
    if at and DOT_ATOM.match(dom) and (local == "" or DOT_ATOM.match(local)):
        return s
    return q_value(s)


def q_reason(s):
    """reason= is an RFC 2045 value: token or quoted-string."""
    if TOKEN.match(s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def q_comment(s):
    return "(" + re.sub(r"([()\\])", r"\\\1", s) + ")"


def fragment(r):
    method, version, result, reason, comment, props = r
    out = method + ("/" + version if version else "") + "=" + result
    if comment is not None:
        out += " " + q_comment(comment)
    if reason is not None:
        out += " reason=" + q_reason(reason)
    for t, n, v in props:
        out += " %s.%s=%s" % (t, n, q_pvalue(v))
    return out


DOMAINS = ["example.com", "mail.example.net", "a-b.example.org",
           "xn--bcher-kva.example", "sub.sub.example.co.uk"]
COMMENTS = ["good signature", "1024-bit key", "p=reject dis=none",
            "domain of a@example.com designates 192.0.2.1 as permitted",
            "nested (comment) here", "trailing \\ backslash", "semi; colon"]
REASONS = ["good signature", "expired", "x;y", "bad-sig", "a=b",
           "signature verification failed for a very long reason text"]


def gen_value(rnd, kind):
    d = rnd.choice(DOMAINS)
    if kind == "domain":
        return d
    if kind == "addr":
        return rnd.choice(["user", "first.last", "a+tag", "o'brien"]) + \
            "@" + d
    if kind == "auid":
        return "@" + d
    if kind == "b":
        return "".join(rnd.choice("ABCabc0129+/") for _ in range(8))
    if kind == "ip":
        return rnd.choice(["192.0.2.%d" % rnd.randrange(256),
                           "2001:db8::%x" % rnd.randrange(65536)])
    return rnd.choice(["reject", "none", "quarantine", "1362471462",
                       "with space", "semi;colon", "x" * 90])


PROPS = {
    "spf": [("smtp", "mailfrom", "addr"), ("smtp", "helo", "domain")],
    "dkim": [("header", "d", "domain"), ("header", "i", "auid"),
             ("header", "s", "other"), ("header", "a", "other"),
             ("header", "b", "b")],
    "dmarc": [("header", "from", "domain"), ("policy", "dmarc", "other")],
    "arc": [("smtp", "remote-ip", "ip"), ("header", "oldest-pass", "other")],
    "iprev": [("policy", "iprev", "ip")],
    "auth": [("smtp", "auth", "addr")],
    "x-vouch-test": [("policy", "x-rule", "other")],
}
RESULTS = ["pass", "fail", "none", "neutral", "softfail", "temperror",
           "permerror", "policy"]


def gen_result(rnd):
    method = rnd.choice(sorted(PROPS))
    props = []
    for t, n, kind in PROPS[method]:
        if rnd.random() < 0.7:
            props.append((t, n, gen_value(rnd, kind)))
    # authres reads a quoted pvalue only when it ends the resinfo (see
    # authres-known.tsv, case hand-quoted-mid): keep quoted values last
    # here; the hand-written cases cover the rest.
    plain = [p for p in props if q_pvalue(p[2]) == p[2]]
    quoted = [p for p in props if q_pvalue(p[2]) != p[2]]
    props = plain + quoted[:1]
    return (method, rnd.choice([None, None, None, "1"]), rnd.choice(RESULTS),
            rnd.choice([None, None] + REASONS),
            rnd.choice([None, None] + COMMENTS), props)


HAND_BUILD = {
    "hand-one": ("example.com", [("spf", None, "pass", None, None,
                                  [("smtp", "mailfrom", "example.net")])]),
    "hand-empty-value": ("e.example", [("spf", None, "none", None, None,
                                        [("smtp", "helo", "")])]),
    "hand-utf8": ("e.example", [("spf", None, "pass", None, "caf\u00e9",
                                 [("smtp", "mailfrom",
                                   "j\u00f6@b\u00fccher.example")])]),
    "hand-quoted-mid": ("e.example", [("dkim", None, "pass", None, None,
                                       [("header", "i", "a b@example.com"),
                                        ("header", "d", "example.com")])]),
    "hand-escapes": ("e.example", [("dkim", None, "fail", 'say "no" \\ now',
                                    None, [("policy", "x", 'q"\\')])]),
    "hand-long-token": ("e.example", [("dkim", None, "pass", None, None,
                                       [("header", "b", "B" * 120)])]),
}


def build_cases(rnd):
    cases = dict(HAND_BUILD)
    for n in range(220):
        cases["build-%03d" % n] = (
            rnd.choice(DOMAINS + ["mx1", "auth-1.example"]),
            [gen_result(rnd) for _ in range(rnd.randrange(1, 6))])
    return cases


def expected(rs):
    return [(m, v, r, rea, list(p)) for m, v, r, rea, _c, p in rs]


def words(line):
    """White-space separated words outside quoted-strings and comments."""
    n, depth, quoted, esc, inword = 0, 0, False, False, False
    for ch in line:
        if esc:
            esc = False
        elif ch == "\\" and (quoted or depth):
            esc = True
        elif ch == '"' and not depth:
            quoted = not quoted
        elif ch == "(" and not quoted:
            depth += 1
        elif ch == ")" and not quoted and depth:
            depth -= 1
        if ch in " \t" and not quoted and not depth:
            inword = False
        elif not inword:
            inword, n = True, n + 1
    return n


def lines_ok(value):
    """At most 78 octets a line (the field name counted), unless a line
    holds one token; continuation lines start with a TAB."""
    lines = ("Authentication-Results:" + value).split("\r\n")
    return all(len(x.encode()) <= 78 or
               words(x[23:] if i == 0 else x) == 1 + (i == 0)
               for i, x in enumerate(lines)) and \
        all(x.startswith("\t") for x in lines[1:])


def run_builder(path, rnd, check):
    cases = build_cases(rnd)
    names = sorted(cases)
    recs = ["\n".join([cases[n][0]] + [fragment(r) for r in cases[n][1]])
            for n in names]
    built = tool(path, "build", recs)
    ours = tool(path, "parse", [b["value"] or "" for b in built])
    for n, b, o in zip(names, built, ours):
        aid, rs = cases[n]
        if b["rc"] != 0:
            check(n, ["build"], "builder refused: rc %d" % b["rc"], False)
            continue
        want = (aid.lower(), 1, int(not rs), expected(rs))
        comments = [r[4] for r in rs]
        got = ours_norm(o)
        d = diff(got, want)
        if got is not None and [r["comment"] for r in o["results"]] != \
                comments:
            d.append("comment")
        if not lines_ok(b["value"]):
            d.append("fold")
        check(n, d, "vouch vs input: %r" % b["value"], False)
        t, err = theirs_norm(b["value"])
        check(n, diff(t, want), "authres vs input: %r %s" %
              (b["value"], err or t), True)
    return len(names)


# ---- fields for both parsers ------------------------------------------------

RFC_FIELDS = {
    "rfc8601-B2": "example.org 1; none",
    "rfc8601-B3": "example.com;\r\n          spf=pass "
                  "smtp.mailfrom=example.net",
    "rfc8601-B4a": "example.com;\r\n          auth=pass (cram-md5) "
                   "smtp.auth=sender@example.net;\r\n          spf=pass "
                   "smtp.mailfrom=example.net",
    "rfc8601-B4b": "example.com; iprev=pass\r\n          "
                   "policy.iprev=192.0.2.200",
    "rfc8601-B5a": "example.com;\r\n          dkim=pass (good signature) "
                   "header.d=example.com",
    "rfc8601-B5b": "example.com;\r\n          auth=pass (cram-md5) "
                   "smtp.auth=sender@example.com;\r\n          spf=fail "
                   "smtp.mailfrom=example.com",
    "rfc8601-B6a": "example.com;\r\n      dkim=pass reason=\"good "
                   "signature\"\r\n        header.i=@mail-router.example.net;"
                   "\r\n      dkim=fail reason=\"bad signature\"\r\n        "
                   "header.i=@newyork.example.com",
    "rfc8601-B6b": "example.net;\r\n      dkim=pass (good signature) "
                   "header.i=@newyork.example.com",
    "rfc8601-B7": "foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I "
                  "like it) / 1 (One yay) = (wait for it) fail\r\n      "
                  "policy (A dot can go here) . (like that) expired\r\n"
                  "      (this surprised me) = (as I wasn't expecting it) "
                  "1362471462",
    "rfc8617-B": "clochette.example.org; spf=fail\r\n    smtp.from=jqd@d1."
                 "example; dkim=fail (512-bit key)\r\n    header.i=@d1."
                 "example; dmarc=fail; arc=pass (as.2.gmail.example=pass,"
                 "\r\n    ams.2.gmail.example=pass, as.1.lists.example.org="
                 "pass,\r\n    ams.1.lists.example.org=fail (message has "
                 "been altered))",
}

HAND_FIELDS = {
    "edge-quoted-id": '"example.com"; spf=pass smtp.mailfrom=example.net',
    "edge-version-2": "example.com 2; none",
    "edge-none-upper": "example.com; NONE",
    "edge-none-comment": "example.com; none (nothing to do)",
    "edge-method-version": "example.com; dkim/1=pass header.d=example.com",
    "edge-trailing-semicolon": "example.com; spf=pass;",
    "edge-no-results": "example.com",
    "edge-no-id": "spf=pass smtp.mailfrom=example.net",
    "edge-empty-pvalue": "example.com; spf=pass smtp.mailfrom=",
    "edge-none-prefix-method": "example.com; nonexistent=pass",
    "edge-two-at": "example.com; spf=pass smtp.mailfrom=a@b@example.net",
    "edge-quoted-local": 'example.com; auth=pass smtp.auth="john doe"@'
                         'example.com',
    "edge-quoted-mid": 'example.com; dkim=pass header.i="a b" header.d=x.y',
    "edge-escaped-reason": 'example.com; dkim=fail reason="a \\"b\\"" '
                           'header.d=x.y',
    "edge-unknown-ptype": "example.com; dkim=pass foo.bar=baz header.d=x.y",
    "edge-dotted-property": "example.com; dkim=pass header.a.b=c",
    "edge-underscore-method": "example.com; x_y=pass",
    "edge-utf8-quoted": 'example.com; spf=pass smtp.mailfrom="j\u00f6@'
                        'example.com"',
    "edge-b64": "example.com; dkim=pass header.b=Ab/+9=z header.d=x.y",
    "edge-reason-comment": 'example.com; dkim=fail reason="bad" (expired) '
                           'header.d=x.y',
    "edge-lf-folding": "example.com;\n\tspf=pass\n smtp.mailfrom=a.example",
    "edge-33-results": "example.com" + "".join("; m%d=pass" % i
                                               for i in range(33)),
    "edge-unclosed-comment": "example.com; spf=pass (oops",
    "edge-reason-after-prop": "example.com; spf=pass smtp.helo=a.b reason=x",
    "edge-ipv6-bare": "example.com; arc=pass smtp.remote-ip=2001:db8::1",
}


def gen_authres_objects(rnd, n):
    """Headers authres writes itself, with what they hold."""
    out = {}
    for k in range(n):
        results = []
        for _ in range(rnd.randrange(0, 5)):
            r = gen_result(rnd)
            method, version, result, reason, comment, props = r
            if comment is not None and re.search(r"[()\\]", comment):
                comment = None      # authres writes comments unescaped
            props = [p for p in props if "@" not in p[2] or
                     q_pvalue(p[2]) == p[2]]
            # authres reads a quoted value only at the end of a resinfo
            quoted = [p for p in props if authres.core.QuotableValue(
                p[2]).quote_if_needed() != p[2]]
            props = [p for p in props if p not in quoted] + quoted[:1]
            res = authres.result(method, version, result, comment, reason,
                                 None, [authres.core.
                                        AuthenticationResultProperty(*p)
                                        for p in props])
            results.append((res, (method, version, result, reason,
                                  list(props))))
        aid = rnd.choice(DOMAINS)
        h = authres.AuthenticationResultsHeader(
            authserv_id=aid, results=[r for r, _ in results])
        value = str(h)[len("Authentication-Results: "):]
        out["gen-%03d" % k] = (value, (aid, 1, int(not results),
                                       [x for _, x in results]))
    # authres leaves a value with "@" unquoted even when it needs quotes
    h = authres.AuthenticationResultsHeader(authserv_id="example.com",
                                            results=[authres.SMTPAUTHAuthenticationResult(
                                                result="pass",
                                                smtp_auth="john doe@example.com")])
    out["gen-at-space"] = (str(h)[len("Authentication-Results: "):],
                           ("example.com", 1, 0,
                            [("auth", None, "pass", None,
                              [("smtp", "auth", "john doe@example.com")])]))
    return out


def run_parser(path, rnd, check):
    fields = dict(RFC_FIELDS)
    fields.update(HAND_FIELDS)
    gen = gen_authres_objects(rnd, 150)
    fields.update({k: v[0] for k, v in gen.items()})
    names = sorted(fields)
    ours = tool(path, "parse", [fields[n] for n in names])
    for n, o in zip(names, ours):
        got = ours_norm(o)
        t, err = theirs_norm(fields[n])
        check(n, diff(got, t), "%r: vouch %s, authres %s" %
              (fields[n], got if got else o.get("error"), t if t else err),
              True)
        if n in gen:
            want = gen[n][1]
            check(n, ["truth-" + x for x in diff(got, want)],
                  "vouch vs authres objects: %r" % fields[n], True)
    return len(names)


# ---- known disagreements ------------------------------------------------------

def load_known(path):
    known = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 3:
                raise SystemExit("%s:%d: want case, field, reason"
                                 % (path, lineno))
            known.append({"case": cols[0], "field": cols[1],
                          "reason": cols[2], "line": lineno, "used": 0})
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if not os.access(a.tool, os.X_OK):
        print("authres_interop: no tool at %s" % a.tool, file=sys.stderr)
        return 2
    known = load_known(KNOWN)
    stats = {"ok": 0, "known": 0, "bad": 0}

    def check(case, fields, detail, peer):
        if not fields:
            stats["ok"] += 1
            return
        left = []
        for f in fields:
            k = next((k for k in known if peer and
                      fnmatch.fnmatchcase(case, k["case"]) and
                      fnmatch.fnmatchcase(f, k["field"])), None)
            if k is None:
                left.append(f)
            else:
                k["used"] += 1
                if a.verbose:
                    print("known: %s %s: %s" % (case, f, k["reason"]))
        if left:
            stats["bad"] += 1
            print("UNEXPECTED %s %s: %s" % (case, ",".join(left), detail))
        else:
            stats["known"] += 1

    rnd = random.Random(SEED)
    nb = run_builder(a.tool, rnd, check)
    np_ = run_parser(a.tool, rnd, check)
    for k in known:
        if not k["used"]:
            print("STALE %s:%d %s %s matched nothing" % (
                os.path.basename(KNOWN), k["line"], k["case"], k["field"]))
            stats["bad"] += 1
    print("%d headers built and read by both, %d fields parsed by both; "
          "%d checks agree, %d are known authres-known.tsv differences"
          % (nb, np_, stats["ok"], stats["known"]))
    print("%d passed, %d failed" % (stats["ok"] + stats["known"],
                                    stats["bad"]))
    return 1 if stats["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
