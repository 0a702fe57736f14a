"""Date archives: the briefings of each year and month, and the index of them (SPEC section 10).

With the default article permalink (``/{year}/{month}/{slug}/``) a year's page and a month's page
are the folders above the article pages, so a reader who trims an article's URL finds a page.
Which article falls in which month follows from its date in the site timezone, which is part of
the site's structure (``catalogue.structure_of``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from generator.content.articles import Article
from generator.content.config import SiteConfig
from generator.content.language import FALLBACK, month_year
from generator.model.catalogue import site_path

log = logging.getLogger(__name__)

ARCHIVE_INDEX = "/archive/"


@dataclass(frozen=True, slots=True)
class ArchiveMonth:
    """One month of briefings: its page and its articles (source paths, newest first)."""

    year: int
    month: int
    path: str  # relative to the site root: /2022/01/
    url: str
    articles: tuple[str, ...]
    language: str = FALLBACK  # the site's, which names the month (SPEC section 14)

    @property
    def name(self) -> str:
        """The month as readers see it: 'January 2022', 'Januar 2022'."""
        return month_year(self.year, self.month, self.language)

    @property
    def count(self) -> int:
        return len(self.articles)


@dataclass(frozen=True, slots=True)
class ArchiveYear:
    """One year of briefings: its page, its articles (newest first) and its months (newest first)."""

    year: int
    path: str  # /2022/
    url: str
    articles: tuple[str, ...]
    months: tuple[ArchiveMonth, ...]

    @property
    def name(self) -> str:
        return str(self.year)

    @property
    def count(self) -> int:
        return len(self.articles)


def month_path(year: int, month: int) -> str:
    """Return the site path of a month's archive page: ``/2022/01/``, as the default article permalink
    writes the folders above an article."""
    return f"/{year:04d}/{month:02d}/"


def date_archives(config: SiteConfig, articles: Sequence[Article]) -> list[ArchiveYear]:
    """Return every year with briefings, newest first, each with its months (``articles`` newest first)."""
    by_month: dict[tuple[int, int], list[str]] = defaultdict(list)
    for article in articles:
        local = article.date.astimezone(config.tz)
        by_month[(local.year, local.month)].append(article.path)
    years: list[ArchiveYear] = []
    for year in sorted({y for y, _m in by_month}, reverse=True):
        months = tuple(ArchiveMonth(year, month, month_path(year, month), site_path(config, month_path(year, month)),
                                    tuple(by_month[(year, month)]), config.language)
                       for month in sorted((m for y, m in by_month if y == year), reverse=True))
        path = f"/{year:04d}/"
        # Months newest first, each newest first: the year's articles newest first.
        listed = tuple(source for month in months for source in month.articles)
        years.append(ArchiveYear(year, path, site_path(config, path), listed, months))
    return years
