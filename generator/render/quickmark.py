"""The usual shape of a briefing body, rendered without a full Markdown parse (issue 5).

Most briefings are paragraphs, ``##`` subheadings, ``-`` lists and ``>`` quotes, with
``*emphasis*``, ``**strong**``, ``[links](https://…)`` and quotes and dashes the typographer
turns into curly quotes and proper dashes. For exactly that shape, this module writes the same
bytes the markdown-it-py pipeline in ``markup.py`` writes, several times faster; the
typographer's work is done by markdown-it-py's own rules, run on tokens shaped as its own
(save the apostrophe inside a word, which its smart quotes curl whatever surrounds it). Most
paragraphs need no typographer at all, and become HTML by a few substitutions (``simple_html``).
Anything outside the shape, or anything that could read two ways (a ``*`` whose pairing is not
plain, a ``[`` that is not a plain link, HTML, tabs, indentation, a lazy continuation line),
makes ``render_quick`` return None and the full parser takes the body. Tests compare both
renderers on many generated bodies, so the shape can only grow where the two are proven equal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import (
    escapeHtml,
    isMdAsciiPunct,
    isPunctChar,
    isWhiteSpace,
)
from markdown_it.rules_core import replacements
from markdown_it.rules_core.smartquotes import process_inlines
from mdit_py_plugins.anchors.index import unique_slug

# A resolver of the references a body makes: (url as written, the body's folder) -> new url or None.
ReferenceResolver = Callable[[str, str], "str | None"]

# A ']' that does not close a link's text: ']:' of a definition, or a bracket left alone (which
# would make a paragraph unsure anyway).
_STRAY_BRACKET = re.compile(r"\][^(]")
# What makes a body unsure or typographic: a stray ']', or the sequences the typographer's
# replacements act on (as markdown-it-py looks for them). Most bodies hold none, and one pass of
# this pattern costs less than one of each.
_SUSPECT = re.compile(f"{replacements.RARE_RE.pattern}|{replacements.SCOPED_ABBR_RE.pattern}|{_STRAY_BRACKET.pattern}",
                      re.IGNORECASE)
# Entities; looked for only after a cheap test.
_ENTITY = re.compile(r"&(?:#|[A-Za-z][A-Za-z0-9]{0,31};)")

# A line that would start something other than paragraph text: a heading, quote, list item,
# thematic break, setext underline, fence, table row, HTML, indented code, ordered list.
_BLOCK_START = re.compile(r"[#>\-+=*\s]|\d{1,9}[.)]")

# An inline link with a plain label and a plain destination (no title, no spaces, no parentheses).
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([A-Za-z0-9\-._~:/?#@!$&+,;=%]+)\)")

# A line opening with emphasis ('*word*', '**Word:**') rather than a list item or a rule.
_STARRED_TEXT = re.compile(r"\*\*?[^\s*]")

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
    if _has_special(body):
        return None
    if "&" in body and _ENTITY.search(body):
        return None
    typographic = False
    if _SUSPECT.search(body) is not None:  # rarely; then which of them
        if _STRAY_BRACKET.search(body) is not None:
            return None
        typographic = _RARE.search(body) is not None or _SCOPED.search(body) is not None
    try:
        plain = not (typographic or "'" in body or '"' in body or "&" in body)
        return _Renderer(md, resolve, base_dir, heading_id, typographic, plain).render(body.split("\n"))
    except _Unsure:
        return None


def _has_special(body: str) -> bool:
    """Return whether the body holds anything the quick path leaves to the full parser.

    Characters: escapes, code, HTML and autolinks, underscores, strikethrough, tables, inline
    footnotes, control characters the parser normalises or treats as space. Sequences: images
    (the ']:' of definitions is among what ``_STRAY_BRACKET`` finds). One search for each
    character (a memchr when it is absent) is several times faster than one pass of a character
    class (issue 5).
    """
    return ("\\" in body or "`" in body or "<" in body or "_" in body or "~" in body or "|" in body
            or "\t" in body or "\r" in body or "\x00" in body or "\x0b" in body or "\x0c" in body or "^" in body
            or ("!" in body and "![" in body))


class _Renderer:
    def __init__(
        self, md: MarkdownIt, resolve: ReferenceResolver, base_dir: str, heading_id: Callable[[str], str],
        typographic: bool, plain: bool,
    ) -> None:
        self.md = md
        self.heading_id = heading_id
        self.resolve = resolve
        self.base_dir = base_dir
        self.slugs: set[str] = set()
        self.first_paragraph: str | None = None
        # Whether the typographer's replacements apply anywhere in the body (rarely): if not,
        # no paragraph need be searched for them.
        self.typographic = typographic
        # Whether the body holds no quotes, '&' or typographer's sequences (the usual): then no
        # paragraph need be searched for them either.
        self.plain = plain

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
                html = self.inline_html("\n".join(self.paragraph_line(lines[i][2:]) for i in range(index, stop)))
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
                    html = self.inline_html(item)
                    out.append(f"<li>\n<p>{html}</p>\n</li>\n" if loose else f"<li>{html}</li>\n")
                out.append("</ul>\n")
                continue
            # A paragraph, most often of one line. Its first line starts with no '#', '>', '-' or
            # space (see above), so it can start another block only with these.
            if first in "+=*" or first.isdecimal():
                self.paragraph_line(line)
            stop = index + 1
            while stop < count and lines[stop]:
                self.paragraph_line(lines[stop])
                stop += 1
            source = line if stop == index + 1 else "\n".join(lines[index:stop])
            if self.first_paragraph is None:
                html, text = self.inline(source)
                self.first_paragraph = " ".join(text.split())
            else:
                html = self.inline_html(source)
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
        first = line[0]  # the usual letter or quote cannot start a match: no need to try
        if (first in "#>-+=*" or first.isspace() or first.isdecimal()) and _BLOCK_START.match(line) \
                and not _STARRED_TEXT.match(line):
            raise _Unsure
        return line

    def inline(self, source: str) -> tuple[str, str]:
        """Return the HTML and the plain text of a paragraph's or heading's inline content."""
        html = self.simple_html(source)
        if html is None:
            return self.spans_inline(source)
        # The text is the HTML without its tags: it holds no '<' or '>' of its own (see simple_html).
        return html, _TAG.sub("", html) if "<" in html else html

    def inline_html(self, source: str) -> str:
        """Return the HTML of ``inline`` alone (the plain text of most paragraphs is never used)."""
        html = self.simple_html(source)
        return self.spans_inline(source)[0] if html is None else html

    def spans_inline(self, source: str) -> tuple[str, str]:
        """Return what ``inline`` returns, for any content: run by run, with the typographer's work."""
        if "'" in source or '"' in source:
            return self.quoted_inline(source)
        # Looked for once in the whole content, not in each run: most paragraphs need neither.
        typographic = self.typographic and (_RARE.search(source) is not None or _SCOPED.search(source) is not None)
        escaped = "&" in source or ">" in source
        html: list[str] = []
        text: list[str] = []
        for strength, run, href in self.spans(source):
            if href is not None:
                html.append(f'<a href="{href}">' if strength else "</a>")
                continue
            plain = _typography(run) if typographic else run
            text.append(plain)
            html.append(_EMPHASIS_HTML[strength].format(escapeHtml(plain) if escaped else plain))
        return "".join(html), "".join(text)

    def simple_html(self, source: str) -> str | None:
        """Return the HTML of content in the usual shape, by a few substitutions; None for any other.

        Content without double quotes, '&', '>' or the typographer's sequences, with single quotes
        only inside words, whose stars all pair as ``*word*`` or ``**word**`` and whose brackets are
        all plain links, is HTML once its apostrophes are curled and its pairs and links replaced
        (escaping would change nothing); ``spans_inline`` takes the rest.
        """
        if ">" in source:
            return None
        if not self.plain:
            if '"' in source or "&" in source or (
                    self.typographic and (_RARE.search(source) is not None or _SCOPED.search(source) is not None)):
                return None
            if "'" in source:
                # Between two letters or digits (as in "Russia's"), a single quote is one the smart
                # quotes always make an apostrophe, whatever other quotes surround it; any other
                # needs their pairing.
                if _LONE_QUOTE.search(source) is not None:
                    return None
                source = source.replace("'", "\u2019")
        html = source
        if "*" in html:
            html = _EM_PAIR.sub(_em_html, html)
            if "*" in html:
                html = _STRONG_PAIR.sub(_strong_html, html)
                if "*" in html:
                    return None
        if "[" in html or "]" in html:
            # Every bracket must belong to a link, checked before any link is resolved.
            parts = _LINK.split(html)
            for index in range(0, len(parts), 3):
                if "[" in parts[index] or "]" in parts[index]:
                    return None
            for index in range(1, len(parts), 3):
                parts[index] = f'<a href="{_escaped(self.link_target(parts[index + 1]))}">{parts[index]}</a>'
                parts[index + 1] = ""
            html = "".join(parts)
        return html

    def quoted_inline(self, source: str) -> tuple[str, str]:
        """Return what ``inline`` returns, for text with quotes: the typographer's own pairing curls them.

        The text becomes the tokens the full parser would make (text split at line breaks,
        emphasis and links, each with its nesting level), so that markdown-it-py's smart quotes
        can run on them unchanged.
        """
        tokens: list[_Token] = []
        level = 0
        for strength, run, href in self.spans(source):
            if href is not None:
                level -= 0 if strength else 1
                tokens.append(_Token("link_open" if strength else "link_close", level, href))
                level += 1 if strength else 0
            elif strength:
                kind = "em" if strength == 1 else "strong"
                tokens.append(_Token(f"{kind}_open", level))
                _text_tokens(run, level + 1, tokens)
                tokens.append(_Token(f"{kind}_close", level))
            else:
                _text_tokens(run, level, tokens)
        if self.typographic and (_RARE.search(source) or _SCOPED.search(source)):
            _replace(tokens)
        process_inlines(tokens, self.quote_state)  # type: ignore[arg-type]
        html = "".join(_TOKEN_HTML[t.type] if t.type in _TOKEN_HTML else escapeHtml(t.content) if t.type == "text"
                       else f'<a href="{t.href}">' for t in tokens)
        return html, "".join(t.content if t.type == "text" else " " if t.type == "softbreak" else "" for t in tokens)

    def spans(self, source: str) -> list[tuple[int, str, str | None]]:
        """Split inline content into ``(strength, text, None)`` runs (0 plain, 1 emphasis, 2 strong)
        and the marks ``(1, "", href)`` and ``(0, "", "")`` where a link opens and closes; raise if unsure."""
        spans: list[tuple[int, str, str | None]] = []
        position = 0
        for match in _LINK.finditer(source):
            # The parser sees the characters around a run of stars as written (')' after a link,
            # '[' before one and at the start of its text), and a space at either end of what it
            # parses: the whole content, or a link's text.
            _emphasis_spans(source[position:match.start()], ")" if position else " ", "[", spans)
            spans.append((1, "", escapeHtml(self.link_target(match.group(2)))))
            _emphasis_spans(match.group(1), "[", " ", spans)
            spans.append((0, "", ""))
            position = match.end()
        _emphasis_spans(source[position:], ")" if position else " ", " ", spans)
        return spans

    @functools.cached_property
    def quote_state(self) -> _QuoteState:
        return _QuoteState(self.md)

    def link_target(self, written: str) -> str:
        href = self.md.normalizeLink(written)
        if not self.md.validateLink(href):
            raise _Unsure
        resolved = self.resolve(href, self.base_dir)
        return href if resolved is None else resolved


