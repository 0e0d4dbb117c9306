#!/bin/sh
# imap_dovecot.sh - vouch report import against a real IMAP server: starts
# a private Dovecot on loopback (its own config, run and state folders,
# log and Maildir in a temporary folder; plaintext login on loopback, no
# TLS), delivers report mails into INBOX with APPEND (python3 imaplib),
# imports them with --move-to, and checks the counts and where the mails
# went.  Then restarts Dovecot without MOVE and UIDPLUS, so that the
# COPY + \Deleted + EXPUNGE path is taken, and then with TLS (a
# certificate made here by openssl) for imaps:// and --imap-ca.  Always
# stops Dovecot and removes the folder.
#
# Expected counts come from the mails delivered: real samples from
# ../shared/corpora (parsedmarc's report e-mails and failure report, an
# XML sample sent as a gzip attachment), the same report twice, and
# hostile ones (SECURITY.md: entity declarations, a gzip bomb over the
# 50 MiB decompressed cap, a message over the 20 MiB cap, garbage).
#
# Usage: imap_dovecot.sh VOUCH CORPORA
# Exit 77 (ctest: skipped) when dovecot is not installed.
set -u
vouch=$1
corpora=$2

dovecot=$(command -v dovecot 2>/dev/null || true)
[ -z "$dovecot" ] && [ -x /usr/sbin/dovecot ] && dovecot=/usr/sbin/dovecot
[ -z "$dovecot" ] && { echo "dovecot missing: skip"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouch-imap-it.XXXXXX") || exit 1
conf=$dir/dovecot.conf
stop_dovecot() {
	[ -f "$dir/run/master.pid" ] || return 0
	pid=$(cat "$dir/run/master.pid")
	"$dovecot" -c "$conf" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	rm -f "$dir/run/master.pid"
}
cleanup() {
	stop_dovecot
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The mail user: as root (CI), nobody, with Dovecot's own service users;
# otherwise the current user for everything.
chmod 755 "$dir"
mkdir -p "$dir/home" "$dir/run" "$dir/state"
if [ "$(id -u)" -eq 0 ]; then
	muid=$(id -u nobody) && mgid=$(id -g nobody) || exit 1
	internal=dovecot
	login=dovenull
	chown "$muid:$mgid" "$dir/home"
else
	muid=$(id -u)
	mgid=$(id -g)
	internal=$(id -un)
	login=$internal
fi
password=vouch-test-$$
printf 'reports:{PLAIN}%s:%s:%s::%s::\n' "$password" "$muid" "$mgid" \
    "$dir/home" >"$dir/users"
chmod 644 "$dir/users"
printf '%s\n' "$password" >"$dir/password"
free_port() {
	python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port) && sport=$(free_port) || exit 1

# $1: the ssl settings and any other; $2: the imaps port, or 0 for none.
start_dovecot() {
	cat >"$conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap
$1
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $internal
default_login_user = $login
first_valid_uid = 1
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $2
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/users
}
EOF
	"$dovecot" -c "$conf" || { cat "$dir/dovecot.log"; return 1; }
	python3 - "$port" <<'EOF' || { cat "$dir/dovecot.log"; return 1; }
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
	echo "dovecot on 127.0.0.1:$port"
}

start_dovecot "ssl = no" 0 || exit 1

# python3 delivers, runs vouch and checks: phase1 with MOVE, phase2 after
# a restart without MOVE and UIDPLUS (the fallback).
cat >"$dir/phase.py" <<'EOF'
import email.mime.application, email.mime.multipart, email.mime.text
import gzip, imaplib, json, os, subprocess, sys

V, C, PORT = os.environ["VOUCH"], os.environ["CORPORA"], int(os.environ["PORT"])
PW, DIR, SPORT = os.environ["PASSWORD"], os.environ["DIR"], os.environ["SPORT"]
URL = f"imap://reports@127.0.0.1:{PORT}/INBOX"
failed = 0


def check(name, cond, detail=""):
    global failed
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f" {detail}"))
    failed += 0 if cond else 1


def corpus(rel):
    with open(os.path.join(C, rel), "rb") as f:
        return f.read()


def attach(data, name, subtype="gzip", note="A DMARC report."):
    m = email.mime.multipart.MIMEMultipart()
    m["From"] = "dmarc-reports@reporter.example"
    m["To"] = "dmarc@example.com"
    m["Subject"] = f"Report {name}"
    m.attach(email.mime.text.MIMEText(note))
    m.attach(email.mime.application.MIMEApplication(data, subtype,
                                                    Name=name))
    return m.as_bytes()


def bomb():
    # Well-formed as far as it goes: only the 50 MiB cap can stop it.
    return gzip.compress(b'<?xml version="1.0"?>\n<feedback>\n' +
                         b" " * (60 << 20) + b"</feedback>\n", 9)


