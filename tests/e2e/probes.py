"""Can one place open a TCP connection to a lab address? From the control node (after the lab route check) or from
inside a lab VM (through podman exec, as from its console). The firewall and control-plane tests ask both ways."""

from __future__ import annotations

import socket

from lab.hosts import LabHost, require_lab_route

# run with the VM's own python3: prints open or closed, never raises
_PROBE = (
    "import socket,sys\n"
    "s=socket.socket();s.settimeout(2)\n"
    "try:\n s.connect((sys.argv[1],int(sys.argv[2])));print('open')\n"
    "except OSError:\n print('closed')\n"
)


def connects_from_vm(source: LabHost, address: str, port: int) -> bool:
    """True when `source` (a lab VM) opens a TCP connection to address:port within 2 s."""
    return source.run("python3", "-c", _PROBE, address, str(port), check=False).stdout.strip() == "open"


def connects_from_control_node(address: str, port: int) -> bool:
    """True when this machine opens a TCP connection to address:port within 2 s; refuses non-lab addresses."""
    require_lab_route(address)
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False
