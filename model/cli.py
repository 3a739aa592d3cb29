"""The `scenario` command: parse arguments, make one library call, print.

Errors are caught in exactly one place, `main`: a ScenarioError (bad input) exits 2 with
its problems, one line each, as does a usage error; anything unexpected exits 1 without a
traceback (set SCENARIO_DEBUG=1 to see one). Colour only on a terminal and never under
NO_COLOR; progress bars only when stderr is a terminal, never with --json or -q.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

EXIT_ABORTED = 1  # Ctrl+C: "error: aborted" alone, as click's Abort has always exited


def _aborted_while_starting(_signum: int, _frame: FrameType | None) -> None:
    """Ctrl+C while the command's modules load (numpy, pydantic, click: about half a
    second): said in one line, as later, never a traceback from an import."""
    sys.stderr.write("error: aborted\n")
    raise SystemExit(EXIT_ABORTED)


# Ctrl+C says so from here to the end of this module, then Python's own handler again (so click
# and `runs.sigint_held` see KeyboardInterrupt as usual); only where it is Python's own (the
# main thread of a process that did not set one). Every import below comes after it.
# ruff: noqa: E402
_STARTING = (threading.current_thread() is threading.main_thread()
             and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
if _STARTING:
    signal.signal(signal.SIGINT, _aborted_while_starting)

import json
import math
import os
import re
import shlex
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.decorators import FC

from .analysis import DEFAULT_SAMPLES, DEFAULT_SEED
from .analysis.sweep import EACH_CHOICES, Each
from .briefing import report as write_report
from .briefing import terminal
from .briefing.format import counted
from .briefing.graphviz import GRAPHVIZ_CHOICES
from .briefing.text import distribution_table, event_line, explanation_lines, log_line
from .briefing.watch import DEFAULT_PORT
from .errors import Problem, ScenarioError, shown
from .history import as_day
from .interop import EXPORT_FORMATS, Converted, ExportFormat, export_scenario, import_network
from .interop.writers import lost_characters
from .language.assignments import split_assignment
from .language.probability import term_for
from .limits import MAX_INFERENCE_SAMPLES, MAX_SAMPLES
from .progress import shown as show_progress
from .runs import BACKENDS, Backend
from .scenario import SAMPLING_SEED, load

if TYPE_CHECKING:
    from .briefing.watch import Build

EXIT_INVALID = 2
EXIT_FAILURE = 1


def parse_assignments(values: Sequence[str], flag: str) -> dict[str, str]:
    """`node=state` pairs from repeated flags, split at the first `=` (quote a node whose
    name holds `=`: `--given '"a=b"=yes'`)."""
    out: dict[str, str] = {}
    for value in values:
        try:
            node, state = split_assignment(value)
        except ValueError as exc:
            raise click.BadParameter(f"'{value}' is not node=state ({exc}), e.g. {flag} "
                                     "iran_accepts_talks=yes; quote a name that holds '=': "
                                     f"{flag} '\"a=b\"=yes'", param_hint=flag) from None
        if node in out and out[node] != state:
            raise click.BadParameter(f"'{node}' is given two states ({out[node]} and {state}); "
                                     "name each node once", param_hint=flag)
        out[node] = state
    return out


def parse_likelihoods(values: Sequence[str], flag: str) -> dict[str, dict[str, float]]:
    """`node=state:weight,state:weight` from repeated flags; a name holding `=`, `:` or `,`
    is written quoted ("..." or '...'). States left out weigh 1; two flags on one node are
    two reports, their weights multiplied state by state (as two entries of a log are)."""
    out: dict[str, dict[str, float]] = {}
    example = f"e.g. {flag} israeli_strike=yes:1,no:3"
    for value in values:
        node, rest = _name(value, "=")
        if node is None or rest is None or not rest.strip():
            raise click.BadParameter(f"'{value}' is not node=state:weight,..., {example}",
                                     param_hint=flag)
        weights: dict[str, float] = {}
        while rest is not None and rest.strip():
            state, rest = _name(rest, ":")
            if state is None or rest is None:
                raise click.BadParameter(f"'{value}': each state needs a weight after ':', "
                                         f"{example}", param_hint=flag)
            number, comma, after = rest.partition(",")
            if state in weights:
                raise click.BadParameter(f"'{value}': state '{state}' of '{node}' is weighed "
                                         f"twice; weigh each state once, {example}",
                                         param_hint=flag)
            try:
                weights[state] = float(number)
            except ValueError:
                raise click.BadParameter(f"'{value}': '{number.strip()}' is not a number, "
                                         f"{example}", param_hint=flag) from None
            if weights[state] == 0 and any(ch in "123456789" for ch in
                                            number.lower().partition("e")[0]):
                raise click.BadParameter(f"'{value}': '{number.strip()}' is too small to "
                                         "hold apart from 0; weights are relative: give them "
                                         f"on a scale such as 1 and 1e6, {example}",
                                         param_hint=flag)
            rest = after if comma else None
        merged = out.setdefault(node, {})
        for state, weight in weights.items():
            before = merged.get(state, 1.0)
            merged[state] = before * weight
            if not math.isfinite(merged[state]) or (merged[state] == 0 and before and weight):
                raise click.BadParameter(f"'{value}': the reports on '{node}' multiply past "
                                         "what a number holds; weights are relative: give "
                                         "each report's on a scale such as 1 and 6",
                                         param_hint=flag)
    return out


def _name(text: str, end: str) -> tuple[str | None, str | None]:
    """A name up to `end` (bare, or quoted with " or '), and the text after `end`."""
    text = text.lstrip()
    if text[:1] in ("'", '"'):
        closing = text.find(text[0], 1)
        if closing < 0 or not text[closing + 1:].lstrip().startswith(end):
            return None, None
        after = text[closing + 1:].lstrip()[1:]
        return text[1:closing], after
    name, sep, after = text.partition(end)
    if not sep or not name.strip():
        return None, None
    return name.strip(), after


def emit_json(data: Any) -> None:
    """JSON with every control character escaped: json leaves DEL, C1 and the bidirectional
    controls raw, and they can only sit inside strings, where \\u escapes mean the same."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    click.echo(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


# What json.dumps leaves raw of errors.CONTROL (it escapes C0 controls itself).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e"
                          "\u2060-\u2069\ufeff]")


@dataclass
class Settings:
    """What the group's options say about every command's output."""

    quiet: bool = False


def settings() -> Settings:
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def notice(text: str) -> None:
    """A line that says what was done ("ok ...", "wrote ..."): left out under -q."""
    if not settings().quiet:
        click.echo(text)


def wrote(path: str | Path) -> None:
    """The "wrote PATH" notice, the path's control characters escaped (it is the user's, or
    made of a scenario id, and may hold anything a file name can)."""
    notice(f"wrote {shown(str(path))}")


def warn(problem: Problem | str) -> None:
    click.echo(terminal.warning_line(str(problem)), err=True, color=terminal.colour())


def _no_bars(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.with_resource(show_progress(False))
    return value


def _quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        root = ctx.find_root()
        root.obj = Settings(quiet=True)
        ctx.with_resource(show_progress(False))


quiet_option = click.option(
    "-q", "--quiet", is_flag=True, expose_value=False, callback=_quiet,
    help="Print only results and problems: no progress bars, no 'ok' or 'wrote' lines.")


given_option = click.option(
    "--given", "given", multiple=True, metavar="NODE=STATE",
    shell_complete=lambda c, p, i: complete_assignment(c, p, i),
    help="Observe a node in a state (evidence). Repeatable.")
do_option = click.option(
    "--do", "do", multiple=True, metavar="NODE=STATE",
    shell_complete=lambda c, p, i: complete_assignment(c, p, i),
    help="Set a node to a state by intervention (cuts its causes). Repeatable.")
likelihood_option = click.option(
    "--likelihood", "likelihood", multiple=True, metavar="NODE=STATE:WEIGHT,...",
    help="Likelihood (uncertain) evidence: how probable a report is under each state of a "
         "node, relative weights, e.g. israeli_strike=yes:1,no:3 (states left out weigh 1). "
         "Repeatable: two reports on one node multiply.")
json_option = click.option("--json", "as_json", is_flag=True, callback=_no_bars,
                           help="Print JSON (and no progress bars).")
scenario_argument = click.argument(
    "file", type=click.Path(dir_okay=False, path_type=str))
file_or_folder_argument = click.argument("file", metavar="FILE|DIR", type=click.Path(path_type=str))
jobs_option = click.option(
    "--jobs", "jobs", type=click.IntRange(min=0), default=1, show_default=True, metavar="N",
    help="Run on N processes of this machine (0: one per core); with --backend dask, the "
         "workers of a local cluster.")
backend_option = click.option(
    "--backend", "backend", type=click.Choice(BACKENDS), default="local", show_default=True,
    help="local: this machine's processes; dask: a dask.distributed cluster (--scheduler, "
         "or one started here).")
scheduler_option = click.option(
    "--scheduler", "scheduler", metavar="ADDRESS",
    help="With --backend dask: the scheduler's address, e.g. tcp://10.0.0.5:8786 (also "
         "$SCENARIO_DASK_SCHEDULER); without it, a local cluster of --jobs workers.")
SCHEDULER_VARIABLE = "SCENARIO_DASK_SCHEDULER"


def dask_scheduler(backend: Backend, scheduler: str | None) -> str | None:
    """The scheduler's address: --scheduler, else with --backend dask the environment's
    (which a local run ignores, so setting it once does not break local runs)."""
    if scheduler is None and backend == "dask":
        return os.environ.get(SCHEDULER_VARIABLE) or None
    return scheduler


def folder_only(jobs: int, backend: Backend, scheduler: str | None) -> None:
    """Refuse the options that spread a folder's files over processes, given for one file."""
    if jobs != 1 or backend != "local" or scheduler is not None:
        raise click.UsageError("--jobs, --backend and --scheduler run the scenarios of a "
                               "folder in parallel: give a DIR, or leave them out for one "
                               "FILE")


