"""A griffe extension: render labelkit's reST-flavoured docstrings as Markdown.

The docstrings are written for ``help()`` and IDEs, in reST: ``code``, roles such
as :class:`~labelkit.X` and ``Usage::`` literal blocks. mkdocstrings renders
Markdown, so the roles become code spans (``~`` keeps only the last name, as in
Sphinx) and a paragraph ending in ``::`` ends in ``:`` before its indented block.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|attr|data|mod|exc|obj|const):`(~?)([^`]+)`")
_LITERAL = re.compile(r"(?m)(\S)::$")


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    if tilde:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def markdown(text: str) -> str:
    """The docstring ``text`` with reST roles and ``::`` markers made Markdown."""
    text = _ROLE.sub(_role, text)
    return _LITERAL.sub(r"\1:", text)


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring once, when griffe has loaded its object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
