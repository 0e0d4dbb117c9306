#!/bin/sh
# postfix_vouchd.sh - vouchd behind a real Postfix, with a real DNS server:
# starts Knot DNS (scripts/knot-ctl) serving the zone "test." made here
# (keys from `vouch dkim keygen`), a private Postfix (scripts/postfix-ctl)
# delivering rcpt.test to a Maildir, and vouchd with DNSServer pointing at
# knot; sends mail with swaks, each session carrying its own client
# address and HELO through XCLIENT, and checks what the SMTP client sees
# and what Postfix delivers, holds or refuses.  Everything listens on
# 127.0.0.1 in one temporary folder; traps stop every server.
#
# The domains (expected results from RFC 7208 / 6376 / 7489 / 9989 and
# SECURITY.md, not from vouch's output):
#   reject.test      p=reject, SPF "ip4:192.0.2.10 -all", DKIM key s1
#   quarantine.test  p=quarantine, SPF "ip4:192.0.2.20 -all"
#   none.test        p=none, SPF "ip4:192.0.2.30 -all"
#   internal.test    p=reject, SPF "-all", keys s1 (RSA) and e1 (Ed25519);
#                    vouchd signs its mail from InternalHosts 10.0.0.0/8
#                    and from authenticated clients
#   dnsfail.test     p=reject, asked for only once knot is stopped
# The cases: a spoofed p=reject From is refused with our 550 5.7.1 text;
# a signed message from an authorized address is delivered with our
# Authentication-Results (spf, dkim and dmarc pass) and without the one
# the sender forged for mx.test; a p=quarantine failure is held; p=none
# is delivered with dmarc=fail; no From and two From are refused; mail
# from an internal address and from an authenticated client gets RSA and
# Ed25519 signatures that dkimpy verifies; vouchd -n on good and bad
# configurations; SIGHUP with a new RejectText and QuarantineAction
# header; the same over a UNIX socket; knot stopped gives our 451 4.7.5;
# SIGTERM ends vouchd with status 0 and removes its pid file.
#
# Then postfix_milter_abuse.py abuses the milter protocol (malformed and
# oversized packets, commands out of order, dropped connections): after
# every case vouchd must still answer a well-formed transaction.
#
# Usage: postfix_vouchd.sh VOUCHD VOUCH POSTFIX_CTL KNOT_CTL HELPER_DIR
# (HELPER_DIR holds vouchd_lib.sh, postfix_dkimpy.py and
# postfix_milter_abuse.py).
# Exit 77 (ctest: skipped) when postfix, swaks, knotd or kdig is missing,
# or when not run as root (Postfix's master starts only as root).
set -u
vouchd=$1
vouch=$2
postfixctl=$3
knotctl=$4
# shellcheck source=vouchd_lib.sh
. "$5/vouchd_lib.sh"
dkimpy=$5/postfix_dkimpy.py
abuse=$5/postfix_milter_abuse.py

