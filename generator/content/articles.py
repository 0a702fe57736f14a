"""Articles: split the YAML front matter, validate it into an ``Article`` (SPEC section 3)."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import unquote

from generator.content.config import SiteConfig
from generator.content.extra import NO_EXTRA, ExtraFields
from generator.content.fastpaths import fast_paths_on
from generator.content.slugs import make_slug, unsafe_slug_reason
from generator.content.weburls import is_web_url, link_problem, splits
from generator.content.yamltext import YamlDocument, YamlSyntaxError, parse_yaml
from generator.diagnostics import Diagnostic, error, warning

log = logging.getLogger(__name__)

KNOWN_KEYS = (
    "title", "date", "updated", "standfirst", "topics", "source", "author", "original_url",
    "image", "slug", "aliases", "draft", "corrections", "updates",
)
_KNOWN = frozenset(KNOWN_KEYS)
# Keys that look like typos of a known key are worth a warning; other unknown keys are
# the author's own (kept in ``extra`` for templates) and pass silently.
_TYPO_CUTOFF = 0.75
_FENCE = re.compile(r"^---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Image:
    """A hero image; ``src`` is as the author wrote it (resolved to a URL by the model)."""

    src: str
    alt: str = ""
    caption: str | None = None
    credit: str | None = None
    # The point the social crop is centred on, as fractions of width and height (SPEC section 9).
    focus: tuple[float, float] = (0.5, 0.5)


@dataclass(frozen=True, slots=True)
class Notice:
    """A dated correction or update of an article (SPEC section 11); ``text`` is inline Markdown."""

    date: dt.datetime
    date_only: bool
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Article:
    """One validated source article; ``path`` is relative to the site folder, with '/'."""

    path: str
    title: str
    date: dt.datetime
    date_only: bool
    body: str
    body_line: int
    slug: str
    updated: dt.datetime | None = None
    updated_date_only: bool = False
    standfirst: str | None = None
    topics: tuple[str, ...] = ()
    source: str | None = None
    authors: tuple[str, ...] = ()
    original_url: str | None = None
    image: Image | None = None
    aliases: tuple[str, ...] = ()
    draft: bool = False
    # Dated after the build's time and published only because of --future (set by the catalogue's
    # selection): its page is a preview, labelled "Scheduled", kept out of feeds and sitemaps.
    scheduled: bool = False
    corrections: tuple[Notice, ...] = ()
    updates: tuple[Notice, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)
    # File line of each front-matter key, so later stages can point at the right line.
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def parse_article(path: str, text: str, config: SiteConfig) -> tuple[Article | None, list[Diagnostic]]:
    """Return the article (None when it has errors) and every diagnostic found in it."""
    text = text.removeprefix("\ufeff")
    fence = _FENCE.match(text)
    if fence is None:
        return None, [error(path, 1, "missing front matter: the file must start with a '---' line")]
    close = _closing_fence(text, fence.end())
    if close is None:
        return None, [error(path, 1, "front matter is not closed: add a '---' line after it")]
    yaml_text = text[fence.end():close.start()]
    body_start = close.end() + 1
    body_line = text.count("\n", 0, body_start) + 1
    try:
        doc = parse_yaml(yaml_text)
    except YamlSyntaxError as exc:
        return None, [error(path, exc.line + 1, exc.message)]
    if not isinstance(doc.data, dict):
        return None, [error(path, 2, "front matter must be a mapping of keys (title: ..., date: ...)")]
    reader = _FrontMatter(path, doc, config)
    article = reader.article(text[body_start:], body_line)
    return (None if reader.has_errors else article), reader.diagnostics


def _closing_fence(text: str, start: int) -> re.Match[str] | None:
    """Return the first '---' or '...' line from ``start`` (a line's start) on, as ``_CLOSE.search`` would.

    Looking for where such lines could begin with ``str.find``, and matching only there, is a
    fifth of the cost of a regex search through the front matter (issue 5).
    """
    if not fast_paths_on():
        return _CLOSE.search(text, start)
    position = start - 1  # the opening line's '\n'
    while True:
        dashes = text.find("\n---", position)
        dots = text.find("\n...", position, len(text) if dashes < 0 else dashes)
        candidate = dashes if dots < 0 else dots
        if candidate < 0:
            return None
        close = _CLOSE.match(text, candidate + 1)
        if close is not None:
            return close
        position = candidate + 1


@dataclass(slots=True)
class _FrontMatter:
    """Reads one front-matter mapping, collecting every problem rather than stopping at the first."""

    path: str
    doc: YamlDocument
    config: SiteConfig
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def line(self, key: str) -> int:
        # +1: the opening '---' is line 1 of the file, YAML line 1 is file line 2.
        return self.doc.line_of(key, 0) + 1

    def fail(self, key: str, message: str) -> None:
        self.diagnostics.append(error(self.path, self.line(key), message))

    def article(self, body: str, body_line: int) -> Article:
        data: dict[str, Any] = self.doc.data
        self._warn_typos(data)
        title = self.text(data, "title", required=True) or ""
        date, date_only = self.date(data, "date", required=True)
        updated, updated_date_only = self.date(data, "updated")
        image = self.image(data.get("image"))
        return Article(
            path=self.path,
            title=title,
            date=date or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc),
            date_only=date_only,
            body=body,
            body_line=body_line,
            slug=self.slug(data.get("slug")),
            updated=updated,
            updated_date_only=updated_date_only,
            standfirst=self.text(data, "standfirst"),
            topics=self.text_list(data, "topics"),
            source=self.text(data, "source"),
            authors=self.text_list(data, "author"),
            original_url=self.url(data, "original_url"),
            image=image,
            aliases=self.aliases(data.get("aliases")),
            draft=self.flag(data, "draft"),
            corrections=self.notices(data, "corrections", "correction"),
            updates=self.notices(data, "updates", "update"),
            extra=extra_mapping({str(k): v for k, v in data.items() if k not in _KNOWN}),
            lines=MappingProxyType({key: line + 1 for key, line in self.doc.key_lines.items()}),
        )

    def _warn_typos(self, data: dict[Any, Any]) -> None:
        for key in data:
            name = str(key)
            if name in KNOWN_KEYS:
                continue
            close = difflib.get_close_matches(name, KNOWN_KEYS, n=1, cutoff=_TYPO_CUTOFF)
            if close:
                self.diagnostics.append(warning(
                    self.path, self.line(name), f"unknown key '{name}'; did you mean '{close[0]}'?"))
        for name, line in self.doc.duplicate_keys:
            self.diagnostics.append(warning(self.path, line + 1, f"key '{name}' is set twice; the last one wins"))

    def text(self, data: dict[Any, Any], key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(key, f"'{key}' is required" + ("" if key in data else " but missing"))
            return None
        if isinstance(value, (dict, list, bool)):
            self.fail(key, f"'{key}' must be text, not {type(value).__name__}")
            return None
        return str(value).strip()

    def text_list(self, data: dict[Any, Any], key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        result: list[str] = []
        for item in items:
            if isinstance(item, (dict, list, bool)) or item is None:
                self.fail(key, f"'{key}' must be text or a list of text")
                return ()
            text = " ".join(str(item).split())
            if text and text not in result:
                result.append(text)
        return tuple(result)

    def date(self, data: dict[Any, Any], key: str, required: bool = False) -> tuple[dt.datetime | None, bool]:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(key, f"'{key}' is required but missing (e.g. {key}: 2022-01-09T18:30:00+11:00)")
            return None, False
        moment, date_only = read_date(value, self.config)
        if moment is None:
            shown = f"'{value}'" if isinstance(value, str) else repr(value)
            self.fail(key, f"'{key}' is not a date: {shown} (use 2022-01-09 or 2022-01-09T18:30:00+11:00)")
        return moment, date_only

    def notices(self, data: dict[Any, Any], key: str, what: str) -> tuple[Notice, ...]:
        """Return the ``corrections:`` or ``updates:`` entries, oldest first; each needs a date and text."""
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(key, f"'{key}' must be a list of entries, each with 'date' and 'text'")
            return ()
        notices: list[Notice] = []
        for number, item in enumerate(value, start=1):
            where = f"{key}.{number - 1}"
            line = self.line(where) if where in self.doc.key_lines else self.line(key)
            if not isinstance(item, dict):
                self.diagnostics.append(error(self.path, line, f"{what} {number} must be a mapping with 'date' and 'text'"))
                continue
            moment, date_only = read_date(item.get("date"), self.config)
            if moment is None:
                at = self.line(f"{where}.date") if f"{where}.date" in self.doc.key_lines else line
                self.diagnostics.append(error(self.path, at, f"{what} {number} has no valid 'date' "
                                              "(use 2022-01-09 or 2022-01-09T18:30:00+11:00)"))
            text = item.get("text")
            if isinstance(text, (int, float)) and not isinstance(text, bool):
                text = str(text)
            if not isinstance(text, str) or not text.strip():
                at = self.line(f"{where}.text") if f"{where}.text" in self.doc.key_lines else line
                self.diagnostics.append(error(self.path, at, f"{what} {number} has no 'text'"))
                continue
            if moment is not None:
                notices.append(Notice(moment, date_only, " ".join(text.split()), line))
        return tuple(sorted(notices, key=lambda n: n.date.timestamp()))

    def url(self, data: dict[Any, Any], key: str) -> str | None:
        text = self.text(data, key)
        if text is not None and not is_web_url(text):
            self.fail(key, f"'{key}' must be an http(s) URL (got '{text}')")
            return None
        return text

    def flag(self, data: dict[Any, Any], key: str) -> bool:
        value = data.get(key)
        if value is None:  # absent or left empty, like every other optional key
            return False
        if not isinstance(value, bool):
            self.fail(key, f"'{key}' must be true or false")
            return False
        return value

    def slug(self, value: Any) -> str:
        if value is None:
            stem = self.path.rsplit("/", 1)[-1].removesuffix(".md")
            slug = make_slug(stem)
            if not slug:
                self.diagnostics.append(error(
                    self.path, 1, f"cannot make a URL slug from the file name '{stem}'; set 'slug:'"))
            return slug
        text = str(value).strip()
        reason = unsafe_slug_reason(text)
        if reason:
            self.fail("slug", f"{reason} (got '{text}')")
            return ""
        return make_slug(text)

    def image(self, value: Any) -> Image | None:
        if value is None:
            return None
        where = "image.src" if isinstance(value, dict) else "image"  # the line to name
        if isinstance(value, str):
            value = {"src": value} if value.strip() else None
            if value is None:
                return None
        if not isinstance(value, dict) or not isinstance(value.get("src"), str) or not value["src"].strip():
            self.fail("image", "'image' must be a path/URL, or a mapping with at least 'src'")
            return None
        if not splits(value["src"].strip()):
            self.fail("image", f"'image' is not a valid path or URL (got '{value['src'].strip()}')")
            return None
        problem = link_problem(value["src"].strip())
        if problem is not None:
            self.fail(where, f"'image' {problem}")
            return None
        fields = {}
        for key in ("alt", "caption", "credit"):
            item = value.get(key)
            if isinstance(item, (dict, list)):
                self.fail(f"image.{key}", f"'image.{key}' must be text")
            fields[key] = None if item is None or isinstance(item, (dict, list)) else str(item).strip()
        focus = self.focus(value["focus"]) if "focus" in value else (0.5, 0.5)
        return Image(value["src"].strip(), fields["alt"] or "", fields["caption"], fields["credit"], focus)

    def focus(self, value: Any) -> tuple[float, float]:
        numbers = value if isinstance(value, list) else []
        if len(numbers) != 2 or not all(isinstance(n, (int, float)) and not isinstance(n, bool) and 0 <= n <= 1
                                        for n in numbers):
            self.fail("image.focus", "'image.focus' must be [x, y], fractions of the width and height from 0 to 1 "
                      f"(got {value!r})")
            return (0.5, 0.5)
        return (float(numbers[0]), float(numbers[1]))

    def aliases(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        result = []
        for item in items:
            text = str(item).strip() if isinstance(item, str) else ""
            # A server decodes percent-escapes before it looks for the file: '/%2e%2e/' is '/../'.
            decoded = unquote(text)
            if not text.startswith("/") or any(".." in t.split("/") or "\\" in t or "//" in t or not t.isprintable()
                                               for t in (text, decoded)):
                self.fail("aliases", f"each alias must be a site path starting with '/' without '..' (got {item!r})")
                continue
            result.append(text)
        return tuple(result)


def read_date(value: Any, config: SiteConfig) -> tuple[dt.datetime | None, bool]:
    """Return a front-matter date as an aware datetime and whether it is date-only; None if it is no date.

    A date-only value is midnight in the site timezone, a naive datetime is in the site timezone
    (SPEC section 8); a quoted '2022-01-09' is still date-only, not midnight-as-a-time.
    """
    if isinstance(value, str):
        try:
            stripped = value.strip()
            value = (dt.date.fromisoformat(stripped) if len(stripped) == 10
                     else dt.datetime.fromisoformat(stripped.replace("Z", "+00:00")))
        except ValueError:
            return None, False
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=config.tz) if value.tzinfo is None else value), False
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=config.tz), True
    return None, False


# Most articles keep no keys of their own: they share one empty mapping.
_NO_EXTRA: Mapping[str, Any] = NO_EXTRA


def extra_mapping(values: dict[str, Any]) -> Mapping[str, Any]:
    """Return an article's own keys (``Article.extra``) read-only; a dict nobody else may hold."""
    return ExtraFields(values) if values else _NO_EXTRA


def scaffold_article(title: str, topics: list[str], now: dt.datetime) -> str:
    """Return the text of a new article file with filled-in front matter."""
    import yaml

    front = {"title": title, "date": now.isoformat(timespec="seconds"), "standfirst": "",
             "topics": topics, "source": "", "author": "", "draft": True}
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000)
    # The date is written as a plain scalar so YAML reads it back as a timestamp.
    dumped = dumped.replace(f"'{front['date']}'", str(front["date"]))
    return f"---\n{dumped}---\n\nWrite the briefing here.\n"
