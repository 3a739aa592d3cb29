"""What Graphviz returns cannot act on the page, a renderer that never answers is stopped,
and the WebAssembly Graphviz is compiled once and cached, safely."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from model.briefing import graphviz, wasm
from model.briefing.graphviz import DiagramError, inline_svg, render_svg, timeout

DOT = 'digraph { n0 [label="a"]; n1 [label="b"]; n0 -> n1 }'
NEEDS_DOT = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")

HOSTILE_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- a comment -->
<svg width="10pt" height="10pt" viewBox="0 0 10 10" onload="window.__x=1"
     xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<script>window.__x = 2</script>
<style>* { background: url(https://example.org/track) }</style>
<g id="graph0" class="graph" onclick="window.__x=3" style="fill: red">
<title>n0</title>
<a xlink:href="javascript:window.__x=4"><text x="1" y="1">link</text></a>
<image href="https://example.org/i.png" x="0" y="0"/>
<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
<svg><script>window.__x = 5</script></svg>
<polygon fill="url(https://example.org/paint)" stroke="black" points="0,0 1,1"/>
<ellipse fill="#fff" stroke="javascript:alert(1)" cx="1" cy="1" rx="1" ry="1"/>
<text text-anchor="middle" x="5" y="5" font-size="9">a &lt;b&gt; &amp; c</text>
<x:script xmlns:x="http://www.w3.org/2000/svg">window.__x = 6</x:script>
</g>
</svg>
"""


def test_only_safe_elements_and_attributes_survive() -> None:
    svg = inline_svg(HOSTILE_SVG, {"n0": "first node"}, alt="A diagram")
    for gone in ("script", "style", "onload", "onclick", "javascript", "<a", "image",
                 "foreignObject", "example.org", "url(", "__x", "<!--", "DOCTYPE", "<?xml",
                 "xlink", "<div"):
        assert gone not in svg, gone
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt" '
                          'viewBox="0 0 10 10" role="img" aria-label="A diagram">')
    assert svg.count("<svg") == 1 and svg.endswith("</g></svg>")
    assert "<title>first node</title>" in svg
    assert '<polygon stroke="black" points="0,0 1,1"></polygon>' in svg
    assert '<ellipse fill="#fff" cx="1" cy="1" rx="1" ry="1"></ellipse>' in svg
    assert ">a &lt;b&gt; &amp; c</text>" in svg


def test_a_diagram_without_a_text_alternative_is_hidden_from_screen_readers() -> None:
    assert inline_svg(HOSTILE_SVG, {}).startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt" '
        'viewBox="0 0 10 10" aria-hidden="true">')


def test_svg_declaring_entities_is_refused() -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg><text>&b;</text></svg>')
    with pytest.raises(DiagramError, match="declares entities"):
        inline_svg(laughs, {})
    with pytest.raises(DiagramError, match="cannot be read"):
        inline_svg("<svg><g></svg>", {})
    with pytest.raises(DiagramError, match="no SVG diagram"):
        inline_svg("<html><svg></svg></html>", {})


