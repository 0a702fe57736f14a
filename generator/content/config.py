"""Site settings: ``site.yaml`` loaded into one typed, validated ``SiteConfig`` (SPEC section 4)."""

from __future__ import annotations

import difflib
import logging
import re
import string
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.content.comments import CommentsConfig, read_comments
from generator.content.extra import NO_EXTRA, ExtraFields
from generator.content.imagesettings import ImageSettings, read_images
from generator.content.language import FALLBACK, THEME_KEYS, date_locale_known, placeholders, strings_language, theme_strings
from generator.content.slugs import SLUG_LIMIT
from generator.content.weburls import is_web_url, link_problem
from generator.content.xmltext import xml_text
from generator.content.yamltext import YamlDocument, YamlSyntaxError, parse_yaml
from generator.diagnostics import BuildError, Diagnostic, UsageError, error, warning

log = logging.getLogger(__name__)

ARTICLE_FIELDS = frozenset({"year", "month", "day", "slug"})
TOPIC_FIELDS = frozenset({"slug"})
# The longest value of each permalink field, in bytes (slugs are ASCII, cut at SLUG_LIMIT, then
# numbered when they collide).
_FIELD_LENGTHS = {"year": 4, "month": 2, "day": 2, "slug": SLUG_LIMIT + len("-99999")}
# The longest file or folder name most file systems take (ext4, APFS, NTFS), in bytes.
NAME_LIMIT = 255


# A BCP 47 language tag (RFC 5646: language, script, region, variants, extensions, private use),
# with '_' taken as '-' as POSIX locales write it; at most 64 characters. Pages print it in
# <html lang>, feeds and Open Graph, and search indexes by it.
_LANGUAGE_TAG = re.compile(
    r"(?=.{2,64}\Z)(?:[A-Za-z]{2,3}(?:[-_][A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language (+ extended)
    r"(?:[-_][A-Za-z]{4})?"  # script
    r"(?:[-_](?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:[-_](?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:[-_][A-WY-Za-wy-z0-9](?:[-_][A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:[-_][Xx](?:[-_][A-Za-z0-9]{1,8})+)?\Z"  # private use
)


def _pattern_fields(pattern: str) -> set[str] | None:
    """Return the fields a permalink pattern names, or None when any is more than a bare name
    (``{slug[0]}``, ``{year.__doc__}``, ``{slug!r}``, ``{slug:>300}``) or its braces do not pair up."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return None
    fields: set[str] = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion is not None:
            return None
        fields.add(name)
    return fields


def _longest(part: str) -> int:
    """Return the most bytes one segment of a valid permalink pattern can become once filled in."""
    return sum(len(literal.encode("utf-8")) + (_FIELD_LENGTHS.get(name, 0) if name else 0)
               for literal, name, _spec, _conversion in string.Formatter().parse(part))


@dataclass(frozen=True, slots=True)
class Permalinks:
    """URL patterns; ``{year}``, ``{month}``, ``{day}`` and ``{slug}`` are filled in."""

    article: str = "/{year}/{month}/{slug}/"
    topic: str = "/topics/{slug}/"
    author: str = "/authors/{slug}/"
    source: str = "/sources/{slug}/"


# Permalink kinds whose pages list briefings: each later page follows at <URL>page/N/.
LIST_PERMALINKS = ("topic", "author", "source")


@dataclass(frozen=True, slots=True)
class TopicMeta:
    """Optional per-topic metadata from ``site.yaml: topics``."""

    description: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorProfile:
    """An author's profile from ``site.yaml: authors`` (SPEC section 10), shown on the author page."""

    bio: str | None = None  # Markdown
    image: str | None = None  # a path from the site root or an absolute URL, like ``logo``
    url: str | None = None  # the author's own page; with ``links``, JSON-LD ``sameAs``
    links: tuple[str, ...] = ()


