"""The `scenario` command: parse arguments, make one library call, print.

Errors are caught in exactly one place, `main`: a ScenarioError (bad input) exits 2 with
its problems, anything unexpected exits 1 without a traceback (set SCENARIO_DEBUG=1 to see
one).
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import click
from click.decorators import FC

from .analysis import DEFAULT_SAMPLES, DEFAULT_SEED
from .briefing import report as write_report
from .briefing.graphviz import GRAPHVIZ_CHOICES
from .briefing.text import distribution_table, event_line, explanation_lines
from .errors import Problem, ScenarioError, shown
from .interop import EXPORT_FORMATS, Converted, ExportFormat, export_scenario, import_network
from .language.assignments import split_assignment
from .language.probability import term_for
from .limits import MAX_SAMPLES
from .scenario import load

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
        out[node] = state
    return out


def emit_json(data: Any) -> None:
    """JSON with every control character escaped: json leaves DEL, C1 and the bidirectional
    controls raw, and they can only sit inside strings, where \\u escapes mean the same."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    click.echo(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


# What json.dumps leaves raw of errors.CONTROL (it escapes C0 controls itself).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


given_option = click.option(
    "--given", "given", multiple=True, metavar="NODE=STATE",
    help="Observe a node in a state (evidence). Repeatable.")