need postfix postconf postqueue swaks knotd kdig
[ "$(id -u)" -eq 0 ] || { echo "Postfix needs root: skip"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouch-pfx-it.XXXXXX") || exit 1
chmod 755 "$dir"
postfix_dirs=$dir/pfx
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- keys and the zone ------------------------------------------------------

mkdir -p "$dir/keys" "$dir/msg" "$dir/out" "$dir/knot"
keygen() {
	"$vouch" dkim keygen "$@" >>"$dir/test.zone.keys" ||
	    { echo "vouch dkim keygen $* failed"; exit 1; }
}
keygen --selector s1 --domain reject.test --out "$dir/keys/reject.pem"
keygen --selector s1 --domain internal.test --out "$dir/keys/int-rsa.pem"
keygen --type ed25519 --selector e1 --domain internal.test \
    --out "$dir/keys/int-ed.pem"
cat >"$dir/test.zone" <<'EOF'
$ORIGIN test.
$TTL 300
@		SOA	ns hostmaster 1 3600 900 604800 300
@		NS	ns
ns		A	127.0.0.1
reject		TXT	"v=spf1 ip4:192.0.2.10 -all"
mail.reject	A	192.0.2.10
mail.reject	TXT	"v=spf1 a -all"
_dmarc.reject	TXT	"v=DMARC1; p=reject"
quarantine	TXT	"v=spf1 ip4:192.0.2.20 -all"
_dmarc.quarantine TXT	"v=DMARC1; p=quarantine"
none		TXT	"v=spf1 ip4:192.0.2.30 -all"
_dmarc.none	TXT	"v=DMARC1; p=none"
internal	TXT	"v=spf1 -all"
_dmarc.internal	TXT	"v=DMARC1; p=reject"
dnsfail		TXT	"v=spf1 -all"
_dmarc.dnsfail	TXT	"v=DMARC1; p=reject"
EOF
cat "$dir/test.zone.keys" >>"$dir/test.zone"

kport=$("$knotctl" start "$dir/knot" test="$dir/test.zone") || exit 1
echo "knot on 127.0.0.1@$kport"

# ---- Postfix, first without a milter ----------------------------------------

pport=$("$postfixctl" start "$dir/pfx" \
    "virtual_mailbox_domains=rcpt.test") || exit 1
echo "postfix on 127.0.0.1:$pport"
pconf=$dir/pfx/etc
maildir=$dir/pfx/mail/rcpt.test/new

# msg NAME [HEADER...]: $dir/msg/NAME.eml with the given header lines, a
# Message-ID made from NAME, and a short body.
msg() {
	name=$1
	shift
	{
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'To: bob@rcpt.test\nSubject: case %s\n' "$name"
		printf 'Date: Sun, 29 Nov 2026 10:00:00 +0000\n'
		printf 'Message-ID: <%s.%s@vouch.test>\n\n' "$name" "$$"
		printf 'Body of case %s.\n\nSecond paragraph.  \n' "$name"
	} >"$dir/msg/$name.eml"
}

# send NAME FILE IP HELO MAIL_FROM [SWAKS_ARGS...]: one SMTP session, the
# client address and HELO given by XCLIENT; the transcript is
# $dir/out/NAME.txt.
send() {
	name=$1 file=$2 ip=$3 helo=$4 from=$5
	shift 5
	swaks -s 127.0.0.1 -p "$pport" --to bob@rcpt.test --from "$from" \
	    --helo "$helo" --xclient-addr "$ip" --xclient-helo "$helo" \
	    --data "@$file" --timeout 60 "$@" >"$dir/out/$name.txt" 2>&1
}

# replied NAME TEXT: the server's reply to the message (after DATA)
# starts with TEXT.
replied() {
	sed -n '/^ -> \.$/,$p' "$dir/out/$1.txt" |
	    grep -q "^<[-*][*]* *$2"
}

# delivered NAME: the path of the delivered message of case NAME, after
# waiting up to 10 s for it; fails when it never arrives.
delivered() {
	find_mail "$maildir" "^Message-ID: <$1\.$$@vouch.test>"
}

# not_delivered NAME: neither delivered nor anywhere in the queue.
not_delivered() {
	! grep -qs "^Message-ID: <$1\.$$@vouch.test>" "$maildir"/* &&
	    ! postqueue -c "$pconf" -j | grep -q .
}

# headers FILE: the header section, one field a line (unfolded).
headers() {
	awk '/^\r?$/ { exit }
	    /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	    { if (line != "") print line; line = $0 }
	    END { if (line != "") print line }' "$1" | tr -d '\r'
}

# ar FILE: the Authentication-Results fields that claim mx.test.
ar() {
	headers "$1" | grep -i '^Authentication-Results: *mx\.test *;'
}

msg plain "From: alice@none.test"
send plain "$dir/msg/plain.eml" 192.0.2.30 mail.none.test alice@none.test
check "no milter: Postfix delivers a message to the Maildir" \
    delivered plain

# ---- vouchd -----------------------------------------------------------------

if [ ! -x "$vouchd" ]; then
	bad "no vouchd at $vouchd"
	exit 1
fi

cat >"$dir/keytable" <<EOF
s1._domainkey.internal.test internal.test:s1:$dir/keys/int-rsa.pem
e1._domainkey.internal.test internal.test:e1:$dir/keys/int-ed.pem
EOF
cat >"$dir/signingtable" <<EOF
internal.test s1._domainkey.internal.test,e1._domainkey.internal.test
EOF

# conf FILE SOCKET [LINE...]: a vouchd.conf; a LINE replaces the default
# line of its key.
conf() {
	cf_file=$1
	cf_sock=$2
	shift 2
	for cf_line in "Socket $cf_sock" "PidFile $dir/vouchd.pid" \
	    "Syslog no" "AuthservID mx.test" "InternalHosts 10.0.0.0/8" \
	    "KeyTable $dir/keytable" "SigningTable $dir/signingtable" \
	    "DNSServer 127.0.0.1@$kport" "DNSTimeout 1000" \
	    "MaxDNSTime 5000" "TempFailOnDNSError yes" \
	    "QuarantineAction hold"; do
		for cf_x in "$@"; do
			[ "${cf_x%% *}" != "${cf_line%% *}" ] || continue 2
		done
		printf '%s\n' "$cf_line"
	done >"$cf_file"
	for cf_x in "$@"; do printf '%s\n' "$cf_x"; done >>"$cf_file"
}

# ---- vouchd -n --------------------------------------------------------------

vport=$(free_port) || exit 1
conf "$dir/good.conf" "inet:$vport@127.0.0.1"
check "vouchd -n: a good configuration passes" \
    "$vouchd" -n -c "$dir/good.conf"
# bad_conf NAME WHAT LINE: vouchd -n refuses $dir/NAME.conf, whose last
# line is LINE, naming NAME.conf:N (N its line number) on stderr.
bad_conf() {
	conf "$dir/$1.conf" "inet:$vport@127.0.0.1"
	printf '%s\n' "$3" >>"$dir/$1.conf"
	n=$(wc -l <"$dir/$1.conf")
	if "$vouchd" -n -c "$dir/$1.conf" 2>"$dir/out/$1.err"; then
		bad "vouchd -n: $2 passes"
	else
		check "vouchd -n: $2 fails, naming $1.conf:$n" \
		    grep -q "$1\.conf:$n" "$dir/out/$1.err"
	fi
}
bad_conf bad1 "an unknown key" "NoSuchKey yes"
bad_conf bad2 "a bad boolean" "RejectFailures maybe"
bad_conf bad3 "a RejectText that is not 5xx" "RejectText 250 2.0.0 fine"
bad_conf bad4 "a key given twice" "AuthservID other.test"
printf 'nokey internal.test:s1:%s/keys/missing.pem\n' "$dir" \
    >"$dir/badkeytable"
sed "s|^KeyTable .*|KeyTable $dir/badkeytable|" "$dir/good.conf" \
    >"$dir/bad5.conf"
check "vouchd -n: a KeyTable naming a missing key file fails" \
    sh -c "! '$vouchd' -n -c '$dir/bad5.conf' 2>/dev/null"

# The pid file of the vouchd that stop_vouchd stops.
pidfile=$dir/vouchd.pid

# milter SPEC: point Postfix's smtpd at SPEC and reload it.
milter() {
	postconf -c "$pconf" -e "smtpd_milters=$1" &&
	    postfix -c "$pconf" reload >/dev/null 2>&1 || exit 1
	sleep 1
}

# ---- the cases --------------------------------------------------------------

# signed NAME HEADER...: msg NAME, then signed by s1._domainkey.reject.test
# into $dir/msg/NAME.signed.
signed() {
	msg "$@"
	"$vouch" dkim sign --key "$dir/keys/reject.pem" --domain reject.test \
	    --selector s1 "$dir/msg/$1.eml" >"$dir/msg/$1.signed" ||
	    bad "vouch dkim sign $1"
}

# held NAME: the message of case NAME is in Postfix's hold queue.
held() {
	qid=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' \
	    "$dir/out/$1.txt" | tail -n 1)
	[ -n "$qid" ] && postqueue -c "$pconf" -j | grep "\"$qid\"" |
	    grep -q '"queue_name": *"hold"'
}

# ar_has FILE WORD...: the one A-R claiming mx.test in FILE holds every
# WORD as a whole result or property.
ar_has() {
	f=$1
	shift
	ar "$f" >"$dir/out/ar"
	[ "$(wc -l <"$dir/out/ar")" -eq 1 ] || return 1
	for w in "$@"; do
		grep -q "[; ]$w\([ ;]\|$\)" "$dir/out/ar" || return 1
	done
}

# has_header FILE NAME: the header section of FILE holds field NAME.
has_header() {
	headers "$1" | grep -qi "^$2:"
}

# signs_internal NAME: delivered, with signatures dkimpy verifies.
signs_internal() {
	f=$(delivered "$1") || return 1
	/usr/bin/python3 "$dkimpy" "$f" "$kport" internal.test rsa-sha256 \
	    ed25519-sha256 >"$dir/out/$1.dkimpy" 2>&1
	st=$?
	sed 's/^/    dkimpy: /' "$dir/out/$1.dkimpy" >&2
	return $st
}

# cases TAG: every message case once, TAG making the names unique.
cases() {
	t=$1
	# SPF fails (not 192.0.2.10), no signature, p=reject: RFC 7489
	# 6.6.2 / RFC 9989 -> rejected with our reply, nothing queued.
	msg "spoof$t" "From: CEO <ceo@reject.test>"
	send "spoof$t" "$dir/msg/spoof$t.eml" 198.51.100.66 evil.example \
	    ceo@reject.test
	check "[$t] spoofed p=reject From: 550 5.7.1 DMARC unauthenticated" \
	    replied "spoof$t" \
	    "550 5.7.1 DMARC unauthenticated mail is prohibited"
	check "[$t] spoofed p=reject From: nothing delivered or queued" \
	    not_delivered "spoof$t"

	# Signed by the published key, sent from the SPF-authorized
	# address, with an A-R forged for our authserv-id (folded) above it.
	signed "good$t" "From: Alice <alice@reject.test>" \
	    "Authentication-Results: mx.test; dkim=pass" \
	    " header.d=forged.example; dmarc=pass (forged)"
	send "good$t" "$dir/msg/good$t.signed" 192.0.2.10 mail.reject.test \
	    alice@reject.test
	check "[$t] signed, authorized: 250" replied "good$t" 250
	if f=$(delivered "good$t"); then
		ok "[$t] signed, authorized: delivered"
		check "[$t] the forged A-R is gone" \
		    sh -c "! grep -q forged '$f'"
		check "[$t] one A-R for mx.test: spf, dkim and dmarc pass" \
		    ar_has "$f" spf=pass dkim=pass dmarc=pass \
		    header.d=reject.test
	else
		bad "[$t] signed, authorized: delivered"
	fi

	# p=quarantine, SPF fails, no signature -> Postfix hold.
	msg "quar$t" "From: bob@quarantine.test"
	send "quar$t" "$dir/msg/quar$t.eml" 198.51.100.66 evil.example \
	    bob@quarantine.test
	check "[$t] p=quarantine failure: 250" replied "quar$t" 250
	check "[$t] p=quarantine failure: held (postqueue -j)" held "quar$t"
	postsuper -c "$pconf" -d ALL hold >/dev/null 2>&1

	# p=none -> delivered, the failure in the A-R.
	msg "none$t" "From: carol@none.test"
	send "none$t" "$dir/msg/none$t.eml" 198.51.100.66 evil.example \
	    carol@none.test
	check "[$t] p=none failure: 250" replied "none$t" 250
	if f=$(delivered "none$t"); then
		check "[$t] p=none failure: delivered, A-R dmarc=fail" \
		    ar_has "$f" spf=fail dkim=none dmarc=fail
	else
		bad "[$t] p=none failure: delivered"
	fi

	# SECURITY.md: no From, several From fields: never a pass, and
	# RFC 5322 3.6 forbids both -> refused.
	msg "nofrom$t"
	send "nofrom$t" "$dir/msg/nofrom$t.eml" 192.0.2.10 \
	    mail.reject.test alice@reject.test
	check "[$t] no From: refused with a 5xx" \
	    replied "nofrom$t" "5[0-9][0-9] 5\\."
	check "[$t] no From: nothing delivered" not_delivered "nofrom$t"
	# Signed with one From (which passes), the second added on top.
	signed "twofrom$t" "From: alice@reject.test"
	sed -i '1i From: carol@none.test' "$dir/msg/twofrom$t.signed"
	send "twofrom$t" "$dir/msg/twofrom$t.signed" 192.0.2.10 \
	    mail.reject.test alice@reject.test
	check "[$t] two From fields: refused with a 5xx" \
	    replied "twofrom$t" "5[0-9][0-9] 5\\."
	check "[$t] two From fields: nothing delivered" \
	    not_delivered "twofrom$t"

	# Internal network, and an authenticated client (XCLIENT LOGIN
	# sets {auth_authen}): signed with both keys, not verified (the
	# domain's SPF is -all and its policy p=reject).
	msg "int$t" "From: Ops <ops@internal.test>"
	send "int$t" "$dir/msg/int$t.eml" 10.1.2.3 host.internal.test \
	    ops@internal.test
	check "[$t] InternalHosts client: 250" replied "int$t" 250
	check "[$t] InternalHosts client: RSA + Ed25519, dkimpy verifies" \
	    signs_internal "int$t"
	msg "auth$t" "From: Ops <ops@internal.test>"
	send "auth$t" "$dir/msg/auth$t.eml" 198.51.100.77 laptop.example \
	    ops@internal.test --xclient-login ops
	check "[$t] authenticated client: 250" replied "auth$t" 250
	check "[$t] authenticated client: RSA + Ed25519, dkimpy verifies" \
	    signs_internal "auth$t"
}

conf "$dir/inet.conf" "inet:$vport@127.0.0.1"
start_vouchd "$dir/inet.conf" \
    "ss -Hlnt 'sport = :$vport' | grep -q ." || exit 1
check "vouchd writes its pid file" sh -c \
    "[ \"\$(cat '$dir/vouchd.pid')\" = '$vpid' ]"
milter "inet:127.0.0.1:$vport"
cases inet

# Milter-protocol abuse straight at vouchd's socket.
if /usr/bin/python3 "$abuse" "127.0.0.1:$vport" "$vpid" \
    >"$dir/out/abuse.txt" 2>&1; then
	ok "milter-protocol abuse: vouchd survives every case"
else
	bad "milter-protocol abuse:"
	grep -v '^ok' "$dir/out/abuse.txt"
fi

# SIGHUP: a new RejectText and QuarantineAction for the next message.
conf "$dir/inet.conf" "inet:$vport@127.0.0.1" \
    "RejectText 550 5.7.1 Reloaded reply of the test" \
    "QuarantineAction header" "QuarantineHeader X-Test-Quarantine"
kill -HUP "$vpid"
sleep 1
msg hupspoof "From: ceo@reject.test"
send hupspoof "$dir/msg/hupspoof.eml" 198.51.100.66 evil.example \
    ceo@reject.test
check "SIGHUP: the new RejectText is spoken" \
    replied hupspoof "550 5.7.1 Reloaded reply of the test"
msg hupquar "From: bob@quarantine.test"
send hupquar "$dir/msg/hupquar.eml" 198.51.100.66 evil.example \
    bob@quarantine.test
if f=$(delivered hupquar); then
	check "SIGHUP: QuarantineAction header marks, delivers" \
	    has_header "$f" X-Test-Quarantine
else
	bad "SIGHUP: QuarantineAction header delivers"
fi
check "vouchd is still the same process after SIGHUP" kill -0 "$vpid"
stop_vouchd

# The same over a UNIX socket that user postfix can reach, vouchd
# running as postfix (its pid file in a folder it may write).
sock=$dir/vouchd.sock
mkdir -p "$dir/run"
chown postfix "$dir/run"
pidfile=$dir/run/vouchd.pid
conf "$dir/unix.conf" "unix:$sock" "UserID postfix" "PidFile $pidfile"
start_vouchd "$dir/unix.conf" "[ -S '$sock' ]" || exit 1
milter "unix:$sock"
cases unix

# DNS down: knot stopped, a domain never asked before -> temperror ->
# our 451 (TempFailOnDNSError yes), not Postfix's milter-failure 451.
"$knotctl" stop "$dir/knot"
msg dnsdown "From: dave@dnsfail.test"
send dnsdown "$dir/msg/dnsdown.eml" 198.51.100.66 evil.example \
    dave@dnsfail.test
check "DNS down: 451 4.7.5 from vouchd" replied dnsdown "451 4.7.5"
check "DNS down: nothing delivered or queued" not_delivered dnsdown
stop_vouchd
check "no sanitizer report in vouchd's log" \
    sh -c "! grep -q 'Sanitizer' '$dir/vouchd.log'"

if [ "$failed" -ne 0 ]; then
	echo "$failed check(s) failed; vouchd's log:"
	tail -n 60 "$dir/vouchd.log"
	exit 1
fi
echo "all checks passed"