class _Token:
    """The parts of a markdown-it token that its typographer (replacements, smart quotes) reads and writes."""

    __slots__ = ("type", "level", "href", "content", "info")

    def __init__(self, type: str, level: int, href: str = "", content: str = "") -> None:  # noqa: A002
        self.type = type
        self.level = level
        self.href = href
        self.content = content
        self.info = ""  # "auto" marks an autolink, which the quick path never makes


@dataclass(frozen=True, slots=True)
class _QuoteState:
    """What markdown-it-py's smart quotes read of the parser state: the parser (for its quote characters)."""

    md: MarkdownIt


_TOKEN_HTML = {"softbreak": "\n", "em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>",
               "strong_close": "</strong>", "link_close": "</a>"}
_EMPHASIS_HTML = ("{}", "<em>{}</em>", "<strong>{}</strong>")
_STARS = re.compile(r"\*+")
# A pair of single or double stars around text that starts and ends with a letter or digit (so the
# pair can open and close whatever surrounds it) and holds no star, bracket or tag: the usual
# emphasis, which ``_emphasis_spans`` would take as it stands. The strong pattern runs after the
# emphasis one, so '<' keeps it from taking an emphasis inside (which ``_emphasis_spans`` refuses).
# Each opens with its star, not with the look behind: a pattern with a literal first skips to
# the next star at once, instead of trying every position (twice as fast).
_EM_PAIR = re.compile(r"\*(?<!\*\*)(\w(?:[^*\[\]]*\w)?)\*(?!\*)")
_STRONG_PAIR = re.compile(r"\*\*(?<!\*\*\*)(\w(?:[^*\[\]<]*\w)?)\*\*(?!\*)")


