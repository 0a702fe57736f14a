"""Readable ASCII slugs for file names, explicit slugs and topic names (SPEC sections 5 and 8)."""

from __future__ import annotations

import logging
import re

from generator.content.fastpaths import fast_paths_on

log = logging.getLogger(__name__)

# Apostrophes join a word rather than split it: "Côte d'Ivoire" -> "cote-divoire".
_REPLACEMENTS = [["'", ""], ["\u2019", ""], ["\u02bc", ""], ["&", " and "]]
SLUG_LIMIT = 120
# Text already in slug form, as most file names are, comes back from slugify unchanged; testing
# for that is several times cheaper than slugify's pipeline of transliteration and regexes (issue 5).
_SLUG_FORM = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# ASCII words and single spaces, as most headings and many topic names are: slugify makes them
# lowercase with hyphens for the spaces (under the length limit, where it would cut at a word).
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*\Z")


def make_slug(text: str) -> str:
    """Return ``text`` folded to lowercase ASCII words joined by hyphens ('' if nothing is left)."""
    if len(text) <= SLUG_LIMIT and _SLUG_FORM.match(text) and fast_paths_on():
        return text
    if len(text) < SLUG_LIMIT and _PLAIN_WORDS.match(text) and fast_paths_on():
        return text.lower().replace(" ", "-")
    return slugify(text)


def slugify(text: str) -> str:
    """Return python-slugify's slug of ``text``, with our replacements and length limit."""
    # Imported on first use: most slugs take a fast path, and a build that reads no new article
    # makes none (python-slugify took 0.01 s to import).
    from slugify import slugify as reference

    # One transliteration table whatever else is installed: slugify's default picks Unidecode
    # when present, which would change URLs on that machine (and it tries to import it on every
    # call, five times the cost of the transliteration itself).
    return reference(text, replacements=_REPLACEMENTS, max_length=SLUG_LIMIT, word_boundary=True,
                     backend="text-unidecode")


def unsafe_slug_reason(slug: str) -> str | None:
    """Return why an author-given slug is refused, or None when it is acceptable."""
    if "/" in slug or "\\" in slug:
        return "slug must not contain '/' or '\\'"
    if ".." in slug:
        return "slug must not contain '..'"
    if not make_slug(slug):
        return "slug has no letters or digits"
    return None


def unique_slugs(names: list[str], fallback: str) -> dict[str, str]:
    """Map each name (in priority order) to a distinct slug: ``x``, ``x-2``, ``x-3`` ..."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        base = make_slug(name) or fallback
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        result[name] = slug
    return result
