"""What the command-line tests share: counting checks, skips and the
summary line.  (Imported from the test's own folder.)"""
import sys

passed = failed = skipped = 0


def check(name, cond, detail=""):
    """One expectation; prints FAIL with the detail when it does not hold."""
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def skip(name, why):
    global skipped
    skipped += 1
    print(f"SKIP {name}: {why}")


def finish():
    """Print the counts and exit 1 when any check failed."""
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)
