"""Atomic file writes, the one writer of every file gradcheck makes (--json reports, golden cases): a reader or a
crash sees the old file or the new one, never half of one, and the file gets the mode any other write would give.

The temp file is made by mkstemp beside the target, `.<name>.<pid>.<random><suffix>` (unique to this process and
call, and naming its writer, so a clean-up can tell an abandoned one: golden/store.py), so concurrent writers never
touch each other's temp file; mkstemp creates it 0600, so its mode is set before the rename: the
target's own mode when it exists, else 0666 less the umask (0644 under the usual umask 022).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_mode(path: Path) -> int:
    """The mode a write of `path` should leave: the existing file's, else 0666 & ~umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~umask()


def write_atomic(path, data: str | bytes, *, suffix: str = ".tmp") -> Path:
    """Write `data` (text as UTF-8) to `path` through a temp file `.<name>.<pid>.<random><suffix>` in its folder,
    fsync, then os.replace; on any error only this call's temp file is removed. Returns the path."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, new_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
