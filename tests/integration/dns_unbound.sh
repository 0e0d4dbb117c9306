#!/bin/sh
# dns_unbound.sh - the unbound backend against a real authoritative
# server: starts Knot DNS on loopback with the zones of dns_unbound.zone
# (via scripts/knot-ctl), runs the C checks against it, and always stops
# knot again.
#
# Usage: dns_unbound.sh TEST_PROGRAM KNOT_CTL ZONE_DIR
# Exit 77 (ctest: skipped) when knotd or kdig is not installed.
set -u
prog=$1
knotctl=$2
zones=$3

command -v knotd >/dev/null 2>&1 || { echo "knotd missing: skip"; exit 77; }
command -v kdig >/dev/null 2>&1 || { echo "kdig missing: skip"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouch-dns-it.XXXXXX") || exit 1
cleanup() {
	"$knotctl" stop "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

port=$("$knotctl" start "$dir" \
    vouch.test="$zones/vouch.test.zone" \
    2.0.192.in-addr.arpa="$zones/2.0.192.in-addr.arpa.zone") || exit 1
echo "knot on 127.0.0.1@$port"
"$prog" "$port"