PROFILE_KEYS = ("bio", "image", "url", "links")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Every setting of a site, with the default a ``site.yaml`` holding only ``title`` gets."""

    title: str = "NewsBite"
    # Absolute URL of the site root; may carry a subpath (https://example.org/briefings/).
    base_url: str = "http://localhost:8000/"
    language: str = FALLBACK
    # IANA zone for naive dates, visible dates and the --future cut-off.
    timezone: str = "UTC"
    description: str = ""
    # Comments under articles (giscus, Isso or Remark42); off unless site.yaml sets them.
    comments: CommentsConfig | None = None
    # Articles per page on the home page and topic pages.
    per_page: int = 20
    # Newest articles in each feed.
    feed_size: int = 20
    permalinks: Permalinks = field(default_factory=Permalinks)
    topics: Mapping[str, TopicMeta] = field(default_factory=lambda: MappingProxyType({}))
    # Author profiles by name, as bylines write the name.
    authors: Mapping[str, AuthorProfile] = field(default_factory=lambda: MappingProxyType({}))
    # Authors are trusted, so raw HTML in Markdown passes through unless this is set.
    escape_html: bool = False
    # The publisher logo in JSON-LD: a path from the site root or an absolute URL. The default
    # ships in the package's layouts/static/.
    logo: str = "logo.png"
    # Responsive derivatives of the site's pictures (SPEC section 9); ``images: false`` turns them off.
    images: ImageSettings = field(default_factory=ImageSettings)
    # Every visible string of the theme, by key: the language's own (English where the theme has
    # none), with site.yaml's ``strings:`` applied (SPEC section 14).
    strings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(theme_strings("en", {})))
    # Keys this version does not know, kept for templates as ``site.extra``.
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The URL path every page lives under: ``/`` or e.g. ``/briefings/``."""
        return urlsplit(self.base_url).path or "/"

    def absolute_url(self, path: str) -> str:
        """Return the absolute URL of a site-absolute ``path`` (one that starts with base_path)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}{path}" if parts.netloc else path


KNOWN_KEYS = frozenset(
    {"title", "base_url", "language", "timezone", "description", "per_page", "feed_size", "comments",
     "permalinks", "topics", "authors", "escape_html", "logo", "images", "strings"}
)


def load_config(text: str, path: str, base_url: str | None = None) -> tuple[SiteConfig, list[Diagnostic]]:
    """Return the validated config and its warnings; raise BuildError on any error."""
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise BuildError([error(path, exc.line, exc.message)]) from exc
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        raise BuildError([error(path, 1, "site.yaml must be a mapping of settings (key: value)")])
    checker = _Checker(path, doc)
    values = checker.read(data)
    if base_url is not None:
        before = len(checker.errors)
        # Command-line text, unlike site.yaml's, may hold characters no page may (SPEC section 7).
        values["base_url"] = checker.base_url(xml_text(base_url), "--base-url")
        if len(checker.errors) > before:
            # A bad --base-url is command-line misuse (exit 2), not a content error in site.yaml.
            raise UsageError(checker.errors[-1].message)
    if checker.errors:
        raise BuildError(checker.errors, checker.warnings)
    return SiteConfig(**values), checker.warnings


def setting_line(text: str, key: str) -> int:
    """Return the line of ``key`` (``authors.Jane Doe.image``) in a site.yaml already loaded without
    error, for a problem found later in the build; 1 when it cannot be told."""
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError:
        return 1
    parent = key.rsplit(".", 1)[0]
    return doc.line_of(key, doc.line_of(parent))


@dataclass(slots=True)
class _Checker:
    path: str
    doc: YamlDocument
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def fail(self, key: str, message: str) -> None:
        self.errors.append(error(self.path, self.doc.line_of(key), message))

    def read(self, data: dict[Any, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key)
            if name not in KNOWN_KEYS:
                extra[name] = value
                self._warn_unknown(name)
                continue
            if value is None:  # "timezone:" left empty means "not set": the default applies
                continue
            checked = getattr(self, f"check_{name}")(value)
            if checked is not None:
                values[name] = checked
        language = values.get("language", FALLBACK)
        values["strings"] = MappingProxyType(theme_strings(language, values.pop("strings", {})))
        self._warn_language(language)
        for name, line in self.doc.duplicate_keys:
            self.warnings.append(warning(self.path, line, f"key '{name}' is set twice; the last one wins"))
        values["extra"] = ExtraFields(extra)
        return values

    def _warn_unknown(self, name: str) -> None:
        close = difflib.get_close_matches(name, sorted(KNOWN_KEYS), n=1, cutoff=0.75)
        if close:
            self.warnings.append(warning(
                self.path, self.doc.line_of(name), f"unknown key '{name}'; did you mean '{close[0]}'?"))

    def _warn_language(self, language: str) -> None:
        if strings_language(language) is not None:
            return
        dates = "" if date_locale_known(language) else " and dates"
        self.warnings.append(warning(
            self.path, self.doc.line_of("language"),
            f"the theme has no strings for language '{language}': its words{dates} are in English "
            "(set them with 'strings:'; the README lists the keys)"))

    def check_strings(self, value: Any) -> dict[str, str] | None:
        if not isinstance(value, dict):
            self.fail("strings", "'strings' must map theme string keys to text, e.g. latest_briefings: Today")
            return None
        overrides: dict[str, str] = {}
        for key, text in value.items():
            name, where = str(key), f"strings.{key}"
            if name not in THEME_KEYS:
                close = difflib.get_close_matches(name, THEME_KEYS, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else " (the README lists the keys)"
                self.warnings.append(warning(self.path, self.doc.line_of(where),
                                             f"unknown theme string '{name}'{hint}"))
                continue
            if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                self.fail(where, f"theme string '{name}' must be text")
                continue
            unknown = sorted(set(re.findall(r"\{(\w+)\}", str(text))) - placeholders(name))
            if unknown:
                self.fail(where, f"theme string '{name}' fills in {{{unknown[0]}}}, which it does not have "
                          f"(it has: {', '.join('{' + p + '}' for p in sorted(placeholders(name))) or 'none'})")
                continue
            overrides[name] = str(text)
        return overrides

    def _text(self, key: str, value: Any) -> str | None:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        self.fail(key, f"'{key}' must be a text value")
        return None

    def check_title(self, value: Any) -> str | None:
        return self._text("title", value)

    def check_description(self, value: Any) -> str | None:
        return "" if value is None else self._text("description", value)

    def check_language(self, value: Any) -> str | None:
        text = self._text("language", value)
        if text is not None and not _LANGUAGE_TAG.match(text):
            self.fail("language", f"'language' must be a language tag such as 'en', 'en-AU' or 'pt-BR' "
                      f"(BCP 47; got '{text[:40]}')")
            return None
        return text

    def check_logo(self, value: Any) -> str | None:
        text = self._text("logo", value)
        if text is None:
            return None
        text = text.strip()
        if not text:
            self.fail("logo", "'logo' must name an image: a path from the site root or an absolute URL")
            return None
        problem = link_problem(text)
        if problem is not None:
            self.fail("logo", f"'logo' {problem}")
            return None
        # Kept relative to the site root, so it follows a base_url subpath.
        return text if "://" in text else text.lstrip("/")

    def check_base_url(self, value: Any) -> str | None:
        text = self._text("base_url", value)
        return None if text is None else self.base_url(text, "base_url")

    def base_url(self, text: str, key: str) -> str:
        try:
            parts = urlsplit(text.strip())
        except ValueError:  # e.g. an unclosed IPv6 bracket: 'http://[oops'
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            self.fail("base_url", f"{key} must be an absolute http(s) URL such as https://example.org/ (got '{text}')")
            return text
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return f"{parts.scheme}://{parts.netloc}{path}"

    def check_timezone(self, value: Any) -> str | None:
        name = self._text("timezone", value)
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("timezone", f"unknown timezone '{name}' (use an IANA name such as Europe/London)")
            return None
        return name

    def _positive_int(self, key: str, value: Any) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(key, f"'{key}' must be a whole number of at least 1 (got {value!r})")
            return None
        return value

    def check_per_page(self, value: Any) -> int | None:
        return self._positive_int("per_page", value)

    def check_feed_size(self, value: Any) -> int | None:
        return self._positive_int("feed_size", value)

    def check_comments(self, value: Any) -> CommentsConfig | None:
        return read_comments(value, self.fail)

    def check_images(self, value: Any) -> ImageSettings | None:
        return read_images(value, self.fail)

    def check_escape_html(self, value: Any) -> bool | None:
        if not isinstance(value, bool):
            self.fail("escape_html", "'escape_html' must be true or false")
            return None
        return value

    def check_permalinks(self, value: Any) -> Permalinks | None:
        kinds = ("article", *LIST_PERMALINKS)
        if not isinstance(value, dict):
            self.fail("permalinks", f"'permalinks' must be a mapping with any of {', '.join(repr(k) for k in kinds)}")
            return None
        defaults = Permalinks()
        patterns = {kind: self._pattern(kind, value.get(kind, getattr(defaults, kind)),
                                        ARTICLE_FIELDS if kind == "article" else TOPIC_FIELDS) for kind in kinds}
        for key in value:
            if key not in kinds:
                self.fail(f"permalinks.{key}", f"unknown permalink kind '{key}' (use {', '.join(repr(k) for k in kinds)})")
        return Permalinks(**{kind: pattern or getattr(defaults, kind) for kind, pattern in patterns.items()})

    def _pattern(self, kind: str, pattern: Any, allowed: frozenset[str]) -> str | None:
        key = f"permalinks.{kind}"
        if not isinstance(pattern, str) or not pattern.startswith("/"):
            self.fail(key, f"permalink '{kind}' must be a path starting with '/'")
            return None
        fields = _pattern_fields(pattern)
        if fields is None or "slug" not in fields or not fields <= allowed:
            self.fail(key, f"permalink '{kind}' must contain {{slug}} and only {sorted('{'+f+'}' for f in allowed)}"
                      " as whole fields")
            return None
        too_long = [part for part in pattern.split("/") if _longest(part) > NAME_LIMIT]
        if too_long:
            self.fail(key, f"permalink '{kind}' makes folder names longer than {NAME_LIMIT} bytes "
                      f"('{too_long[0][:40]}...'), more than file systems allow")
            return None
        if kind in LIST_PERMALINKS and not pattern.endswith("/"):
            self.fail(key, f"permalink '{kind}' must end with '/' (its pages follow at <{kind} URL>page/N/)")
            return None
        if ".." in pattern.split("/") or "\\" in pattern:
            self.fail(key, f"permalink '{kind}' must not contain '..' or '\\'")
            return None
        return pattern

    def check_topics(self, value: Any) -> Mapping[str, TopicMeta] | None:
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, dict):
            self.fail("topics", "'topics' must map topic names to settings such as 'description'")
            return None
        metas: dict[str, TopicMeta] = {}
        for name, meta in value.items():
            meta = meta or {}
            if not isinstance(meta, dict):
                self.fail(f"topics.{name}", f"settings of topic '{name}' must be a mapping")
                continue
            description = meta.get("description")
            metas[str(name)] = TopicMeta(None if description is None else str(description))
        return MappingProxyType(metas)

    def check_authors(self, value: Any) -> Mapping[str, AuthorProfile] | None:
        if not isinstance(value, dict):
            self.fail("authors", "'authors' must map author names to profiles (bio, image, url, links)")
            return None
        profiles: dict[str, AuthorProfile] = {}
        for name, profile in value.items():
            key = f"authors.{name}"
            profile = profile or {}
            if not isinstance(profile, dict):
                self.fail(key, f"the profile of author '{name}' must be a mapping of {', '.join(PROFILE_KEYS)}")
                continue
            for unknown in sorted(str(k) for k in profile if k not in PROFILE_KEYS):
                self.warnings.append(warning(self.path, self.doc.line_of(f"{key}.{unknown}", self.doc.line_of(key)),
                                             f"unknown key '{unknown}' in the profile of '{name}' (use {', '.join(PROFILE_KEYS)})"))
            # Bylines collapse runs of spaces in a name; so does the profile's name, to match them.
            profiles[" ".join(str(name).split())] = AuthorProfile(
                bio=self._profile_text(key, "bio", profile.get("bio")),
                image=self._profile_image(key, profile.get("image")),
                url=self._profile_url(f"{key}.url", profile.get("url")),
                links=tuple(u for u in (self._profile_url(f"{key}.links", link) for link in self._list(key, profile))
                            if u is not None),
            )
        return MappingProxyType(profiles)

    def _list(self, key: str, profile: dict[Any, Any]) -> list[Any]:
        links = profile.get("links")
        if links is None:
            return []
        if not isinstance(links, list):
            self.fail(f"{key}.links", "'links' must be a list of URLs")
            return []
        return links

    def _profile_text(self, key: str, field_name: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list, bool)):
            self.fail(f"{key}.{field_name}", f"'{field_name}' of '{key.removeprefix('authors.')}' must be text")
            return None
        return str(value).strip() or None

    def _profile_url(self, key: str, value: Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip() if isinstance(value, str) else ""
        if not is_web_url(text):
            self.fail(key, f"'{key.rsplit('.', 1)[-1]}' of '{key.split('.')[1]}' must be an http(s) URL (got {value!r})")
            return None
        return text

    def _profile_image(self, key: str, value: Any) -> str | None:
        text = self._profile_text(key, "image", value)
        if text is None:
            return None
        problem = link_problem(text)
        if problem is not None:
            self.fail(f"{key}.image", f"'image' {problem}")
            return None
        # Like ``logo``: kept relative to the site root, so it follows a base_url subpath.
        return text if "://" in text else text.lstrip("/")