def output_option(default: str, dir_okay: bool = False) -> Callable[[FC], FC]:
    return click.option("-o", "--output", "output", metavar="PATH",
                        type=click.Path(dir_okay=dir_okay, path_type=str),
                        help=f"Write it to PATH (default: {default}).")


graphviz_option = click.option(
    "--graphviz", type=click.Choice(GRAPHVIZ_CHOICES), default=None,
    help="Draw with the system `dot`, with Graphviz compiled to WebAssembly, or auto: `dot` "
         "when on PATH (default; also $SCENARIO_GRAPHVIZ).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Shell completion (commands, options, files, and the nodes and states "
                    "of --given and --do): add eval \"$(_SCENARIO_COMPLETE=bash_source "
                    "scenario)\" to ~/.bashrc; zsh: zsh_source in ~/.zshrc; fish: "
                    "_SCENARIO_COMPLETE=fish_source scenario > "
                    "~/.config/fish/completions/scenario.fish.")
@click.version_option(package_name="scenario-modeller", prog_name="scenario",
                      message="%(prog)s %(version)s")
@click.option("-q", "--quiet", is_flag=True,
              help="Print only results and problems: no progress bars, no 'ok' or 'wrote' "
                   "lines (also after the command: scenario report -q FILE).")
@click.pass_context
def cli(ctx: click.Context, quiet: bool) -> None:
    """Scenario decision trees: cited probabilities, exact what-if queries, briefings.

    Every FILE may be a scenario (.yaml), another tool's network file as it is (.bif,
    .xmlbif, .net, .xdsl or .uai, gzipped or not), or one of pgmpy's bundled networks by
    name (pgmpy:alarm, pgmpy:asia, ...).

    Example:

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --do us_strike=yes
    """
    ctx.obj = Settings(quiet=quiet)
    ctx.color = terminal.colour()
    ctx.with_resource(show_progress(not quiet and terminal.is_terminal()))


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=str))
@json_option
@quiet_option
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Check scenario and case files and report every problem, with its line. Does not
    import pgmpy.

    Example:

        scenario validate scenarios/russia_iran_2025.yaml
    """
    problems: list[Problem] = []
    warned: list[Problem] = []  # of the files refused: shown after their problems
    reports = []
    for file in files:
        try:
            s = load(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            warned.extend(exc.warnings)
            continue
        try:
            s.check_evidence()  # whether the dated evidence is possible needs the network
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        reports.append(s)
        if not as_json:
            notice(terminal.ok_line(
                f"{shown(file)}: {counted(len(s.nodes), 'node')}, "
                f"{counted(len(s.params), 'probability', 'probabilities')}, "
                f"{counted(len(s.what_ifs), 'what-if')}"))
            for w in s.warnings:
                warn(w)
    if as_json:
        emit_json({"valid": not problems,
                   "scenarios": [{"file": str(s.path), "id": s.id, "nodes": len(s.nodes),
                                  "warnings": [str(w) for w in s.warnings]} for s in reports],
                   "problems": [str(p) for p in problems]})
    if problems:
        raise ScenarioError(problems, () if as_json else warned)


@cli.command()
@scenario_argument
@click.argument("target", required=False, shell_complete=lambda c, p, i: complete_nodes(c, i))
@click.option("--event", "event", metavar="EXPR",
              help="Instead of TARGET, the probability of an event: node=state, "
                   "node in {a, b}, and, or, not, parentheses.")
@given_option
@do_option
@likelihood_option
@click.option("--what-if", "what_if", metavar="NAME",
              help="Apply a what-if named in the file (its given and do).")
@click.option("--approximate", "approximate", type=click.IntRange(1, MAX_INFERENCE_SAMPLES),
              metavar="SAMPLES",
              help="Estimate by likelihood weighting with this many samples, with standard "
                   "errors, instead of answering exactly (for questions too large for exact "
                   "inference).")
@click.option("--seed", type=click.IntRange(min=0), default=SAMPLING_SEED, show_default=True,
              help="Seed of --approximate's samples; the same seed prints the same estimate.")
@json_option
@quiet_option
def query(file: str, target: str | None, event: str | None, given: tuple[str, ...],
          do: tuple[str, ...], likelihood: tuple[str, ...], what_if: str | None,
          approximate: int | None, seed: int, as_json: bool) -> None:
    """Probability of each state of TARGET, or of an --event, given observations,
    interventions and likelihood evidence.

    Example:

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --given iran_accepts_talks=yes

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --do israeli_strike=yes --json

        scenario query scenarios/russia_iran_2025.yaml --event "israeli_strike=yes or us_strike=yes"

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --likelihood us_strike=no:3
    """
    if (target is None) == (event is None):
        raise click.UsageError("name a TARGET node, or give --event EXPR (not both)")
    s = load(file)
    observed = parse_assignments(given, "--given")
    setting = parse_assignments(do, "--do")
    reports = parse_likelihoods(likelihood, "--likelihood")
    asking: AbstractContextManager[None] = nullcontext()
    if what_if is not None:
        named = s.named_what_if(what_if)
        observed = {**named.given, **observed}
        setting = {**named.do, **setting}
        asking = s.asking_what_if(what_if)  # a failure is located at the what-if
    if event is not None:
        if approximate is not None:
            raise click.UsageError("--approximate estimates a TARGET's distribution, not an "
                                   "--event's probability")
        with asking:
            p = s.probability(event, given=observed, do=setting, likelihood=reports)
        log = s.log_in_effect(observed, setting)
        if as_json:
            emit_json({"scenario": s.id, "event": event, "probability": p, "term": term_for(p),
                       "given": observed, "do": setting, "likelihood": reports,
                       "evidence_log": log})
        else:
            click.echo("\n".join(filter(None, (event_line(event, p, observed, setting,
                                                           reports), log_line(log)))))
        return
    assert target is not None
    with asking:
        dist = s.query(target, given=observed, do=setting, likelihood=reports,
                       approximate=approximate, seed=seed)
    log = s.log_in_effect(observed, setting)
    if as_json:
        emit_json({"scenario": s.id, **dist.to_dict(), "evidence_log": log})
        return
    click.echo("\n".join(filter(None, (distribution_table(s.nodes[target].label, dist),
                                       log_line(log)))))


@cli.command()
@scenario_argument
@given_option
@do_option
@likelihood_option
@json_option
@quiet_option
def explain(file: str, given: tuple[str, ...], do: tuple[str, ...],
            likelihood: tuple[str, ...], as_json: bool) -> None:
    """The most probable explanation: the likeliest joint state of every other node.

    Example:

        scenario explain scenarios/russia_iran_2025.yaml --given us_strike=yes
    """
    s = load(file)
    observed, setting = parse_assignments(given, "--given"), parse_assignments(do, "--do")
    found = s.most_probable(given=observed, do=setting,
                            likelihood=parse_likelihoods(likelihood, "--likelihood"))
    log = s.log_in_effect(observed, setting)
    if as_json:
        emit_json({"scenario": s.id, **found.to_dict(), "evidence_log": log})
        return
    click.echo("\n".join(filter(None, (explanation_lines(found), log_line(log)))))


samples_option = click.option(
    "--samples", type=click.IntRange(1, MAX_SAMPLES), default=DEFAULT_SAMPLES,
    show_default=True, help="Draws of the uncertain numbers (ranges and terms).")
# an analysis without --samples takes DEFAULT_SAMPLES, or as many as the memory budget holds
analysis_samples_option = click.option(
    "--samples", type=click.IntRange(1, MAX_SAMPLES), default=None,
    help=f"Draws of the uncertain numbers (ranges and terms); default {DEFAULT_SAMPLES:,}, "
         "or fewer for very large uncertain tables (the output says so).")
seed_option = click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED,
                           show_default=True,
                           help="Seed of the draws; the same seed prints the same numbers.")


@cli.command()
@file_or_folder_argument
@click.option("--outcome", metavar="NODE", shell_complete=lambda c, p, i: complete_nodes(c, i),
              help="Analyse this node only (default: every role: outcome node).")
@analysis_samples_option
@seed_option
@jobs_option
@backend_option
@scheduler_option
@json_option
@quiet_option
def analyze(file: str, outcome: str | None, samples: int | None, seed: int, jobs: int,
            backend: Backend, scheduler: str | None, as_json: bool) -> None:
    """Judgements, uncertainty, tornado, signposts, source disagreement, decisions,
    likeliest scenarios; of one file, or of every scenario in a folder (in parallel with
    --jobs or --backend dask).

    Example:

        scenario analyze scenarios/russia_iran_2025.yaml --outcome nuclear_deal

        scenario analyze scenarios/russia_iran_2025.yaml --samples 20000 --seed 7 --json

        scenario analyze scenarios/ --jobs 2
    """
    from .briefing.text import folder_analyses, render

    if Path(file).is_dir():
        if outcome is not None:
            raise click.UsageError("--outcome names a node of one scenario: give a FILE")
        from .analysis.batch import analyze_folder

        run = analyze_folder(file, samples=samples, seed=seed, jobs=jobs, backend=backend,
                             scheduler=dask_scheduler(backend, scheduler))
        if as_json:
            emit_json(run.to_dict())
        elif run.analyses:
            click.echo(folder_analyses(run))
        if run.problems:
            raise ScenarioError(run.problems)
        return
    folder_only(jobs, backend, scheduler)
    from .analysis import analyze as run_one

    found = run_one(load(file), outcome=outcome, samples=samples, seed=seed)
    if as_json:
        emit_json(found.to_dict())
        return
    click.echo(render(found))


@cli.command()
@scenario_argument
@click.option("--actor", metavar="ACTOR",
              help="Whose utilities to choose by (default: whose the decisions are).")
@analysis_samples_option
@seed_option
@json_option
@quiet_option
def decide(file: str, actor: str | None, samples: int | None, seed: int,
           as_json: bool) -> None:
    """Solve the reader's own decisions (decision nodes without probabilities): the best
    policy, each option's expected utility with its 90% range, and what knowing each
    uncertain node would be worth (EVPI).

    Example:

        scenario decide scenarios/oil_wildcatter.yaml --actor wildcatter
    """
    from .analysis import decide as solve
    from .briefing.text import strategy_text

    found = solve(load(file), actor=actor, samples=samples, seed=seed)
    if as_json:
        emit_json(found.to_dict())
        return
    click.echo(strategy_text(found))


@cli.command()
@scenario_argument
@json_option
@quiet_option
def timeline(file: str, as_json: bool) -> None:
    """The forecast's history: every outcome, key judgement and resolved node on the as_of
    date and after each dated evidence entry, with the evidence of the day.

    Example:

        scenario timeline scenarios/russia_iran_2025_followup.yaml
    """
    from .briefing.history_text import timeline_json, timeline_text

    s = load(file)
    frame = s.timeline()
    if as_json:
        emit_json(timeline_json(s, frame))
        return
    click.echo(timeline_text(s, frame))


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=str))
@click.option("--at", "at", default="as_of", show_default=True, metavar="as_of|latest|DATE",
              help="Which forecast to score: the original (as_of), the one with all the "
                   "evidence (latest), or the one that stood on a date (YYYY-MM-DD).")
@json_option
@quiet_option
def score(files: tuple[str, ...], at: str, as_json: bool) -> None:
    """Brier and log scores of each file's forecast against its resolutions, and a
    calibration table over them all (forecasts grouped by ICD 203 band).

    Example:

        scenario score scenarios/russia_iran_2025_followup.yaml

        scenario score cases/*.yaml --at latest --json
    """
    from .analysis.scores import score_files
    from .briefing.history_text import scores_text

    if at not in ("as_of", "latest"):
        try:
            as_day(at)  # a date is the option's to get right, not a file's
        except ScenarioError as exc:
            raise click.BadParameter(f"{exc.problems[0].message} (write it as YYYY-MM-DD, "
                                     "or as_of, or latest)", param_hint="--at") from None
    found = score_files(files, at=at)
    if as_json:
        emit_json(found.to_dict())
        return
    for w in found.warnings:
        warn(w)
    click.echo(scores_text(found))


@cli.command(name="diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=str))
@click.argument("new", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("--since", "since", metavar="REVISION|FILE",
              help="Compare OLD as it is now with itself at a git revision (HEAD~1, a tag, a "
                   "commit) or with an older copy of the file.")
@json_option
@quiet_option
def diff_(old: str, new: str | None, since: str | None, as_json: bool) -> None:
    """What moved between two versions of a scenario, and why: every outcome's and
    judgement's move, and each change's share of it (Shapley values that add up to it).

    Example:

        scenario diff old.yaml scenarios/russia_iran_2025.yaml

        scenario diff scenarios/russia_iran_2025.yaml --since HEAD~1 --json
    """
    from .analysis.diff import diff_files
    from .briefing.history_text import diff_text

    found = diff_files(old, new, since=since)
    if as_json:
        emit_json(found.to_dict())
        return
    click.echo(diff_text(found))



@cli.command()
@scenario_argument
@click.option("--vary", "vary", multiple=True, metavar="NAME=FROM:TO:STEPS",
              help="Sweep a written number, named as the tornado of `scenario analyze` "
                   "names it (e.g. 'us_course: P(use_force)'), over STEPS values from FROM "
                   "to TO. Repeatable: several make a grid.")
@click.option("--each", "each", type=click.Choice(EACH_CHOICES), default=None,
              help="source: add each source's reading alone (its own estimates wherever it "
                   "gave them) beside the pooled one.")
@click.option("--outcome", "outcome", multiple=True, metavar="NODE",
              shell_complete=lambda c, p, i: complete_nodes(c, i),
              help="The nodes to report (default: every role: outcome node). Repeatable.")
@click.option("--intervals", is_flag=True,
              help="Add each figure's 90% interval over --samples draws of the other numbers.")
@samples_option
@seed_option
@output_option("print a table", dir_okay=False)
@jobs_option
@backend_option
@scheduler_option
@json_option
@quiet_option
def sweep(file: str, vary: tuple[str, ...], each: Each | None, outcome: tuple[str, ...],
          intervals: bool, samples: int, seed: int, output: str | None, jobs: int,
          backend: Backend, scheduler: str | None, as_json: bool) -> None:
    """Every outcome and key judgement for every variant: a grid of written numbers
    (--vary) and each source's reading alone (--each source); printed, or written as CSV
    or Parquet (-o by its suffix).

    Example:

        scenario sweep scenarios/russia_iran_2025.yaml --vary 'us_course: P(use_force)=0.1:0.6:6'

        scenario sweep scenarios/russia_iran_2025.yaml --each source --intervals -o sources.csv
    """
    from .analysis.sweep import sweep as run
    from .briefing.text import sweep_table

    if not vary and each is None:
        raise click.UsageError("give --vary NAME=FROM:TO:STEPS or --each source (or both)")
    found = run(load(file), vary=vary, each=each, outcome=outcome or None, intervals=intervals,
                samples=samples, seed=seed, jobs=jobs, backend=backend,
                scheduler=dask_scheduler(backend, scheduler))
    if output is not None:
        wrote(found.save(output))
    elif as_json:
        emit_json(found.to_dict())
    else:
        click.echo(sweep_table(found))


@cli.command()
@file_or_folder_argument
@output_option("reports/<scenario id>.html; for a DIR, the folder reports/", dir_okay=True)
@graphviz_option
@jobs_option
@backend_option
@scheduler_option
@click.option("--since", "since", metavar="REVISION|FILE",
              help="Add a 'What changed since' section: the file at a git revision, or an "
                   "older copy of it.")
@quiet_option
def report(file: str, output: str | None, graphviz: str | None, jobs: int, backend: Backend,
           scheduler: str | None, since: str | None) -> None:
    """Write the scenario's HTML briefing: one self-contained page that works offline; for
    a folder, the briefing of every scenario in it (in parallel with --jobs or --backend
    dask), each named for its scenario id.

    Example:

        scenario report scenarios/russia_iran_2025.yaml

        scenario report scenarios/russia_iran_2025.yaml -o briefing.html

        scenario report scenarios/ -o reports/ --jobs 2

        scenario report scenarios/russia_iran_2025.yaml --since HEAD~1
    """
    if Path(file).is_dir():
        if since is not None:
            raise click.UsageError("--since compares one file with its older version")
        from .briefing.batch import report_folder

        run = report_folder(file, output, graphviz=graphviz, jobs=jobs, backend=backend,
                            scheduler=dask_scheduler(backend, scheduler))
        for path in run.written:
            wrote(path)
        if run.problems:
            raise ScenarioError(run.problems)
        return
    folder_only(jobs, backend, scheduler)
    wrote(write_report(file, output, graphviz=graphviz, since=since))


@cli.command()
@scenario_argument
@output_option("reports/<scenario id>.html")
@graphviz_option
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT,
              show_default=True, help="Serve the page on 127.0.0.1 at this port (0: any free "
                                      "one; the address is printed).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@quiet_option
def watch(file: str, output: str | None, graphviz: str | None, port: int,
          open_browser: bool) -> None:
    """Rewrite the briefing whenever FILE or a source text it cites is saved, print its
    problems as validate does, and reload the page open in a browser (served from
    127.0.0.1 only; the file written stays static). Ctrl+C stops.

    Example:

        scenario watch scenarios/russia_iran_2025.yaml --open
    """
    from .briefing.watch import watch as follow

    def serving(url: str) -> None:
        notice(f"serving {url} (it reloads itself on each save; Ctrl+C stops)")
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    def built(build: Build) -> None:
        for problem in build.problems:
            click.echo(terminal.error_line(str(problem)), err=True)
        for w in build.warnings:
            warn(w)
        notice(shown(build.summary()))

    follow(file, output, graphviz=graphviz, port=port, on_serving=serving, on_build=built)


def emit_converted(converted: Converted, output: str | None) -> None:
    """A conversion's warnings to stderr, its text to `output` or stdout."""
    for problem in converted.warnings:
        warn(problem)
    if output is None:
        click.echo(converted.text, nl=False)
    else:
        wrote(converted.save(output))


@cli.command(name="import")
@click.argument("network", type=click.Path(dir_okay=False, path_type=str))
@output_option("print it")
@quiet_option
def import_(network: str, output: str | None) -> None:
    """Write a scenario from a Bayesian network file: BIF, XMLBIF, NET, XDSL or UAI (or .gz).

    Numbers and names are kept exactly, every number marked as an uncited import. NETWORK may
    also be one of pgmpy's bundled networks (pgmpy:alarm).

    Example:

        scenario import pgmpy:asia -o scenarios/asia.yaml
    """
    emit_converted(import_network(network), output)


@cli.command()
@scenario_argument
@click.option("--to", "to", type=click.Choice(EXPORT_FORMATS), required=True,
              help="bif or xmlbif (SamIam, pyAgrum, bnlearn, pgmpy), net (Hugin, Netica), "
                   "xdsl (GeNIe), uai (inference solvers).")
@click.option("--policy", is_flag=True,
              help="Write the reader's decisions as chance nodes holding the best policy, "
                   "for a format without decision nodes (bif, net, uai).")
@output_option("print it")
@quiet_option
def export(file: str, to: ExportFormat, policy: bool, output: str | None) -> None:
    """Write the scenario's network for other Bayesian-network tools (point values).

    Names a format does not allow are written otherwise, each listed in a warning, and the
    file records the originals, so loading it here gives them back. An influence diagram
    (decisions of the reader's own) goes to xdsl and xmlbif with its decision and utility
    nodes; the other formats refuse it unless --policy is given.

    Example:

        scenario export scenarios/russia_iran_2025.yaml --to xdsl -o russia_iran.xdsl
        scenario export scenarios/oil_wildcatter.yaml --to xmlbif -o wildcatter.bifxml
    """
    s = load(file)
    converted = export_scenario(s, to, policy)
    # what the format cannot hold of the title and labels, said unless the export says it
    lost = [w for w in lost_characters(to, s.title, {n: spec.label for n, spec in
                                                     s.nodes.items()}, s.document.name)
            if w not in converted.warnings]
    emit_converted(Converted(converted.text, (*converted.warnings, *lost)), output)


@cli.command()
@output_option("print it")
@quiet_option
def schema(output: str | None) -> None:
    """Print the JSON Schema of scenario files, for editors that check YAML as you type.

    Example:

        scenario schema -o docs/scenario.schema.json
    """
    from .language.json_schema import schema_text

    emit_converted(Converted(schema_text()), output)


def _completed_nodes(ctx: click.Context) -> Mapping[str, Any]:
    """The nodes of the FILE on the line being completed; none when it does not load."""
    file = ctx.params.get("file")
    if file is None:  # click leaves the params empty while an option still wants its value
        words = shlex.split(os.environ.get("COMP_WORDS", ""))
        file = next((w for w in words if w.endswith((".yaml", ".yml"))), None)
    try:
        return load(file).nodes if file else {}
    except (ScenarioError, OSError):
        return {}


def complete_nodes(ctx: click.Context, incomplete: str) -> list[str]:
    """The scenario's node names, for shell completion."""
    return [n for n in _completed_nodes(ctx) if n.startswith(incomplete)]


def complete_assignment(ctx: click.Context, _param: click.Parameter,
                        incomplete: str) -> list[str]:
    """NODE=STATE pairs of the scenario, for shell completion of --given and --do."""
    return [f"{n}={st}" for n, spec in _completed_nodes(ctx).items() for st in spec.states
            if f"{n}={st}".startswith(incomplete)]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `scenario` command; returns the exit code."""
    def error(text: str) -> None:
        click.echo(terminal.error_line(text), err=True, color=terminal.colour())

    try:
        with warnings.catch_warnings():  # numpy's RuntimeWarnings are not the user's to read
            warnings.simplefilter("ignore", RuntimeWarning)
            cli.main(args=list(argv) if argv is not None else None, prog_name="scenario",
                     standalone_mode=False)
    except ScenarioError as exc:
        for problem in exc.problems:
            error(str(problem))
        for w in exc.warnings:
            warn(w)
        return EXIT_INVALID
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "scenario"
        # click's own message may run over lines (a list of choices): one line here
        error(f"{shown(' '.join(exc.format_message().split()))} (see '{where} --help')")
        return exc.exit_code
    except click.ClickException as exc:
        error(shown(exc.format_message()))
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # the latter in our own handlers
        error("aborted")
        return EXIT_ABORTED
    except Exception as exc:
        if os.environ.get("SCENARIO_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {shown(str(exc))} (set "
              "SCENARIO_DEBUG=1 for the traceback, and please report it)")
        return EXIT_FAILURE
    return 0


if _STARTING and signal.getsignal(signal.SIGINT) is _aborted_while_starting:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if __name__ == "__main__":
    sys.exit(main())