_TAG = re.compile(r"<[^>]*>")
# A single quote not between two letters or digits (\w is either, as '_' never gets this far).
_LONE_QUOTE = re.compile(r"(?<!\w)'|'(?!\w)")
# Articles repeat the same link targets: their escaped form is remembered.
_escaped = functools.lru_cache(maxsize=4096)(escapeHtml)


def _em_html(match: re.Match[str]) -> str:
    # A function, not the template r"<em>\1</em>", which Python 3.11 expands in Python code.
    return f"<em>{match[1]}</em>"


def _strong_html(match: re.Match[str]) -> str:
    return f"<strong>{match[1]}</strong>"


def _emphasis_spans(segment: str, before: str, after: str, spans: list[tuple[int, str, str | None]]) -> None:
    """Append the runs of a text holding only ``*emphasis*`` and ``**strong**`` pairs, or raise.

    Every run of stars must pair with the next one, of the same length (one or two), the first
    able to open and the second to close by the parser's flanking rules: then the parser's
    delimiter matching pairs them the same way.
    """
    if "[" in segment or "]" in segment:
        raise _Unsure
    if "*" not in segment:
        if segment:
            spans.append((0, segment, None))
        return
    runs = list(_STARS.finditer(segment))
    if len(runs) % 2:
        raise _Unsure
    position = 0
    for opener, closer in zip(runs[::2], runs[1::2]):
        width = opener.end() - opener.start()
        if width > 2 or closer.end() - closer.start() != width:
            raise _Unsure
        # A letter or digit inside the pair settles its flanking at once (the usual case).
        if not segment[opener.end()].isalnum() and not _flanking(segment, opener.start(), opener.end(), before, after)[0]:
            raise _Unsure
        if not segment[closer.start() - 1].isalnum() and not _flanking(segment, closer.start(), closer.end(), before, after)[1]:
            raise _Unsure
        if opener.start() > position:
            spans.append((0, segment[position:opener.start()], None))
        spans.append((width, segment[opener.end():closer.start()], None))
        position = closer.end()
    if position < len(segment):
        spans.append((0, segment[position:], None))


