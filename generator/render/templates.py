"""Jinja2 templates: the environment, page rendering, and template errors as diagnostics.

The environment is stock Jinja2, configured through its public options only. Templates print
values as they are, HTML-escaped by autoescaping: every text that can reach a page is made safe
for XML and HTML once, where it enters NewsBite (``content.xmltext``: YAML values, Markdown
bodies, ``--base-url``), rather than by a ``finalize`` hook at each of the 1.7 million values a
10,000-article build prints (a Python call each: about a fifth of the time pages took to render).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
import json
import logging
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import jinja2
import jinja2.ext
from jinja2.lexer import (
    TOKEN_BLOCK_BEGIN,
    TOKEN_BLOCK_END,
    TOKEN_COMMA,
    TOKEN_LBRACKET,
    TOKEN_NAME,
    TOKEN_RBRACKET,
    TOKEN_STRING,
    Token,
    TokenStream,
)
from markupsafe import Markup, escape

from generator.content.config import SiteConfig
from generator.content.extra import ExtraFields
from generator.content.paths import DEFAULT_LAYOUTS, layout_dirs
from generator.content.language import theme_text
from generator.diagnostics import BuildError, Diagnostic, error
from generator.model import pictures, seo
from generator.model.catalogue import AuthorLink, Entry, ImageView, NoticeView, TopicLink, site_path
from generator.model.feeds import FeedLink
from generator.model.plan import ArchiveView, AuthorView, Nav, PageMeta, Pagination, PageSpec, TopicView
from generator.render.fragments import FragmentMemo, FragmentShelf

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Output:
    """A rendered file: its path relative to the output folder and its bytes."""

    path: str
    data: bytes
    source: str


# What templates call each value, in the README's words (not Python's class names).
_README_NAMES: dict[type, str] = {
    Entry: "article", SiteConfig: "site", PageMeta: "page", Nav: "nav", Pagination: "pagination",
    TopicView: "topic", TopicLink: "topic", ImageView: "article.image", FeedLink: "feed",
    AuthorView: "author", ArchiveView: "archive", AuthorLink: "author link", NoticeView: "correction or update",
}
# Where a key of the author's own lives, for the values that have one.
_EXTRA_HOME = {"article": "article.extra", "site": "site.extra"}


class TemplateUndefined(jinja2.StrictUndefined):
    """An undefined name: an error, named in the README's words, unless it is a key missing from
    ``article.extra`` or ``site.extra``, which is empty and false as in Hugo or Jekyll (SPEC section 13)."""

    __slots__ = ()

    def __new__(cls, hint: str | None = None, obj: Any = jinja2.utils.missing, name: str | None = None,
                exc: type[jinja2.TemplateRuntimeError] = jinja2.UndefinedError) -> Any:
        if isinstance(obj, ExtraFields):
            return jinja2.ChainableUndefined(hint, obj, name, exc)
        return super().__new__(cls)

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if self._undefined_hint or obj is jinja2.utils.missing:
            return super()._undefined_message
        what = _README_NAMES.get(type(obj))
        if what is None:
            kind = "mapping" if isinstance(obj, dict) else f"'{type(obj).__name__}' value"
            return f"the {kind} has no {'key' if isinstance(obj, dict) else 'attribute'} {name!r}"
        message = f"{what} has no field {name!r}"
        fields = [f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj) else []
        close = difflib.get_close_matches(str(name), fields, n=1)
        if close:
            return f"{message}; did you mean {what}.{close[0]}?"
        if what in _EXTRA_HOME:
            return f"{message}; a key of your own is {_EXTRA_HOME[what]}.{name}"
        return message


def theme_markup(strings: Mapping[str, str], language: str, key: str, count: int | None = None,
                 **values: Any) -> str:
    """Return ``theme_text``; when a value is markup (authors' names as links), the string around
    it is escaped and the whole is markup, so the links print as links."""
    if not any(isinstance(value, Markup) for value in values.values()):
        return theme_text(strings, language, key, count, **values)
    # NUL marks where each value goes: no text that reaches a page holds one (content.xmltext).
    marked = theme_text(strings, language, key, count, **{name: f"\0{name}\0" for name in values})
    html = str(escape(marked))
    for name, value in values.items():
        html = html.replace(f"\0{name}\0", str(escape(value)))
    return Markup(html)


class ThemeStrings:
    """``t`` in templates: ``theme_markup`` in the site's language, each string made once.

    A page prints some twenty of them, the same on every page: a 10,000-article site asks for
    a quarter of a million. Strings with a value that is markup (authors' names as links) are
    made each time.
    """

    def __init__(self, strings: Mapping[str, str], language: str) -> None:
        self._strings = strings
        self._language = language
        self._made: dict[tuple[Any, ...], str] = {}

    def __call__(self, key: str, count: int | None = None, **values: Any) -> str:
        plain = type(key) is str and (count is None or type(count) is int) and all(
            type(value) in _PLAIN_VALUES for value in values.values())
        if not plain:
            return theme_markup(self._strings, self._language, key, count, **values)
        memo_key = (key, count, *values.items())
        text = self._made.get(memo_key)
        if text is None:
            text = self._made[memo_key] = theme_markup(self._strings, self._language, key, count, **values)
        return text


# Values a theme string is made once with: equal ones give the same text (not markup, not bool for int).
_PLAIN_VALUES = (str, int)


def _render_snippet(text: str, escape_html: bool, base_path: str, inline: bool = False) -> str:
    # markdown-it and its plugins take 0.05 s to import: a build that renders no page never needs them.
    from generator.render.markup import render_snippet

    return render_snippet(text, escape_html, base_path, inline=inline)


def _snippet_text(text: str, escape_html: bool) -> str:
    from generator.render.markup import snippet_text

    return snippet_text(text, escape_html=escape_html)


class TemplateReferences(jinja2.ext.Extension):
    """Notes, as Jinja parses each template, which templates it names: what ``extends``,
    ``include``, ``import`` and ``from`` name by string literals, or None for one naming a template
    by any other expression (it may be any template).

    Jinja's own lexer gives the tags (comments and raw blocks are not tags), and the parse that
    compiles a template is the one that notes them: the page keys need each template's closure
    (``build.pages.template_keys``), which would otherwise parse every template a second time.
    """

    # Words that may follow a tag's template names: `ignore missing`, `with context`, `as x`, `import x`.
    _AFTER_NAMES = {"include": {"ignore", "with", "without"}, "extends": set(), "import": {"as"}, "from": {"import"}}

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        self.named: dict[str, list[str | None]] = {}

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        named: list[str | None] = []
        tag: list[Token] | None = None
        for token in stream:
            if tag is not None:
                if token.type == TOKEN_BLOCK_END:
                    named.extend(self._names(tag))
                    tag = None
                else:
                    tag.append(token)
            elif token.type == TOKEN_BLOCK_BEGIN:
                tag = []
            yield token
        if stream.name is not None:
            self.named[stream.name] = named

    @classmethod
    def _names(cls, tag: list[Token]) -> list[str | None]:
        if not tag or tag[0].type != TOKEN_NAME or tag[0].value not in cls._AFTER_NAMES:
            return []
        stop = cls._AFTER_NAMES[tag[0].value]
        expression = list(itertools.takewhile(lambda t: not (t.type == TOKEN_NAME and t.value in stop), tag[1:]))
        kinds = [t.type for t in expression]
        if kinds and set(kinds) == {TOKEN_STRING}:  # adjacent literals are one: "a" "b" is "ab"
            return ["".join(t.value for t in expression)]
        if kinds[:1] == [TOKEN_LBRACKET] and kinds[-1:] == [TOKEN_RBRACKET]:
            names: list[str | None] = []
            for is_comma, item in itertools.groupby(expression[1:-1], key=lambda t: t.type == TOKEN_COMMA):
                if not is_comma:
                    literal = [*item]
                    names.extend(cls._names([tag[0], *literal]) if literal else [None])
            return names
        return [None]


def referenced_templates(env: jinja2.Environment, name: str) -> list[str | None] | None:
    """Return the templates ``name`` names (``TemplateReferences``) if its parse was noted, else None."""
    references = env.extensions.get(TemplateReferences.identifier)
    if not isinstance(references, TemplateReferences):
        return None
    return references.named.get(name)


def make_environment(config: SiteConfig, site_dir: Path, fingerprinted: Mapping[str, str] | None = None
                     ) -> jinja2.Environment:
    """Return the Jinja2 environment: autoescaping for HTML and XML, strict about undefined names.

    ``fingerprinted`` maps static files to the digest names they are also published under, which
    ``asset_url`` prints (SPEC section 13).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in layout_dirs(site_dir)]),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=TemplateUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[TemplateReferences],
    )
    env.globals["site"] = config
    names = dict(fingerprinted or {})
    env.globals["asset_url"] = lambda path: site_path(config, names.get(str(path).lstrip("/"), str(path)))
    env.filters["json_script"] = json_for_script
    # The theme's visible strings in the site's language (SPEC section 14): t("latest_briefings"),
    # t("briefings", count=n), t("by_authors", authors=...).
    env.globals["t"] = ThemeStrings(config.strings, config.language)
    # Head metadata is shaped in seo.py; templates print it (SPEC section 5).
    env.globals["social_tags"] = functools.partial(seo.social_tags, config)
    env.globals["news_article"] = functools.partial(
        seo.news_article, config, plain_text=functools.partial(_snippet_text, escape_html=config.escape_html))
    # Markdown from settings and front matter: an author's bio, a correction's or update's text.
    env.filters["markdown"] = lambda text: Markup(_render_snippet(str(text), config.escape_html, config.base_path))
    env.filters["markdown_inline"] = lambda text: Markup(
        _render_snippet(str(text), config.escape_html, config.base_path, inline=True))
    # Pictures with their derivatives (SPEC section 9), and the sizes the built-in theme shows them at.
    env.globals["picture"] = picture
    # Each article's card and related-briefing item, rendered once and printed by every page
    # showing it (render/fragments.py).
    fragments = FragmentMemo(env)
    env.globals.update(cached_cards=fragments.cards, cached_related=fragments.related,
                       cached_fragment=fragments.fragment, meta_tags=meta_tags)
    env.globals.update(HERO_SIZES=pictures.HERO_SIZES, LEAD_SIZES=LEAD_SIZES, CARD_SIZES=CARD_SIZES,
                       BODY_SIZES=pictures.BODY_SIZES, PROFILE_SIZES=PROFILE_SIZES)
    return env


