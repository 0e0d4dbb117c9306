#!/usr/bin/python3
"""vouch report import, the command: files, folders, mbox, Maildir and
standard input into a temporary SQLite store; the --json counts, the text
summary, rejected items with their reasons, hostile inputs, exit statuses.

Usage: report_import_cli.py VOUCH_BINARY SOURCE_DIR [CORPORA]

No expected value comes from running vouch.  Reports and their record
counts and sums come from ../shared/corpora/rua-xml-summary.tsv, or, for
e-mails, from Python's own email, gzip, zipfile and ElementTree reading
the same sample.  Which samples are refused: the summary's well-formed
column, and tests/conformance/report-skips.tsv (judged there, with why).
Duplicates follow store.h: aggregate reports are unique by (org_name,
report_id).  Caps: SECURITY.md (20 MiB e-mail, 50 MiB file, 50 MiB
decompressed).  mbox: RFC 4155 and the mboxrd quoting rule.
"""
import atexit
import email
import gzip
import io
import json
import os
import pty
import re
import shutil
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
import zipfile
import zlib
from email import policy

from clitest import check, finish

VOUCH, SRC = sys.argv[1], sys.argv[2]
CORPORA = sys.argv[3] if len(sys.argv) > 3 else \
    os.path.join(SRC, "..", "shared", "corpora")
