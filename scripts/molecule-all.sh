#!/usr/bin/env bash
# Runs `molecule test` for each role given (roles/<name>/molecule/default, then the role's other scenarios, such as
# roles/kafka/molecule/cluster, named role:scenario), MOLECULE_JOBS at a time (default 2), holding the shared podman
# lock for the whole run, and prints a table of durations. Every scenario runs even after a failure; the exit code is
# non-zero if any failed. Logs: build/molecule/<role>.log, build/molecule/<role>-<scenario>.log (per-task timings).
# Why parallel: a scenario spends much of its time waiting (apt downloads, services starting, fault windows);
# two at a time keep both cores of the control node busy.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks
# One fixed release name for the app scenarios: built once here, looked up by the roles (scripts/version.sh).
export VOTELAB_VERSION=0.1.0+molecule
jobs=${MOLECULE_JOBS:-2}
logdir=build/molecule
mkdir -p "$logdir"
rm -f "$logdir"/*.result

if [ -z "${VOTELAB_MOLECULE_LOCKED:-}" ]; then
  export VOTELAB_MOLECULE_LOCKED=1
  exec flock /tmp/votelab-podman.lock "$0" "$@"
fi

main() {
  # MOLECULE_REUSE_RELEASES=1 keeps releases already built under that name (faster reruns while editing roles).
  needs_release=no needs_frontend=no
  for role in "$@"; do
    [ -n "${MOLECULE_REUSE_RELEASES:-}" ] && break
    case "$role" in vote_release | vote_api | vote_consumer) needs_release=yes ;; vote_frontend) needs_frontend=yes ;; esac
  done
  if [ "$needs_release" = yes ]; then
    echo "==> molecule: building the app release $VOTELAB_VERSION"
    make --no-print-directory release >"$logdir/release.log" 2>&1 || { tail -20 "$logdir/release.log"; exit 1; }
  fi
  # Preflight: the wheelhouse must resolve for Debian 12's own Python (3.11.2), not only for the control node's;
  # a dry-run install in the image names a missing dependency in seconds instead of deep inside a scenario.
  app_release=build/release/votelab-app-$VOTELAB_VERSION.tar.gz
  release_broken=no
  if [ -f "$app_release" ] && printf '%s\n' "$@" | grep -qE '^vote_(release|api|consumer)$'; then
    echo "==> molecule: checking $app_release installs on the image's Python"
    pip_dir=$(python -c 'import os, pip; print(os.path.dirname(os.path.dirname(pip.__file__)))')
    if ! podman run --rm -v "$root/$app_release:/release.tar.gz:ro" -v "$pip_dir/pip:/pip/pip:ro" \
        localhost/debian12-systemd:latest bash -c 'set -e; mkdir /r; tar -C /r -xzf /release.tar.gz
        PYTHONPATH=/pip python3 -m pip install --quiet --dry-run --break-system-packages --ignore-installed --no-index \
          --find-links /r/wheelhouse "votelab==$(cat /r/VERSION)"' \
        >"$logdir/release-preflight.log" 2>&1; then
      echo "    the release does not install on Debian 12's Python $(podman run --rm localhost/debian12-systemd:latest python3 -V 2>&1):"
      sed 's/^/      /' "$logdir/release-preflight.log"
      echo "    vote_release, vote_api and vote_consumer are marked failed without running (fix the release build, then rerun)"
      release_broken=yes
    fi
  fi
  if [ "$needs_frontend" = yes ]; then
    echo "==> molecule: building the front-end release $VOTELAB_VERSION"
    make --no-print-directory frontend-release >"$logdir/frontend-release.log" 2>&1 || { tail -20 "$logdir/frontend-release.log"; exit 1; }
  fi

  # one run: "role" (its default scenario) or "role:scenario"; its log and result are named role[-scenario]
  run_one() {
    local run=$1 role=${1%%:*} scenario=default name=${1/:/-} start rc
    [[ $run == *:* ]] && scenario=${run#*:}
    start=$(date +%s)
    if (cd "roles/$role" && molecule test -s "$scenario") >"$logdir/$name.log" 2>&1; then rc=0; else rc=$?; fi
    echo "$rc $(( $(date +%s) - start ))" >"$logdir/$name.result"
    if [ "$rc" = 0 ]; then echo "    $run: ok in $(( $(date +%s) - start ))s"; else
      echo "    $run: FAILED($rc) in $(( $(date +%s) - start ))s; last lines of $logdir/$name.log:"
      grep -E '^(fatal|failed|ERROR|CRITICAL)|=> ' "$logdir/$name.log" | tail -15 | sed 's/^/      /'
    fi
  }

  # the roles' other scenarios (roles/<role>/molecule/<name>/molecule.yml; kafka:cluster, the longest) first, so
  # the parallel runners finish close together, then each role's default scenario
  runs=()
  for role in "$@"; do
    for extra in roles/"$role"/molecule/*/molecule.yml; do
      extra=$(basename "$(dirname "$extra")")
      [ -f "roles/$role/molecule/$extra/molecule.yml" ] && [ "$extra" != default ] && runs+=("$role:$extra")
    done
  done
  runs+=("$@")

  wall_start=$(date +%s)
  for run in "${runs[@]}"; do
    role=${run%%:*} name=${run/:/-}
    if [ "$run" = "$role" ] && [ ! -d "roles/$role/molecule/default" ]; then
      echo "==> molecule: roles/$role has no scenario" >&2
      echo "MISSING 0" >"$logdir/$name.result"; continue
    fi
    # a role whose default scenario links to another role's (vote_api -> vote_consumer: one container carries both
    # app tiers) is covered by that role's run; `molecule test` in either role directory runs the same scenario
    if [ "$run" = "$role" ] && [ -L "roles/$role/molecule/default" ]; then
      shared=$(basename "$(dirname "$(dirname "$(readlink "roles/$role/molecule/default")")")")
      if printf '%s\n' "${runs[@]}" | grep -qx "$shared"; then
        echo "==> molecule: $role: its scenario is $shared's (roles/$role/molecule/default links there), run once"
        echo "SHARED 0" >"$logdir/$name.result"; continue
      fi
    fi
    if [ "$release_broken" = yes ] && [[ "$role" == vote_release || "$role" == vote_api || "$role" == vote_consumer ]]; then
      echo "RELEASE 0" >"$logdir/$name.result"; continue
    fi
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    echo "==> molecule: $run (log: $logdir/$name.log)"
    run_one "$run" &
  done
  wait

  echo
  echo "==> molecule summary (MOLECULE_JOBS=$jobs)"
  overall=0 total=0
  for run in "${runs[@]}"; do
    read -r rc secs <"$logdir/${run/:/-}.result"
    case "$rc" in 0) status=ok ;; SHARED) status="(shared)" ;; MISSING) status=MISSING; overall=1 ;; RELEASE) status="FAILED(release)"; overall=1 ;; *) status="FAILED($rc)"; overall=1 ;; esac
    printf '  %-16s %-10s %5ss\n' "$run" "$status" "$secs"
    total=$(( total + secs ))
  done
  printf '  %-16s %-10s %5ss\n' "sum" "" "$total"
  printf '  %-16s %-10s %5ss\n' "wall clock" "" "$(( $(date +%s) - wall_start ))"
  return "$overall"
}

# main is parsed whole before it runs, so editing this file during a run cannot derail it.
main "$@"
exit $?
