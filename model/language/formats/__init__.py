"""Other tools' Bayesian-network files, read here: BIF, XMLBIF (BIFXML), Hugin NET, GeNIe
XDSL and UAI, gzipped or not, and pgmpy's bundled networks by name (`pgmpy:alarm`).

One module per format, as pgmpy's `readwrite/` has; each reads the file's text into a
`Network` (numbers kept as float64, limits applied while reading, problems located by line),
and `network_document` turns that into the same scenario data, in the compact `rows` form,
that a YAML file loads to, so `model.load` checks both one way. pgmpy is not imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args

from ...errors import Problem, ScenarioError
from ..loader import Document
from .document import network_document
from .network import Network
from .source import PGMPY_PREFIX, Source, example_networks, read_source

ImportFormat = Literal["bif", "xmlbif", "net", "xdsl", "uai"]
IMPORT_FORMATS: tuple[ImportFormat, ...] = get_args(ImportFormat)
SUFFIXES: dict[str, ImportFormat] = {
    ".bif": "bif", ".xmlbif": "xmlbif", ".bifxml": "xmlbif", ".xml": "xmlbif", ".net": "net",
    ".xdsl": "xdsl", ".uai": "uai"}

__all__ = ["IMPORT_FORMATS", "SUFFIXES", "ImportFormat", "Network", "example_networks",
           "format_of", "is_network", "load_network", "network_document", "read_network"]


def _suffix(path: str | Path) -> str:
    name = Path(path).name.lower()
    name = name.removesuffix(".gz")
    return Path(name).suffix


def is_network(path: str | Path) -> bool:
    """Whether `path` names a network file (by its suffix) or one of pgmpy's networks."""
    return str(path).startswith(PGMPY_PREFIX) or _suffix(path) in SUFFIXES


def format_of(path: str | Path) -> ImportFormat:
    """The format a file's name says (`.gz` aside), or a ScenarioError naming the known ones."""
    if str(path).startswith(PGMPY_PREFIX):
        return "bif"
    fmt = SUFFIXES.get(_suffix(path))
    if fmt is None:
        known = ", ".join(sorted(SUFFIXES))
        raise ScenarioError(Problem(f"cannot tell the format of '{Path(path).name}'",
                                    file=str(path), hint=f"name it with one of {known} "
                                                         "(or .gz of one)"))
    return fmt


def _reader(fmt: ImportFormat) -> Callable[[Source], Network]:
    """The format's reader, imported only when a file of that format is read."""
    if fmt == "bif":
        from .bif import read_bif

        return read_bif
    if fmt == "net":
        from .hugin import read_net

        return read_net
    if fmt == "uai":
        from .uai import read_uai

        return read_uai
    if fmt == "xdsl":
        from .xdsl import read_xdsl

        return read_xdsl
    from .xmlbif import read_xmlbif

    return read_xmlbif


def read_network(path: str | Path) -> Network:
    """The network in a BIF, XMLBIF, NET, XDSL or UAI file (gzipped or not), or pgmpy's
    bundled network `pgmpy:NAME`, as the file has it."""
    fmt = format_of(path)
    source = read_source(path, xml=fmt in ("xmlbif", "xdsl"))
    if fmt == "xmlbif" and _suffix(path) == ".xml" and "<smile" in source.text[:2000]:
        fmt = "xdsl"  # GeNIe's files are XML too
    return _reader(fmt)(source)


def load_network(path: str | Path, today: dt.date | None = None) -> Document:
    """A network file as scenario data, located in the file, ready for the checks."""
    return network_document(read_network(path), today)
