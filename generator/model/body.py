"""An article body as the model holds it: its HTML (as text, or stored compactly) and its first paragraph."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NamedTuple

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """An article body as HTML, plus its first paragraph as plain text (for summaries)."""

    html: str | StoredHtml
    first_paragraph: str


class BodyLocation(NamedTuple):
    """Where a compressed body lies in a body file of the build cache (``build.bodyfiles``).

    A tuple rather than a dataclass: a large site's build sends 100,000 of them between processes
    and keeps them all, and a tuple pickles and sits in memory at the least cost.
    """

    file: str  # the body file, as an absolute path
    offset: int
    size: int
    crc: int  # CRC-32 of the compressed bytes: a damaged file reads as a cache miss, never as a wrong page


@dataclass(frozen=True, slots=True)
class StoredHtml:
    """A body's HTML as a build holds it between rendering the Markdown and printing the page.

    A large site's bodies are the bulk of a build's memory, and as Python text they take two or four
    bytes a character as soon as one curly quote appears; compressed UTF-8 takes about a quarter of
    that. A build keeps even that out of memory: its bodies stay in the cache's body files, and only
    their locations travel (issue 10: a 100,000-article build in 1 GiB). It is not text: the build
    turns it back into HTML just before a template prints it (``build.sources.body_html``), and
    fingerprints see only ``digest``.
    """

    data: bytes | BodyLocation  # the HTML, UTF-8, LZ4-compressed; or where a body file holds that
    digest: str  # of the uncompressed HTML

    def __str__(self) -> str:
        # Printed without being turned back into HTML: fail the page loudly rather than print bytes.
        raise TypeError("a stored article body reached a template; put bodies at the top level of a page's context")
