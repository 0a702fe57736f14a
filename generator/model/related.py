"""Related briefings: for each article, the others sharing the most topics, nearest in date first."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Sequence

from generator.content.articles import Article

log = logging.getLogger(__name__)

RELATED_LIMIT = 5
# How many date-neighbours per shared topic are considered as related briefings; bounds the
# work per article so huge topics ("Russia" with 5,000 briefings) stay linear overall.
RELATED_WINDOW = 12


def related_articles(articles: Sequence[Article]) -> dict[str, tuple[str, ...]]:
    """Return, per article, up to RELATED_LIMIT others sharing the most topics, nearest in date first."""
    index = RelatedIndex(articles)
    return {a.path: tuple([articles[other].path for other in index.related(n)]) for n, a in enumerate(articles)}


class RelatedIndex:
    """Where each entry stands in each of its topics: built once, then asked entry by entry (the
    build asks from worker processes, each for its share of the entries)."""

    def __init__(self, articles: Sequence[Article]) -> None:
        # Articles are counted by their index (issue 5: this runs for every article, and counting
        # ints in C is cheaper than hashing paths); each article's topics are unique (content.text_list).
        by_topic: dict[str, list[int]] = defaultdict(list)
        self._windows: list[list[tuple[list[int], int]]] = []
        for index, article in enumerate(articles):
            own: list[tuple[list[int], int]] = []
            for name in article.topics:
                members = by_topic[name]
                own.append((members, len(members)))
                members.append(index)
            self._windows.append(own)
        # Each timestamp once, not once per comparison.
        self._stamps = [article.date.timestamp() for article in articles]
        self._paths = [article.path for article in articles]

    def related(self, index: int) -> tuple[int, ...]:
        """Return the indexes of up to RELATED_LIMIT entries sharing the most topics with entry ``index``, nearest in date first."""
        stamps, paths = self._stamps, self._paths
        shared: Counter[int] = Counter()
        for members, at in self._windows[index]:
            shared.update(members[max(0, at - RELATED_WINDOW): at + RELATED_WINDOW + 1])
        del shared[index]
        own_stamp = stamps[index]
        # The RELATED_LIMIT smallest (most shared, nearest, path) keys; paths are unique, so
        # the order is total and sorting a few dozen keys in C beats a heap built in Python.
        best = sorted([(-count, abs(stamps[other] - own_stamp), paths[other], other)
                       for other, count in shared.items()])[:RELATED_LIMIT]
        return tuple([other for _count, _distance, _path, other in best])
