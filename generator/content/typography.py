"""News typography for plain text (headlines, standfirsts): curly quotes, dashes and ellipses."""

from __future__ import annotations

import functools
import logging
import re
from typing import TYPE_CHECKING

from generator.content.fastpaths import fast_paths_on

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

log = logging.getLogger(__name__)


@functools.cache
def _typographer() -> MarkdownIt:
    # Imported here: most text needs no typography, and a build that reads no new article none.
    from markdown_it import MarkdownIt

    # The "zero" preset parses no Markdown syntax, so every character stays text; only the
    # typographer's replacements and smart quotes apply.
    return MarkdownIt("zero", {"typographer": True}).enable(["replacements", "smartquotes"])


# Everything the typographer can act on (a superset): quotes, the replacement rules' sequences,
# '(' of (c)/(tm)/(r), and what input normalisation rewrites. Text without any of these comes
# back unchanged, so it need not be parsed (issue 5: every headline passes through here).
_TYPOGRAPHY_TRIGGERS = re.compile(r"""['"\x00\r(]|\+-|\.\.|\?\?|!!|,,|--""")


@functools.lru_cache(maxsize=65536)
def smarten(text: str) -> str:
    """Return plain text with news typography: curly quotes, dashes and ellipses."""
    if not _TYPOGRAPHY_TRIGGERS.search(text) and text.strip() == text and "\n" not in text and fast_paths_on():
        return text
    tokens = _typographer().parseInline(text)
    children = tokens[0].children if tokens else None
    if not children:
        return text
    return "".join("\n" if t.type == "softbreak" else t.content for t in children)
