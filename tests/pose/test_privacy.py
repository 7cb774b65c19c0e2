"""Privacy at the system-call level: no command opens a network socket, native code included.

Each command runs under ``strace -f -e trace=network`` (every thread and child process), with the
landmark cache off so the real model runs on every frame. A Python-level socket patch could not
see what ``libmediapipe.so`` does; the kernel's view can.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, require

#: A socket of an internet family, or a name lookup over netlink/UDP, is a network attempt.
NETWORK = re.compile(r"AF_INET6?\b|sin6?_addr|AF_NETLINK")
CLIP = SAMPLES / "hinge_neutral_left.mp4"


def network_calls(cmd: list[str], tmp_path: Path, timeout: float = 600) -> tuple[int, list[str]]:
    """Run ``cmd`` under strace; return its exit code and the trace lines that touch the network."""
    require("strace")
    trace = tmp_path / "trace.txt"
    r = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace), *cmd],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = trace.read_text(errors="replace").splitlines()
    return r.returncode, [ln for ln in lines if NETWORK.search(ln)]


def test_the_probe_sees_a_connection_from_native_code(tmp_path):
    """The check can fail: a socket opened by C code (libc's connect via ctypes) shows up."""
    code = (
        "import ctypes, socket, struct; libc = ctypes.CDLL(None); "
        "fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0); "
        "addr = struct.pack('=H', socket.AF_INET) + struct.pack('!H4s8x', 9, socket.inet_aton('127.0.0.1')); "
        "libc.connect(fd, addr, len(addr))"
    )
    _, calls = network_calls([sys.executable, "-c", code], tmp_path)
    assert any("connect(" in c for c in calls), calls


@pytest.mark.parametrize("command", ["score", "review", "live"])
def test_no_network_call(command, tmp_path):
    hc = [sys.executable, "-m", "hingecheck"]
    cmd = {
        "score": [*hc, "score", str(CLIP), "--no-cache", "--out", str(tmp_path / "r.json")],
        "review": [*hc, "review", str(CLIP), "--no-cache", "--out", str(tmp_path / "review")],
        "live": [
            *hc,
            "live",
            "--source",
            str(CLIP),
            "--no-window",
            "--no-audio",
            "--summary",
            str(tmp_path / "s.json"),
        ],
    }[command]
    rc, calls = network_calls(cmd, tmp_path)
    assert rc == 0
    assert calls == [], f"{command} touched the network:\n" + "\n".join(calls[:10])
