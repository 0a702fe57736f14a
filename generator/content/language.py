"""The site's language: the theme's strings, plural forms and long dates (SPEC section 14).

Dates and plural rules come from Babel (the Unicode CLDR data): "9 January 2022" for en-AU,
"9. Januar 2022" for de, "9 janvier 2022" for fr, and the right form of "briefings" for any
count, in every language CLDR knows, without a table of month names kept by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import Mapping

import babel
import babel.dates
import babel.numbers

from generator.content.strings import THEME_STRINGS

log = logging.getLogger(__name__)

FALLBACK = "en"
THEME_KEYS: tuple[str, ...] = tuple(THEME_STRINGS[FALLBACK])
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def strings_language(language: str) -> str | None:
    """Return the theme's table for a language tag ('pt-BR' -> 'pt'), or None when it has none."""
    tag = language.replace("_", "-").lower()
    for candidate in (tag, tag.split("-")[0]):
        if candidate in THEME_STRINGS:
            return candidate
    return None


def theme_strings(language: str, overrides: Mapping[str, str]) -> dict[str, str]:
    """Return every theme string for ``language`` (English where it has none), with ``overrides`` applied."""
    own = THEME_STRINGS.get(strings_language(language) or FALLBACK, {})
    table = {key: own.get(key, text) for key, text in THEME_STRINGS[FALLBACK].items()}
    table.update(overrides)
    return table


def placeholders(key: str) -> set[str]:
    """Return the names a theme string may fill in (``{count}``, ``{authors}``), from the English one."""
    return set(_PLACEHOLDER.findall(THEME_STRINGS[FALLBACK].get(key, "")))


@functools.lru_cache(maxsize=64)
def _locale(language: str) -> babel.Locale:
    try:
        return babel.Locale.parse(language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return babel.Locale.parse(FALLBACK)


def date_locale_known(language: str) -> bool:
    """Return whether Babel knows the language's date format (else dates are in English)."""
    try:
        babel.Locale.parse(language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def long_date(day: dt.date, language: str) -> str:
    """Return ``day`` in the language's long date format: '9 January 2022' (en-AU), '9. Januar 2022' (de)."""
    return babel.dates.format_date(day, format="long", locale=_locale(language))


@functools.lru_cache(maxsize=1024)
def month_year(year: int, month: int, language: str) -> str:
    """Return a month as the language names it: 'January 2022' (en), 'Januar 2022' (de), 'janvier 2022' (fr)."""
    return babel.dates.format_skeleton("yMMMM", dt.date(year, month, 1), locale=_locale(language))


def theme_text(strings: Mapping[str, str], language: str, key: str, count: int | None = None,
               **values: object) -> str:
    """Return the theme string ``key`` with ``values`` filled in.

    With ``count``, the plural form the language's rules pick (``briefings_one``, ``briefings_other``)
    with ``{count}`` written as the language writes numbers.
    """
    if count is not None:
        form = _locale(language).plural_form(count)
        key = f"{key}_{form}" if f"{key}_{form}" in strings else f"{key}_other"
        values["count"] = babel.numbers.format_decimal(count, locale=_locale(language))
    text = strings[key]
    # Plain replacement, not str.format: a brace in an author's own string stays as it is.
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
