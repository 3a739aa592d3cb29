"""What a citation's paragraphs and quote must match in its source text, for node citations
(`checks`) and the evidence log's reports (`evidence_log`) alike."""

from __future__ import annotations

import re
from collections.abc import Sequence


def squash(text: str) -> str:
    """Text as quotes are matched: spaces collapsed, curly apostrophes straight, lower case."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().lower()


def paragraph_problem(source: str, paras: Sequence[str], cited: Sequence[int],
                      quote: str | None) -> tuple[str, str, str] | None:
    """(field, message, hint) of the first thing wrong with citing paragraphs `cited` (none:
    the whole text) of source `source`, whose paragraphs are `paras`, and quoting `quote`
    from them; None when nothing is."""
    beyond = [p for p in cited if p > len(paras)]
    if beyond:
        return ("para", f"paragraph {beyond[0]} is beyond the end of source '{source}', "
                        f"which has {len(paras)} paragraphs",
                "paragraphs are the text's non-blank lines, numbered from 1")
    if quote is None:
        return None
    wanted = squash(quote)
    searched = [paras[p - 1] for p in cited] if cited else list(paras)
    if any(wanted in squash(text) for text in searched):
        return None
    copy = "copy the words exactly, or drop 'quote' and paraphrase in 'says'"
    if not cited:
        return "quote", f"quote not found in source '{source}'", copy
    found = [i + 1 for i, text in enumerate(paras) if wanted in squash(text)]
    return ("quote", f"quote not found in paragraph {', '.join(map(str, cited))} of "
                     f"'{source}'", f"it is in paragraph {found[0]}" if found else copy)
