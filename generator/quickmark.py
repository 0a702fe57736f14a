"""The usual shape of a briefing body, rendered without a full Markdown parse (issue 5).

Most briefings are paragraphs, ``##`` subheadings, ``-`` lists and ``>`` quotes, with
``*emphasis*`` and ``[links](https://…)`` and the typography already in the text. For exactly
that shape, this module writes the same bytes the markdown-it-py pipeline in ``markup.py``
writes, about twenty times faster. Anything outside the shape, or anything that could read two
ways (an ambiguous ``*``, a ``[`` that is not a plain link, straight quotes the typographer
would curl, HTML, tabs, indentation, a list that may continue after a blank line), makes
``render_quick`` return None and the full parser takes the body. Tests compare both renderers
on many generated bodies, so the shape can only grow where the two are proven equal.
"""

from __future__ import annotations

import re
from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import replacements
from mdit_py_plugins.anchors.index import unique_slug

# A resolver of the references a body makes: (url as written, the body's folder) -> new url or None.
ReferenceResolver = Callable[[str, str], "str | None"]

# Characters the quick path leaves to the full parser, anywhere in a body: escapes, code, HTML
# and autolinks, underscores, strikethrough, tables, inline footnotes, double quotes (curling
# them takes the typographer's pairing), control characters the parser normalises or treats as
# space.
_SPECIAL_CHARACTERS = re.compile(r"""[\\`<_~|"\t\r\x00\x0b\x0c^]""")
# And sequences: reference and footnote definitions, images.
_SPECIAL_SEQUENCES = ("]:", "![")
# Entities; looked for only after a cheap test.
_ENTITY = re.compile(r"&(?:#|[A-Za-z][A-Za-z0-9]{0,31};)")

# A line that would start something other than paragraph text: a heading, quote, list item,
# thematic break, setext underline, fence, table row, HTML, indented code, ordered list.
_BLOCK_START = re.compile(r"[#>\-+=*\s]|\d{1,9}[.)]")

