"""Markdown to HTML with markdown-it-py: news typography, tables, footnotes, heading anchors."""

from __future__ import annotations

import functools
import logging
import posixpath
from typing import Callable, Sequence
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from generator.content.fastpaths import fast_paths_on
from generator.content.slugs import make_slug
from generator.content.xmltext import xml_text
from generator.model.body import RenderedBody
from generator.render.quickmark import ReferenceResolver, render_quick

log = logging.getLogger(__name__)

# Maps a path relative to the site folder (e.g. "content/2022/map.svg") to its URL, or None.
LinkResolver = Callable[[str], "str | None"]


# Ids the default layouts give their own elements; a body heading must not take one of them,
# or "## Main" would make two elements with id="main" (and break the skip link).
LAYOUT_IDS = frozenset({
    "main", "search", "comments", "comments-config", "comments-heading", "masthead-q",
    "not-found-title", "related-heading",
})


def heading_id(text: str) -> str:
    """Return the anchor id for a body heading: its slug, kept clear of the layout's own ids."""
    slug = make_slug(text) or "section"
    return f"{slug}-section" if slug in LAYOUT_IDS else slug


@functools.cache
def markdown_parser(escape_html: bool) -> MarkdownIt:
    """Return the shared parser: CommonMark plus typographer, tables, strikethrough, footnotes, anchors."""
    md = MarkdownIt("commonmark", {"typographer": True, "html": not escape_html})
    md.enable(["replacements", "smartquotes", "table", "strikethrough"])
    md.use(footnote_plugin)
    md.core.ruler.push("demote_h1", _demote_h1)
    md.use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_id)
    if fast_paths_on():
        # URL normalisation (and validation) is a pure function of the URL and costs as much as a
        # paragraph; articles repeat the same links (issue 5), so remember recent answers.
        md.normalizeLink = functools.lru_cache(maxsize=8192)(md.normalizeLink)  # type: ignore[method-assign]
        md.validateLink = functools.lru_cache(maxsize=8192)(md.validateLink)  # type: ignore[method-assign]
    return md


def render_body(
    source_path: str, body: str, escape_html: bool, resolve: LinkResolver, base_path: str = "/",
) -> RenderedBody:
    """Return the body of the article at ``source_path`` rendered to HTML, its links resolved.

    Relative links to site files become their URLs; site-root links (``/topics/csto/``) are put
    under ``base_path``, as front-matter images are, so they work under a subpath base_url.
    Neither the HTML nor the first paragraph holds a character XML 1.0 forbids (SPEC section 7):
    the body may, and so may what markdown-it-py decodes (``&#12;``, ``<https://a/%01>``).
    """
    md = markdown_parser(escape_html)

    def resolve_url(url: str, folder: str) -> str | None:
        return resolve_reference(url, folder, resolve, base_path)

    base_dir = posixpath.dirname(source_path)
    quick = render_quick(body, md, resolve_url, base_dir, heading_id) if fast_paths_on() else None
    rendered = RenderedBody(*quick) if quick is not None else render_fully(body, md, resolve_url, base_dir)
    assert isinstance(rendered.html, str)  # rendered here: text, not yet stored
    html, first = xml_text(rendered.html), xml_text(rendered.first_paragraph)
    return rendered if html is rendered.html and first is rendered.first_paragraph else RenderedBody(html, first)


def render_fully(body: str, md: MarkdownIt, resolve_url: ReferenceResolver, base_dir: str) -> RenderedBody:
    """Return the body rendered by the full parser (what the quick path must equal, byte for byte)."""
    env: dict[str, object] = {}
    tokens = md.parse(body, env)
    _resolve_links(tokens, base_dir, resolve_url)
    return RenderedBody(md.renderer.render(tokens, md.options, env), _first_paragraph(tokens))


def _demote_h1(state: StateCore) -> None:
    # The headline is the page's one <h1> (SPEC section 1), so a '# Heading' in a body becomes <h2>.
    for token in state.tokens:
        if token.tag == "h1" and token.type in ("heading_open", "heading_close"):
            token.tag = "h2"


def _resolve_links(tokens: Sequence[Token], base_dir: str, resolve_url: ReferenceResolver) -> None:
    """Point relative links and images at the output URL of the file they name."""
    for token in tokens:
        for child in token.children or ():
            attr = "src" if child.type == "image" else "href" if child.type == "link_open" else None
            if attr is None:
                continue
            value = child.attrGet(attr)
            if isinstance(value, str):
                resolved = resolve_url(value, base_dir)
                if resolved is not None:
                    child.attrSet(attr, resolved)


def resolve_reference(url: str, base_dir: str, resolve: LinkResolver, base_path: str = "/") -> str | None:
    """Return the output URL for a reference to a site file or path, or None to leave it as written."""
    if url.startswith(("https://", "http://")):  # the usual external link, which urlsplit gives a scheme
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    if parts.path.startswith("/"):
        # Already under the base path (or no subpath at all): the author wrote the final URL.
        if base_path == "/" or parts.path.startswith(base_path):
            return None
        resolved: str | None = base_path + parts.path[1:]
    else:
        target = posixpath.normpath(posixpath.join(base_dir, unquote(parts.path)))
        resolved = resolve(target)
    if resolved is None:
        return None
    return resolved + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _first_paragraph(tokens: Sequence[Token]) -> str:
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            inline = tokens[index + 1]
            text = "".join(_plain_text(child) for child in inline.children or ())
            return " ".join(text.split())
    return ""


def _plain_text(token: Token) -> str:
    if token.type in ("text", "code_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return " "
    return ""


def render_snippet(text: str, escape_html: bool, base_path: str = "/", inline: bool = False) -> str:
    """Return Markdown from settings or front matter (an author's bio, a correction's text) as HTML.

    ``inline`` renders one paragraph's content without the paragraph (``corrections: text``).
    Site-root links are put under ``base_path``, as in bodies; the HTML holds no character XML 1.0
    forbids.
    """
    md = markdown_parser(escape_html)
    env: dict[str, object] = {}
    tokens = md.parseInline(text, env) if inline else md.parse(text, env)
    _resolve_links(tokens, "", lambda url, _folder: resolve_reference(url, "", lambda _target: None, base_path))
    html = md.renderer.render(tokens, md.options, env)
    return xml_text(html)


def snippet_text(text: str, escape_html: bool) -> str:
    """Return inline Markdown as the plain text it shows (for JSON-LD): no markup, spaces collapsed."""
    tokens = markdown_parser(escape_html).parseInline(text, {})
    plain = "".join(_plain_text(child) for token in tokens for child in token.children or ())
    return " ".join(plain.split())
