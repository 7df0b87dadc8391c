#!/usr/bin/env bash
# Starts Debian's apt-cacher-ng on the control node (idempotent) so containers and debootstrap fetch each
# Debian package from the mirror once. Why a script: the host has no systemd, so the daemon is started directly.
# Prints nothing when the cache already answers.
set -euo pipefail
port=3142
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

# Debian's default remap list has no backend here: name the mirror the host itself uses.
backends=/etc/apt-cacher-ng/backends_debian
if [ "$(cat "$backends" 2>/dev/null)" != "http://deb.debian.org/debian/" ]; then
  echo "http://deb.debian.org/debian/" > "$backends"
  # restart to read it (by the pid it recorded; start-stop-daemon refuses a pidfile owned by the daemon's user)
  if answers && [ -s /run/apt-cacher-ng/pid ]; then
    kill "$(cat /run/apt-cacher-ng/pid)" 2>/dev/null || true
    for _ in $(seq 50); do answers || break; sleep 0.1; done
  fi
fi

if ! answers; then
  command -v apt-cacher-ng >/dev/null || { echo "apt-cacher-ng is not installed (make bootstrap)" >&2; exit 1; }
  install -d -o apt-cacher-ng -g apt-cacher-ng -m 0755 /run/apt-cacher-ng
  start-stop-daemon --start --quiet --chuid apt-cacher-ng --group apt-cacher-ng \
    --pidfile /run/apt-cacher-ng/pid --exec /usr/sbin/apt-cacher-ng -- \
    -c /etc/apt-cacher-ng pidfile=/run/apt-cacher-ng/pid SocketPath=/run/apt-cacher-ng/socket foreground=0
  for _ in $(seq 50); do answers && break; sleep 0.1; done
  answers || { echo "apt-cacher-ng did not start on :$port" >&2; exit 1; }
  echo "==> apt-cacher-ng started on :$port"
fi
