"""Every code block of the documentation site runs or is checked.

- A Python block preceded by ``<!-- run -->`` runs, as written, in a fresh
  interpreter against the five emulators on 127.0.0.1: the clients find them
  through the same environment variables a user sets (``FASTLABEL_API_URL``,
  ``FASTLABEL_ACCESS_TOKEN``, ...), in a folder holding the image files the
  snippets name; each block gets fresh emulators. Top-level ``await`` is allowed, as in a notebook.
- Every other Python block must compile (top-level ``await`` allowed), and every
  name it imports from labelkit must exist.
- Every ``labelkit ...`` line of a shell block must parse with the CLI's parser,
  and every ``nox -s`` session it names must exist.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._support import REPO

ROOT = REPO
DOCS = ROOT / "docs"
FENCE = re.compile(
    r"^(?P<marker><!-- run -->\n)?(?P<indent>[ ]*)```(?P<lang>[\w-]*)[^\n]*\n"
    r"(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.MULTILINE | re.DOTALL,
)
RUNNER = """
import ast, asyncio, inspect, sys
source = open(sys.argv[1], encoding="utf-8").read()
code = compile(source, sys.argv[1], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
namespace = {"__name__": "__main__"}
if code.co_flags & inspect.CO_COROUTINE:
    asyncio.run(eval(code, namespace))
else:
    exec(code, namespace)
"""


class Block:
    def __init__(self, page: Path, line: int, lang: str, body: str, run: bool) -> None:
        self.page, self.line, self.lang, self.body, self.run = page, line, lang, body, run

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(text: str, page: Path) -> Iterator[Block]:
    """The fenced code blocks of one Markdown page, indentation removed."""
    for match in FENCE.finditer(text):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        line = text.count("\n", 0, match.start("indent")) + 1
        yield Block(page, line, match["lang"], body, bool(match["marker"]))


#: Every guide, and the README (its blocks are checked the same way).
PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]


def all_blocks() -> list[Block]:
    found: list[Block] = []
    for page in PAGES:
        found.extend(blocks(page.read_text("utf-8"), page))
    return found


BLOCKS = all_blocks()
PYTHON = [b for b in BLOCKS if b.lang in ("python", "py", "pycon")]
RUNNABLE = [b for b in PYTHON if b.run]
SHELL = [b for b in BLOCKS if b.lang in ("bash", "sh", "shell", "console")]


def test_the_docs_have_runnable_and_checked_blocks() -> None:
    assert len(RUNNABLE) >= 10
    assert len(PYTHON) > len(RUNNABLE)
    assert SHELL
    # A marker that does not sit right above a Python fence would silently run nothing.
    for page in PAGES:
        text = page.read_text("utf-8")
        marked = text.count("<!-- run -->")
        run_blocks = sum(b.run and b.lang == "python" for b in blocks(text, page))
        assert marked == run_blocks, f"{page}: a <!-- run --> marker not above a python block"


def test_block_parser_reads_markers_fences_and_indentation() -> None:
    text = "x\n<!-- run -->\n```python\nprint(1)\n```\n\n- item\n\n    ```bash\n    ls\n    ```\n"
    found = list(blocks(text, DOCS / "t.md"))
    assert [(b.lang, b.body, b.run, b.line) for b in found] == [
        ("python", "print(1)\n", True, 3),
        ("bash", "ls\n", False, 9),
    ]


def _labelkit_imports(tree: ast.AST) -> Iterator[tuple[str, str | None]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "labelkit":
            for alias in node.names:
                yield node.module or "", alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "labelkit":
                    yield alias.name, None


@pytest.mark.parametrize("block", [b for b in PYTHON if not b.run], ids=lambda b: b.id)
def test_python_block_compiles_and_its_imports_exist(block: Block) -> None:
    tree = compile(
        block.body,
        block.id,
        "exec",
        flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    for module_name, name in _labelkit_imports(tree):
        module = importlib.import_module(module_name)
        if name is not None:
            assert hasattr(module, name), f"{block.id}: {module_name} has no {name}"


def _cli_lines(body: str) -> Iterator[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", body)
    for raw in joined.splitlines():
        line = raw.split(" #", 1)[0].strip()
        for command in re.split(r"\s*&&\s*", line):
            if command.startswith(("labelkit ", "nox ")):
                yield shlex.split(command)


def _nox_sessions() -> set[str]:
    source = (ROOT / "noxfile.py").read_text("utf-8")
    return set(re.findall(r"@nox\.session[^\n]*\ndef (\w+)\(", source))


@pytest.mark.parametrize("block", SHELL, ids=lambda b: b.id)
def test_shell_block_commands_parse(block: Block) -> None:
    from labelkit._cli import build_parser

    sessions = _nox_sessions()
    for argv in _cli_lines(block.body):
        if argv[0] == "nox":
            # ``nox -s tests lint`` names every word after -s up to the next option.
            named = []
            if "-s" in argv:
                for word in argv[argv.index("-s") + 1 :]:
                    if word.startswith("-"):
                        break
                    named.append(word)
            for session in named:
                assert session in sessions, f"{block.id}: no nox session {session!r}"
            continue
        if "--help" in argv or "-h" in argv:
            continue
        try:
            build_parser().parse_args(argv[1:])
        except SystemExit as exit_:
            pytest.fail(f"{block.id}: `{shlex.join(argv)}` does not parse (exit {exit_.code})")


@pytest.fixture
def emulator_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """Fresh emulators and a fresh folder per block: each block runs as on a new account."""
    from PIL import Image

    from labelkit.emulators import EmulatorConfig, EmulatorServer, create_emulator

    folder = tmp_path
    for name in ["cat.jpg", "photo.jpg", "a.jpg", "b.jpg"]:
        Image.new("RGB", (64, 48), (200, 120, 40)).save(folder / name, "JPEG")
    for name in ["a.png", "b.png"]:
        Image.new("RGB", (64, 48), (40, 120, 200)).save(folder / name, "PNG")
    # Jobs finish in 0.3 s, so a wait costs about the provider's first poll delay.
    servers = {
        name: EmulatorServer(create_emulator(name, config=EmulatorConfig(processing_time=0.3)))
        for name in ["fastlabel", "scale", "cloudsight", "datawow", "redflag"]
    }
    for server in servers.values():
        server.__enter__()
    try:
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(
                    ("FASTLABEL_", "SCALE_", "CLOUDSIGHT_", "DATAWOW_", "REDFLAG_", "LABELKIT_")
                )
            },
            "PYTHONPATH": str(ROOT),
            "FASTLABEL_API_URL": servers["fastlabel"].url + "/v1/",
            "FASTLABEL_ACCESS_TOKEN": "test-token",
            "SCALE_BASE_URL": servers["scale"].url,
            "SCALE_API_KEY": "live_emulator_0000000000000000",
            "CLOUDSIGHT_BASE_URL": servers["cloudsight"].url,
            "CLOUDSIGHT_API_KEY": "test-key",
            "DATAWOW_BASE_URL": servers["datawow"].url + "/api",
            "DATAWOW_PROJECT_KEY": "test-choice",
            "REDFLAG_BASE_URL": servers["redflag"].url + "/api/v2/products/api",
            "REDFLAG_TOKEN": "test-token",
        }
        yield env, folder
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: b.id)
def test_runnable_block_runs_against_the_emulators(
    block: Block, emulator_env: tuple[dict[str, str], Path]
) -> None:
    env, folder = emulator_env
    script = folder / f"snippet_{block.page.stem}_{block.line}.py"
    script.write_text(block.body, "utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{block.id}\n{block.body}\n{result.stderr[-3000:]}"
