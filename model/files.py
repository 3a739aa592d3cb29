"""Writing what a command makes (`-o`), one way for every command.

A file is written in full to a temporary file beside the target, then moved over it, so a
reader (or a failed write) never sees half of it; a failure is a ScenarioError that says
"cannot write" and why.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import Problem, ScenarioError


def write_atomic(target: str | Path, text: str) -> Path:
    """Write `text` (UTF-8) to `target`, creating its folder; return the path written."""
    target = Path(target)
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; what we write is meant to be shared
        os.replace(tmp, target)
    except OSError as exc:
        raise ScenarioError(Problem(f"cannot write it: {exc.strerror or exc}",
                                    file=str(target), hint="check the path")) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return target
