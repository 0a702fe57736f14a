"""The last build's selection, URLs, bodies and catalogue, reused when an edit keeps the site's structure.

Most saves change one article's wording or title. What articles are published, at which URLs,
what a body's links point to, the topics and the structure's digest are functions of every
article's structure (``catalogue.structure_of``) and the settings: when the articles that changed
keep theirs, these are the last build's, with the changed articles put in their places. Articles
kept in the memo are the very objects the last build parsed, so the changed ones are found by
identity, without comparing the other ten thousand. A build without a memo gets nothing from
here: it makes everything from scratch, with the same results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
from typing import Callable, Mapping, NamedTuple, Sequence

from generator.build.fingerprint import digest_text
from generator.build.images import PictureFiles
from generator.content.articles import Article
from generator.content.config import SiteConfig
from generator.diagnostics import Diagnostic, HeldBack
from generator.model.body import RenderedBody
from generator.model.pictures import Picture
from generator.model.catalogue import (
    Catalogue,
    article_paths,
    catalogue,
    image_problems,
    publishing_order,
    select_articles,
    structure_of,
)

log = logging.getLogger(__name__)

_serials = itertools.count(1)


class Selection(NamedTuple):
    """The articles to publish (newest first), those held back, and the published ones' URLs."""

    parsed: tuple[Article, ...]  # every article read, in the order given: the next build compares against these
    published: list[Article]
    held_back: list[HeldBack]
    urls: dict[str, str]  # source path -> URL path
    clashes: list[Diagnostic]  # two articles claiming one URL
    structure: str  # the digest of every article's structure, published and held back
    now: dt.datetime
    # The earliest date of an article held back as future: until then, the same articles are published.
    holds_until: dt.datetime | None
    serial: int  # this selection's number, unique in the process
    follows: int  # the serial of the selection this one reuses (0: made from scratch)
    changed: Mapping[str, Article]  # ... and the articles put in its place, by source path
    places: Mapping[str, int]  # each published article's place in ``published``


def select(config: SiteConfig, articles: Sequence[Article], drafts: bool, future: bool, now: dt.datetime,
           last: Selection | None) -> Selection:
    """Return the selection of ``articles``: ``last`` with the changed articles put in, when that is
    the same selection, else one made from scratch."""
    if last is not None:
        changed = _changed_in_place(articles, last, now)
        if changed is not None:
            published = last.published
            if changed:
                published = list(published)
                for path, article in changed.items():
                    published[last.places[path]] = article
            return last._replace(parsed=tuple(articles), published=published, now=now, serial=next(_serials),
                                 follows=last.serial, changed=changed)
    published, held_back = select_articles(articles, drafts, future, now)
    urls, clashes = article_paths(config, published)
    held = {h.path for h in held_back}
    future_dates = [a.date for a in articles if a.path in held and a.date > now]
    structure = digest_text(repr([structure_of(a) for a in published]))
    return Selection(tuple(articles), published, held_back, urls, clashes, structure, now,
                     min(future_dates, default=None), next(_serials), 0, {},
                     {a.path: place for place, a in enumerate(published)})


def _changed_in_place(articles: Sequence[Article], last: Selection, now: dt.datetime) -> dict[str, Article] | None:
    """Return the published articles that differ from ``last``'s, by path, when each keeps its
    structure and its place (a title orders articles of one date); None when the selection may differ."""
    if len(articles) != len(last.parsed) or last.clashes or now < last.now or (
            last.holds_until is not None and now >= last.holds_until):
        return None
    changed: dict[str, Article] = {}
    for new, old in zip(articles, last.parsed):
        if new is not old:
            if structure_of(new) != structure_of(old):
                return None
            if new.path in last.urls:  # a held-back article that changed in place changes nothing here
                changed[new.path] = new
    retitled = [path for path, new in changed.items() if new.title != last.published[last.places[path]].title]
    if retitled and not _keeps_order(last, changed, retitled):
        return None
    return changed


