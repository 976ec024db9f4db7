#!/bin/sh
# selftest.sh - the layering check finds the call planted in fixture/ke/upcall.c, names
# its file and line, fails, and counts none of the Iop names in comments around it.
#   sh selftest.sh <this directory>
dir=${1:?usage: selftest.sh <tests/layering directory>}
out=$(sh "$dir/upcalls.sh" "$dir/fixture" 2>&1)
status=$?
printf '%s\n' "$out"
fail() { echo "selftest.sh: $*" >&2; exit 1; }
[ $status -eq 1 ] || fail "expected exit status 1, got $status"
printf '%s\n' "$out" | grep -q "fixture/ke/upcall\.c:5: calls up into the I/O manager" || fail "the planted call was not named"
found=$(printf '%s\n' "$out" | grep -c ": calls up into the I/O manager")
[ "$found" -eq 1 ] || fail "expected exactly one finding, got $found (comments counted?)"
echo "selftest.sh: ok"
