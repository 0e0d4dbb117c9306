#!/bin/sh
# milter_abuse.sh - vouchd on its own, driven by miltertest (OpenDKIM's
# milter test tool, Lua scripts): milter-protocol abuse
# (milter_abuse.lua), each case followed by well-formed messages whose
# answers must be right; SIGHUP with a new RejectText and with a broken
# configuration (milter_reload.lua); the metrics endpoint; the log (one
# escaped line per message); SIGTERM (status 0, pid file and socket
# gone, and under ASan no leak); then the same daemon detached (without
# -f).  DNS comes from a private Knot (scripts/knot-ctl) serving
# milter.test, with DKIM keys made here by openssl.
#
# Expected answers come from the zone (RFC 7208 / 7489 / 9989), vouchd(8)
# and SECURITY.md, not from vouchd's output.
#
# Usage: milter_abuse.sh VOUCHD KNOT_CTL SCRIPT_DIR
# Exit 77 (ctest: skipped) when miltertest, knotd, kdig, openssl or
# python3 is missing.
set -u
vouchd=$1
knotctl=$2
here=$3

for p in miltertest knotd kdig openssl python3; do
	command -v "$p" >/dev/null 2>&1 || { echo "$p missing: skip"; exit 77; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouch-milter-it.XXXXXX") || exit 1
vpid=
cleanup() {
	[ -z "$vpid" ] || { kill -TERM "$vpid" 2>/dev/null; wait "$vpid"; }
	[ -f "$dir/d.pid" ] && kill -TERM "$(cat "$dir/d.pid")" 2>/dev/null
	"$knotctl" stop "$dir/knot"
	if [ "${VOUCH_KEEP:-0}" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# ---- keys and zone ----------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$dir/rsa.pem" 2>/dev/null &&
openssl genpkey -algorithm ed25519 -out "$dir/ed.pem" 2>/dev/null ||
    { echo "openssl cannot make keys"; exit 1; }
chmod 600 "$dir/rsa.pem" "$dir/ed.pem"
rsa_p=$(openssl pkey -in "$dir/rsa.pem" -pubout -outform DER | base64 |
    tr -d '\n')
# RFC 8463 3: the raw 32-byte public key, the tail of its DER form.
ed_p=$(openssl pkey -in "$dir/ed.pem" -pubout -outform DER | tail -c 32 |
    base64)
# A TXT RR's character-strings hold at most 255 octets (RFC 1035 3.3).
txt() {
	printf '%s' "$1" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' '
}
cat >"$dir/milter.test.zone" <<EOF
\$ORIGIN milter.test.
\$TTL 300
@	SOA	ns hostmaster 1 3600 900 604800 300
@	NS	ns
ns	A	127.0.0.1
reject	TXT	"v=spf1 ip4:192.0.2.0/24 -all"
mail.reject	TXT	"v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.reject	TXT	"v=DMARC1; p=reject"
sign	TXT	"v=spf1 -all"
_dmarc.sign	TXT	"v=DMARC1; p=reject"
s1._domainkey.sign	TXT	$(txt "v=DKIM1; k=rsa; p=$rsa_p")
e1._domainkey.sign	TXT	"v=DKIM1; k=ed25519; p=$ed_p"
EOF
kport=$("$knotctl" start "$dir/knot" \
    milter.test="$dir/milter.test.zone") || exit 1

# ---- configuration -------------------------------------------------------------
mport=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 + 30000 ))
printf 'rsa sign.milter.test:s1:%s/rsa.pem\ned sign.milter.test:e1:%s/ed.pem\n' \
    "$dir" "$dir" >"$dir/keys"
echo "sign.milter.test rsa,ed" >"$dir/signing"
conf() {	# conf FILE SOCKET PIDFILE [EXTRA LINE]
	cat >"$1" <<EOF
Socket $2
SocketMode 0600
PidFile $3
Syslog no
AuthservID mx.milter.test
TrustedAuthservIDs relay.milter.test
InternalHosts 10.0.0.0/8
KeyTable $dir/keys
SigningTable $dir/signing
DNSServer 127.0.0.1@$kport
DNSTimeout 2000
${4:-}
EOF
}
sock="$dir/vouchd.sock"
where="unix:$sock"
conf "$dir/vouchd.conf" "unix:$sock" "$dir/vouchd.pid" \
    "MetricsSocket inet:$mport@127.0.0.1"

check "vouchd -n: the configuration checks" \
    "$vouchd" -n -c "$dir/vouchd.conf"
conf "$dir/bad.conf" "unix:$sock" "$dir/x.pid" \
    "MetricsSocket inet:$mport@0.0.0.0"
"$vouchd" -n -c "$dir/bad.conf" 2>"$dir/bad.err"
check "vouchd -n: a non-loopback MetricsSocket is refused (status 1)" \
    [ $? -eq 1 ]
check "vouchd -n: ... saying why" grep -q "loopback" "$dir/bad.err"
"$vouchd" -n -v -c "$dir/vouchd.conf" >"$dir/resolved.conf" 2>/dev/null
check "vouchd -n -v: prints the configuration it understood" \
    grep -q "^AuthservID mx.milter.test$" "$dir/resolved.conf"
"$vouchd" -x >/dev/null 2>&1
check "vouchd -x: usage error (status 2)" [ $? -eq 2 ]

# ---- the daemon under abuse ----------------------------------------------------
"$vouchd" -f -c "$dir/vouchd.conf" 2>"$dir/vouchd.log" &
vpid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ] && kill -0 "$vpid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$sock" ] || { cat "$dir/vouchd.log"; echo "vouchd did not start"; exit 1; }
check "vouchd writes its pid file" \
    [ "$(cat "$dir/vouchd.pid" 2>/dev/null)" = "$vpid" ]

