"""Keep the native libraries' log lines off the user's terminal, whenever they write them.

MediaPipe's C++ (absl / glog) and TFLite write straight to file descriptor 2: at start-up, on
some frames during inference (``landmark_projection_calculator.cc:78] Using NORM_RECT ...`` on
dark footage), as landmarkers close (``DestroyAccelerator`` in mediapipe 1.x) and at exit,
after Python has finished. Silencing fd 2 around single calls misses some of them, and an
environment variable only works for the releases that read it.

:func:`install` moves fd 2 onto a pipe for the whole process (worker processes forked from it
inherit the pipe too) and gives Python's ``sys.stderr`` the real terminal back. A daemon thread
reads the pipe and forwards every line except native log lines (``I/W/E`` + ``MMDD`` or
``0000`` prefixes, ``INFO:``/``WARNING:`` absl banners). Fatal lines (``F…``, ``Check failed``,
stack traces) are forwarded: a crash must stay visible. Whatever native code writes after the
thread has stopped (at exit) stays in the pipe and is dropped with the process.
``HINGECHECK_DEBUG=1`` leaves stderr alone.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading

#: A native log line that is not an error the user must see.
NATIVE_LOG = re.compile(
    rb"^(?:[IWE]\d{4} \d\d:\d\d:\d\d[.\d]* +\d+ [\w.\-]+:\d+\]"  # glog / absl: W0000 00:00:17.3 123 file.cc:78]
    rb"|(?:INFO|WARNING|W0000|I0000): |WARNING: All log messages before absl::InitializeLog"
    rb"|INFO: Created TensorFlow Lite|INFO: \[)"
)
_installed = False


def install() -> None:
    """Filter fd 2 for the rest of the process (idempotent; see module doc)."""
    global _installed
    if _installed or os.environ.get("HINGECHECK_DEBUG"):
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return  # no real stderr (captured by a test runner, an IDE): nothing to protect
    sys.stderr.flush()
    real = os.dup(fd)
    read_end, write_end = os.pipe()
    os.dup2(write_end, fd)
    os.close(write_end)
    # Python's own messages (errors, progress, rich) go straight to the terminal.
    sys.stderr = io.TextIOWrapper(
        os.fdopen(os.dup(real), "wb", buffering=0),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
        write_through=True,
    )
    threading.Thread(target=_forward, args=(read_end, real), name="hingecheck-native-log", daemon=True).start()
    _installed = True


def _forward(read_end: int, real: int) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        pending = b""
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if not NATIVE_LOG.match(line):
                    os.write(real, line + b"\n")
