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
