"""How fast each YAML reader turns scenario files into plain data: KB/s per candidate, side by
side, on realistic files (the seed; pgmpy's `water` and `mildew` written as compact tables;
`water` in the long `table:` form; a dense generated compact file).

    python benchmarks/bench_loader.py [--repeats 5]

Candidates (each run interleaved with the others; the best of the repeats, since the
machine is shared and only the fastest run shows what a reader costs):

- `ours`: libyaml's events through PyYAML's C parser, built into plain data with our own
  YAML 1.2 resolver in one loop (`model.language.loader.parse_document`; lines kept), with
  runs of compact rows, one-line flow collections and long tables' items read in bulk;
- `rows only`: the same reading only runs of rows in bulk, as the loader did before flow
  collections and items were (long tables then read an event per element);
- `ruamel rt`: ruamel.yaml's round-trip load alone, which the loader before this one was
  built on (it then copied the result into plain data, so it was slower still);
- `no bulk`: the same without reading anything in bulk (an event per element);
- `compose`: PyYAML's C composer (nodes with marks), then a walk with the same resolver;
- `pure events`: our builder fed by PyYAML's pure-Python parser (no libyaml, no bulk);
- `ryml walk`: rapidyaml's C++ tree walked from Python (no lines: the Python API gives no
  positions), and `ryml parse`, its C++ parse alone, as a ceiling.

Networks are read with pyAgrum (fast; its float32 numbers are rounded back to the 7
significant digits BIF files carry), so nothing here needs pgmpy.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.language import loader  # noqa: E402
from model.network.net import Net  # noqa: E402

HEAD = ("scenario: {id}\ntitle: {id}\nquestion: What does {id} say?\nas_of: 2025-01-01\n"
        "horizon: 2025-01-01\n")


def network(name: str) -> Net:
    """pgmpy's bundled classic network `name`, read by pyAgrum."""
    import pgmpy
    import pyagrum as gum

    source = Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"
    with tempfile.TemporaryDirectory() as folder:
        bif = Path(folder) / f"{name}.bif"
        bif.write_bytes(gzip.decompress(source.read_bytes()))
        bn = gum.loadBN(str(bif))
    states, parents, tables = {}, {}, {}
    for node_id in bn.topologicalOrder():
        var = bn.variable(node_id)
        cpt = bn.cpt(node_id)
        names = list(cpt.names)
        axes = list(reversed(names))
        node = var.name()
        states[node] = tuple(var.labels())
        parents[node] = tuple(names[1:])
        array = np.transpose(np.asarray(cpt.toarray()),
                             [axes.index(v) for v in (node, *parents[node])])
        tables[node] = np.vectorize(lambda v: float(f"{v:.7g}"))(array)
    return Net(states, parents, tables)


def compact_yaml(net: Net, name: str) -> str:
    """The network as a scenario with `rows:` tables (first parent slowest)."""
    q = json.dumps
    lines = [HEAD.format(id=name).rstrip(), "nodes:"]
    for node, states in net.states.items():
        table = net.tables[node].reshape(len(states), -1)
        lines += [f"  {q(node)}:", f"    label: {q(node)}",
                  f"    states: [{', '.join(map(q, states))}]"]
        if net.parents[node]:
            lines.append(f"    parents: [{', '.join(map(q, net.parents[node]))}]")
        lines.append("    rows:")
        lines += ["      - [" + ", ".join(repr(float(v)) for v in column) + "]"
                  for column in table.T]
        lines.append(f"    because: [{{assumption: imported from {name}.bif; no citation}}]")
    return "\n".join(lines) + "\n"


def long_yaml(net: Net, name: str) -> str:
    """The network in the long `table:` form, as `scenario import` wrote it before compact
    tables: a row per parent combination with its `when`, `p` and `because`."""
    import itertools

    q = json.dumps
    lines = [HEAD.format(id=name).rstrip(), "nodes:"]
    because = f"[{{assumption: imported from {name}.bif; no citation}}]"
    for node, states in net.states.items():
        table = net.tables[node].reshape(len(states), -1)
        lines += [f"  {q(node)}:", f"    label: {q(node)}",
                  f"    states: [{', '.join(map(q, states))}]"]
        parents = net.parents[node]

        def p(column: np.ndarray, states: tuple[str, ...] = states) -> str:
            return ", ".join(f"{q(s)}: {float(v)!r}" for s, v in zip(states, column,
                                                                     strict=True))

        if not parents:
            lines += [f"    prior: {{{p(table[:, 0])}}}", f"    because: {because}"]
            continue
        lines += [f"    parents: [{', '.join(map(q, parents))}]", "    table:"]
        combos = itertools.product(*(net.states[v] for v in parents))
        for combo, column in zip(combos, table.T, strict=True):
            when = ", ".join(f"{q(v)}: {q(s)}" for v, s in zip(parents, combo, strict=True))
            lines += [f"      - when: {{{when}}}", f"        p: {{{p(column)}}}",
                      f"        because: {because}"]
    return "\n".join(lines) + "\n"


def dense(tables: int, card: int) -> str:
    """Generated compact tables of 17-digit numbers, the densest text of numbers: three roots
    of `card` states and `tables` children of all three (card ** 3 rows each)."""
    rng = np.random.default_rng(1)
    states = ", ".join(f"s{j}" for j in range(card))
    lines = [HEAD.format(id="dense").rstrip(), "nodes:"]
    for root in ("a", "b", "c"):
        lines.append(f"  {root}: {{label: {root}, states: [{states}], rows: "
                     f"[[{', '.join([repr(1 / card)] * card)}]], because: [{{assumption: g}}]}}")
    for i in range(tables):
        lines += [f"  n{i}:", f"    label: n{i}", f"    states: [{states}]",
                  "    parents: [a, b, c]", "    rows:"]
        for values in rng.dirichlet(np.ones(card), size=card ** 3):
            lines.append("      - [" + ", ".join(repr(float(v)) for v in values) + "]")
        lines.append("    because: [{assumption: generated}]")
    return "\n".join(lines) + "\n"


