"""Reading another tool's network file: the bytes (regular files only, gzipped or not, never
past the import limit), their text (UTF-8, a declared XML encoding, or Windows-1252 with a
warning), and the names of pgmpy's bundled networks (`pgmpy:alarm`).
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import importlib.util
import io
import re
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from ...errors import LimitError, Problem, ScenarioError, did_you_mean
from ...files import read_regular
from ...limits import MAX_IMPORT_BYTES

PGMPY_PREFIX = "pgmpy:"
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""")


@dataclass(frozen=True)
class Source:
    """A network file's text, and how messages name it (`pgmpy:alarm`, or the path)."""

    name: str
    path: Path  # the file read (for `pgmpy:` names, inside pgmpy's wheel)
    text: str
    digest: str  # short hash of the bytes, to tell two briefings apart
    warnings: tuple[Problem, ...] = ()

    @property
    def file_name(self) -> str:
        """The name a scenario says it was imported from: `alarm.bif.gz`, `pgmpy:alarm`."""
        return self.name if self.name.startswith(PGMPY_PREFIX) else self.path.name


def examples_folder() -> Path | None:
    """Where pgmpy's wheel keeps its classic networks; found without importing pgmpy."""
    spec = importlib.util.find_spec("pgmpy")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "utils" / "example_models"


def example_networks() -> list[str]:
    """The names of pgmpy's bundled discrete networks (`alarm`, `asia`, ...)."""
    folder = examples_folder()
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".bif.gz") for p in folder.glob("*.bif.gz"))


def resolve(name: str | Path) -> Path:
    """The file a name stands for: `pgmpy:NAME` is NAME.bif.gz in pgmpy's wheel."""
    text = str(name)
    if not text.startswith(PGMPY_PREFIX):
        return Path(name)
    wanted = text.removeprefix(PGMPY_PREFIX)
    known = example_networks()
    folder = examples_folder()
    if wanted not in known or folder is None:
        hint = did_you_mean(wanted, known) if known else "pgmpy is not installed"
        raise ScenarioError(Problem(f"no network named '{wanted}' among pgmpy's examples",
                                    file=text, hint=hint))
    return folder / f"{wanted}.bif.gz"


def read_source(name: str | Path, xml: bool = False) -> Source:
    """The text of a network file (or `pgmpy:NAME`); `xml` lets a declared encoding apply."""
    shown = str(name)
    path = resolve(name)
    data = _read_bytes(path, shown)
    text, warnings = _decode(data, shown, xml)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError(Problem("the file holds a NUL character, so it is not a text file",
                                    file=shown, line=line,
                                    hint="give the network file itself, not a binary one"))
    return Source(shown, path, text, hashlib.sha256(data).hexdigest()[:12], warnings)


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes, gunzipped if they are gzip, never reading past the import limit;
    only a regular file is read (`files.read_regular`), so a FIFO or a device is refused at
    once."""
    try:
        data = read_regular(path, MAX_IMPORT_BYTES, "network file")
    except LimitError as exc:
        raise LimitError([replace(p, file=shown, hint="a network this large is beyond what "
                                                      "scenarios hold") for p in exc.problems]
                         ) from None
    except ScenarioError as exc:
        raise ScenarioError([replace(p, file=shown) for p in exc.problems]) from None
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_IMPORT_BYTES + 1)  # no further, even from a bomb
        except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
            raise ScenarioError(Problem(f"cannot read it: broken gzip data ({exc})", file=shown,
                                        hint="give the file uncompressed, or gzip it "
                                             "again")) from None
        if len(data) > MAX_IMPORT_BYTES:
            raise LimitError(Problem(f"the file unzips to over {MAX_IMPORT_BYTES:,} bytes, "
                                     "the import limit", file=shown,
                                     hint="a network this large is beyond what scenarios "
                                          "hold"))
    return data


def _decode(data: bytes, shown: str, xml: bool) -> tuple[str, tuple[Problem, ...]]:
    """UTF-8 (a byte-order mark honoured), else the encoding an XML file declares (GeNIe
    writes ISO-8859-1), else Windows-1252, which Hugin and GeNIe write on Windows."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), ()
            except UnicodeDecodeError as exc:
                raise ScenarioError(Problem(f"cannot read it as {codec}: {exc.reason}",
                                            file=shown)) from None
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        failure = exc
    declared = _DECLARED.match(data) if xml else None
    if declared is not None:
        encoding = declared.group(1).decode("ascii")
        try:
            return data.decode(encoding), ()
        except (LookupError, UnicodeDecodeError) as exc:
            raise ScenarioError(Problem(f"cannot read it as the {encoding} it declares: {exc}",
                                        file=shown, hint="save it as UTF-8")) from None
    line = data.count(b"\n", 0, failure.start) + 1
    text = data.decode("cp1252", errors="replace")
    return text, (Problem(f"the file is not UTF-8 (first at byte {failure.start:,}); read as "
                          "Windows-1252", file=shown, line=line,
                          hint="check the names with accents, or save the file as UTF-8"),)