def _flanking(segment: str, start: int, stop: int, before: str, after: str) -> tuple[bool, bool]:
    """Return whether the run of stars at ``segment[start:stop]`` can open and can close emphasis."""
    last = segment[start - 1] if start else before
    next_ = segment[stop] if stop < len(segment) else after
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(next_)) or isPunctChar(next_)
    last_space = isWhiteSpace(ord(last))
    next_space = isWhiteSpace(ord(next_))
    left = not (next_space or (next_punct and not (last_space or last_punct)))
    right = not (last_space or (last_punct and not (next_space or next_punct)))
    return left, right


def _text_tokens(run: str, level: int, tokens: list[_Token]) -> None:
    # The parser ends a text token at each line break, with a soft break token between.
    for number, line in enumerate(run.split("\n")):
        if number:
            tokens.append(_Token("softbreak", level))
        if line:
            tokens.append(_Token("text", level, content=line))


def _typography(run: str) -> str:
    """Return a run of text without quotes as the typographer leaves it (each line is one of its text tokens)."""
    if not (_RARE.search(run) or _SCOPED.search(run)):
        return run
    tokens: list[_Token] = []
    _text_tokens(run, 0, tokens)
    _replace(tokens)
    return "".join(_TOKEN_HTML["softbreak"] if t.type == "softbreak" else t.content for t in tokens)


def _replace(tokens: list[_Token]) -> None:
    # markdown-it-py's own replacement rules: (c), (tm) and (r), then dashes, ellipses and the rest.
    replacements.replace_scoped(tokens)  # type: ignore[arg-type]
    replacements.replace_rare(tokens)  # type: ignore[arg-type]


_RARE = replacements.RARE_RE
_SCOPED = replacements.SCOPED_ABBR_RE
