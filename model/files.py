"""Reading what a command is given, and writing what it makes (`-o`), one way each.

Reading: only a regular file is read, opened once, and no further than its limit, so a
FIFO, a device, `/dev/zero` or a symlink loop is refused at once with the file named.

Writing: a file is written in full to a temporary file beside the target, then moved over
it, so a reader (or a failed write) never sees half of it. Nothing but a regular file is ever
replaced: a device, a directory or a FIFO at the target is refused (run as root, a rename
over `/dev/null` would replace the device), and a symlink is written through, so the link
stays and its target gets the text. The temporary file's name says what it is
(`.NAME.PID.RANDOM.scenario-tmp`); it is removed on any failure, and those left by a run
that was killed are removed by the next write beside them. A failure is a ScenarioError
that says "cannot write" and why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from .errors import LimitError, Problem, ScenarioError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))
_CHUNK = 1 << 20


def read_regular(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; anything else (no
    such file, a folder, a FIFO, a device, a loop of links, more than `limit` bytes) is a
    ScenarioError naming `what` and the file. A FIFO or device is never opened."""
    name = str(path)
    try:
        before = os.stat(path)
        _check_regular(before.st_mode, what, name)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise _unreadable(exc, what, name) from None
    try:
        now = os.fstat(fd)
        _check_regular(now.st_mode, what, name)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise ScenarioError(Problem(f"the {what} changed while it was opened", file=name,
                                        hint="try again"))
        if now.st_size > limit:
            raise LimitError(Problem(f"the {what} is {now.st_size:,} bytes, over the limit of "
                                     f"{limit:,}", file=name, hint=_too_big_hint(what)))
        chunks: list[bytes] = []
        total = 0
        while total <= limit:  # files in /proc say size 0 and then give more
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise LimitError(Problem(f"the {what} holds more than {limit:,} bytes, the limit",
                                     file=name, hint=_too_big_hint(what)))
        return b"".join(chunks)
    except OSError as exc:
        raise _unreadable(exc, what, name) from None
    finally:
        os.close(fd)


def _check_regular(mode: int, what: str, name: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
    raise ScenarioError(Problem(f"the {what} is {kind}, not a regular file" if kind[0] == "a"
                                else f"the {what} is {kind}", file=name,
                                hint="give the path of a file"))


def _unreadable(exc: OSError, what: str, name: str) -> ScenarioError:
    return ScenarioError(Problem(f"cannot read the {what}: {exc.strerror or exc}", file=name,
                                 hint="check the path"))


def _too_big_hint(what: str) -> str:
    return ("split the scenario, or keep source texts in their own files"
            if what == "scenario file" else "cut the text to the paragraphs the scenario cites")

TMP_SUFFIX = ".scenario-tmp"
# A temporary name keeps this much of the target's name: with the rest it stays under the
# 255 bytes most file systems allow in one name, even when the target's name is that long.
TMP_NAME_CHARS = 120
KINDS = {stat.S_IFDIR: "a directory", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device", stat.S_IFIFO: "a FIFO (named pipe)",
         stat.S_IFSOCK: "a socket"}


def _refuse(target: str | Path, why: str, hint: str = "check the path") -> ScenarioError:
    return ScenarioError(Problem(f"cannot write it: {why}", file=str(target), hint=hint))


def names_folder(target: str | Path) -> bool:
    """Whether `target` names a folder: it ends in a path separator (`reports/`, which a
    Path would drop), or it is a folder already."""
    text = os.fspath(target)
    return text.endswith(tuple(s for s in (os.sep, os.altsep) if s)) or os.path.isdir(text)


def destination(target: str | Path) -> Path:
    """Where writing `target` puts the text: the target itself, or the file a symlink at
    it points to (followed to the end); refused when that is not a regular file, and when
    it ends in a path separator (a folder's name, not a file's)."""
    if str(target) == "":
        raise _refuse("''", "no file name given", "give a file name after -o")
    text = os.fspath(target)
    if text.endswith(tuple(s for s in (os.sep, os.altsep) if s)):
        raise _refuse(target, f"{text} ends in '{text[-1]}', so it names a folder, not a file",
                      "give a file's name (the folder is made if it does not exist)")
    path = Path(target)
    real = Path(os.path.realpath(path))  # through every link; a dangling one to its target
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real
    except OSError as exc:  # a symlink loop, a name too long, no permission to look
        raise _refuse(target, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(mode):
        kind = KINDS.get(stat.S_IFMT(mode), "not a regular file")
        shown = f"{target} is {kind}" + (f" ({real})" if real != path.absolute() else "")
        raise _refuse(target, f"{shown}, not a regular file",
                      "give the path of a file to create or replace")
    return real


def _temporary_name(real: Path) -> str:
    token = secrets.token_hex(4)
    return f".{real.name[:TMP_NAME_CHARS]}.{os.getpid()}.{token}{TMP_SUFFIX}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def clear_stale(real: Path) -> None:
    """Remove temporary files beside `real` left by writes of it whose process is gone."""
    prefix = f".{real.name[:TMP_NAME_CHARS]}."
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TMP_SUFFIX)):
            continue
        middle = name[len(prefix):-len(TMP_SUFFIX)].split(".")
        if len(middle) != 2 or not middle[0].isdigit() or _alive(int(middle[0])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)


def write_atomic(target: str | Path, text: str | bytes) -> Path:
    """Write `text` (UTF-8; or bytes as they are) to `target`, creating its folder; return
    the path written (`target` as given, also when it is a symlink written through)."""
    real = destination(target)
    tmp: Path | None = None
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        clear_stale(real)
        tmp = real.parent / _temporary_name(real)
        # O_EXCL: never open something another process put there; O_NOFOLLOW: nor a link.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        body = text if isinstance(text, bytes) else text.encode("utf-8")
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # what we write is meant to be shared, whatever the umask
        destination(target)  # still a regular file (or nothing) at the moment of the move
        os.replace(tmp, real)
        tmp = None
    except OSError as exc:
        why = exc.strerror or str(exc)
        if exc.errno == errno.ENAMETOOLONG:
            why = f"{why} (a name may have at most 255 bytes)"
        raise _refuse(target, why) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return Path(target)
