#!/bin/sh
# cli_signal.sh - `ntsim ARGS...` stops on SIGNAL, promptly and with a message, even
# while the driver spins (the wall-clock watchdog is off, so only the signal stops it).
#   cli_signal.sh SIGNAL EXPECT_EXIT EXPECT_TEXT ntsim ARGS...
signal=$1 expect_exit=$2 expect_text=$3
shift 3
out=$(mktemp) || exit 1
NTSIM_WATCHDOG_MS=0 "$@" >"$out" 2>&1 &
pid=$!
sleep 1
kill -"$signal" "$pid"
# promptly: within 5 s of the signal, or the test fails
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid"
  cat "$out"; rm -f "$out"
  echo "FAIL: still running 5 s after SIG$signal"; exit 1
fi
wait "$pid"
rc=$?
cat "$out"
if [ "$rc" != "$expect_exit" ]; then rm -f "$out"; echo "FAIL: exit $rc, expected $expect_exit"; exit 1; fi
if ! grep -q -- "$expect_text" "$out"; then rm -f "$out"; echo "FAIL: no '$expect_text' in the output"; exit 1; fi
rm -f "$out"
