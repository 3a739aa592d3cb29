"""Stage 7, render: a scenario to one self-contained HTML briefing.

The page is built from plain-data sections (`context`, and one module per group of sections)
by the Jinja2
templates in the top-level `templates/` folder, with one Environment (autoescape,
StrictUndefined). The page loads nothing: styles, script, diagrams and data are inline, and
its Content-Security-Policy forbids remote loads. The briefing is rendered in full, then
written atomically (`files.write_atomic`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..errors import shown_on_page
from ..files import names_folder, write_atomic
from .format import counted
from .graphviz import choose_graphviz

if TYPE_CHECKING:
    import jinja2

    from ..analysis.memo import Analyses
    from ..scenario import Scenario
    from .context import Facts, Section, SectionBuilder

_PACKAGE = Path(__file__).resolve().parent.parent
# A wheel carries the templates inside the package; a source checkout (and an editable
# install) keeps them in the top-level templates/ folder.
TEMPLATES = (_PACKAGE / "templates" if (_PACKAGE / "templates").is_dir()
             else _PACKAGE.parent / "templates")
PAGE = "briefing.html.j2"
SCRIPT = "whatif.js"
REPORTS_DIR = "reports"
# Nothing may be loaded; the one script the page runs is allowed by its hash, so no other
# inline script (should one ever slip into the page) would run. Styles stay inline: the
# bars' widths are style attributes.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {script}; "
       "base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class PageScript:
    """The page's one script (the what-if panel's), and the policy that allows it alone."""

    script: Markup  # "" when the page has no panel
    csp: str


def page_script(with_panel: bool) -> PageScript:
    if not with_panel:
        return PageScript(Markup(""), CSP.format(script="'none'"))
    body = (TEMPLATES / SCRIPT).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
    # Our own file, not scenario text: the scenario's data reaches it as escaped JSON.
    return PageScript(Markup(body), CSP.format(script=f"'sha256-{digest}'"))


def section_builders() -> tuple[SectionBuilder, ...]:
    """The briefing's sections in page order (imported here: they pull in the context)."""
    from .analysis import disagreement_section, sensitivity_section, signposts_section
    from .decision_tree import decision_tree_section
    from .decisions import decisions_section, likely_section
    from .diagrams import network_section, tree_section
    from .evidence import evidence_section, method_section, sources_section
    from .front import front_section, panel_section, what_ifs_section
    from .history import changes_section, history_section, score_section

    return (front_section, panel_section, changes_section, history_section, score_section,
            what_ifs_section, tree_section, likely_section,
            signposts_section, sensitivity_section, disagreement_section,
            decision_tree_section, decisions_section, network_section, evidence_section,
            sources_section, method_section)


def analysis_free_builders() -> tuple[SectionBuilder, ...]:
    """The sections that read no analysis (`Facts.analysis`), in page order: all but those
    named here (the tests check that none of them reads it)."""
    from .analysis import disagreement_section, sensitivity_section, signposts_section
    from .decision_tree import decision_tree_section
    from .decisions import decisions_section, likely_section
    from .front import front_section

    analysed = {front_section, likely_section, signposts_section, sensitivity_section,
                disagreement_section, decision_tree_section, decisions_section}
    return tuple(build for build in section_builders() if build not in analysed)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_visible,
    )
    env.filters["css_string"] = css_string
    env.filters["counted"] = counted
    return env


def _visible(value: object) -> object:
    """What a template prints: text from the file with its control characters (an ESC, a
    BEL, a right-to-left override) shown as escapes, as the terminal shows them; markup the
    briefing made itself as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return shown_on_page(value)
    return value


def css_string(text: str) -> Markup:
    """`text` for the inside of a CSS string in a <style> element: every character but
    letters, digits and spaces as a CSS escape, so no quote, backslash or `</style>` from
    the file can end the string or the element."""
    # The space after each escape ends it (CSS takes one whitespace as the terminator).
    return Markup("".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):x} "
                          for c in text))


def annex_letters(shown: list[Section]) -> dict[str, str]:
    """Section id -> its annex letter, A, B, ... in page order."""
    annexes = [section.id for section in shown if section.part == "annex"]
    return {sid: chr(ord("A") + i) for i, sid in enumerate(annexes)}


def sections(facts: Facts) -> list[Section]:
    """The sections in page order. Those that read no analysis are made first, and what the
    others read that needs none (`Facts.ahead`): in watch mode, all of it is made while a
    worker makes the analysis's drawn parts (`analysis.apart`)."""
    free = analysis_free_builders()
    made = {build: build(facts) for build in free}
    facts.ahead()
    made.update((build, build(facts)) for build in section_builders() if build not in made)
    return [section for build in section_builders() if (section := made[build]) is not None]


def render(scenario: Scenario, *, graphviz: str | None = None,
           generated: dt.datetime | None = None, since: str | None = None,
           analyses: Analyses | None = None) -> str:
    """The briefing's HTML. `graphviz` picks the renderer ("auto", "dot" or "wasm");
    `generated` fixes the time the header shows (now by default); `since` (a git revision
    or an older copy of the file) adds what changed since then; `analyses` keeps the
    analyses of earlier pages, for one that reads nothing changed since (watch mode)."""
    from .context import Facts, header
    from .diagrams import draw_ahead
    from .size import check_size

    check_size(scenario)  # before any work that grows with the page
    facts = Facts(scenario, choose_graphviz(graphviz), analyses=analyses)
    if since is not None:
        from ..analysis.diff import diff
        from ..analysis.revisions import load_since

        facts.since = diff(load_since(scenario.path, since), scenario, since, scenario.path.name)
    if generated is not None:
        facts.generated = generated
    draw_ahead(facts)  # the diagrams drawn while the analysis runs
    shown = sections(facts)
    sampled = any(u.states and any(st.p95 - st.p5 > 1e-12 for st in u.states)
                  for u in facts.analysis.uncertainty) or bool(facts.analysis.decisions)
    return environment().get_template(PAGE).render(
        header=header(facts, sampled), sections=shown, annex_of=annex_letters(shown),
        page=page_script(any(section.id == "panel" for section in shown)))


def default_path(scenario: Scenario) -> Path:
    """reports/<scenario id>.html, relative to the current directory."""
    return Path(REPORTS_DIR) / f"{scenario.id}.html"


def report(scenario: Scenario | str | Path, output: str | Path | None = None, *,
           graphviz: str | None = None, generated: dt.datetime | None = None,
           since: str | None = None) -> Path:
    """Render `scenario` (a loaded Scenario or a file to load) to an HTML briefing at
    `output` (default reports/<scenario id>.html); return the path written. An `output`
    that names a folder (it ends in a separator, `briefings/`, or is a folder already) gets
    <folder>/<scenario id>.html, the folder made if it does not exist."""
    from ..scenario import Scenario, load

    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    if output is None:
        target: str | Path = default_path(s)
    elif names_folder(output):
        target = Path(output) / f"{s.id}.html"
    else:
        target = output
    return write_atomic(target, render(s, graphviz=graphviz, generated=generated, since=since))
