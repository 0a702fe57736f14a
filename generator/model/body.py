"""An article body as the model holds it: its HTML (as text, or stored compactly) and its first paragraph."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """An article body as HTML, plus its first paragraph as plain text (for summaries)."""

    html: str | StoredHtml
    first_paragraph: str


@dataclass(frozen=True, slots=True)
class StoredHtml:
    """A body's HTML as a build holds it between rendering the Markdown and printing the page.

    A large site's bodies are the bulk of a build's memory, and as Python text they take two or four
    bytes a character as soon as one curly quote appears; compressed UTF-8 takes about a quarter of
    that. It is not text: the build turns it back into HTML just before a template prints it
    (``build.sources.body_html``), and fingerprints see only ``digest``.
    """

    data: bytes  # the HTML, UTF-8, LZ4-compressed
    digest: str  # of the uncompressed HTML

    def __str__(self) -> str:
        # Printed without being turned back into HTML: fail the page loudly rather than print bytes.
        raise TypeError("a stored article body reached a template; put bodies at the top level of a page's context")
