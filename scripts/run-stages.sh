#!/usr/bin/env bash
# Runs `make <stage>` for each stage given, times each one, and prints a summary table.
# A stage written a+b runs `make a` and `make b` at the same time, each output line prefixed with its name, and
# the summary gives each one's time and the group's wall clock. A lane written c/d/e runs c, d, then e, one after
# another, beside the other lanes: make test runs the lab in one lane and Molecule then the loopback test stages
# in the other, because the lab's end-to-end tests mostly wait (fault windows, bounded streams, restores) while
# the others keep the cores busy.
# Every stage runs even after a failure so one CI run shows all problems; the exit code is non-zero if any failed.
set -uo pipefail
declare -a names=() results=() secs=()
overall=0
times=$(mktemp -d)
trap 'rm -rf "$times"' EXIT
run_start=$(date +%s)

status() { [ "$1" = 0 ] && echo ok || echo "FAILED($1)"; }

for stage in "$@"; do
  IFS=+ read -ra lanes <<<"$stage"
  IFS='+/' read -ra parts <<<"$stage"
  echo
  echo "================ stage: $(sed 's|+| and |g; s|/|, then |g' <<<"$stage") ================"
  start=$(date +%s)
  if [ "${#parts[@]}" = 1 ]; then
    if make --no-print-directory "$stage"; then rc=0; else rc=$?; fi
    echo "$rc $(( $(date +%s) - start ))" >"$times/$stage"
  else
    for lane in "${lanes[@]}"; do
      (
        IFS=/ read -ra steps <<<"$lane"
        for part in "${steps[@]}"; do
          part_start=$(date +%s)
          make --no-print-directory "$part" 2>&1 | sed -u "s/^/[$part] /"
          rc=${PIPESTATUS[0]}
          echo "$rc $(( $(date +%s) - part_start ))" >"$times/$part"
          echo "[$part] finished: $(status "$rc") in $(( $(date +%s) - part_start ))s"
        done
      ) &
    done
    wait
  fi
  for part in "${parts[@]}"; do
    read -r rc s <"$times/$part"
    [ "$rc" = 0 ] || overall=1
    names+=("$part"); results+=("$(status "$rc")"); secs+=("$s")
  done
  if [ "${#parts[@]}" -gt 1 ]; then
    names+=("  (these ${#parts[@]} stages' wall clock)"); results+=(""); secs+=($(( $(date +%s) - start )))
  fi
done
echo
echo "================ summary ================"
for i in "${!names[@]}"; do
  printf '  %-34s %-10s %5ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
done
printf '  %-34s %-10s %5ss\n' "total (wall clock)" "" "$(( $(date +%s) - run_start ))"
exit "$overall"
