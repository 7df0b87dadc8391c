#!/usr/bin/env bash
# Runs `molecule test` for each role given (roles/<name>/molecule/default), one after the other under the podman
# lock, and prints a table of durations. Every role runs even after a failure; the exit code is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
# per-task timings in each log, to see where a slow scenario spends its time
export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks
logdir=build/molecule
mkdir -p "$logdir"
declare -a names=() results=() secs=()
overall=0
for role in "$@"; do
  if [ ! -d "roles/$role/molecule/default" ]; then
    echo "==> molecule: roles/$role has no scenario" >&2; overall=1
    names+=("$role"); results+=("MISSING"); secs+=(0); continue
  fi
  echo "==> molecule: $role (log: $logdir/$role.log)"
  start=$(date +%s)
  if (cd "roles/$role" && flock /tmp/votelab-podman.lock molecule test) >"$logdir/$role.log" 2>&1; then rc=0; else
    rc=$?; overall=1; tail -60 "$logdir/$role.log"
  fi
  names+=("$role"); results+=("$([ "$rc" = 0 ] && echo ok || echo "FAILED($rc)")"); secs+=($(( $(date +%s) - start )))
  echo "    $role: ${results[-1]} in ${secs[-1]}s"
done
echo
echo "==> molecule summary"
total=0
for i in "${!names[@]}"; do
  printf '  %-16s %-10s %5ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
  total=$(( total + secs[i] ))
done
printf '  %-16s %-10s %5ss\n' total "" "$total"
exit "$overall"
