"""XML for the XMLBIF and XDSL readers: expat builds a small tree whose elements know their
line, and a reader's `watch` sees each element as it opens, so a limit (variables, states)
stops the parse there. Entity declarations are refused (no "billion laughs", no external
entities); comments are kept, since pyAgrum says in one that it wrote the file.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from collections.abc import Callable, Iterator
from typing import NoReturn

from .record import LABEL
from .text import Reader

MAX_DEPTH = 64
# What XML counts as white space (str.strip() would also take a no-break space from a name).
XML_SPACE = " \t\r\n"


class Element:
    __slots__ = ("attrs", "children", "line", "parts", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], line: int):
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.children: list[Element] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        """The text directly inside the element."""
        return "".join(self.parts)

    def find(self, tag: str) -> Element | None:
        """The first child called `tag` (any case)."""
        wanted = tag.upper()
        return next((c for c in self.children if c.tag.upper() == wanted), None)

    def findall(self, tag: str) -> list[Element]:
        wanted = tag.upper()
        return [c for c in self.children if c.tag.upper() == wanted]

    def iter(self, tag: str) -> Iterator[Element]:
        """Every element called `tag` at any depth below this one."""
        wanted = tag.upper()
        for child in self.children:
            if child.tag.upper() == wanted:
                yield child
            yield from child.iter(tag)


class _Stop(Exception):
    pass


def parse_xml(reader: Reader, watch: Callable[[Element, list[Element]], None] | None = None
              ) -> tuple[Element, list[str]]:
    """The document's root element and its comments; a malformed document fails `reader`
    at the line expat names. `watch(element, ancestors)` runs as each element opens."""
    parser = expat.ParserCreate(encoding="UTF-8")
    stack: list[Element] = []
    comments: list[str] = []
    root: list[Element] = []
    failure: list[BaseException] = []

    def stop(error: BaseException) -> NoReturn:
        failure.append(error)
        raise _Stop

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag, attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        if len(stack) >= MAX_DEPTH:
            try:
                reader.fail(f"elements nested more than {MAX_DEPTH} deep", line=element.line)
            except Exception as exc:
                stop(exc)
        if watch is not None:
            try:
                watch(element, stack)
            except Exception as exc:
                stop(exc)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    def entity(name: str, *rest: object) -> None:
        try:
            reader.fail(f"the file declares an XML entity ('{name}'), which network files "
                        "have no need of", line=parser.CurrentLineNumber,
                        hint="remove the <!ENTITY ...> declarations")
        except Exception as exc:
            stop(exc)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.CommentHandler = comments.append
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    try:
        parser.Parse(reader.text, True)
    except _Stop:
        raise failure[0] from None
    except expat.ExpatError as exc:
        reader.fail(f"not well-formed XML: {expat.ErrorString(exc.code)}", line=exc.lineno,
                    hint="check the file's tags and quotes")
    if not root:
        reader.fail("the file holds no XML element", line=1)
    return root[0], comments


def recorded(comments: list[str]) -> str | None:
    """The names record `scenario export` leaves in a comment, if there is one."""
    return next((c.split(":", 1)[1].strip() for c in comments
                 if c.strip().startswith(f"{LABEL}:")), None)
