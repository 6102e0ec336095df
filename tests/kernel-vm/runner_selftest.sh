#!/usr/bin/env bash
# Self-test of uml-run in one VM boot (or a native run where the kernel has the devices):
# exit status, stdout and stderr kept apart, cwd, arguments and environment arrive
# unchanged, and in UML the command's /tmp and /run/netns stay inside the VM.
set -uo pipefail
run=${1:?usage: runner_selftest.sh <path to uml-run>}
tag=cnst$$
fails=0
check() {  # check <description> <expected> <actual>
  if [ "$2" == "$3" ]; then
    echo "ok: $1"
  else
    echo "FAIL: $1: expected [$2], got [$3]"
    fails=$((fails + 1))
  fi
}

export CNIPP_SELFTEST_VAR="a b'c\$d"
# shellcheck disable=SC2016  # expanded by the inner shell
inner='echo "pwd=$PWD"; echo "arg=$1"; echo "var=$CNIPP_SELFTEST_VAR"; echo to-stderr >&2
  touch /tmp/$2 && ip netns add $2 && echo "netns=$(ls /run/netns)"; exit 3'
out=$("$run" bash -c "$inner" inner "one 'two' \"three\"" "$tag" 2>"/tmp/$tag.err" </dev/null)
rc=$?
err=$(cat "/tmp/$tag.err")
rm -f "/tmp/$tag.err"

check "exit status" 3 "$rc"
check "stdout" "pwd=$PWD
arg=one 'two' \"three\"
var=$CNIPP_SELFTEST_VAR
netns=$tag" "$out"
case $err in *to-stderr*) check "stderr" yes yes ;; *) check "stderr has to-stderr" to-stderr "$err" ;; esac
case $err in *pwd=*) check "stdout kept out of stderr" no yes ;; esac

# A failed command keeps the VM's scratch dir (console log) for debugging; this
# failure is on purpose, so remove it.
kept=$(sed -n 's/.*; kept \(.*cnipp-vm\.[A-Za-z0-9]*\)$/\1/p' <<<"$err")
[ -n "$kept" ] && { check "console log kept on failure" yes "$([ -s "$kept/console.log" ] && echo yes)"; rm -rf "$kept"; }

if ! "$run" --probe >/dev/null; then
  echo "(ran in UML)"
  check "VM /tmp kept off the host" absent "$([ -e "/tmp/$tag" ] && echo present || echo absent)"
  check "VM netns kept off the host" absent "$([ -e "/run/netns/$tag" ] && echo present || echo absent)"
else
  echo "(ran natively)"
  rm -f "/tmp/$tag"
  ip netns del "$tag" 2>/dev/null
fi
[ "$fails" = 0 ]
