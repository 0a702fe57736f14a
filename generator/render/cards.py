"""Article cards rendered once per build and process, and printed by every list that shows them.

An article is listed on the home page, its topics', author's and source's pages, and its year's
and month's: six lists or more, each of which would render the same card again. The built-in
listing (``layouts/partials/listing.html``) prints ``cached_cards(entries, lead, first_picture)``
instead, which renders ``partials/card.html`` for an entry the first time and reuses its HTML after.

A card is reused only where it cannot differ. It is keyed by its entry, ``lead``, whether
``first_picture`` is the entry (the card template may use ``first_picture`` for nothing else),
and every other name the card template reads, as the page has it: for the built-in card those are
the environment's globals (``t``, ``picture``, ``CARD_SIZES``...), the same on every page; a card
of the site's own that reads the page (``page.kind``, say) is keyed by it too. A card template
that includes or imports another, reads the listing's ``loop``, or assigns ``entry`` or
``first_picture`` is not reused at all: ``cached_cards`` returns None and the listing includes the
card as usual. The fast-path switch (``NEWSBITE_REFERENCE``) turns the reuse off, so that a test
can build both ways and compare the bytes.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple, Sequence

import jinja2
import jinja2.meta
from jinja2 import nodes
from markupsafe import Markup

from generator.content.fastpaths import fast_paths_on

log = logging.getLogger(__name__)

CARD_TEMPLATE = "partials/card.html"
# What the listing gives each card, beside the page's context.
_CARD_NAMES = frozenset({"entry", "lead", "first_picture"})
# The listing's own names that an included card would see, but the page's context does not hold.
_LISTING_LOCALS = frozenset({"loop", "cards"})
# Statements that bring in names the card's own source does not show.
_OPENINGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
_MISSING = object()


class CardTemplate(NamedTuple):
    """A card template, whether its cards can be reused, and the other names it reads from the page."""

    template: jinja2.Template
    reusable: bool
    reads: tuple[str, ...]


class _Card(NamedTuple):
    entry: object  # kept, so that no other entry can take its id while the card is held
    read: tuple[object, ...]  # likewise the values the card read from the page
    html: str


class CardMemo:
    """The cards rendered so far in this process (a Jinja global: ``cached_cards``)."""

    def __init__(self, env: jinja2.Environment) -> None:
        self._env = env
        self._card_template: CardTemplate | None = None
        self._cards: dict[tuple[Any, ...], _Card] = {}

    def clear(self) -> None:
        """Forget the cards: a new build makes new entries."""
        self._cards.clear()

    @jinja2.pass_context
    def __call__(self, context: jinja2.runtime.Context, entries: Sequence[Any], lead: Any = False,
                 first_picture: Any = None) -> Markup | None:
        """Return the cards of ``entries``, the first one the lead story if ``lead``; None when the
        listing must include the card template for each entry itself."""
        if type(lead) is not bool or not fast_paths_on():
            return None
        card = self._template()
        if not card.reusable:
            return None
        read = {name: value for name in card.reads if (value := context.get(name, _MISSING)) is not _MISSING}
        read_key = tuple(id(read.get(name, _MISSING)) for name in card.reads)
        undefined = isinstance(first_picture, jinja2.Undefined)
        html = []
        for number, entry in enumerate(entries):
            card_lead = lead if number == 0 else False
            key = (id(entry), card_lead, first_picture is entry, undefined, read_key)
            held = self._cards.get(key)
            if held is None or held.entry is not entry:
                held = _Card(entry, tuple(read.values()), card.template.render(
                    {**read, "entry": entry, "lead": card_lead, "first_picture": first_picture}))
                self._cards[key] = held
            html.append(held.html)
        return Markup("".join(html))

    def _template(self) -> CardTemplate:
        template = self._env.get_template(CARD_TEMPLATE)
        if self._card_template is None or self._card_template.template is not template:
            self.clear()
            self._card_template = card_template(self._env, template)
            log.debug("cards of %s reused by every list: %s", template.filename, self._card_template.reusable)
        return self._card_template


def card_template(env: jinja2.Environment, template: jinja2.Template) -> CardTemplate:
    """Return the card ``template`` with whether its cards can be reused and the names it reads
    from the page beside ``entry``, ``lead`` and ``first_picture``."""
    source = _source(env, template)
    if source is None:
        return CardTemplate(template, False, ())
    tree = env.parse(source)
    # Jinja leaves the environment's globals out of the names a template looks up; a page may hold
    # one of the same name, which an included card would see instead.
    names = {name.name for name in tree.find_all(nodes.Name) if name.ctx == "load"}
    reads = (jinja2.meta.find_undeclared_variables(tree) | (names & set(env.globals))) - _CARD_NAMES
    reusable = (reads.isdisjoint(_LISTING_LOCALS) and not any(True for _ in tree.find_all(_OPENINGS))
                and _picture_compared_only(tree))
    return CardTemplate(template, reusable, tuple(sorted(reads)))


def _source(env: jinja2.Environment, template: jinja2.Template) -> str | None:
    if env.loader is None or template.name is None:
        return None
    try:
        return env.loader.get_source(env, template.name)[0]
    except (jinja2.TemplateError, OSError, UnicodeDecodeError):
        return None


def _picture_compared_only(tree: nodes.Template) -> bool:
    """Return whether ``first_picture`` is only tested for being defined or for being ``entry``, and
    neither name is assigned: then a card shows the same whichever other entry is the page's first picture."""
    if any(name.ctx != "load" for name in tree.find_all(nodes.Name) if name.name in ("entry", "first_picture")):
        return False
    loads = sum(1 for name in tree.find_all(nodes.Name) if name.name == "first_picture")
    compared = sum(1 for test in tree.find_all(nodes.Test) if _is_picture_test(test))
    return loads == compared


def _is_picture_test(test: nodes.Test) -> bool:
    if not (isinstance(test.node, nodes.Name) and test.node.name == "first_picture"):
        return False
    if test.name == "defined" and not test.args:
        return True
    return (test.name == "sameas" and len(test.args) == 1 and isinstance(test.args[0], nodes.Name)
            and test.args[0].name == "entry" and not test.kwargs and test.dyn_args is None and test.dyn_kwargs is None)
