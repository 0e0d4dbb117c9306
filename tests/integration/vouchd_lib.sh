# vouchd_lib.sh - the shell helpers shared by the integration tests that
# run vouchd behind private Postfix instances (postfix_vouchd.sh,
# explain_postfix.sh).  Sourced, never run.
#
# The sourcing script sets before it calls them:
#   dir           its temporary folder (vouchd's log is $dir/vouchd.log)
#   vouchd        the vouchd program
#   postfixctl    scripts/postfix-ctl
#   knotctl       scripts/knot-ctl (knot runs in $dir/knot)
#   postfix_dirs  the folders of the Postfix instances it started
#   pidfile       the PidFile of the vouchd stop_vouchd stops
# and reads:
#   failed        how many checks failed
#   vpid          the vouchd start_vouchd started, empty when none runs

# The variables above are the sourcing script's.
# shellcheck disable=SC2154

failed=0
vpid=
postfix_dirs=

# need PROGRAM...: exit 77 (ctest: skipped) when one is not installed.
need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 ||
		    { echo "$p missing: skip"; exit 77; }
	done
}

# cleanup: stops vouchd, every Postfix of $postfix_dirs and knot, then
# removes $dir (kept, and named, when VOUCH_KEEP=1).  For trap EXIT.
cleanup() {
	[ -z "$vpid" ] || { kill -TERM "$vpid" 2>/dev/null; wait "$vpid"; }
	for p in $postfix_dirs; do
		"$postfixctl" stop "$p"
	done
	"$knotctl" stop "$dir/knot"
	if [ "${VOUCH_KEEP:-0}" = 1 ]; then
		echo "kept $dir"
	else
		rm -rf "$dir"
	fi
}

ok() { echo "ok - $*"; }
bad() {
	echo "FAIL - $*"
	failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	what=$1
	shift
	if "$@" >/dev/null; then ok "$what"; else bad "$what"; fi
}

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_vouchd CONF SOCKET_TEST: vouchd -f in the background, waits until
# SOCKET_TEST (a shell test) holds.
start_vouchd() {
	"$vouchd" -f -c "$1" 2>>"$dir/vouchd.log" &
	vpid=$!
	i=0
	while [ $i -lt 100 ]; do
		sh -c "$2" && return 0
		kill -0 "$vpid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "vouchd did not start:"
	cat "$dir/vouchd.log"
	kill -TERM "$vpid" 2>/dev/null
	vpid=
	return 1
}

# stop_vouchd: SIGTERM; ok when it exits 0 and removes its pid file
# ($pidfile).
stop_vouchd() {
	kill -TERM "$vpid"
	wait "$vpid"
	st=$?
	vpid=
	check "SIGTERM: vouchd exits with status 0 (got $st)" [ "$st" -eq 0 ]
	check "SIGTERM: vouchd removes its pid file" [ ! -e "$pidfile" ]
}

# find_mail FOLDER REGEX: the path of the first file in FOLDER (a
# Maildir's new/) with a line matching REGEX, after waiting up to 10 s for
# it; fails when none arrives.
find_mail() {
	i=0
	while [ $i -lt 100 ]; do
		f=$(grep -l "$2" "$1"/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
