"""Events: statements about the states of nodes, the way key judgements and `--event` ask.

    israeli_strike=yes or us_strike=yes
    nuclear_deal=yes and not (israeli_strike=yes or us_strike=yes)
    us_russia_track in {stalls, collapses}
    "BP" = "<7.5"

The grammar, loosest binding first (so `a=x or b=y and c=z` is `a=x or (b=y and c=z)`):

    event    := either
    either   := both ("or" both)*
    both     := negated ("and" negated)*
    negated  := "not" negated | atom
    atom     := "(" event ")" | name "=" name | name "in" "{" name ("," name)* [","] "}"
    name     := a bare word [A-Za-z0-9_.-]+ that is not a keyword, or text in "..." or '...'
                (a backslash escapes the quote or a backslash inside it)

Keywords (`and`, `or`, `not`, `in`) are read in any case; a node or state called by one is
quoted. The parser is written by hand, recursive descent over a small tokenizer: the
grammar is five rules, and a hand-written parser says in the analyst's words what it
expected at which column, which parser generators make hard. Parsing knows no scenario;
`event_problems` checks the names against one, and `Event.mask` evaluates an event over the
joint of its nodes, which is how its probability is computed exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import did_you_mean

BoolArray = npt.NDArray[np.bool_]

BARE = re.compile(r"[A-Za-z0-9_.\-]+")
KEYWORDS = ("and", "or", "not", "in")
# Parentheses and braces nested deeper than this are refused before Python's own stack is.
MAX_NESTING = 64

TokenKind = Literal["name", "and", "or", "not", "in", "=", "(", ")", "{", "}", ",", "end"]


class EventError(ValueError):
    """An event that cannot be read, or that names what the scenario does not have; `column`
    is 1-based within the event's text."""

    def __init__(self, message: str, column: int, hint: str | None = None,
                 node: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint
        self.node = node  # the node named where the problem is, if any

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"


# what an event is --------------------------------------------------------------------------


@dataclass(frozen=True)
class Is:
    """`node=state`, or `node in {a, b}`: the node is in one of `states`."""

    node: str
    states: tuple[str, ...]
    column: int = field(default=1, compare=False)  # of the node's name
    state_columns: tuple[int, ...] = field(default=(), compare=False)

    def nodes(self) -> Iterator[str]:
        yield self.node

    def holds(self, assignment: Mapping[str, str]) -> bool:
        return assignment[self.node] in self.states

    def text(self) -> str:
        if len(self.states) == 1:
            return f"{quote(self.node)}={quote(self.states[0])}"
        return f"{quote(self.node)} in {{{', '.join(quote(s) for s in self.states)}}}"

    def _mask(self, states: Mapping[str, Sequence[str]], order: Sequence[str]) -> BoolArray:
        inside = np.array([s in self.states for s in states[self.node]])
        shape = [1] * len(order)
        shape[list(order).index(self.node)] = len(inside)
        return inside.reshape(shape)


@dataclass(frozen=True)
class Not:
    item: Event

    def nodes(self) -> Iterator[str]:
        return self.item.nodes()

    def holds(self, assignment: Mapping[str, str]) -> bool:
        return not self.item.holds(assignment)

    def text(self) -> str:
        inner = self.item.text()
        return f"not {inner}" if isinstance(self.item, Is | Not) else f"not ({inner})"

    def _mask(self, states: Mapping[str, Sequence[str]], order: Sequence[str]) -> BoolArray:
        return ~self.item._mask(states, order)


@dataclass(frozen=True)
class And:
    """Every item holds (`and`)."""

    items: tuple[Event, ...]

    def nodes(self) -> Iterator[str]:
        for item in self.items:
            yield from item.nodes()

    def holds(self, assignment: Mapping[str, str]) -> bool:
        return all(item.holds(assignment) for item in self.items)

    def text(self) -> str:
        return " and ".join(f"({i.text()})" if isinstance(i, Or) else i.text()
                            for i in self.items)

    def _mask(self, states: Mapping[str, Sequence[str]], order: Sequence[str]) -> BoolArray:
        out = self.items[0]._mask(states, order)
        for item in self.items[1:]:
            out = out & item._mask(states, order)
        return out


@dataclass(frozen=True)
class Or:
    """At least one item holds (`or`)."""

    items: tuple[Event, ...]

    def nodes(self) -> Iterator[str]:
        for item in self.items:
            yield from item.nodes()

    def holds(self, assignment: Mapping[str, str]) -> bool:
        return any(item.holds(assignment) for item in self.items)

    def text(self) -> str:
        return " or ".join(i.text() for i in self.items)

    def _mask(self, states: Mapping[str, Sequence[str]], order: Sequence[str]) -> BoolArray:
        out = self.items[0]._mask(states, order)
        for item in self.items[1:]:
            out = out | item._mask(states, order)
        return out


Event = Is | Not | And | Or


def event_nodes(event: Event) -> tuple[str, ...]:
    """The nodes an event names, each once, in the order written."""
    return tuple(dict.fromkeys(event.nodes()))


def event_mask(event: Event, states: Mapping[str, Sequence[str]],
               order: Sequence[str] | None = None) -> BoolArray:
    """Where the event holds over the joint of `order` (default: its own nodes as written),
    one axis per node, states in declared order."""
    order = list(order if order is not None else event_nodes(event))
    shape = tuple(len(states[n]) for n in order)
    return np.broadcast_to(event._mask(states, order), shape)


def quote(name: str) -> str:
    """A name as an event writes it: bare when it can be, else in double quotes."""
    if BARE.fullmatch(name) and name.lower() not in KEYWORDS:
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# reading an event ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    column: int  # 1-based
    quoted: bool = False


def tokens(text: str) -> list[Token]:
    """The event's tokens, ending with an `end` token one column past the text."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "(){},":
            out.append(Token(char, char, i + 1))  # type: ignore[arg-type]
            i += 1
        elif char == "=":
            if text.startswith("==", i):
                raise EventError("'==' is not how an event compares", i + 1,
                                 "write one '=', e.g. us_strike=yes")
            out.append(Token("=", "=", i + 1))
            i += 1
        elif char in "\"'":
            name, end = _quoted(text, i)
            out.append(Token("name", name, i + 1, quoted=True))
            i = end
        else:
            match = BARE.match(text, i)
            if match is None:
                raise EventError(f"unexpected {_describe(char)}", i + 1, _hint_for(text, i))
            word = match.group()
            kind = word.lower()
            if kind in KEYWORDS:
                out.append(Token(kind, word, i + 1))  # type: ignore[arg-type]
            else:
                out.append(Token("name", word, i + 1))
            i = match.end()
    out.append(Token("end", "", len(text) + 1))
    return out


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The name in quotes starting at `start`, and the index after its closing quote."""
    mark = text[start]
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in (mark, "\\"):
            chars.append(text[i + 1])
            i += 2
        elif char == mark:
            if not chars:
                raise EventError("an empty name in quotes", start + 1,
                                 "names of nodes and states have at least one character")
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise EventError(f"the quote {mark} at column {start + 1} is not closed", len(text) + 1,
                     f"end the name with {mark}")


def _describe(char: str) -> str:
    return f"character {char!r}" if char.isprintable() else f"character U+{ord(char):04X}"


def _hint_for(text: str, i: int) -> str:
    rest = text[i:]
    if rest.startswith("!="):
        return "write 'not node=state', or 'node in {...}' with the other states"
    if rest[0] == "&":
        return "write 'and'"
    if rest[0] == "|":
        return "write 'or'"
    if rest[0] == "!":
        return "write 'not'"
    return ("a name that is not a plain word (letters, digits, _ . -) goes in quotes, "
            'e.g. "BP" = "<7.5"')


def _shown(token: Token) -> str:
    return "the end of the event" if token.kind == "end" else f"'{token.text}'"


class _Parser:
    """Recursive descent over the tokens, one method per rule of the grammar."""

    def __init__(self, text: str):
        self.tokens = tokens(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise EventError(f"nested more than {MAX_NESTING} deep", token.column,
                             "split the event, or drop parentheses and repeated 'not'")

    def whole(self) -> Event:
        if self.peek().kind == "end":
            raise EventError("the event is empty", 1, "write e.g. us_strike=yes")
        event = self.either()
        token = self.peek()
        if token.kind == ")":
            raise EventError("this ')' closes no '('", token.column,
                             "remove it, or open it with '(' earlier")
        if token.kind != "end":
            raise EventError(f"unexpected {_shown(token)} after a complete condition",
                             token.column, "join conditions with 'and' or 'or'")
        return event

    def either(self) -> Event:
        items = [self.both()]
        while self.peek().kind == "or":
            self.take()
            items.append(self.both())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def both(self) -> Event:
        items = [self.negated()]
        while self.peek().kind == "and":
            self.take()
            items.append(self.negated())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negated(self) -> Event:
        token = self.peek()
        if token.kind != "not":
            return self.atom()
        self.take()
        self.nest(token)
        item = self.negated()
        self.depth -= 1
        return Not(item)

    def atom(self) -> Event:
        token = self.take()
        if token.kind == "(":
            self.nest(token)
            inner = self.either()
            close = self.take()
            if close.kind != ")":
                raise EventError(f"expected ')' to close the '(' at column {token.column}, "
                                 f"found {_shown(close)}", close.column,
                                 "close every '(' with a ')'")
            self.depth -= 1
            return inner
        if token.kind != "name":
            raise EventError(f"expected a condition (node=state), 'not' or '(', found "
                             f"{_shown(token)}", token.column, _keyword_hint(token))
        op = self.take()
        if op.kind == "=":
            state = self.name(f"a state of '{token.text}' after '='")
            return Is(token.text, (state.text,), token.column, (state.column,))
        if op.kind == "in":
            return self.among(token, op)
        raise EventError(f"expected '=' or 'in' after '{token.text}', found {_shown(op)}",
                         op.column, f"write e.g. {quote(token.text)}=<state>")

    def among(self, node: Token, op: Token) -> Is:
        brace = self.take()
        if brace.kind != "{":
            raise EventError(f"expected '{{' after 'in', found {_shown(brace)}", brace.column,
                             f"write e.g. {quote(node.text)} in {{a, b}}")
        if self.peek().kind == "}":
            raise EventError(f"no states of '{node.text}' in the braces", self.peek().column,
                             f"name at least one, e.g. {quote(node.text)} in {{a, b}}")
        names = [self.name(f"a state of '{node.text}' in the braces")]
        while True:
            token = self.take()
            if token.kind == "}":
                break
            if token.kind != ",":
                raise EventError(f"expected ',' or '}}' in the states of '{node.text}', found "
                                 f"{_shown(token)}", token.column,
                                 f"close the set opened at column {brace.column} with '}}'")
            if self.peek().kind == "}":
                self.take()
                break
            names.append(self.name(f"a state of '{node.text}' after ','"))
        return Is(node.text, tuple(n.text for n in names), node.column,
                  tuple(n.column for n in names))

    def name(self, what: str) -> Token:
        token = self.take()
        if token.kind == "name":
            return token
        raise EventError(f"expected {what}, found {_shown(token)}", token.column,
                         _keyword_hint(token))


def _keyword_hint(token: Token) -> str | None:
    if token.kind in KEYWORDS:
        return f"a node or state named '{token.text}' is written in quotes: \"{token.text}\""
    return None


def parse_event(text: str) -> Event:
    """Read an event; raises EventError saying what was expected at which column."""
    return _Parser(text).whole()


def event_problems(event: Event, states: Mapping[str, Sequence[str]]) -> list[EventError]:
    """Each node the scenario does not have, each state not of its node, each state named
    twice in one set."""
    found: list[EventError] = []
    for item in _conditions(event):
        if item.node not in states:
            found.append(EventError(f"unknown node '{item.node}'", item.column,
                                    did_you_mean(item.node, states), item.node))
            continue
        known = states[item.node]
        columns = item.state_columns or (item.column,) * len(item.states)
        seen: set[str] = set()
        for state, column in zip(item.states, columns, strict=True):
            if state not in known:
                found.append(EventError(f"'{state}' is not a state of '{item.node}'", column,
                                        did_you_mean(state, known), item.node))
            elif state in seen:
                found.append(EventError(f"state '{state}' of '{item.node}' is listed twice",
                                        column, "name each state once", item.node))
            seen.add(state)
    return found


def read_event(text: str, states: Mapping[str, Sequence[str]]
               ) -> tuple[Event | None, list[EventError]]:
    """An event read and checked against a scenario's states: (event, []) or (None, what is
    wrong). A syntax error stops reading; every unknown name is reported."""
    try:
        event = parse_event(text)
    except EventError as exc:
        return None, [exc]
    problems = event_problems(event, states)
    return (None, problems) if problems else (event, [])


def _conditions(event: Event) -> Iterator[Is]:
    if isinstance(event, Is):
        yield event
    elif isinstance(event, Not):
        yield from _conditions(event.item)
    else:
        for item in event.items:
            yield from _conditions(item)
