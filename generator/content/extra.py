"""The author's own keys: front matter and site.yaml keys NewsBite does not know, kept for templates."""

from __future__ import annotations

import logging
from typing import Any, Iterator, Mapping

log = logging.getLogger(__name__)


class ExtraFields(Mapping[str, Any]):
    """A read-only mapping of an author's own keys (``article.extra``, ``site.extra``).

    Its own type, so templates can tell it from every other value: a key missing from it is empty
    and false there, as a missing ``.Params`` key is in Hugo (SPEC section 13), while any other
    undefined name stays an error. A mapping inside it is an ``ExtraFields`` too.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        value = self._values[key]
        return ExtraFields(value) if isinstance(value, dict) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"ExtraFields({self._values!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return ExtraFields, (self._values,)


NO_EXTRA = ExtraFields({})
