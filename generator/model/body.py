"""An article body as the model holds it: HTML from the render layer, and its first paragraph."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """An article body as HTML, plus its first paragraph as plain text (for summaries)."""

    html: str
    first_paragraph: str