LOL = (b'<?xml version="1.0"?>\n<!DOCTYPE feedback [\n'
       b' <!ENTITY a "aaaaaaaaaa">\n'
       b' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
       b' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
       b'<feedback><report_metadata><org_name>&c;</org_name>'
       b'<report_id>lol</report_id></report_metadata></feedback>\n')


def maildir():
    """(folder, name) of each file of the Maildir's INBOX."""
    top = os.path.join(DIR, "home", "Maildir")
    return [(os.path.join(top, d), n) for d in ("new", "cur")
            for n in os.listdir(os.path.join(top, d))]


def lock(base, mode):
    """chmod the message whose Maildir base name is base."""
    for d, n in maildir():
        if n.split(":")[0] == base:
            os.chmod(os.path.join(d, n), mode)


def imap():
    m = imaplib.IMAP4("127.0.0.1", PORT)
    m.login("reports", PW)
    return m


def deliver(mails, flags=None):
    m = imap()
    for data in mails:
        typ, _ = m.append("INBOX", flags, None, data)
        check("APPEND", typ == "OK")
    m.logout()


def uids(mailbox, crit="ALL"):
    m = imap()
    typ, _ = m.select(mailbox, readonly=True)
    if typ != "OK":
        m.logout()
        return None
    typ, d = m.uid("SEARCH", crit)
    m.logout()
    return d[0].split()


def subjects(mailbox):
    m = imap()
    m.select(mailbox, readonly=True)
    typ, d = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    m.logout()
    return sorted(x[1].decode().strip() for x in d if isinstance(x, tuple))


def run(*args, pw_env=True):
    env = dict(os.environ)
    env.pop("VOUCH_IMAP_PASSWORD", None)
    if pw_env:
        env["VOUCH_IMAP_PASSWORD"] = PW
    p = subprocess.run([V, "report", "import", "--db",
                        os.path.join(DIR, "vouch.db"), "--json", *args],
                       capture_output=True, env=env, timeout=300)
    try:
        j = json.loads(p.stdout)
    except ValueError:
        j = {}
    print(p.stderr.decode("utf-8", "replace"), end="")
    return p.returncode, j


def reasons(j):
    return [r["reason"] for r in j.get("rejected", [])]


phase = sys.argv[1]
if phase == "phase1":
    twilight = corpus("parsedmarc/aggregate/twilight.eml")
    good = [
        corpus("parsedmarc/aggregate/Report domain- borschow.com Submitter- "
               "google.com Report-ID- 949348866075514174.eml"),
        corpus("parsedmarc/aggregate/mimecast-weird-gzip.eml"),
        twilight,
        corpus("parsedmarc/failure/dmarc_ruf_report_linkedin.crlf.eml"),
        attach(gzip.compress(corpus("stalwart-mail-auth/dmarc-feedback/"
                                    "003.xml")), "003.xml.gz"),
    ]
    hostile = [
        attach(LOL, "lol.xml", "xml"),
        attach(bomb(), "bomb.xml.gz"),
        b"Subject: hello\r\n\r\nNot a report at all.\r\n",
        attach(os.urandom(21 << 20), "big.bin", "octet-stream"),
    ]
    deliver(good + [twilight] + hostile)
    # Already read by someone: not ours to take.
    seen = attach(gzip.compress(corpus("dmarc-report-viewer/dmarc-reports/"
                                       "aol.xml")), "aol.xml.gz")
    deliver([seen], flags="(\\Seen)")
    # The last one, the server cannot read (its file made unreadable):
    # Dovecot ends the session at its FETCH, which stops the source; the
    # message stays unseen for the next run.
    deliver([attach(gzip.compress(corpus("dmarc-report-viewer/"
                                         "dmarc-reports/mailru.xml")),
                    "mailru.xml.gz")])
    locked = [n.split(":")[0] for d, n in maildir()
              if b"mailru.xml.gz" in open(os.path.join(d, n), "rb").read()]
    check("the locked message's file found", len(locked) == 1, locked)
    lock(locked[0], 0)
    inbox_before = uids("INBOX")
    check("INBOX has 12 messages", len(inbox_before) == 12, inbox_before)

    # Wrong password and unknown mailbox: the source is reported, exit 1.
    rc, j = run(URL, pw_env=False)
    check("no password: exit 1", rc == 1, j)
    with open(os.path.join(DIR, "wrong"), "w") as f:
        f.write("wrong\n")
    rc, j = run("--imap-password-file", os.path.join(DIR, "wrong"), URL)
    check("wrong password: exit 1, login refused", rc == 1 and
          any("login" in r for r in reasons(j)), j)
    rc, j = run(f"imap://reports@127.0.0.1:{PORT}/NoSuchBox")
    check("unknown mailbox: exit 1", rc == 1 and
          any("NoSuchBox" in r for r in reasons(j)), j)
    check("nothing moved by the failed runs", uids("INBOX") == inbox_before)

    rc, j = run("--imap-password-file", os.path.join(DIR, "password"),
                "--move-to", "Processed", URL)
    check("import: exit 0", rc == 0, j)
    check("import: 5 reports (1 failure report)", j.get("imported") == 5 and
          j.get("failures") == 1, j)
    check("import: the second twilight a duplicate", j.get("duplicates") == 1,
          j)
    r = reasons(j)
    check("import: 4 rejected and the stopped source", len(r) == 5, r)
    check("import: the source stopped at the unreadable message",
          [x["source"] for x in j["rejected"]][-1] == URL, j)
    check("import: entity declarations refused",
          any("DOCTYPE" in x for x in r), r)
    check("import: gzip bomb stopped", any("larger than 52428800" in x or
                                          "decompressed" in x for x in r), r)
    check("import: oversized message", any("20 MiB" in x for x in r), r)
    check("import: items name the UID", all(";UID=" in x["source"]
                                            for x in j["rejected"][:-1]), j)
    left = uids("INBOX")
    check("INBOX keeps the seen and the unreadable message", len(left) == 2,
          left)
    check("the unreadable one is still unseen",
          len(uids("INBOX", "UNSEEN")) == 1, uids("INBOX", "UNSEEN"))
    moved = uids("Processed")
    check("Processed has the 10 processed", moved is not None and
          len(moved) == 10, moved)
    check("all marked seen", uids("Processed", "UNSEEN") == [])
    # Once readable again, the next run takes it, and only it.
    lock(locked[0], 0o600)
    rc, j = run("--move-to", "Processed", URL)
    check("second run: the formerly unreadable one", rc == 0 and
          j.get("imported") == 1 and j.get("duplicates") == 0 and
          j.get("rejected") == [], j)
    check("INBOX keeps only the seen message", subjects("INBOX") ==
          ["Subject: Report aol.xml.gz"], subjects("INBOX"))
    rc, j = run("--move-to", "Processed", URL)
    check("third run: nothing unseen left", rc == 0 and
          j.get("imported") == 0 and j.get("duplicates") == 0 and
          j.get("rejected") == [], j)