# candidates -------------------------------------------------------------------------------


def ours(data: bytes) -> Any:
    return loader.parse_document(data.decode(), "bench.yaml").data


def ruamel_rt(data: bytes) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="rt").load(data.decode())


def compose(data: bytes) -> Any:
    import yaml

    class Plain(yaml.CSafeLoader):  # every scalar left as written: resolved by the walk
        pass

    Plain.yaml_implicit_resolvers = {}

    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: Any, loc: tuple[Any, ...]) -> Any:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return {k.value: walk(v, (*loc, k.value)) for k, v in node.value}
        if isinstance(node, yaml.SequenceNode):
            return [walk(v, (*loc, i)) for i, v in enumerate(node.value)]
        value = node.value
        if node.style is None and value and value[0] in loader._NUMBER_START:
            return loader._decimal(value)
        return value

    return walk(Plain(data).get_single_node(), ())


@contextmanager
def replaced(**parts: Any) -> Iterator[None]:
    """The loader with some of its parts replaced for the time of one reading."""
    saved = {name: getattr(loader, name) for name in parts}
    for name, part in parts.items():
        setattr(loader, name, part)
    try:
        yield
    finally:
        for name, part in saved.items():
            setattr(loader, name, part)


def rows_only(data: bytes) -> Any:
    with replaced(_flow_placeholders=lambda pieces: None):
        return ours(data)


def no_bulk(data: bytes) -> Any:
    with replaced(_flow_placeholders=lambda pieces: None, _placeholders=lambda data: None):
        return ours(data)


def pure_events(data: bytes) -> Any:
    import yaml

    with replaced(_flow_placeholders=lambda pieces: None, _placeholders=lambda data: None,
                  _PARSER=yaml.SafeLoader):
        return ours(data)


def ryml_walk(data: bytes) -> Any:
    import ryml

    tree = ryml.parse_in_arena(data)
    size = tree.size()  # node ids run below it; a missing child or sibling is beyond

    def walk(i: int) -> Any:
        if tree.is_map(i):
            out = {}
            child = tree.first_child(i)
            while child < size:
                out[bytes(tree.key(child)).decode()] = walk(child)
                child = tree.next_sibling(child)
            return out
        if tree.is_seq(i):
            items = []
            child = tree.first_child(i)
            while child < size:
                items.append(walk(child))
                child = tree.next_sibling(child)
            return items
        return bytes(tree.val(i)).decode()

    return walk(tree.root_id())


def ryml_parse(data: bytes) -> Any:
    import ryml

    return ryml.parse_in_arena(data).size()


CANDIDATES: dict[str, Callable[[bytes], Any]] = {
    "ours": ours, "rows only": rows_only, "no bulk": no_bulk, "ruamel rt": ruamel_rt,
    "compose": compose,
    "pure events": pure_events,
    "ryml walk": ryml_walk, "ryml parse": ryml_parse}


def files() -> dict[str, bytes]:
    water, mildew = network("water"), network("mildew")
    return {
        "seed": (ROOT / "scenarios" / "russia_iran_2025.yaml").read_bytes(),
        "water, rows": compact_yaml(water, "water").encode(),
        "water, long table": long_yaml(water, "water").encode(),
        "mildew, rows": compact_yaml(mildew, "mildew").encode(),
        "dense rows": dense(50, 10).encode(),
    }


def _available(name: str) -> bool:
    """Whether a candidate's library is installed (ruamel.yaml and rapidyaml are not
    dependencies: `pip install ruamel.yaml rapidyaml` to compare them)."""
    try:
        CANDIDATES[name](b"a: 1\n")
    except ImportError:
        print(f"({name}: not installed, left out)")
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip", nargs="*", default=[], help="candidates to leave out")
    args = parser.parse_args()
    inputs = files()
    names = [n for n in CANDIDATES if n not in args.skip and _available(n)]
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for file, data in inputs.items():
            # each repeat starts with another candidate: the first after a change of file pays
            # for caches the one before it filled
            for name in names[_ % len(names):] + names[:_ % len(names)]:
                if name in ("ruamel rt", "pure events", "compose") and len(data) > 3_000_000 \
                        and _ > 0:
                    continue  # one run of the slow readers on the large files is enough
                start = time.perf_counter()
                CANDIDATES[name](data)
                times.setdefault((file, name), []).append(time.perf_counter() - start)
    width = max(map(len, inputs))
    print(f"{'file':<{width}}  {'size':>9}  " + "  ".join(f"{n:>11}" for n in names)
          + "   (KB/s; ours in ms)")
    for file, data in inputs.items():
        cells = []
        for name in names:
            seconds = min(times[(file, name)])
            cells.append(f"{len(data) / 1000 / seconds:>11,.0f}")
        ours_ms = min(times[(file, "ours")]) * 1000 if "ours" in names else 0
        print(f"{file:<{width}}  {len(data) / 1e6:>7.2f}MB  " + "  ".join(cells)
              + f"   {ours_ms:,.0f} ms")


if __name__ == "__main__":
    main()
