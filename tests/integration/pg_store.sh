#!/bin/sh
# pg_store.sh - libvouch-store against a real PostgreSQL: starts a private
# cluster (scripts/pg-ctl: initdb in a temporary folder, 127.0.0.1 on a
# free port, socket in the folder, trust authentication, as the postgres
# user when run as root), runs store_compare against it, and always stops
# the server and removes the folder, whatever happened.
#
# Usage: pg_store.sh STORE_COMPARE PG_CTL
# Exit 77 (ctest: skipped) only when the PostgreSQL server programs are
# not installed.
set -u
prog=$1
pgctl=$2

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouch-pg-it.XXXXXX") || exit 1
cleanup() {
	"$pgctl" stop "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

start=$(date +%s)
uri=$("$pgctl" start "$dir")
rc=$?
if [ $rc -eq 77 ]; then
	echo "PostgreSQL server programs missing: skip"
	exit 77
fi
[ $rc -eq 0 ] || exit 1
echo "PostgreSQL at $uri (started in $(($(date +%s) - start)) s)"
# The SQLite files go beside the cluster's data.
mkdir "$dir/work" || exit 1
"$prog" "$uri" "$dir/work"
rc=$?
if [ $rc -ne 0 ]; then
	echo "--- the end of the server's log:"
	tail -n 40 "$dir/server.log" 2>/dev/null
fi
exit $rc
