#!/usr/bin/env python3
"""Prints, as one JSON object, the memory of a systemd service's main process (run on the host, Python 3 only):
the host name, the pid, peak RSS (VmHWM, the kernel's high-water mark for that process), current RSS, the JVM's
-Xmx flag, and the unit's cgroup v2 memory.peak (page cache included) when the host has one.
Usage: jvm_memory.py UNIT"""
import json
import socket
import subprocess
import sys
from pathlib import Path

unit = sys.argv[1]
pid = subprocess.run(["systemctl", "show", "-p", "MainPID", "--value", unit], capture_output=True, text=True,
                     check=True).stdout.strip()
if pid in ("", "0"):
    sys.exit(f"{unit} has no main process")
status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
xmx = [a for a in args if a.startswith("-Xmx")]
# the unit's own cgroup v2 (a host on cgroup v1 has none per unit; the unified line then names the container's)
unified = [line[3:] for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines() if line.startswith("0::")]
peak = Path(f"/sys/fs/cgroup{unified[0]}/memory.peak") if unified and unified[0].endswith("/" + unit) else None
print(json.dumps({
    "host": socket.gethostname(),
    "unit": unit,
    "pid": int(pid),
    "vmhwm_kb": int(status["VmHWM"].split()[0]),
    "vmrss_kb": int(status["VmRSS"].split()[0]),
    "xmx": xmx[-1] if xmx else "",
    "memory_peak_bytes": int(peak.read_text()) if peak and peak.exists() else None,
}))
