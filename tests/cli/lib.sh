# Helpers for shell tests: ok / fail / expect_fail / finish. $WORK is emptied first.
rm -rf "$WORK" && mkdir -p "$WORK"
nfail=0
npass=0
last_nfail=0
# ok TEXT: the checks since the previous ok all passed (else it reports them as failed).
ok() {
  if [ "$nfail" -eq "$last_nfail" ]; then echo "ok: $*"; npass=$((npass + 1)); else echo "not ok: $*"; fi
  last_nfail=$nfail
}
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
# expect_fail CODE TEXT CMD...: CMD must exit with CODE and print TEXT on stderr.
expect_fail() {
  local code=$1 text=$2 rc
  shift 2
  "$@" > "$WORK/stdout.txt" 2> "$WORK/stderr.txt"
  rc=$?
  if [ "$rc" != "$code" ]; then
    fail "'$*' exited $rc, expected $code; stderr: $(cat "$WORK/stderr.txt")"
  elif ! grep -qF -- "$text" "$WORK/stderr.txt"; then
    fail "'$*' stderr does not name '$text': $(cat "$WORK/stderr.txt")"
  else
    echo "   '$*' -> $rc: $(head -c 300 "$WORK/stderr.txt")"
  fi
}
finish() {
  echo "$npass passed, $nfail failed"
  [ "$nfail" -eq 0 ]
}
