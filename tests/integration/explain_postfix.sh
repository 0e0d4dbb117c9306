#!/bin/sh
# explain_postfix.sh - vouch explain on a bounce a real Postfix wrote.
#
# Two private Postfix instances (scripts/postfix-ctl) and Knot DNS
# (scripts/knot-ctl), all on 127.0.0.1, in one temporary folder:
#   - the receiving one, mx.receiver.example.net, with vouchd as its
#     milter, vouchd resolving through knot;
#   - the sending one, mail.sender.example.org, relaying everything to
#     the receiving one ([127.0.0.1]:PORT) and delivering the mail of
#     sender.example.org to a Maildir.
# swaks submits a message from alice@sender.example.org to
# bob@receiver.example.net.  The zone authorizes only 192.0.2.10 for
# sender.example.org and publishes p=reject; the message is not signed and
# arrives from 127.0.0.1, so SPF fails (RFC 7208 5.1), nothing aligns,
# DMARC fails (RFC 9989) and vouchd refuses it at the end of DATA with its
# default RejectText, "550 5.7.1 DMARC unauthenticated mail is prohibited"
# (vouchd.conf(5)).  The sending Postfix then writes its RFC 3464
# notification to alice's Maildir, and explain_postfix.py checks what
# `vouch explain --json` makes of it, with --ip 127.0.0.1 and without.
#
# Usage: explain_postfix.sh VOUCHD VOUCH POSTFIX_CTL KNOT_CTL HELPER_DIR
# (HELPER_DIR holds vouchd_lib.sh and explain_postfix.py).
# Exit 77 (ctest: skipped) when postfix, swaks, knotd or kdig is missing,
# or when not run as root (Postfix's master starts only as root).
set -u
vouchd=$1
vouch=$2
postfixctl=$3
knotctl=$4
# shellcheck source=vouchd_lib.sh
. "$5/vouchd_lib.sh"
checker=$5/explain_postfix.py