def _keeps_order(last: Selection, changed: Mapping[str, Article], retitled: list[str]) -> bool:
    """Return whether the articles given new titles still stand between their neighbours."""
    order = last.published
    for path in retitled:
        place = last.places[path]
        here = publishing_order(changed[path])
        if place > 0 and publishing_order(changed.get(order[place - 1].path, order[place - 1])) >= here:
            return False
        if place + 1 < len(order) and here >= publishing_order(changed.get(order[place + 1].path, order[place + 1])):
            return False
    return True


class Derived(NamedTuple):
    """What the plan made from a selection: link targets, bodies, the catalogue and the pictures' files."""

    serial: int  # of the selection they were made from
    assets: tuple[str, ...]
    pictures: Mapping[str, Picture]  # the site's pictures by URL
    targets: dict[str, str]
    bodies: dict[str, RenderedBody]
    catalogue: Catalogue
    body_problems: tuple[Diagnostic, ...]  # pictures in bodies that are missing or cannot be read
    picture_files: tuple[PictureFiles, ...]  # the derivatives and social crops to make


class Makers(NamedTuple):
    """How the plan makes what ``derive`` reuses: each for the articles given."""

    link_targets: Callable[[], dict[str, str]]
    bodies: Callable[[Sequence[Article], Mapping[str, str]], dict[str, RenderedBody]]
    body_problems: Callable[[Sequence[Article]], list[Diagnostic]]
    picture_files: Callable[[Sequence[Article]], list[PictureFiles]]


def derive(config: SiteConfig, selection: Selection, assets: tuple[str, ...], pictures: Mapping[str, Picture],
           last: Derived | None, make: Makers) -> Derived:
    """Return what the plan makes of ``selection``: ``last``'s with the changed articles' bodies
    rendered and entries and warnings made again, when ``last`` was made from the selection this
    one follows with the same files; else made from scratch."""
    if last is not None and selection.follows == last.serial and last.assets == assets and last.pictures == pictures:
        return _rederived(config, selection, last, make)
    targets = make.link_targets()
    bodies = make.bodies(selection.published, targets)
    cat = catalogue(config, selection.published, selection.urls, bodies, set(assets), pictures)
    return Derived(selection.serial, assets, pictures, targets, bodies, cat,
                   tuple(make.body_problems(selection.published)), tuple(make.picture_files(cat.articles)))


def _rederived(config: SiteConfig, selection: Selection, last: Derived, make: Makers) -> Derived:
    changed = selection.changed
    if not changed:
        cat = dataclasses.replace(last.catalogue, entries=last.catalogue.entries.with_articles({}, last.bodies))
        return last._replace(serial=selection.serial, catalogue=cat)
    articles = list(changed.values())
    bodies = {**last.bodies, **make.bodies(articles, last.targets)}
    problems = _in_place(last.catalogue.problems, changed, selection,
                         [p for a in articles for p in image_problems(config, a, set(last.assets), last.pictures)])
    cat = dataclasses.replace(last.catalogue, articles=tuple(selection.published),
                              entries=last.catalogue.entries.with_articles(changed, bodies), problems=problems)
    body_problems = _in_place(last.body_problems, changed, selection, make.body_problems(articles))
    was = last.catalogue.articles
    same_images = all(was[selection.places[path]].image == article.image for path, article in changed.items())
    files = last.picture_files if same_images else tuple(make.picture_files(cat.articles))
    return Derived(selection.serial, last.assets, last.pictures, last.targets, bodies, cat, body_problems, files)


def _in_place(last: Sequence[Diagnostic], changed: Mapping[str, Article], selection: Selection,
              anew: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Return ``last``'s problems with those of the changed articles replaced by ``anew``, in the
    order of the articles, as a list made from scratch gives them."""
    problems = [p for p in last if p.path not in changed] + anew
    problems.sort(key=lambda p: selection.places.get(p.path, -1))  # stable: each article's stay in order
    return tuple(problems)
