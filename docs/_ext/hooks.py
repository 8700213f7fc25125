"""mkdocs hooks: publish the benchmark report (benchmarks/README.md, results.png) as a page.

The report is rewritten by every ``python -m benchmarks`` run, so the site reads
it at build time instead of keeping a copy that would go stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


def on_files(files: Files, config: Any) -> Files:
    report = ROOT / "benchmarks" / "README.md"
    files.append(File.generated(config, "benchmarks/index.md", content=report.read_text("utf-8")))
    chart = ROOT / "benchmarks" / "results.png"
    files.append(File.generated(config, "benchmarks/results.png", abs_src_path=str(chart)))
    return files


CLI_MARKER = "<!-- cli-reference -->"


def _commands(parser: Any, prefix: list[str]) -> list[tuple[list[str], Any]]:
    """Every (sub)command of an argparse parser, depth first."""
    import argparse

    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_commands(sub, [*prefix, name]))
    return found


def cli_reference() -> str:
    """Markdown: the ``--help`` of every ``labelkit`` command, from the CLI's own parser."""
    import os

    from labelkit._cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps help at the terminal width
    sections = []
    for words, parser in _commands(build_parser(), ["labelkit"]):
        parser.prog = " ".join(words)
        level = "#" * min(len(words) + 1, 4)
        sections.append(f"{level} `{' '.join(words)}`\n\n```text\n{parser.format_help()}```\n")
    return "\n".join(sections)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if CLI_MARKER in markdown:
        return markdown.replace(CLI_MARKER, cli_reference())
    return markdown
