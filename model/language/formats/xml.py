"""XML for the XMLBIF and XDSL readers: expat builds a small tree whose elements know their
line, and a reader's `watch` sees each element as it opens, so a limit (variables, states)
stops the parse there. Only the elements a reader `keep`s are built: any other, and all
inside it, is passed over as it is parsed (a file of millions of elements no reader knows
holds nothing to build). Every element, attribute and comment, kept or not, counts against
`MAX_IMPORT_ELEMENTS`, refused at the line past it, so what is built stays a few hundred
MB. Entity declarations are refused (no "billion laughs", no external entities); comments
are kept, since pyAgrum says in one that it wrote the file.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from collections.abc import Callable, Iterator
from typing import NoReturn

from ...limits import MAX_IMPORT_ELEMENTS
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


Keep = Callable[[str, list[Element]], bool]


def parse_xml(reader: Reader, watch: Callable[[Element, list[Element]], None] | None = None,
              keep: Keep | None = None) -> tuple[Element, list[str]]:
    """The document's root element and its comments; a malformed document fails `reader`
    at the line expat names. `watch(element, ancestors)` runs as each element opens.
    `keep(tag, ancestors)` says whether an element below the root is built (all are, without
    it); one that is not is skipped with everything inside it."""
    parser = expat.ParserCreate(encoding="UTF-8")
    stack: list[Element] = []
    comments: list[str] = []
    root: list[Element] = []
    failure: list[BaseException] = []
    skipped = [0]  # how deep inside an element not kept the parse is
    count = [0]  # elements and comments met

    def stop(error: BaseException) -> NoReturn:
        failure.append(error)
        raise _Stop

    def counted(items: int = 1) -> None:
        count[0] += items
        if count[0] > MAX_IMPORT_ELEMENTS:
            try:
                reader.limit(f"the file holds more than {MAX_IMPORT_ELEMENTS:,} XML elements, "
                             "attributes and comments, the import limit",
                             line=parser.CurrentLineNumber,
                             hint="a network file holds a few per state and node; remove "
                                  "what the tool that wrote it added")
            except Exception as exc:
                stop(exc)

    def start(tag: str, attrs: dict[str, str]) -> None:
        counted(1 + len(attrs))
        if len(stack) + skipped[0] >= MAX_DEPTH:
            try:
                reader.fail(f"elements nested more than {MAX_DEPTH} deep",
                            line=parser.CurrentLineNumber)
            except Exception as exc:
                stop(exc)
        if skipped[0] or (stack and keep is not None and not keep(tag, stack)):
            skipped[0] += 1
            return
        element = Element(tag, attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        if watch is not None:
            try:
                watch(element, stack)
            except Exception as exc:
                stop(exc)
        stack.append(element)

    def end(tag: str) -> None:
        if skipped[0]:
            skipped[0] -= 1
        else:
            stack.pop()

    def characters(data: str) -> None:
        if stack and not skipped[0]:
            stack[-1].parts.append(data)

    def comment(data: str) -> None:
        counted()
        comments.append(data)

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
    parser.CommentHandler = comment
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
    finally:  # the handlers hold the parser: a cycle that would keep the tree until collected
        parser.StartElementHandler = parser.EndElementHandler = None
        parser.CharacterDataHandler = parser.CommentHandler = None
        parser.EntityDeclHandler = None
    if not root:
        reader.fail("the file holds no XML element", line=1)
    return root[0], comments


def recorded(comments: list[str]) -> str | None:
    """The names record `scenario export` leaves in a comment, if there is one."""
    return next((c.split(":", 1)[1].strip() for c in comments
                 if c.strip().startswith(f"{LABEL}:")), None)