mtest() {	# mtest SCRIPT [-D ...]: miltertest, its lines shown
	s=$1
	shift
	miltertest -D sock="$where" -D libdir="$here" "$@" \
	    -s "$here/$s" >"$dir/$s.out" 2>&1
	st=$?
	sed 's/^/  /' "$dir/$s.out"
	return $st
}
check "milter_abuse.lua: every case survived, answers right" \
    mtest milter_abuse.lua
check "vouchd still runs" kill -0 "$vpid"

# ---- metrics -----------------------------------------------------------------
# http METHOD PATH: the status line, then the body (HTTP/1.0).
http() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(("%s %s HTTP/1.0\r\n\r\n" % (sys.argv[2], sys.argv[3])).encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, _, body = data.decode().partition("\r\n\r\n")
print(head.split("\r\n")[0])
sys.stdout.write(body)
' "$mport" "$1" "$2"
}
http GET /metrics >"$dir/metrics.txt"
check "metrics: GET /metrics is 200" grep -q '^HTTP/1.0 200 OK$' \
    "$dir/metrics.txt"
metric() { grep -q "^$1 $2\$" "$dir/metrics.txt"; }
check "metrics: no message in flight, no connection open" sh -c \
    "grep -q '^vouchd_messages_in_flight 0$' '$dir/metrics.txt' &&
    grep -q '^vouchd_connections 0$' '$dir/metrics.txt'"
check "metrics: refused header sections counted (3)" \
    metric vouchd_header_refused_total 3
check "metrics: signed messages counted (3)" metric vouchd_signed_total 3
check "metrics: rejects counted" grep -q \
    '^vouchd_messages_total{action="reject"} [1-9]' "$dir/metrics.txt"
check "metrics: dmarc=pass counted" grep -q \
    '^vouchd_dmarc_total{result="pass"} [1-9]' "$dir/metrics.txt"
status=$(http POST /metrics | head -1)
check "metrics: POST is 405" [ "$status" = "HTTP/1.0 405 Method Not Allowed" ]

# ---- the log -------------------------------------------------------------------
# Every line starts with a time stamp: no value could start a line.
check "log: no injected line" sh -c "! grep -v \
    '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z vouchd\[' '$dir/vouchd.log' |
    grep -v '^ *$' | grep -q ."
check "log: the hostile queue id escaped on its message's line" grep -q \
    'qid=QEVIL\\x0aqid=injected\\x20action=reject\\x20\\x22 ' \
    "$dir/vouchd.log"
check "log: refusals say why" grep -q \
    'action=reject reply="552 5.3.4 Message header section too big"' \
    "$dir/vouchd.log"
check "log: signatures named" grep -q \
    'signed=sign.milter.test/s1,sign.milter.test/e1' "$dir/vouchd.log"

# ---- SIGHUP ------------------------------------------------------------------
conf "$dir/vouchd.conf" "unix:$sock" "$dir/vouchd.pid" \
    "MetricsSocket inet:$mport@127.0.0.1
RejectText 550 5.7.1 Reloaded: spoofing refused"
kill -HUP "$vpid"
sleep 0.5
check "SIGHUP: the new RejectText is used" \
    mtest milter_reload.lua -D text="Reloaded: spoofing refused"
check "SIGHUP: reload logged" grep -q "configuration reloaded" \
    "$dir/vouchd.log"
printf 'NoSuchKey 1\n' >>"$dir/vouchd.conf"
n=$(wc -l <"$dir/vouchd.conf" | tr -d ' ')
kill -HUP "$vpid"
sleep 0.5
check "SIGHUP with a broken file: refused, naming FILE:LINE" grep -q \
    "reload refused.*vouchd.conf:$n" "$dir/vouchd.log"
check "SIGHUP with a broken file: the configuration in use stays" \
    mtest milter_reload.lua -D text="Reloaded: spoofing refused"
check "vouchd is the same process after SIGHUP" kill -0 "$vpid"

# ---- SIGTERM -----------------------------------------------------------------
kill -TERM "$vpid"
wait "$vpid"
st=$?
vpid=
check "SIGTERM: exit status 0 (got $st)" [ "$st" -eq 0 ]
check "SIGTERM: pid file removed" [ ! -e "$dir/vouchd.pid" ]
check "SIGTERM: socket removed" [ ! -e "$sock" ]
check "no sanitizer report" sh -c "! grep -q 'Sanitizer' '$dir/vouchd.log'"

# ---- detached, on an inet socket --------------------------------------------------
dport=$((mport + 1))
conf "$dir/d.conf" "inet:$dport@127.0.0.1" "$dir/d.pid"
"$vouchd" -c "$dir/d.conf" 2>"$dir/d.log"
check "detached: the command returns 0 once ready" [ $? -eq 0 ]
dpid=$(cat "$dir/d.pid" 2>/dev/null)
check "detached: the pid file names a running vouchd" kill -0 "${dpid:-0}"
where="inet:$dport@127.0.0.1"
check "detached, inet: answers" mtest milter_reload.lua \
    -D text="DMARC unauthenticated mail is prohibited"
kill -TERM "$dpid"
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "detached: SIGTERM stops it" sh -c "! kill -0 $dpid 2>/dev/null"
check "detached: no sanitizer report" sh -c \
    "! grep -q 'Sanitizer' '$dir/d.log'"
conf "$dir/busy.conf" "unix:$dir/nonexistent/x.sock" "$dir/busy.pid"
"$vouchd" -c "$dir/busy.conf" 2>"$dir/busy.err"
check "detached: a socket it cannot open fails the command (status 1)" \
    [ $? -eq 1 ]

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed; vouchd's log:"
	tail -50 "$dir/vouchd.log"
	exit 1
fi
exit 0