# An inline link with a plain label and a plain destination (no title, no spaces, no parentheses).
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([A-Za-z0-9\-._~:/?#@!$&+,;=%]+)\)")

_HEADING = re.compile(r"(#{1,6}) (\S.*)")


class _Unsure(Exception):
    """The body leaves the quick path's shape: the full parser must render it."""


def render_quick(
    body: str, md: MarkdownIt, resolve: ReferenceResolver, base_dir: str, heading_id: Callable[[str], str],
) -> tuple[str, str] | None:
    """Return ``(html, first paragraph as plain text)`` for a body of the usual shape, else None.

    ``md`` is the full parser, whose link normalisation and validation are reused, so that
    URLs come out exactly as it writes them; ``heading_id`` is its anchors' slug function.
    """
    if _SPECIAL_CHARACTERS.search(body) or any(sequence in body for sequence in _SPECIAL_SEQUENCES):
        return None
    if "&" in body and _ENTITY.search(body):
        return None
    try:
        return _Renderer(md, resolve, base_dir, heading_id).render(body.split("\n"))
    except _Unsure:
        return None


class _Renderer:
    def __init__(
        self, md: MarkdownIt, resolve: ReferenceResolver, base_dir: str, heading_id: Callable[[str], str],
    ) -> None:
        self.md = md
        self.heading_id = heading_id
        self.resolve = resolve
        self.base_dir = base_dir
        self.slugs: set[str] = set()
        self.first_paragraph: str | None = None

    def render(self, lines: list[str]) -> tuple[str, str]:
        out: list[str] = []
        count = len(lines)
        index = 0
        while index < count:
            line = lines[index]
            if not line:
                index += 1
                continue
            if line[-1].isspace() or line[0].isspace():
                raise _Unsure
            first = line[0]
            if first == "#":
                match = _HEADING.fullmatch(line)
                if match is None or line.endswith("#"):
                    raise _Unsure
                level = max(len(match.group(1)), 2)  # '# ' becomes <h2>: the headline is the page's <h1>
                html, text = self.inline(match.group(2))
                if level <= 4:
                    slug = escapeHtml(unique_slug(self.heading_id(text), self.slugs))
                    out.append(f'<h{level} id="{slug}">{html}</h{level}>\n')
                else:
                    out.append(f"<h{level}>{html}</h{level}>\n")
                index += 1
                continue
            if first == ">":
                stop = self.block_end(lines, index, "> ")
                html, _text = self.inline("\n".join(self.paragraph_line(lines[i][2:]) for i in range(index, stop)))
                out.append(f"<blockquote>\n<p>{html}</p>\n</blockquote>\n")
                index = stop
                continue
            if first == "-":
                items: list[str] = []
                loose = False
                while True:  # '- ' after blank lines continues the list, and makes it loose
                    stop = self.block_end(lines, index, "- ")
                    items.extend(self.paragraph_line(lines[i][2:]) for i in range(index, stop))
                    index = stop
                    while index < count and not lines[index]:
                        index += 1
                    if index == count or not lines[index].startswith("- "):
                        break
                    loose = True
                out.append("<ul>\n")
                for item in items:
                    html = self.inline(item)[0]
                    out.append(f"<li>\n<p>{html}</p>\n</li>\n" if loose else f"<li>{html}</li>\n")
                out.append("</ul>\n")
                continue
            stop = index
            while stop < count and lines[stop]:
                self.paragraph_line(lines[stop])
                stop += 1
            html, text = self.inline("\n".join(lines[index:stop]))
            if self.first_paragraph is None:
                self.first_paragraph = " ".join(text.split())
            out.append(f"<p>{html}</p>\n")
            index = stop
        return "".join(out), self.first_paragraph or ""

    @staticmethod
    def block_end(lines: list[str], start: int, prefix: str) -> int:
        """Return the index after the run of lines starting with ``prefix`` (a quote or list item)."""
        stop = start
        while stop < len(lines) and lines[stop].startswith(prefix):
            stop += 1
        if stop < len(lines) and lines[stop]:  # a lazy continuation line or another block: unsure
            raise _Unsure
        return stop

    @staticmethod
    def paragraph_line(line: str) -> str:
        """Return a line of paragraph text, or raise if it could start another block."""
        if not line or line[-1].isspace():
            raise _Unsure
        if _BLOCK_START.match(line) and not (line[0] == "*" and line[1:2].isalnum()):  # '*word*' is text
            raise _Unsure
        return line

    def inline(self, source: str) -> tuple[str, str]:
        """Return the HTML and the plain text of a paragraph's or heading's inline content."""
        html: list[str] = []
        text: list[str] = []
        position = 0
        for match in _LINK.finditer(source):
            self.emphasis(source[position:match.start()], html, text)
            href = self.link_target(match.group(2))
            html.append(f'<a href="{escapeHtml(href)}">')
            self.emphasis(match.group(1), html, text)
            html.append("</a>")
            position = match.end()
        self.emphasis(source[position:], html, text)
        return "".join(html), "".join(text)

    def emphasis(self, segment: str, html: list[str], text: list[str]) -> None:
        """Append a run of text holding only plain ``*emphasis*`` pairs, or raise."""
        if "[" in segment or "]" in segment:
            raise _Unsure
        if "*" not in segment:
            plain = _typography(segment)
            html.append(escapeHtml(plain))
            text.append(plain)
            return
        parts = segment.split("*")
        if len(parts) % 2 == 0:
            raise _Unsure
        for number, part in enumerate(parts):
            plain = _typography(part)
            if number % 2:  # inside a pair: both ends must be letters or digits, so flanking is certain
                if not part or not part[0].isalnum() or not part[-1].isalnum():
                    raise _Unsure
                html.append(f"<em>{escapeHtml(plain)}</em>")
            else:
                html.append(escapeHtml(plain))
            text.append(plain)

    def link_target(self, written: str) -> str:
        href = self.md.normalizeLink(written)
        if not self.md.validateLink(href):
            raise _Unsure
        resolved = self.resolve(href, self.base_dir)
        return href if resolved is None else resolved


def _typography(run: str) -> str:
    """Return a run of text as the typographer leaves it: each line of it is one of its text tokens."""
    if "'" in run:
        # An apostrophe right after a letter or digit always becomes ’ (the typographer's
        # "middle of a word" and "closing, with nothing open" cases); any other ' could open a
        # quotation, whose pairing only the full parser follows.
        for index, character in enumerate(run):
            if character == "'" and (index == 0 or not run[index - 1].isalnum()):
                raise _Unsure
    typography = "(" in run or _RARE.search(run) is not None
    if typography:
        run = "\n".join(_replacements(line) for line in run.split("\n"))
    return run.replace("'", "\u2019")


def _replacements(token: str) -> str:
    # The typographer's replacement rules, in markdown-it-py's own order and patterns.
    token = replacements.SCOPED_ABBR_RE.sub(replacements.replaceFn, token)
    if _RARE.search(token):
        token = replacements.PLUS_MINUS_RE.sub("±", token)
        token = replacements.ELLIPSIS_RE.sub("…", token)
        token = replacements.ELLIPSIS_QUESTION_EXCLAMATION_RE.sub("\\1..", token)
        token = replacements.QUESTION_EXCLAMATION_RE.sub("\\1\\1\\1", token)
        token = replacements.COMMA_RE.sub(",", token)
        token = replacements.EM_DASH_RE.sub("\\1\u2014", token)
        token = replacements.EN_DASH_RE.sub("\\1\u2013", token)
        token = replacements.EN_DASH_INDENT_RE.sub("\\1\u2013", token)
    return token


_RARE = replacements.RARE_RE