def fake_dot(folder: Path, body: str) -> Path:
    """A `dot` on PATH that is a shell script."""
    folder.mkdir(exist_ok=True)
    path = folder / "dot"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_dot_that_emits_a_script_gets_none_of_it_onto_the_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "evil.svg").write_text(HOSTILE_SVG, encoding="utf-8")
    fake_dot(tmp_path / "bin", f"cat > /dev/null; cat {tmp_path / 'evil.svg'}\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    svg = render_svg(DOT, "dot")
    assert "script" not in svg and "onload" not in svg and "javascript" not in svg


def counting_dot(folder: Path, svg: str = HOSTILE_SVG, version: int = 1) -> Path:
    """A `dot` on PATH that notes each time it runs in `folder`/runs."""
    (folder / "out.svg").write_text(svg, encoding="utf-8")
    return fake_dot(folder / "bin", f"# version {version}\ncat > /dev/null; "
                                    f"echo x >> {folder / 'runs'}; cat {folder / 'out.svg'}\n")


def runs(folder: Path) -> int:
    path = folder / "runs"
    return len(path.read_text().split()) if path.exists() else 0


def test_a_diagram_drawn_again_is_not_drawn_twice(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    dot = counting_dot(tmp_path)
    monkeypatch.setenv("PATH", f"{dot.parent}{os.pathsep}{os.environ['PATH']}")
    first = render_svg(DOT, "dot", {"n0": "first"}, alt="A")
    assert render_svg(DOT, "auto", {"n0": "first"}, alt="A") == first
    assert runs(tmp_path) == 1
    assert "<title>other</title>" in render_svg(DOT, "dot", {"n0": "other"}, alt="A")
    render_svg(DOT + " ", "dot", {"n0": "first"}, alt="A")
    assert runs(tmp_path) == 3  # other hover texts, another source: drawn
    counting_dot(tmp_path, HOSTILE_SVG.replace('"10pt"', '"12pt"'), 10)  # another dot
    assert '"12pt"' in render_svg(DOT, "dot", {"n0": "first"}, alt="A")
    assert runs(tmp_path) == 4
    monkeypatch.setattr(graphviz, "KEEP_RENDERS", False)
    render_svg(DOT, "dot", {"n0": "first"}, alt="A")
    assert runs(tmp_path) == 5


def test_a_diagram_drawn_ahead_is_taken_by_the_render_that_wants_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dot = counting_dot(tmp_path)
    monkeypatch.setenv("PATH", f"{dot.parent}{os.pathsep}{os.environ['PATH']}")
    graphviz.draw_ahead(DOT, "dot", {"n0": "first"}, alt="A")
    graphviz.draw_ahead(DOT, "auto", {"n0": "first"}, alt="A")  # once is enough
    svg = render_svg(DOT, "dot", {"n0": "first"}, alt="A")
    assert "<title>first</title>" in svg and runs(tmp_path) == 1
    assert svg == inline_svg(HOSTILE_SVG, {"n0": "first"}, alt="A")
    graphviz.draw_ahead(DOT + "  ", "wasm")  # drawn in this process: not ahead
    monkeypatch.setattr(graphviz, "KEEP_RENDERS", False)
    graphviz.draw_ahead(DOT + "   ", "dot")  # nothing is kept to take it from
    assert not graphviz._AHEAD and runs(tmp_path) == 1


def test_a_diagram_that_fails_ahead_fails_its_render_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path / "bin", f"cat > /dev/null; echo x >> {tmp_path / 'runs'}; "
                               "echo 'syntax error in line 1' >&2; exit 1\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    graphviz.draw_ahead(DOT, "dot")
    # the render comes after the drawing ahead has failed (it drew anew, and ran dot twice,
    # where the machine was slow to come to it)
    for thread in threading.enumerate():
        if thread.name == "scenario-diagram":
            thread.join(60)
    with pytest.raises(DiagramError, match="Graphviz's `dot` failed: syntax error in line 1"):
        render_svg(DOT, "dot")
    assert runs(tmp_path) == 1


def test_the_diagrams_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dot = counting_dot(tmp_path)
    monkeypatch.setenv("PATH", f"{dot.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(graphviz, "KEPT_RENDERS", 2)
    for i in range(4):
        render_svg(DOT + " " * i, "dot")
    assert len(graphviz._KEPT) <= 2
    monkeypatch.setattr(graphviz, "KEPT_RENDER_CHARS", 10)
    render_svg(DOT + " " * 9, "dot")
    assert len(graphviz._KEPT) == 1  # past the characters kept: only the latest


def test_a_dot_that_never_answers_is_stopped_with_what_it_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "started"
    fake_dot(tmp_path / "bin", f"sleep 300 &\necho $! > {marker}\nwait\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(graphviz, "GRAPHVIZ_TIMEOUT_S", 0.5)
    with pytest.raises(DiagramError, match=r"Graphviz's `dot` gave no answer within 0.5 s, so "
                                           r"it was stopped.*--graphviz wasm"):
        render_svg(DOT, "dot")
    sleeper = int(marker.read_text())
    for _ in range(100):  # the kill is sent; the process is gone once reaped by init
        if not Path(f"/proc/{sleeper}").exists() or "Z" in _state(sleeper):
            break
        time.sleep(0.02)
    assert not Path(f"/proc/{sleeper}").exists() or "Z" in _state(sleeper)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def test_the_time_limit_is_a_few_seconds_for_the_seed_and_grows_with_the_diagram() -> None:
    import model
    from model.briefing.figures import network_dot
    from tests.conftest import SEED

    s = model.load(SEED)
    seed = timeout(network_dot(s, {n: s.query(n) for n in s.nodes})[0])
    assert seed < 6
    big = timeout("n;\n" * 6000)
    assert big == graphviz.GRAPHVIZ_TIMEOUT_MAX_S
    assert seed < timeout("n;\n" * 500) < big


def test_webassembly_graphviz_that_runs_too_long_is_stopped_and_the_next_render_works(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphviz, "GRAPHVIZ_TIMEOUT_S", 0.0)
    monkeypatch.setattr(graphviz, "GRAPHVIZ_TIMEOUT_PER_LINE_S", 1e-6)
    chain = "digraph {\n" + "".join(f"n{i} -> n{i + 1};\n" for i in range(3000)) + "}\n"
    with pytest.raises(DiagramError, match="WebAssembly Graphviz gave no answer within"):
        render_svg(chain, "wasm")
    monkeypatch.undo()
    assert render_svg(DOT, "wasm").startswith("<svg")


# the cached WebAssembly module ------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(wasm.CACHE_ENV, str(folder))
    return folder


def test_the_compiled_module_is_cached_and_read_back(cache: Path) -> None:
    first = wasm.WasmGraphviz()
    assert not first.from_cache
    files = list(cache.iterdir())
    assert [f.name for f in files] == [wasm.cache_file(wasm.wasm_path().read_bytes()).name]
    name = files[0].name
    assert name.startswith("graphviz-") and name.endswith("-epoch.cwasm")
    import importlib.metadata

    assert f"-wasmtime-{importlib.metadata.version('wasmtime')}-" in name
    second = wasm.WasmGraphviz()
    assert second.from_cache
    assert first.render(DOT, 10) == second.render(DOT, 10)


@pytest.fixture(scope="module")
def compiled() -> bytes:
    """A sound cached module's bytes (digest and body), compiled once for these tests."""
    import hashlib

    body = wasm.load_module(wasm._engine())[0].serialize()
    return hashlib.sha256(body).digest() + body


def damaged(sound: bytes, damage: str) -> bytes:
    import hashlib

    data = bytearray(sound)
    if damage == "truncate":
        return bytes(data[: len(data) // 2])
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        return bytes(data)
    if damage == "empty":
        return b""
    body = b"not a compiled module" * 100  # its digest matches, but it is not wasmtime's code
    return hashlib.sha256(body).digest() + body


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "foreign"])
def test_a_damaged_cache_file_is_never_handed_to_wasmtime_as_code(
        tmp_path: Path, compiled: bytes, damage: str) -> None:
    path = tmp_path / "module.cwasm"
    engine = wasm._engine()
    path.write_bytes(compiled)
    assert wasm._read_cached(engine, path) is not None
    path.write_bytes(damaged(compiled, damage))
    assert wasm._read_cached(engine, path) is None


def test_a_damaged_cache_is_compiled_afresh_and_rewritten(cache: Path, compiled: bytes) -> None:
    path = wasm.cache_file(wasm.wasm_path().read_bytes())
    path.parent.mkdir(parents=True)
    path.write_bytes(damaged(compiled, "flip"))
    again = wasm.WasmGraphviz()
    assert not again.from_cache
    assert again.render(DOT, 10).startswith(b"<?xml")
    assert path.read_bytes() == compiled or wasm.WasmGraphviz().from_cache  # rewritten whole


def test_a_cache_that_cannot_be_written_still_draws(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(wasm.CACHE_ENV, str(blocked / "cache"))
    runner = wasm.WasmGraphviz()
    assert not runner.from_cache
    assert runner.render(DOT, 10).startswith(b"<?xml")


CACHED_RENDER = """
from model.briefing.wasm import WasmGraphviz
runner = WasmGraphviz()
assert runner.render('digraph { a -> b }', 30).startswith(b"<?xml")
print(runner.from_cache)
"""


@pytest.mark.slow
def test_processes_starting_together_share_the_cache_safely(cache: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, wasm.CACHE_ENV: str(cache)}
    children = [subprocess.Popen([sys.executable, "-c", CACHED_RENDER], cwd=root, env=env,
                                 stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [child.communicate(timeout=120)[0].strip() for child in children]
    assert all(child.returncode == 0 for child in children)
    assert set(outputs) <= {"True", "False"}
    assert [p.suffix for p in cache.iterdir()] == [".cwasm"]  # no temporary file left
    assert wasm.WasmGraphviz().from_cache