elif phase == "phase3":
    deliver([attach(corpus("dmarc-report-viewer/dmarc-reports/outlook.xml"),
                    "outlook.xml", "xml")])
    surl = f"imaps://reports@127.0.0.1:{SPORT}/INBOX"
    rc, j = run("--move-to", "Processed", surl)
    check("imaps: an unknown CA is refused, exit 1", rc == 1 and
          len(j.get("rejected", [])) == 1 and
          j["rejected"][0]["source"] == surl and
          "certificate" in j["rejected"][0]["reason"], j)
    check("imaps: nothing taken", len(uids("INBOX", "UNSEEN")) == 1)
    rc, j = run("--imap-ca", os.path.join(DIR, "cert.pem"), "--move-to",
                "Processed", surl)
    check("imaps with --imap-ca: imported", rc == 0 and
          j.get("imported") == 1 and j.get("rejected") == [], j)
    check("imaps: moved", len(uids("Processed")) == 14, uids("Processed"))
else:
    deliver([attach(gzip.compress(corpus("dmarc-report-viewer/dmarc-reports/"
                                         "google.xml")), "google.xml.gz"),
             corpus("parsedmarc/aggregate/twilight.eml")])
    m = imap()
    caps = m.capabilities
    m.logout()
    check("phase 2: no MOVE, no UIDPLUS", b"MOVE" not in caps and
          b"UIDPLUS" not in caps, caps)
    rc, j = run("--move-to", "Processed", URL)
    check("fallback: exit 0", rc == 0, j)
    check("fallback: 1 imported, 1 duplicate", j.get("imported") == 1 and
          j.get("duplicates") == 1 and j.get("rejected") == [], j)
    check("fallback: INBOX keeps only the seen message",
          len(uids("INBOX")) == 1, uids("INBOX"))
    check("fallback: Processed has 13", len(uids("Processed")) == 13,
          uids("Processed"))
    rc, j = run("--move-to", "Processed", URL)
    check("fallback: second run finds nothing", rc == 0 and
          j.get("imported") == 0 and j.get("duplicates") == 0, j)
sys.exit(1 if failed else 0)
EOF
phase() {
	VOUCH=$vouch CORPORA=$corpora PORT=$port SPORT=$sport \
	    PASSWORD=$password DIR=$dir python3 "$dir/phase.py" "$1" ||
	    { cat "$dir/dovecot.log"; exit 1; }
}

phase phase1
stop_dovecot
start_dovecot "ssl = no
imap_capability = IMAP4rev1 LITERAL+ SASL-IR IDLE" 0 ||
    exit 1
phase phase2
stop_dovecot
if ! command -v openssl >/dev/null 2>&1; then
	echo "openssl missing: TLS phase skipped"
	exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null || exit 1
start_dovecot "ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem" "$sport" || exit 1
phase phase3