do_option = click.option(
    "--do", "do", multiple=True, metavar="NODE=STATE",
    help="Set a node to a state by intervention (cuts its causes). Repeatable.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
scenario_argument = click.argument(
    "file", type=click.Path(dir_okay=False, path_type=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scenario-modeller")
def cli() -> None:
    """Scenario decision trees: cited probabilities, exact what-if queries, briefings.

    Example:

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --do us_strike=yes
    """


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=str))
@json_option
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Check scenario files and report every problem, with its line. Does not import pgmpy.

    Example:

        scenario validate scenarios/russia_iran_2025.yaml
    """
    problems: list[Problem] = []
    reports = []
    for file in files:
        try:
            s = load(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        reports.append(s)
        if not as_json:
            click.echo(f"ok  {file}: {len(s.nodes)} nodes, {len(s.params)} probabilities, "
                       f"{len(s.what_ifs)} what-ifs")
            for w in s.warnings:
                click.echo(f"warning: {w}", err=True)
    if as_json:
        emit_json({"valid": not problems,
                   "scenarios": [{"file": str(s.path), "id": s.id, "nodes": len(s.nodes),
                                  "warnings": [str(w) for w in s.warnings]} for s in reports],
                   "problems": [str(p) for p in problems]})
    if problems:
        raise ScenarioError(problems)


@cli.command()
@scenario_argument
@click.argument("target", required=False)
@click.option("--event", "event", metavar="EXPR",
              help="Instead of TARGET, the probability of an event: node=state, "
                   "node in {a, b}, and, or, not, parentheses.")
@given_option
@do_option
@click.option("--what-if", "what_if", metavar="NAME",
              help="Apply a what-if named in the file (its given and do).")
@json_option
def query(file: str, target: str | None, event: str | None, given: tuple[str, ...],
          do: tuple[str, ...], what_if: str | None, as_json: bool) -> None:
    """Probability of each state of TARGET, or of an --event, given observations and
    interventions.

    Example:

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --given iran_accepts_talks=yes

        scenario query scenarios/russia_iran_2025.yaml nuclear_deal --do israeli_strike=yes --json

        scenario query scenarios/russia_iran_2025.yaml --event "israeli_strike=yes or us_strike=yes"
    """
    if (target is None) == (event is None):
        raise click.UsageError("name a TARGET node, or give --event EXPR (not both)")
    s = load(file)
    observed = parse_assignments(given, "--given")
    setting = parse_assignments(do, "--do")
    if what_if is not None:
        named = s.named_what_if(what_if)
        observed = {**named.given, **observed}
        setting = {**named.do, **setting}
    if event is not None:
        p = s.probability(event, given=observed, do=setting)
        if as_json:
            emit_json({"scenario": s.id, "event": event, "probability": p, "term": term_for(p),
                       "given": observed, "do": setting})
        else:
            click.echo(event_line(event, p, observed, setting))
        return
    assert target is not None
    dist = s.query(target, given=observed, do=setting)
    if as_json:
        emit_json({"scenario": s.id, **dist.to_dict()})
        return
    click.echo(distribution_table(s.nodes[target].label, dist))


@cli.command()
@scenario_argument
@given_option
@do_option
@json_option
def explain(file: str, given: tuple[str, ...], do: tuple[str, ...], as_json: bool) -> None:
    """The most probable explanation: the likeliest joint state of every other node.

    Example:

        scenario explain scenarios/russia_iran_2025.yaml --given us_strike=yes
    """
    s = load(file)
    found = s.most_probable(given=parse_assignments(given, "--given"),
                            do=parse_assignments(do, "--do"))
    if as_json:
        emit_json({"scenario": s.id, **found.to_dict()})
        return
    click.echo(explanation_lines(found))


@cli.command()
@scenario_argument
@click.option("--outcome", metavar="NODE",
              help="Analyse this node only (default: every role: outcome node).")
@click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=DEFAULT_SAMPLES,
              show_default=True, help="Draws of the uncertain numbers (ranges and terms).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Seed of the draws; the same seed prints the same numbers.")
@json_option
def analyze(file: str, outcome: str | None, samples: int, seed: int, as_json: bool) -> None:
    """Uncertainty, tornado, signposts, source disagreement, decisions, likeliest scenarios.

    Example:

        scenario analyze scenarios/russia_iran_2025.yaml --outcome nuclear_deal

        scenario analyze scenarios/russia_iran_2025.yaml --samples 20000 --seed 7 --json
    """
    from .analysis import analyze as run
    from .briefing.text import render

    found = run(load(file), outcome=outcome, samples=samples, seed=seed)
    if as_json:
        emit_json(found.to_dict())
        return
    click.echo(render(found))


@cli.command()
@scenario_argument
@click.option("--actor", metavar="ACTOR",
              help="Whose utilities to choose by (default: whose the decisions are).")
@click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=DEFAULT_SAMPLES,
              show_default=True, help="Draws of the uncertain numbers (ranges and terms).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Seed of the draws; the same seed prints the same numbers.")
@json_option
def decide(file: str, actor: str | None, samples: int, seed: int, as_json: bool) -> None:
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


def output_option(default: str) -> Callable[[FC], FC]:
    return click.option("-o", "--output", "output", metavar="PATH",
                        type=click.Path(dir_okay=False, path_type=str),
                        help=f"Write it to PATH (default: {default}).")


@cli.command()
@scenario_argument
@output_option("reports/<scenario id>.html")
@click.option("--graphviz", type=click.Choice(GRAPHVIZ_CHOICES), default=None,
              help="Draw with the system `dot`, with Graphviz compiled to WebAssembly, or "
                   "auto: `dot` when on PATH (default; also $SCENARIO_GRAPHVIZ).")
def report(file: str, output: str | None, graphviz: str | None) -> None:
    """Write the scenario's HTML briefing: one self-contained page that works offline.

    Example:

        scenario report scenarios/russia_iran_2025.yaml

        scenario report scenarios/russia_iran_2025.yaml -o briefing.html
    """
    click.echo(f"wrote {write_report(file, output, graphviz=graphviz)}")


def emit_converted(converted: Converted, output: str | None) -> None:
    """A conversion's warnings to stderr, its text to `output` or stdout."""
    for problem in converted.warnings:
        click.echo(f"warning: {problem}", err=True)
    if output is None:
        click.echo(converted.text, nl=False)
    else:
        click.echo(f"wrote {converted.save(output)}")


@cli.command(name="import")
@click.argument("network", type=click.Path(dir_okay=False, path_type=str))
@output_option("print it")
def import_(network: str, output: str | None) -> None:
    """Write a scenario from a Bayesian network file: BIF, XMLBIF, NET, XDSL or UAI (or .gz).

    Numbers are kept exactly and marked "no citation"; names the scenario language does not
    allow are changed, with a warning listing each change.

    Example:

        scenario import asia.bif -o scenarios/asia.yaml
    """
    emit_converted(import_network(network, output), output)


@cli.command()
@scenario_argument
@click.option("--to", "to", type=click.Choice(EXPORT_FORMATS), required=True,
              help="bif or xmlbif (SamIam, pyAgrum, bnlearn), net (Hugin, Netica), xdsl (GeNIe).")
@output_option("print it")
def export(file: str, to: ExportFormat, output: str | None) -> None:
    """Write the scenario's network for other Bayesian-network tools (point values).

    Example:

        scenario export scenarios/russia_iran_2025.yaml --to xdsl -o russia_iran.xdsl
    """
    emit_converted(export_scenario(load(file), to), output)


@cli.command()
@output_option("print it")
def schema(output: str | None) -> None:
    """Print the JSON Schema of scenario files, for editors that check YAML as you type.

    Example:

        scenario schema -o docs/scenario.schema.json
    """
    from .language.json_schema import schema_text

    emit_converted(Converted(schema_text()), output)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `scenario` command; returns the exit code."""
    try:
        with warnings.catch_warnings():  # numpy's RuntimeWarnings are not the user's to read
            warnings.simplefilter("ignore", RuntimeWarning)
            cli.main(args=list(argv) if argv is not None else None, prog_name="scenario",
                     standalone_mode=False)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        return EXIT_INVALID
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_FAILURE
    except Exception as exc:
        if os.environ.get("SCENARIO_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {shown(str(exc))} (set "
                   "SCENARIO_DEBUG=1 for the traceback, and please report it)", err=True)
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":
    sys.exit(main())