def meta_tags(tags: Sequence[Sequence[str]]) -> Markup:
    """Return ``<meta ATTRIBUTE="KEY" content="CONTENT">`` lines for (attribute, key, content)
    triples (``seo.social_tags``), each value escaped as ``{{ value }}`` prints it."""
    values = [value for tag in tags for value in tag]
    if all(type(value) is str for value in values):
        # One escape for all: a page's social tags are a seventh of what it prints. No text that
        # reaches a page holds a NUL (content.xmltext), so it keeps the values apart.
        escaped = str(escape("\0".join(values))).split("\0")
    else:
        escaped = [str(escape(value)) for value in values]
    parts = iter(escaped)
    return Markup("".join([f'<meta {attribute}="{key}" content="{content}">\n'
                           for attribute, key, content in zip(parts, parts, parts)]))


# A list page's lead picture takes 1.35 of 2.35 parts of the page from 48rem on; a card's thumbnail
# is clamp(6.5rem, 26vw, 14rem) wide (css/newsbite.css).
LEAD_SIZES = "(min-width: 48rem) 32rem, 100vw"
CARD_SIZES = "(min-width: 54rem) 14rem, (max-width: 25rem) 6.5rem, 26vw"
# An author's picture beside their name on the author page (5rem square).
PROFILE_SIZES = "5rem"