TMP = tempfile.mkdtemp(prefix="vouch-import-cli-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
AGG = os.path.join(CORPORA, "parsedmarc", "aggregate")
FAILURE = os.path.join(CORPORA, "parsedmarc", "failure")
CONVERTER = os.path.join(CORPORA, "dmarc-report-converter", "testdata")
MiB = 1024 * 1024


def run(*args, stdin=None, env=None, stderr=subprocess.PIPE):
    e = dict(os.environ)
    e.pop("VOUCH_DB", None)
    e.pop("VOUCH_IMAP_PASSWORD", None)
    e.update(env or {})
    p = subprocess.run([VOUCH, "report", "import", *args], input=stdin,
                       stdout=subprocess.PIPE, stderr=stderr, env=e,
                       timeout=300)
    err = p.stderr.decode("utf-8", "replace") if p.stderr else ""
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def imp(db, *sources, stdin=None, env=None):
    """Run with --json; (exit status, the object or {}, stderr)."""
    rc, out, err = run("--db", db, "--json", *sources, stdin=stdin, env=env)
    try:
        j = json.loads(out)
    except ValueError:
        j = {}
    return rc, j, err


def db_path(name):
    return os.path.join(TMP, name + ".db")


def stored(db):
    """COUNT(*) of the reports table (all store.h promises about it)."""
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    finally:
        con.close()


# ---- what the samples hold, read independently -----------------------------

def load_summary():
    rows = {}
    with open(os.path.join(CORPORA, "rua-xml-summary.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            rows[r["file"]] = r
    return rows


def load_judged():
    """Samples tests/conformance/report-skips.tsv judges refused."""
    out = set()
    with open(os.path.join(SRC, "tests", "conformance",
                           "report-skips.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.split("\t")
            if cols[2] == "refused":
                out.add(cols[0])
    return out


SUMMARY = load_summary()
JUDGED = load_judged()


def local(tag):
    return tag.rsplit("}", 1)[-1]


def xml_report(data):
    """(org_name, report_id, records, sum of counts) by ElementTree."""
    root = ET.fromstring(data)
    org = rid = None
    nrec = total = 0
    for el in root.iter():
        t = local(el.tag)
        if t == "org_name" and org is None:
            org = (el.text or "").strip()
        elif t == "report_id" and rid is None:
            rid = (el.text or "").strip()
        elif t == "record":
            nrec += 1
            for c in el.iter():
                if local(c.tag) == "count":
                    total += int(c.text)
    return (org, rid, nrec, total)


def unpack(data):
    """XML bytes inside gzip / zip / plain data."""
    if data[:2] == b"\x1f\x8b":
        # One member; what follows it (Mimecast adds a CRLF) is not data.
        return unpack(zlib.decompressobj(wbits=31).decompress(data))
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return unpack(z.read(z.namelist()[0]))
    return data


def email_reports(data):
    """What a report e-mail holds: aggregate tuples and "failure"s."""
    m = email.message_from_bytes(data, policy=policy.compat32)
    out = []
    for part in m.walk():
        ct = part.get_content_type()
        if ct == "message/feedback-report":
            out.append("failure")
        if part.is_multipart() or not (
                ct.startswith("application/") or ct.endswith("/xml")):
            continue
        out.append(xml_report(unpack(part.get_payload(decode=True))))
    return out


def sample(rel):
    """The reports of a corpus file, or None when it must be refused."""
    if rel in JUDGED:
        return None
    r = SUMMARY.get(rel)
    if r is not None:
        if r["well_formed_xml"] != "yes":
            return None
        return [(r["org_name"], r["report_id"], int(r["records"]),
                 int(r["sum_of_count"]))]
    with open(os.path.join(CORPORA, rel), "rb") as f:
        return email_reports(f.read()) or None


class Expect:
    """Counts as store.h defines them, fed in import order."""

    def __init__(self):
        self.seen = set()
        self.fails = set()
        self.reset()

    def reset(self):
        self.imported = self.dups = self.records = self.messages = 0
        self.failures = 0
        self.rejected = []

    def add(self, name, reports, failure_key=None):
        if reports is None:
            self.rejected.append(name)
            return
        for r in reports:
            if r == "failure":
                if failure_key in self.fails:
                    self.dups += 1
                else:
                    self.fails.add(failure_key)
                    self.imported += 1
                    self.failures += 1
                continue
            if r[:2] in self.seen:
                self.dups += 1
                continue
            self.seen.add(r[:2])
            self.imported += 1
            self.records += r[2]
            self.messages += r[3]

    def compare(self, name, j, rejected=True):
        for k, v in [("imported", self.imported),
                     ("duplicates", self.dups), ("records", self.records),
                     ("messages", self.messages),
                     ("failures", self.failures)]:
            check(f"{name}: {k}", j.get(k) == v,
                  f"want {v}, got {j.get(k)}")
        if rejected:
            got = sorted(r.get("source") for r in j.get("rejected", []))
            check(f"{name}: rejected", got == sorted(self.rejected),
                  f"want {sorted(self.rejected)}, got {got}")


def reasons(j):
    return {r.get("source"): r.get("reason", "")
            for r in j.get("rejected", [])}


# ---- the parsedmarc aggregate samples, as a folder --------------------------

db = db_path("agg")
files = sorted(os.listdir(AGG))
want = Expect()
for name in files:
    want.add(os.path.join(AGG, name), sample("parsedmarc/aggregate/" + name))
check("aggregate folder: expectation covers 16 reports",
      want.imported + want.dups == 16, want.imported)
rc, j, err = imp(db, AGG)
check("aggregate folder: exit 0 with rejected items", rc == 0, err)
want.compare("aggregate folder", j)
for src, why in reasons(j).items():
    check(f"aggregate folder: {src} has a reason", len(why) > 5, why)
check("aggregate folder: --json leaves stderr empty", err == "", err)
n_after = stored(db)
check("aggregate folder: one row per report stored",
      n_after == want.imported, n_after)

# The same again: nothing new, every report a duplicate.
total = want.imported + want.dups
want.reset()
for name in files:
    want.add(os.path.join(AGG, name), sample("parsedmarc/aggregate/" + name))
rc, j, err = imp(db, AGG)
check("re-import: exit 0", rc == 0, err)
check("re-import: nothing imported", j.get("imported") == 0, j)
check("re-import: all duplicates", j.get("duplicates") == total, j)
check("re-import: the same rejected", len(j.get("rejected", [])) ==
      len(want.rejected), j.get("rejected"))
check("re-import: nothing more stored", stored(db) == n_after)

# ---- one report in several containers, and a refused one that shares its
# ---- org_name and report_id ------------------------------------------------

db = db_path("converter")
want = Expect()
names = sorted(os.listdir(CONVERTER))
for name in names:
    want.add(os.path.join(CONVERTER, name),
             sample("dmarc-report-converter/testdata/" + name))
rc, j, err = imp(db, *[os.path.join(CONVERTER, n) for n in names])
check("containers: exit 0", rc == 0, err)
want.compare("containers", j)
check("containers: the refused report names its record",
      "record 0" in reasons(j).get(os.path.join(CONVERTER,
                                                "test_empty.xml"), ""),
      reasons(j))

# ---- failure reports --------------------------------------------------------

db = db_path("failure")
rc, j, err = imp(db, FAILURE)
want_refused = sorted(os.path.join(FAILURE, n) for n in os.listdir(FAILURE)
                      if "parsedmarc/failure/" + n in JUDGED)
good = [n for n in os.listdir(FAILURE)
        if "parsedmarc/failure/" + n not in JUDGED]
check("failure: exit 0", rc == 0, err)
check("failure: every good one imported or a duplicate",
      j.get("imported", 0) + j.get("duplicates", 0) == len(good), j)
check("failure: all failure reports", j.get("failures") == j.get("imported")
      and j.get("records") == 0, j)
check("failure: refused as judged", sorted(reasons(j)) == want_refused,
      reasons(j))
rc, j, err = imp(db, FAILURE)
check("failure: re-import all duplicates",
      j.get("imported") == 0 and j.get("duplicates") == len(good), j)

# ---- a folder of mixed good and bad files ------------------------------------

mixed = os.path.join(TMP, "mixed")
outside = os.path.join(TMP, "outside.xml")
os.makedirs(os.path.join(mixed, "sub", "deeper"))
os.makedirs(os.path.join(mixed, "zdir"))
shutil.copy(os.path.join(AGG, "usssa.com!example.com!1538784000!1538870399"
                         ".xml"), os.path.join(mixed, "a-report.dat"))
shutil.copy(os.path.join(AGG, "fastmail.com!example.com!1516060800!"
                         "1516147199!102675056.xml.gz"),
            os.path.join(mixed, "sub", "no-extension"))
shutil.copy(os.path.join(AGG, "twilight.eml"),
            os.path.join(mixed, "sub", "deeper", "mail.xml"))
shutil.copy(os.path.join(AGG, "invalid_xml.xml"),
            os.path.join(mixed, "b-broken.xml"))
shutil.copy(os.path.join(AGG, "veeam.com!example.com!1530133200!1530219600"
                         ".xml"), outside)
open(os.path.join(mixed, "c-empty.xml"), "wb").close()
with open(os.path.join(mixed, "d-garbage.gz"), "wb") as f:
    f.write(bytes(range(256)) * 4)
os.symlink("../a-report.dat", os.path.join(mixed, "sub", "link-inside"))
os.symlink(outside, os.path.join(mixed, "e-link-outside"))
os.symlink(os.path.join(mixed, "sub"), os.path.join(mixed, "zdir", "loop"))
os.symlink("nowhere", os.path.join(mixed, "f-dangling"))
os.mkfifo(os.path.join(mixed, "g-fifo"))
evil = os.path.join(mixed, "h-\x1b[31mevil\n.xml")
with open(evil, "wb") as f:
    f.write(b"<feedback>")

db = db_path("mixed")
rc, j, err = imp(db, mixed)
check("mixed: exit 0", rc == 0, err)
r = reasons(j)
check("mixed: 3 good reports imported", j.get("imported") == 3, j)
check("mixed: the link inside the folder read (a duplicate)",
      j.get("duplicates") == 1, j)
check("mixed: usssa + fastmail + twilight records", j.get("records") ==
      2 + 1 + 1 and j.get("messages") == 2 + 1 + 1, j)
check("mixed: broken XML rejected",
      "not well-formed" in r.get(os.path.join(mixed, "b-broken.xml"), ""),
      r)
check("mixed: empty file rejected",
      r.get(os.path.join(mixed, "c-empty.xml")) == "empty", r)
check("mixed: garbage rejected", os.path.join(mixed, "d-garbage.gz") in r, r)
check("mixed: link out of the folder not followed",
      "out of the folder" in r.get(os.path.join(mixed, "e-link-outside"),
                                   ""), r)
check("mixed: dangling link", os.path.join(mixed, "f-dangling") in r, r)
check("mixed: FIFO is not a regular file",
      "regular file" in r.get(os.path.join(mixed, "g-fifo"), ""), r)
check("mixed: hostile name rejected (unterminated XML)", evil in r, r)
check("mixed: nothing else rejected", len(r) == 7, sorted(r))
check("mixed: the outside file was not stored (veeam)",
      j.get("imported") == 3, j)
# The text output escapes the control bytes of the name.
rc, out, err = run("--db", db, mixed)
check("mixed text: exit 0", rc == 0, err)
check("mixed text: no raw ESC or bare control byte", "\x1b" not in out and
      "\\x1b[31mevil\\x0a.xml" in out, out)
m = re.match(r"imported (\d+) reports? \((\d+) records?, (\d+) messages?\), "
             r"(\d+) duplicates?, (\d+) rejected\n", out)
check("mixed text: summary line", m is not None and m.group(1) == "0" and
      m.group(4) == "4" and m.group(5) == "7", out)
check("mixed text: one line per rejected item",
      len([ln for ln in out.splitlines() if ln.startswith("  ")]) == 7, out)
check("mixed text: each rejected line is SOURCE: reason",
      "  " + os.path.join(mixed, "c-empty.xml") + ": empty" in out, out)

# ---- --jobs: the same run, whatever the number of parsing threads ----------


def dump(path):
    """Every row of the tables an import writes, in key order."""
    con = sqlite3.connect(path)
    try:
        out = {}
        for t, key in (("reports", "id"), ("records", "id"),
                       ("record_extra", "record, kind, n"),
                       ("report_errors", "report, n"),
                       ("raw_inputs", "id"), ("failures", "id")):
            out[t] = con.execute(f"SELECT * FROM {t} ORDER BY {key}"
                                 ).fetchall()
        return out
    finally:
        con.close()


runs = {}
for jobs in ("0", "1", "3"):
    db = db_path("jobs" + jobs)
    rc, out, err = run("--db", db, "--json", "--jobs", jobs, AGG, mixed,
                       FAILURE)
    check(f"--jobs {jobs}: exit 0", rc == 0, err)
    runs[jobs] = (json.loads(out) if rc == 0 else {}, dump(db))
base_j, base_rows = runs["0"]
check("--jobs 0: the aggregate, mixed and failure items all seen",
      base_j.get("imported", 0) > 10 and len(base_j.get("rejected", [])) > 7,
      base_j)
for jobs in ("1", "3"):
    j, rows = runs[jobs]
    check(f"--jobs {jobs}: the same counts and rejected items, in order",
          j == base_j, (j, base_j))
    for t in base_rows:
        a, b = base_rows[t], rows[t]
        if t in ("reports", "raw_inputs", "failures"):
            # The import clock: the column named imported.
            con = sqlite3.connect(db_path("jobs0"))
            cols = [c[1] for c in con.execute(f"PRAGMA table_info({t})")]
            con.close()
            i = cols.index("imported")
            a = [r[:i] + r[i + 1:] for r in a]
            b = [r[:i] + r[i + 1:] for r in b]
        check(f"--jobs {jobs}: table {t} row for row as with --jobs 0",
              a == b, (t, len(a), len(b)))
for bad in ("-1", "x", "65", "", "1x"):
    rc, out, err = run("--db", db_path("jobsbad"), "--jobs", bad, AGG)
    check(f"--jobs '{bad}': usage error", rc == 2 and "--jobs" in err and
          out == "", (rc, out, err))

# ---- mbox -------------------------------------------------------------------


def mboxrd(msg):
    """One message as an mboxrd entry (RFC 4155 + mboxrd quoting)."""
    lines = msg.split(b"\n")
    body = b"\n".join(b">" + ln if re.match(rb">*From ", ln) else ln
                      for ln in lines)
    if not body.endswith(b"\n"):
        body += b"\n"
    return b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" + body + b"\n"


with open(os.path.join(CONVERTER, "test.xml"), "rb") as f:
    conv = f.read()
# A report whose report_id holds body lines that mbox must quote: the
# reader must give back exactly these bytes, or the id differs.
tricky = conv.replace(b"<report_id>1.id.0</report_id>",
                      b"<report_id>mbox-1\nFrom here\n>From there"
                      b"</report_id>")
check("mbox: the sample has the id to replace", tricky != conv)
tricky_mail = (b"From: reporter@example.net\nTo: dmarc@example.com\n"
               b"Subject: Report\nMIME-Version: 1.0\n"
               b"Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
               b"--b1\nContent-Type: text/plain\n\nA report.\n\n"
               b"From the reporter, with love.\n--b1\n"
               b"Content-Type: text/xml\nContent-Transfer-Encoding: 7bit\n"
               b"Content-Disposition: attachment; filename=\"r.xml\"\n\n" +
               tricky + b"\n--b1--\n")
mails = [tricky_mail]
for rel in ["parsedmarc/aggregate/twilight.eml",
            "parsedmarc/aggregate/mimecast-weird-gzip.eml",
            "parsedmarc/failure/dmarc_ruf_report_linkedin.eml"]:
    with open(os.path.join(CORPORA, rel), "rb") as f:
        mails.append(f.read())
box = os.path.join(TMP, "reports.mbox")
with open(box, "wb") as f:
    for msg in mails:
        f.write(mboxrd(msg))
with open(box, "rb") as f:
    text = f.read()
check("mbox: the quoting was applied",
      b"\n>From here\n>>From there</report_id>" in text and
      b"\n>From the reporter" in text)
db = db_path("mbox")
rc, j, err = imp(db, box)
check("mbox: exit 0", rc == 0, err)
check("mbox: 4 messages, 4 reports", j.get("imported") == 4 and
      j.get("failures") == 1 and j.get("rejected") == [], j)
# The tricky report's own XML is a duplicate only if unquoting was right.
plain = os.path.join(TMP, "tricky.xml")
with open(plain, "wb") as f:
    f.write(tricky)
rc, j, err = imp(db, plain)
check("mbox: >From unquoted exactly (same report_id)",
      j.get("duplicates") == 1 and j.get("imported") == 0, j)
with open(plain, "wb") as f:
    f.write(tricky.replace(b"\nFrom here", b"\n>From here"))
rc, j, err = imp(db, plain)
check("mbox: control: a still-quoted id is another report",
      j.get("imported") == 1, j)

# An oversized message is one rejected item; the next one still counts.
big = os.path.join(TMP, "big.mbox")
with open(big, "wb") as f:
    f.write(mboxrd(b"Subject: big\n\n" + (b"x" * 1000 + b"\n") *
                   (21 * MiB // 1001)))
    f.write(mboxrd(mails[1]))
db = db_path("big-mbox")
rc, j, err = imp(db, big)
check("mbox big: exit 0", rc == 0, err)
r = reasons(j)
check("mbox big: message 1 over 20 MiB", "20 MiB" in r.get(big + "#1", ""),
      r)
check("mbox big: message 2 imported", j.get("imported") == 1, j)

# mbox from standard input.
db = db_path("mbox-stdin")
rc, j, err = imp(db, "-", stdin=text)
check("mbox stdin: 4 imported", rc == 0 and j.get("imported") == 4, j)

# ---- Maildir ----------------------------------------------------------------

md = os.path.join(TMP, "Maildir")
for d in ["cur", "new", "tmp", ".Sub/cur", ".Sub/new", ".Sub/tmp"]:
    os.makedirs(os.path.join(md, d))
with open(os.path.join(md, "cur", "1700000000.1.host:2,S"), "wb") as f:
    f.write(mails[1])
with open(os.path.join(md, "new", "1700000001.2.host"), "wb") as f:
    f.write(mails[2])
with open(os.path.join(md, "new", "1700000002.3.host"), "wb") as f:
    f.write(b"Subject: not a report\n\nhello\n")
# Deliveries in progress and other mailboxes are not this Maildir's.
with open(os.path.join(md, "tmp", "1700000003.4.host"), "wb") as f:
    f.write(mails[3])
with open(os.path.join(md, ".Sub", "new", "1700000004.5.host"), "wb") as f:
    f.write(mails[3])
db = db_path("maildir")
rc, j, err = imp(db, md)
check("maildir: exit 0", rc == 0, err)
check("maildir: cur and new read, tmp and .Sub not", j.get("imported") == 2
      and j.get("failures") == 0, j)
check("maildir: the non-report rejected",
      list(reasons(j)) == [os.path.join(md, "new", "1700000002.3.host")],
      reasons(j))

# ---- standard input, missing and empty sources --------------------------------

emptydir = os.path.join(TMP, "emptydir")
os.makedirs(emptydir)
rc, j, err = imp(db_path("emptydir"), emptydir)
check("empty folder: nothing to do, exit 0", rc == 0 and
      j.get("imported") == 0 and j.get("rejected") == [], j)

db = db_path("stdin")
with open(os.path.join(AGG, "fastmail.com!example.com!1516060800!1516147199!"
                       "102675056.xml.gz"), "rb") as f:
    gz = f.read()
rc, j, err = imp(db, "-", stdin=gz)
check("stdin: gzip imported", rc == 0 and j.get("imported") == 1 and
      j.get("records") == 1, j)

missing = os.path.join(TMP, "no-such-file.xml")
rc, j, err = imp(db, missing)
check("missing: exit 1 when no source opens", rc == 1, err)
check("missing: reported", "No such file" in reasons(j).get(missing, ""), j)
rc, j, err = imp(db, missing, os.path.join(AGG, "usssa.com!example.com!"
                                           "1538784000!1538870399.xml"))
check("missing + good: exit 0", rc == 0, err)
check("missing + good: the rest continues", j.get("imported") == 1 and
      missing in reasons(j), j)

empty = os.path.join(TMP, "empty.xml")
open(empty, "wb").close()
rc, j, err = imp(db, empty)
check("empty file: rejected, exit 0", rc == 0 and
      reasons(j).get(empty) == "empty", j)

# ---- hostile files: rejected with a reason, nothing stored ------------------

db = db_path("hostile")
rc, j, err = imp(db, os.path.join(AGG, "veeam.com!example.com!1530133200!"
                                  "1530219600.xml"))
before = stored(db)
lol = os.path.join(TMP, "billion-laughs.xml")
with open(lol, "w") as f:
    f.write('<?xml version="1.0"?>\n<!DOCTYPE feedback [\n'
            ' <!ENTITY a "aaaaaaaaaa">\n'
            ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
            ' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
            '<feedback><report_metadata><org_name>&c;</org_name>'
            '<report_id>x</report_id></report_metadata></feedback>\n')
bomb = os.path.join(TMP, "bomb.xml.gz")
with gzip.open(bomb, "wb", compresslevel=9) as f:
    # Well-formed as far as it goes, so only the 50 MiB cap stops it.
    f.write(b'<?xml version="1.0"?>\n<feedback>\n')
    for _ in range(60):
        f.write(b" " * MiB)
    f.write(b"</feedback>\n")
huge = os.path.join(TMP, "huge.xml")
with open(huge, "wb") as f:
    f.write(b"<feedback>")
    f.truncate(50 * MiB + 1)
rc, j, err = imp(db, lol, bomb, huge)
r = reasons(j)
check("hostile: exit 0", rc == 0, err)
check("hostile: entity declarations refused",
      "DOCTYPE" in r.get(lol, "") or "entit" in r.get(lol, "").lower(), r)
check("hostile: gzip bomb stopped at the cap",
      "larger than" in r.get(bomb, ""), r)
check("hostile: a file over 50 MiB not read",
      "larger than 50 MiB" in r.get(huge, ""), r)
check("hostile: nothing imported", j.get("imported") == 0, j)
check("hostile: nothing stored", stored(db) == before, stored(db))
check("hostile: the bomb is small on disk", os.path.getsize(bomb) < MiB)

# ---- IMAP errors that need no server ------------------------------------------

db = db_path("imap")
url = "imap://user:secret@127.0.0.1:1/INBOX"
rc, j, err = imp(db, url)
check("imap: password in the URL refused, exit 1", rc == 1 and
      "password in the URL" in reasons(j).get(url, ""), j)
check("imap: the password is not printed... in reasons",
      all("secret" not in v for v in reasons(j).values()), j)
url = "imap://user@127.0.0.1:1/INBOX"
rc, j, err = imp(db, url)
check("imap: no password", rc == 1 and
      "no password" in reasons(j).get(url, ""), j)
rc, j, err = imp(db, url, env={"VOUCH_IMAP_PASSWORD": "pw"})
check("imap: connection refused reported", rc == 1 and url in reasons(j) and
      "no password" not in reasons(j)[url], j)
url = "imap://user@127.0.0.1:1/"
rc, j, err = imp(db, url, env={"VOUCH_IMAP_PASSWORD": "pw"})
check("imap: no mailbox", "no mailbox" in reasons(j).get(url, ""), j)
url = "imap://127.0.0.1:1/INBOX"
rc, j, err = imp(db, url, env={"VOUCH_IMAP_PASSWORD": "pw"})
check("imap: no user", "no user" in reasons(j).get(url, ""), j)

# ---- IMAP replies, from a scripted server on loopback --------------------------
#
# What a server may send is input too: a stand-in speaking RFC 3501 answers
# each user name with one behaviour (the real-server run is
# tests/integration/imap_dovecot.sh).  It logs every command it gets.

with open(os.path.join(AGG, "usssa.com!example.com!1538784000!1538870399"
                       ".xml"), "rb") as f:
    USSSA = f.read()
with open(os.path.join(AGG, "veeam.com!example.com!1530133200!1530219600"
                       ".xml"), "rb") as f:
    VEEAM = f.read()
IMAP_LOG = {}


def lit(data):
    return b"{%d}\r\n" % len(data) + data


class FakeImap(socketserver.StreamRequestHandler):
    user = b""

    def reply(self, tag, *lines, status=b"OK done"):
        self.wfile.write(b"".join(ln + b"\r\n" for ln in lines) +
                         tag + b" " + status + b"\r\n")

    def caps(self):
        u = self.user
        return b"* CAPABILITY IMAP4rev1" + \
            (b"" if u in (b"nomove", b"uidplus") else b" MOVE") + \
            (b"" if u == b"nomove" else b" UIDPLUS")

    def fetch(self, tag, uid):
        u, w = self.user, self.wfile.write
        body = USSSA if uid == b"3" else VEEAM
        head = b"* 1 FETCH (UID " + uid + b" BODY[] "
        if u == b"fetchno" and uid == b"5":
            return self.reply(tag, status=b"NO [UNAVAILABLE] try later")
        if u == b"bye":
            w(b"* BYE going away\r\n")
            return False
        if u == b"hugelit":
            w(head + b"{2000000000}\r\n")
            return False
        if u == b"cut":
            w(head + b"{1000}\r\n" + body[:10])
            return False
        if u == b"nobody" and uid == b"3":
            return self.reply(tag)
        if u == b"otherlit":
            head = b"* 1 FETCH (UID " + uid + b" BODY[HEADER] " + \
                lit(b"X: y\r\n\r\n") + b" BODY[] "
        if u == b"oversize" and uid == b"3":
            body = b"x" * (21 * MiB)
        w(head + lit(body) + b" FLAGS (\\Recent))\r\n")
        return self.reply(tag)

    def handle(self):
        try:
            self.session()
        except OSError:
            pass        # vouch hung up, as it may when a reply is refused

    def session(self):
        self.wfile.write(b"* OK fake ready\r\n")
        for line in self.rfile:
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            words = rest.split(b" ")
            cmd = b" ".join(words[:2]).upper() if words[0].upper() == \
                b"UID" else words[0].upper()
            IMAP_LOG.setdefault(self.user.decode(), []).append(rest)
            if cmd == b"LOGIN":
                self.user = words[1].strip(b'"')
                self.reply(tag)
            elif cmd == b"CAPABILITY":
                self.reply(tag, self.caps())
            elif cmd == b"SELECT":
                self.reply(tag, b"* 2 EXISTS")
            elif cmd == b"UID SEARCH":
                self.reply(tag, b"* SEARCH " + (b"1" * (17 * MiB) if
                                                self.user == b"longline"
                                                else b"5 3"))
            elif cmd == b"UID FETCH":
                if self.fetch(tag, words[2]) is False:
                    return
            elif cmd == b"UID STORE" and self.user == b"storeno":
                self.reply(tag, status=b"NO [READ-ONLY] mailbox is read-only")
            elif cmd == b"LOGOUT":
                return self.reply(tag, b"* BYE bye")
            else:
                self.reply(tag)


class FakeServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


fake = FakeServer(("127.0.0.1", 0), FakeImap)
threading.Thread(target=fake.serve_forever, daemon=True).start()
FPORT = fake.server_address[1]
PWENV = {"VOUCH_IMAP_PASSWORD": "pw"}


def fake_run(user, *extra, box="INBOX"):
    IMAP_LOG.pop(user, None)
    url = f"imap://{user}@127.0.0.1:{FPORT}/{box}"
    rc, j, err = imp(db_path("fake-" + user), "--move-to", "Done", *extra,
                     url, env=PWENV)
    return rc, j, url, IMAP_LOG.get(user, [])


rc, j, url, log = fake_run("normal")
check("fake: exit 0", rc == 0, j)
check("fake: both messages imported", j.get("imported") == 2 and
      j.get("records") == 3, j)
check("fake: UIDs in order, fetched with PEEK",
      [c for c in log if c.startswith(b"UID FETCH")] ==
      [b"UID FETCH 3 (BODY.PEEK[])", b"UID FETCH 5 (BODY.PEEK[])"], log)
check("fake: each marked seen then moved",
      [c for c in log if c.startswith((b"UID STORE", b"UID MOVE"))] ==
      [b"UID STORE 3 +FLAGS.SILENT (\\Seen)", b'UID MOVE 3 "Done"',
       b"UID STORE 5 +FLAGS.SILENT (\\Seen)", b'UID MOVE 5 "Done"'], log)
check("fake: the folder created, the mailbox selected, searched",
      b'CREATE "Done"' in log and b'SELECT "INBOX"' in log and
      b"UID SEARCH UNSEEN" in log, log)
check("fake: the password never in our commands",
      all(b"pw" not in c for c in log[1:]), log)
check("fake: logged out", log[-1] == b"LOGOUT", log)

rc, j, url, log = fake_run("nomove")
check("fake without MOVE or UIDPLUS: COPY, \\Deleted, EXPUNGE",
      rc == 0 and j.get("imported") == 2 and
      [c for c in log if c.startswith((b"UID COPY", b"UID STORE", b"EXPUNGE",
                                       b"UID EXPUNGE", b"UID MOVE"))][:4] ==
      [b"UID STORE 3 +FLAGS.SILENT (\\Seen)", b'UID COPY 3 "Done"',
       b"UID STORE 3 +FLAGS.SILENT (\\Deleted)", b"EXPUNGE"], log)
rc, j, url, log = fake_run("uidplus")
check("fake with UIDPLUS only: UID EXPUNGE of that message",
      b"UID EXPUNGE 3" in log and b"EXPUNGE" not in log and
      not any(c.startswith(b"UID MOVE") for c in log), log)

rc, j, url, log = fake_run("fetchno")
check("fake: a NO to FETCH rejects the item", rc == 0 and
      j.get("imported") == 1 and
      "try later" in reasons(j).get(url + "/;UID=5", ""), j)
check("fake: the unread message is left unseen",
      not any(c.startswith(b"UID STORE 5") for c in log), log)

rc, j, url, log = fake_run("nobody")
check("fake: a message gone meanwhile is skipped", rc == 0 and
      j.get("imported") == 1 and j.get("rejected") == [] and
      not any(c.startswith(b"UID STORE 3") for c in log), j)

rc, j, url, log = fake_run("otherlit")
check("fake: only the BODY[] literal is the message", rc == 0 and
      j.get("imported") == 2, j)

rc, j, url, log = fake_run("oversize")
check("fake: a message over 20 MiB rejected, the session goes on",
      rc == 0 and j.get("imported") == 1 and
      "20 MiB" in reasons(j).get(url + "/;UID=3", ""), j)

# The source stops (exit 0: it was opened), or, when the SEARCH reply is
# the one refused, cannot be opened (exit 1).
for user, words, status in [("bye", "going away", 0),
                            ("hugelit", "2000000000 bytes", 0),
                            ("cut", "closed the connection", 0),
                            ("storeno", "read-only", 0),
                            ("longline", "longer than 16 MiB", 1)]:
    rc, j, url, log = fake_run(user)
    check(f"fake {user}: the source stops, reported", rc == status and
          words in reasons(j).get(url, ""), j)
    if user == "storeno":
        check("fake storeno: the message was imported before",
              j.get("imported") == 1, j)

rc, j, url, log = fake_run("normal", box='my%22box%5C')
check("fake: a mailbox name quoted", b'SELECT "my\\"box\\\\"' in log, log)
rc, j, url, log = fake_run("normal", box="caf%C3%A9")
check("fake: a non-ASCII mailbox name refused before connecting",
      "printable ASCII" in reasons(j).get(url, "") and log == [], j)
rc, j, url, log = fake_run("normal", "--imap-user", "other")
check("fake: --imap-user wins over the URL's", "other" in IMAP_LOG and
      log == [], list(IMAP_LOG))

fake.shutdown()

# ---- usage, store, quiet, progress ----------------------------------------------

db = db_path("usage")
rc, out, err = run("--db", db)
check("usage: no source -> 2", rc == 2 and "no SOURCE" in err, err)
rc, out, err = run("--db", db, "--bogus", empty)
check("usage: unknown option -> 2", rc == 2 and "--bogus" in err, err)
rc, out, err = run("--db", db, "--imap-password-file",
                   os.path.join(TMP, "nope"), empty)
check("usage: unreadable password file -> 2", rc == 2 and
      "--imap-password-file" in err, err)
pw = os.path.join(TMP, "pw")
open(pw, "w").close()
rc, out, err = run("--db", db, "--imap-password-file", pw, empty)
check("usage: empty password file -> 2", rc == 2 and "empty" in err, err)
rc, out, err = run("--help")
check("usage: --help -> 0", rc == 0 and "SOURCE" in out, err)
rc, out, err = run("--db", os.path.join(TMP, "no", "such", "dir", "x.db"),
                   empty)
check("store cannot be opened -> 1", rc == 1 and
      err.startswith("vouch report import: "), err)

db = db_path("quiet")
rc, out, err = run("--db", db, "--quiet", empty,
                   os.path.join(AGG, "usssa.com!example.com!1538784000!"
                                "1538870399.xml"))
check("quiet: exit 0", rc == 0, err)
check("quiet: nothing on stdout", out == "", out)
check("quiet: rejected items on stderr",
      err == f"vouch report import: {empty}: empty\n", err)
rc, out, err = run("--db", db, empty)
check("not a terminal: no progress bar on stderr", err == "", err)

# Progress on a terminal: stderr is a pty.
mfd, sfd = pty.openpty()
p = subprocess.Popen([VOUCH, "report", "import", "--db", db_path("pty"),
                      AGG], stdout=subprocess.PIPE, stderr=sfd)
os.close(sfd)
bar = b""
while True:
    try:
        chunk = os.read(mfd, 65536)
    except OSError:
        break
    if not chunk:
        break
    bar += chunk
p.wait(timeout=120)
os.close(mfd)
check("terminal: a progress bar", b"\r" in bar and b"/s" in bar and
      b"/19 " in bar, bar[-300:])
check("terminal: the bar erased at the end", bar.endswith(b"\r\x1b[K"),
      bar[-40:])
check("terminal: the summary still on stdout",
      p.stdout.read().startswith(b"imported "))

finish()
