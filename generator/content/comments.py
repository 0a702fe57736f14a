"""Optional comments under articles: ``site.yaml: comments`` checked, and the embed each page gets.

Off unless configured. The page carries only a JSON description of the embed; a small script
injects the provider's script when the reader scrolls near the comments (or presses the button),
so no request reaches the provider before that, and none at all on sites without comments.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

LOAD_MODES = ("scroll", "click")


@dataclass(frozen=True, slots=True)
class Provider:
    """What a provider needs in site.yaml: required and optional settings, and which are URLs."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    urls: tuple[str, ...]


PROVIDERS: Mapping[str, Provider] = MappingProxyType({
    # giscus.app, or a self-hosted giscus at `url`.
    "giscus": Provider(
        required=("repo", "repo_id", "category", "category_id"),
        optional=("url", "mapping", "strict", "reactions_enabled", "emit_metadata", "input_position",
                  "theme", "lang"),
        urls=("url",)),
    # Isso: the self-hosted server's URL.
    "isso": Provider(
        required=("url",),
        optional=("lang", "require_author", "require_email", "vote", "max_comments_top"),
        urls=("url",)),
    # Remark42: the self-hosted server's URL and the site id it was set up with.
    "remark42": Provider(
        required=("host", "site_id"),
        optional=("theme", "locale", "max_shown_comments", "simple_view", "no_footer"),
        urls=("host",)),
})


@dataclass(frozen=True, slots=True)
class CommentsConfig:
    """A checked ``comments:`` setting: the provider, its settings as text, and when to load it."""

    provider: str
    settings: Mapping[str, str]
    load: str = "scroll"


Fail = Callable[[str, str], None]


def read_comments(value: Any, fail: Fail) -> CommentsConfig | None:
    """Return the checked setting (None when off); report each problem with ``fail(key, message)``."""
    if value is None or value is False:
        return None
    if not isinstance(value, dict):
        fail("comments", "'comments' must be a mapping such as {provider: isso, url: https://comments.example.org/}")
        return None
    provider = value.get("provider")
    if not isinstance(provider, str) or provider not in PROVIDERS:
        names = ", ".join(PROVIDERS)
        fail("comments.provider" if "provider" in value else "comments",
             f"comments need a 'provider': one of {names} (got {provider!r})")
        return None
    spec = PROVIDERS[provider]
    load = value.get("load", "scroll")
    ok = True
    if load not in LOAD_MODES:
        fail("comments.load", f"'comments.load' must be 'scroll' or 'click' (got {load!r})")
        ok = False
    settings: dict[str, str] = {}
    for key, raw in value.items():
        name = str(key)
        if name in ("provider", "load"):
            continue
        if name not in spec.required + spec.optional:
            fail(f"comments.{name}", f"unknown {provider} setting '{name}' "
                 f"(known: {', '.join(spec.required + spec.optional)})")
            ok = False
            continue
        text = _text(raw)
        if text is None:
            fail(f"comments.{name}", f"'comments.{name}' must be a text, number or true/false value")
            ok = False
            continue
        if name in spec.urls and not _is_http_url(text):
            fail(f"comments.{name}", f"'comments.{name}' must be an absolute http(s) URL (got '{text}')")
            ok = False
            continue
        settings[name] = text
    missing = [name for name in spec.required if name not in value]
    if missing:
        fail("comments.provider", f"{provider} comments need {', '.join(repr(m) for m in missing)} in 'comments'")
        ok = False
    return CommentsConfig(provider, MappingProxyType(settings), load) if ok else None


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    return None


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _folder(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _flag(value: str | None, default: str) -> str:
    # giscus wants "1"/"0" where site.yaml naturally says true/false.
    text = default if value is None else value
    return {"true": "1", "false": "0"}.get(text, text)


def comments_embed(config: CommentsConfig, page_url: str, canonical: str, title: str, language: str) -> dict[str, Any]:
    """Return what the page's loader needs: the script to add, its attributes, a holder, globals."""
    s = config.settings
    if config.provider == "giscus":
        return {
            "provider": "giscus",
            "load": config.load,
            "script": _folder(s.get("url", "https://giscus.app/")) + "client.js",
            "attributes": {
                "data-repo": s["repo"], "data-repo-id": s["repo_id"],
                "data-category": s["category"], "data-category-id": s["category_id"],
                "data-mapping": s.get("mapping", "pathname"),
                "data-strict": _flag(s.get("strict"), "0"),
                "data-reactions-enabled": _flag(s.get("reactions_enabled"), "1"),
                "data-emit-metadata": _flag(s.get("emit_metadata"), "0"),
                "data-input-position": s.get("input_position", "bottom"),
                "data-theme": s.get("theme", "preferred_color_scheme"),
                "data-lang": s.get("lang", language.split("-")[0]),
                "data-loading": "lazy",
                "crossorigin": "anonymous",
            },
            "holder": {"tag": "div", "attributes": {"class": "giscus"}},
            "globals": {},
        }
    if config.provider == "isso":
        url = _folder(s["url"])
        attributes = {"data-isso": url}
        for key in ("lang", "require_author", "require_email", "vote", "max_comments_top"):
            if key in s:
                attributes["data-isso-" + key.replace("_", "-")] = s[key]
        return {
            "provider": "isso",
            "load": config.load,
            "script": url + "js/embed.min.js",
            "attributes": attributes,
            "holder": {"tag": "section", "attributes": {"id": "isso-thread", "data-isso-id": page_url, "data-title": title}},
            "globals": {},
        }
    host = s["host"].rstrip("/")
    remark: dict[str, Any] = {"host": host, "site_id": s["site_id"], "url": canonical, "page_title": title,
                              "components": ["embed"], "locale": s.get("locale", language.split("-")[0])}
    for key in ("theme", "max_shown_comments", "simple_view", "no_footer"):
        if key in s:
            remark[key] = s[key]
    return {
        "provider": "remark42",
        "load": config.load,
        "script": host + "/web/embed.js",
        "attributes": {},
        "holder": {"tag": "div", "attributes": {"id": "remark42"}},
        "globals": {"remark_config": remark},
    }