def picture(image: ImageView | None, sizes: str = pictures.HERO_SIZES, priority: bool = False,
            attributes: dict[str, str] | None = None) -> Markup:
    """Return an image's markup for a template: ``picture(article.image, HERO_SIZES, priority=true)``."""
    if image is None:
        return Markup("")
    return pictures.picture_markup(image.picture, image.url, image.alt, sizes, priority, attributes=attributes)


def forget_fragments(env: jinja2.Environment) -> None:
    """Forget the cards and related items rendered so far: a build makes its own entries (the dev
    server keeps ``env``)."""
    memo = _fragment_memo(env)
    if memo is not None:
        memo.clear()


def shelve_fragments(env: jinja2.Environment, shelf: FragmentShelf | None) -> None:
    """Have the pages ``env`` renders look their cards and related items up on ``shelf`` and keep
    them there (``render.fragments``); None: no longer."""
    memo = _fragment_memo(env)
    if memo is not None:
        memo.shelve(shelf)


def _fragment_memo(env: jinja2.Environment) -> FragmentMemo | None:
    memo = getattr(env.globals.get("cached_cards"), "__self__", None)
    return memo if isinstance(memo, FragmentMemo) else None


def template_names(env: jinja2.Environment) -> list[str]:
    """Return the name of every template the loader can see (files under static/ are copied, not rendered)."""
    assert env.loader is not None
    return [n for n in env.loader.list_templates() if not n.startswith("static/")]


