#!/usr/bin/env bash
# Runs `make <stage>` for each stage given, times each one, and prints a summary table.
# Every stage runs even after a failure so one CI run shows all problems; the exit code is non-zero if any failed.
set -uo pipefail
declare -a names=() results=() secs=()
overall=0
for stage in "$@"; do
  echo
  echo "================ stage: $stage ================"
  start=$(date +%s)
  if make --no-print-directory "$stage"; then rc=0; else rc=$?; overall=1; fi
  names+=("$stage"); results+=("$([ "$rc" = 0 ] && echo ok || echo "FAILED($rc)")"); secs+=($(( $(date +%s) - start )))
done
echo
echo "================ summary ================"
total=0
for i in "${!names[@]}"; do
  printf '  %-22s %-10s %5ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
  total=$(( total + secs[i] ))
done
printf '  %-22s %-10s %5ss\n' total "" "$total"
exit "$overall"
