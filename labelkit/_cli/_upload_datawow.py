"""``labelkit upload datawow``: submit a list of image URLs to a Datawow product.

Each image gets a ``custom_id`` derived from its URL, so an image whose
create answer was lost (or that a crash left unknown, with ``--journal``) is
looked up by that id before anything is sent again.
"""

from __future__ import annotations

import argparse
import typing
from pathlib import Path
from urllib.parse import urlsplit

from ._common import UsageError, read_lines
from ._job import Item, Job, JobContext, PhaseResult
from ._options import JobCommand

if typing.TYPE_CHECKING:
    from ..datawow import AsyncDatawow

__all__ = ["COMMAND", "PRODUCTS"]

PRODUCTS = ("choice", "closed_question", "message", "photo_tag", "prediction")
_NEEDS_INSTRUCTION = ("choice", "message", "photo_tag")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="text file of image URLs, one per line")
    parser.add_argument("--product", required=True, choices=PRODUCTS, help="the project's product")
    parser.add_argument(
        "--instruction", metavar="TEXT", help="question (choice, message, photo_tag)"
    )
    parser.add_argument(
        "--categories", metavar="'A B C'", help="answer choices, space separated (choice)"
    )
    parser.add_argument("--multiple", action="store_true", help="choice: allow several answers")


def upload_datawow(args: argparse.Namespace) -> Job[str, AsyncDatawow]:
    """The job of ``upload datawow`` with parsed ``args``."""
    from ..datawow import AsyncDatawow, url_custom_id

    product: str = args.product
    if product in _NEEDS_INSTRUCTION and not args.instruction:
        raise UsageError(f"--instruction is required for {product} images")
    if product == "choice" and not (args.categories or "").split():
        raise UsageError("--categories is required for choice images, e.g. --categories 'cat dog'")
    source = Path(args.file)
    lines = read_lines(source)
    options: dict[str, typing.Any] = {}
    if args.instruction:
        options["instruction"] = args.instruction
    if product == "choice":
        options["categories"] = args.categories.split()
        if args.multiple:
            options["multiple"] = True

    def items(ctx: JobContext) -> list[Item[str]]:
        found: list[Item[str]] = []
        seen: set[str] = set()
        for number, text in enumerate(lines, start=1):
            url = text.strip()
            if not url or url.startswith("#"):
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
                ctx.reject(f"line {number}", f"{url[:80]!r} is not an http(s) URL")
                continue
            if url in seen:
                ctx.say(f"  note: line {number} repeats {url}; it is submitted once")
                continue
            seen.add(url)
            if ctx.mine(url):
                found.append(Item(url, url_custom_id(url)))
        if not found and not ctx.rejected:
            raise UsageError(f"no image URLs in {source}")
        return found

    async def send(
        ctx: JobContext, client: AsyncDatawow, items: list[Item[str]]
    ) -> PhaseResult[typing.Any]:
        return await ctx.consume(
            "upload",
            len(items),
            lambda: getattr(client, product).create_many(
                [item.name for item in items],
                fields=options,
                concurrency=ctx.concurrency,
                journal=ctx.journal,
            ),
            str,
            lambda o: {"custom_id": url_custom_id(o.item)},
            remote_id=lambda image: image.id,
        )

    return Job(
        header=f"upload datawow: {source} -> {product} images",
        items=items,
        describe=lambda i: f"{product} image {i.name} (custom_id {i.payload})",
        client=AsyncDatawow,
        send=send,
    )


COMMAND = JobCommand(
    name="upload datawow",
    help="submit the image URLs of a text file to a Datawow product",
    description=(
        "Submit one image per line of FILE (an http(s) URL; blank lines and # comments "
        "are skipped)."
    ),
    arguments=_arguments,
    prepare=upload_datawow,
)