need postfix postconf swaks knotd kdig /usr/bin/python3
[ "$(id -u)" -eq 0 ] || { echo "Postfix needs root: skip"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouch-explain-pfx.XXXXXX") || exit 1
chmod 755 "$dir"
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- DNS --------------------------------------------------------------------

# mail.sender.example.org is the sending Postfix: 127.0.0.1.  The
# receiver's MX is there for the record: the sending Postfix is told its
# relay host and looks up nothing.  knot serves all of org. and net., so
# that the DMARC tree walk (RFC 9989) hears NXDOMAIN above the domain, as
# it would on the Internet.
mkdir -p "$dir/knot" "$dir/out"
cat >"$dir/org.zone" <<'EOF'
$ORIGIN org.
$TTL 300
@			SOA	ns.example hostmaster.example 1 3600 900 604800 300
@			NS	ns.example
ns.example		A	127.0.0.1
sender.example		MX	10 mail.sender.example
sender.example		TXT	"v=spf1 ip4:192.0.2.10 -all"
_dmarc.sender.example	TXT	"v=DMARC1; p=reject"
mail.sender.example	A	127.0.0.1
EOF
cat >"$dir/net.zone" <<'EOF'
$ORIGIN net.
$TTL 300
@			SOA	ns.example hostmaster.example 1 3600 900 604800 300
@			NS	ns.example
ns.example		A	127.0.0.1
receiver.example	MX	10 mx.receiver.example
mx.receiver.example	A	127.0.0.1
EOF
kport=$("$knotctl" start "$dir/knot" org="$dir/org.zone" \
    net="$dir/net.zone") || exit 1
echo "knot on 127.0.0.1@$kport"

# ---- the receiving side: Postfix + vouchd -----------------------------------

vport=$(free_port) || exit 1
pidfile=$dir/vouchd.pid
cat >"$dir/vouchd.conf" <<EOF
Socket inet:$vport@127.0.0.1
PidFile $pidfile
Syslog no
AuthservID mx.receiver.example.net
InternalHosts 10.0.0.0/8
DNSServer 127.0.0.1@$kport
DNSTimeout 1000
EOF
start_vouchd "$dir/vouchd.conf" \
    "ss -Hlnt 'sport = :$vport' | grep -q ." || exit 1

postfix_dirs="$dir/rcv"
rport=$("$postfixctl" start "$dir/rcv" \
    myhostname=mx.receiver.example.net mydomain=receiver.example.net \
    virtual_mailbox_domains=receiver.example.net \
    "smtpd_milters=inet:127.0.0.1:$vport") || exit 1
echo "receiving Postfix on 127.0.0.1:$rport"

# ---- the sending side: Postfix relaying to the receiving one ----------------

postfix_dirs="$postfix_dirs $dir/snd"
sport=$("$postfixctl" start "$dir/snd" \
    myhostname=mail.sender.example.org mydomain=sender.example.org \
    virtual_mailbox_domains=sender.example.org \
    "relayhost=[127.0.0.1]:$rport" default_transport=smtp \
    relay_transport=smtp) || exit 1
echo "sending Postfix on 127.0.0.1:$sport"
# postfix-ctl's instances have no SMTP client: add one, and wait for
# master to offer it.
postconf -c "$dir/snd/etc" -M "smtp/unix=smtp unix - - n - - smtp" &&
    postfix -c "$dir/snd/etc" reload >/dev/null 2>&1 || exit 1
i=0
while [ ! -S "$dir/snd/queue/private/smtp" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$dir/snd/queue/private/smtp" ] ||
    { echo "the sending Postfix offers no smtp service"; exit 1; }

# ---- the message and its bounce ---------------------------------------------

mid="explain.$$@sender.example.org"
cat >"$dir/msg.eml" <<EOF
From: Alice <alice@sender.example.org>
To: Bob <bob@receiver.example.net>
Subject: Quarterly figures
Date: Sun, 29 Nov 2026 10:00:00 +0000
Message-ID: <$mid>

Hello Bob,

the figures are attached to the next message.
EOF
swaks -s 127.0.0.1 -p "$sport" --from alice@sender.example.org \
    --to bob@receiver.example.net --helo client.sender.example.org \
    --data "@$dir/msg.eml" --timeout 30 </dev/null >"$dir/out/swaks.txt" 2>&1
check "the sending Postfix accepts the message" \
    grep -q '^<- *250 .*queued as' "$dir/out/swaks.txt"

if bounce=$(find_mail "$dir/snd/mail/sender.example.org/new" \
    "^Message-ID: <$mid>"); then
	ok "a bounce reaches alice's Maildir"
else
	bad "a bounce reaches alice's Maildir"
	tail -n 30 "$dir/snd/maillog" "$dir/rcv/maillog" "$dir/vouchd.log"
	exit 1
fi
# Postfix logs a milter's refusal as "milter-reject: END-OF-MESSAGE".
check "the receiving Postfix refused it through vouchd at end of data" \
    grep -q 'milter-reject: END-OF-MESSAGE.*5\.7\.1 DMARC unauthenticated' \
    "$dir/rcv/maillog"
check "the receiving Postfix delivered nothing" \
    sh -c "! ls '$dir/rcv/mail/receiver.example.net/new/'* 2>/dev/null"

# ---- vouch explain ----------------------------------------------------------

# explain NAME OPTION...: vouch explain on the bounce, its output in
# $dir/out/NAME.out; ok when it exits 0 and no sanitizer complains.
explain() {
	name=$1
	shift
	"$vouch" explain --dns-server "127.0.0.1@$kport" "$@" \
	    "$bounce" >"$dir/out/$name.out" 2>"$dir/out/$name.err"
	st=$?
	check "vouch explain ($name): exit 0 (got $st)" [ "$st" -eq 0 ]
	if grep -q Sanitizer "$dir/out/$name.err"; then
		bad "vouch explain ($name): a sanitizer report"
		cat "$dir/out/$name.err"
	fi
}
explain ip --json --ip 127.0.0.1
explain noip --json
# The text form of the same diagnosis: the first cause, then the fixed
# record (docs/explain.md, "Output").
explain text --ip 127.0.0.1
check "vouch explain (text): 1. [error] unauthorized-server" \
    grep -q '^1\. \[error\] unauthorized-server: ' "$dir/out/text.out"
check "vouch explain (text): the fixed SPF record" grep -qF \
    'sender.example.org. TXT "v=spf1 ip4:192.0.2.10 ip4:127.0.0.1 -all"' \
    "$dir/out/text.out"

if /usr/bin/python3 "$checker" "$bounce" "$dir/out/ip.out" \
    "$dir/out/noip.out" >"$dir/out/checks.txt" 2>&1; then
	cat "$dir/out/checks.txt"
else
	cat "$dir/out/checks.txt"
	bad "explain_postfix.py"
	echo "---- the bounce"
	cat "$bounce"
	echo "---- vouch explain --ip 127.0.0.1"
	cat "$dir/out/ip.out"
	echo "---- vouch explain"
	cat "$dir/out/noip.out"
fi

stop_vouchd
check "no sanitizer report in vouchd's log" \
    sh -c "! grep -q Sanitizer '$dir/vouchd.log'"

if [ "$failed" -ne 0 ]; then
	echo "$failed check(s) failed"
	exit 1
fi
echo "all checks passed"