def compile_templates(env: jinja2.Environment) -> None:
    """Compile every template into the environment's cache, so that workers forked later inherit them.

    A template that fails to compile is left out: rendering reports it, naming its file and line.
    """
    for name in template_names(env):
        try:
            env.get_template(name)
        except (jinja2.TemplateError, UnicodeDecodeError):
            pass


# One encoder for every page: json.dumps with options builds a new one on each call.
_SCRIPT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# What must not appear as itself in a <script> element's JSON, and what stands for it there.
_SCRIPT_UNSAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def json_for_script(value: Any) -> Markup:
    """Return JSON that is safe inside <script>: no '<', '>' or '&' can end or alter the element."""
    text = _SCRIPT_JSON.encode(value)
    for unsafe, escaped in _SCRIPT_UNSAFE:
        if unsafe in text:  # a search costs a fraction of a replace that copies the text
            text = text.replace(unsafe, escaped)
    return Markup(text)


def render_page(env: jinja2.Environment, spec: PageSpec, site_dir: Path) -> Output:
    """Return the rendered page; raise BuildError naming the template file and line on failure."""
    try:
        html = env.get_template(spec.template).render(spec.context)
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError([error(_display(exc.filename, site_dir), exc.lineno or 1, f"template error: {exc.message}")]) from exc
    except jinja2.TemplateNotFound as exc:
        # Named by a template ({% extends %}, {% include %}, {% import %}): the error is that template's,
        # at that line; the page's own template missing is the page's.
        frame = _template_frame(site_dir)
        where = (frame[0], frame[1]) if frame is not None else (spec.source, 1)
        raise BuildError([error(*where, f"template '{exc.name}' not found in layouts/")]) from exc
    except UnicodeDecodeError as exc:  # a template file that is not text: name the file, not the page
        raise BuildError([_undecodable_template(env, site_dir) or _runtime_error(exc, site_dir, spec)]) from exc
    except Exception as exc:  # any runtime error inside a template: report where it happened
        raise BuildError([_runtime_error(exc, site_dir, spec)]) from exc
    return Output(spec.output, html.encode("utf-8"), spec.source)


def _template_frame(site_dir: Path) -> tuple[str, int] | None:
    """Return the template file and line the exception being handled was raised at, if any."""
    frames = [f for f in traceback.extract_tb(sys.exc_info()[2]) if f.filename.endswith((".html", ".xml", ".htm", ".txt"))]
    if not frames:
        return None
    return _display(frames[-1].filename, site_dir), frames[-1].lineno or 1


def _runtime_error(exc: Exception, site_dir: Path, spec: PageSpec) -> Diagnostic:
    frame = _template_frame(site_dir)
    message = f"template error while rendering {spec.output}: {exc}"
    return error(*frame, message) if frame is not None else error(spec.source, 1, message)


def _undecodable_template(env: jinja2.Environment, site_dir: Path) -> Diagnostic | None:
    """Return an error naming the first template file, as the loader finds them, that is not UTF-8 text."""
    loader = env.loader
    if not isinstance(loader, jinja2.FileSystemLoader):
        return None
    for name in loader.list_templates():
        for folder in loader.searchpath:
            path = Path(folder) / name
            if not path.is_file():
                continue
            data = path.read_bytes()
            try:
                data.decode(loader.encoding)
            except UnicodeDecodeError as exc:
                return error(_display(str(path), site_dir), data.count(b"\n", 0, exc.start) + 1,
                             "template file is not valid UTF-8 text")
            break  # the first folder holding the name is the one the loader reads
    return None


def _display(filename: str | None, site_dir: Path) -> str:
    if not filename:
        return "layouts"
    path = Path(filename)
    try:
        return path.resolve().relative_to(site_dir.resolve()).as_posix()
    except ValueError:
        return str(path)
