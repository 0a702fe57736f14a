"""Fragments rendered once and printed by every page that shows them.

An article is listed on the home page, its topics', author's and source's pages, and its year's
and month's: six lists or more, each of which would render the same card again; and it is among
the related briefings of a handful of other articles. The built-in templates print
``cached_cards(entries, lead, first_picture)`` (``partials/listing.html``) and
``cached_related(entries)`` (``article.html``) instead: each renders the fragment's template
(``partials/card.html``, ``partials/related-item.html``) for an entry the first time and reuses
its HTML after.

``cached_fragment(name, **values)`` does the same for any partial (``base.html``'s masthead and
footer): rendered with the values given and the page's names, as ``{% include %}`` with those
values would, and reused for equal inputs.

A fragment is reused only where it cannot differ. It is keyed by its entry, a card's ``lead`` and
whether ``first_picture`` is the entry (a card template may use ``first_picture`` for nothing
else), and every other name the fragment's template reads, as the page has it: for the built-in
templates those are the environment's globals (``t``, ``picture``, ``CARD_SIZES``...), the same
on every page; a card of the site's own that reads the page (``page.kind``, say) is keyed by it
too. A fragment template that includes or imports another, reads the page's ``loop``, or assigns
``entry`` or a name it is given is not reused at all: the function returns None, and the page
includes the template for each entry as usual. The fast-path switch (``NEWSBITE_REFERENCE``)
turns the reuse off, so that a test can build both ways and compare the bytes.

A build also hands the memo a ``FragmentShelf``: the cards and related items kept by earlier
builds, by article (the shelf knows what each article's fragment is made from). A fragment whose
template reads nothing from the page but the environment's globals (the built-in ones) is looked
up there before it is rendered, and kept there once rendered: after a new article moves every
home page down one, the pages print the cards the last build made instead of making them again.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, NamedTuple, Protocol, Sequence

import jinja2
import jinja2.meta
from jinja2 import nodes
from markupsafe import Markup

from generator.content.fastpaths import fast_paths_on
from generator.model.catalogue import Entry

log = logging.getLogger(__name__)

CARD_TEMPLATE = "partials/card.html"
RELATED_TEMPLATE = "partials/related-item.html"
# What a card is given beside its entry.
CARD_GIVEN = frozenset({"lead", "first_picture"})
# The names the calling templates hold beside the page's context, which an included fragment
# would see too: the loop over the entries, and the HTML this module returned (None there).
_CALLER_LOCALS = frozenset({"loop", "cards", "related_html"})
# Statements that bring in names the fragment's own source does not show.
_OPENINGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
_MISSING = object()
# The HTML a process holds at most, in characters: every card of a 10,000-article site (about 15
# million), not every card of a 100,000-article one.
HELD_BUDGET = 24_000_000


class FragmentTemplate(NamedTuple):
    """A fragment's template, whether its renderings can be reused, and the other names it reads from the page."""

    template: jinja2.Template
    reusable: bool
    reads: tuple[str, ...]


class _Held(NamedTuple):
    entry: object  # kept (the entry, or the values given), so that no other value can take its id while held
    read: tuple[object, ...]  # likewise the values the fragment read from the page
    html: str


# What an entry's fragment is given beside it (by its place in the list), and what of that is in its key.
Given = Callable[[int, Any], tuple[dict[str, Any], tuple[Any, ...]]]


def _nothing_given(number: int, entry: Any) -> tuple[dict[str, Any], tuple[Any, ...]]:
    return {}, ()


class FragmentShelf(Protocol):
    """Fragments kept between builds, by the template, the article (its source path) and a
    ``variant`` naming everything else the fragment was given (``build.fragmentshelf``)."""

    def get(self, name: str, path: str, variant: str) -> str | None:
        """Return the HTML kept for the fragment, or None."""

    def put(self, name: str, path: str, variant: str, html: str) -> None:
        """Keep the HTML just rendered for the fragment."""


class FragmentMemo:
    """The fragments rendered so far in this process, by template: the Jinja globals ``cached_cards``
    and ``cached_related`` are its methods."""

    def __init__(self, env: jinja2.Environment) -> None:
        self._env = env
        # By template name, what it is given and the name of its value: a verdict holds for those.
        self._templates: dict[tuple[str, frozenset[str], str | None], FragmentTemplate] = {}
        self._held: dict[tuple[Any, ...], _Held] = {}
        self._held_size = 0  # characters of HTML held
        # The build's shelf, while it renders pages (``shelve``).
        self.shelf: FragmentShelf | None = None

    def shelve(self, shelf: FragmentShelf | None) -> None:
        """Look fragments up on ``shelf`` and keep them there, from now on; None: no more."""
        self.shelf = shelf

    def clear(self) -> None:
        """Forget the fragments: a new build makes new entries."""
        self._held.clear()
        self._held_size = 0

    def _hold(self, key: tuple[Any, ...], held: _Held) -> _Held:
        # Past the budget the fragments held so far are let go: a very large site's workers would
        # otherwise each keep every card of it (issue 10: 100,000 articles in 1 GiB).
        if self._held_size > HELD_BUDGET:
            self.clear()
        self._held[key] = held
        self._held_size += len(held.html)
        return held

    @jinja2.pass_context
    def cards(self, context: jinja2.runtime.Context, entries: Sequence[Any], lead: Any = False,
              first_picture: Any = None) -> Markup | None:
        """Return the cards of ``entries``, the first one the lead story if ``lead``; None when the
        listing must include the card template for each entry itself."""
        if type(lead) is not bool:
            return None
        undefined = isinstance(first_picture, jinja2.Undefined)

        def given(number: int, entry: Any) -> tuple[dict[str, Any], tuple[Any, ...]]:
            card_lead = lead if number == 0 else False
            return ({"lead": card_lead, "first_picture": first_picture},
                    (card_lead, first_picture is entry, undefined))

        return self._render_each(context, CARD_TEMPLATE, entries, given, CARD_GIVEN)

    @jinja2.pass_context
    def related(self, context: jinja2.runtime.Context, entries: Sequence[Any]) -> Markup | None:
        """Return the items of an article's related briefings; None when the article page must
        include the item template for each entry itself."""
        return self._render_each(context, RELATED_TEMPLATE, entries, _nothing_given, frozenset())

    @jinja2.pass_context
    def fragment(self, context: jinja2.runtime.Context, name: str, **given: Any) -> Markup:
        """Return the template ``name`` rendered with the page's names and ``given``, as
        ``{% include %}`` would, made once for equal inputs: the values given, and those of every
        other name the template reads from the page (``cached_fragment`` in templates)."""
        fragment = self._template(name, frozenset(given), None)
        if not (fast_paths_on() and fragment.reusable):
            return Markup(fragment.template.render({**context.get_all(), **given}))
        read = {name: value for name in fragment.reads if (value := context.get(name, _MISSING)) is not _MISSING}
        key = (id(fragment.template), *[(name, id(value)) for name, value in sorted(given.items())],
               *[id(read.get(name, _MISSING)) for name in fragment.reads])
        held = self._held.get(key)
        if held is None:
            rendered = fragment.template.render({**read, **given})
            held = self._hold(key, _Held(tuple(given.values()), tuple(read.values()), rendered))
        return Markup(held.html)

    def _render_each(self, context: jinja2.runtime.Context, name: str, entries: Sequence[Any], given: Given,
                     given_names: frozenset[str]) -> Markup | None:
        if not fast_paths_on():
            return None
        fragment = self._template(name, given_names, "entry")
        if not fragment.reusable:
            return None
        read = {name: value for name in fragment.reads if (value := context.get(name, _MISSING)) is not _MISSING}
        shelf = self.shelf if self.shelf is not None and self._globals_only(fragment, read) else None
        read_key = tuple(id(read.get(name, _MISSING)) for name in fragment.reads)
        html = []
        for number, entry in enumerate(entries):
            extra, extra_key = given(number, entry)
            # An article's entry is shelved by its article; nothing says what another value is made from.
            if shelf is not None and type(entry) is Entry:
                html.append(self._shelved(shelf, fragment, name, read, extra, extra_key, entry))
                continue
            key = (id(fragment.template), id(entry), extra_key, read_key)
            held = self._held.get(key)
            if held is None or held.entry is not entry:
                rendered = fragment.template.render({**read, **extra, "entry": entry})
                held = self._hold(key, _Held(entry, tuple(read.values()), rendered))
            html.append(held.html)
        return Markup("".join(html))

    def _globals_only(self, fragment: FragmentTemplate, read: dict[str, Any]) -> bool:
        """Return whether the fragment reads nothing from the page but the environment's globals, as
        they are: then it shows the same on every page of every build with the same settings."""
        known = self._env.globals
        return all(read.get(name, _MISSING) is known.get(name, _MISSING) for name in fragment.reads)

    @staticmethod
    def _shelved(shelf: FragmentShelf, fragment: FragmentTemplate, name: str, read: dict[str, Any],
                 extra: dict[str, Any], extra_key: tuple[Any, ...], entry: Entry) -> str:
        # Whether the article is a preview follows from the time too, not only from the article.
        variant = "".join("1" if value else "0" for value in extra_key) + (entry.preview or "")
        html = shelf.get(name, entry.path, variant)
        if html is None:
            html = fragment.template.render({**read, **extra, "entry": entry})
            shelf.put(name, entry.path, variant, html)
        return html

    def _template(self, name: str, given_names: frozenset[str], value_name: str | None) -> FragmentTemplate:
        template = self._env.get_template(name)
        known = self._templates.get((name, given_names, value_name))
        if known is None or known.template is not template:
            if known is not None:
                self.clear()  # changed on disk (auto_reload): what it rendered is stale
            known = fragment_template(self._env, template, given_names, value_name)
            self._templates[(name, given_names, value_name)] = known
            log.debug("fragments of %s reused: %s", template.filename, known.reusable)
        return known


def fragment_template(env: jinja2.Environment, template: jinja2.Template, given_names: frozenset[str] = frozenset(),
                      value_name: str | None = "entry") -> FragmentTemplate:
    """Return the fragment ``template`` (of a value named ``value_name``, if any), with whether its
    renderings can be reused and the names it reads from the page beside the value and ``given_names``."""
    source = _source(env, template)
    if source is None:
        return FragmentTemplate(template, False, ())
    tree = env.parse(source)
    # Jinja leaves the environment's globals out of the names a template looks up; a page may hold
    # one of the same name, which an included fragment would see instead.
    loaded = {name.name for name in tree.find_all(nodes.Name) if name.ctx == "load"}
    own = given_names | ({value_name} if value_name else set())
    reads = (jinja2.meta.find_undeclared_variables(tree) | (loaded & set(env.globals))) - own
    assigned = {name.name for name in tree.find_all(nodes.Name) if name.ctx != "load"}
    reusable = (reads.isdisjoint(_CALLER_LOCALS) and not any(True for _ in tree.find_all(_OPENINGS))
                and assigned.isdisjoint(own)
                and ("first_picture" not in given_names or _picture_compared_only(tree)))
    return FragmentTemplate(template, reusable, tuple(sorted(reads)))


def _source(env: jinja2.Environment, template: jinja2.Template) -> str | None:
    if env.loader is None or template.name is None:
        return None
    try:
        return env.loader.get_source(env, template.name)[0]
    except (jinja2.TemplateError, OSError, UnicodeDecodeError):
        return None


def _picture_compared_only(tree: nodes.Template) -> bool:
    """Return whether ``first_picture`` is only tested for being defined or for being ``entry``:
    then a card shows the same whichever other entry is the page's first picture."""
    loads = sum(1 for name in tree.find_all(nodes.Name) if name.name == "first_picture")
    compared = sum(1 for test in tree.find_all(nodes.Test) if _is_picture_test(test))
    return loads == compared


def _is_picture_test(test: nodes.Test) -> bool:
    if not (isinstance(test.node, nodes.Name) and test.node.name == "first_picture"):
        return False
    if test.name == "defined" and not test.args:
        return True
    return (test.name == "sameas" and len(test.args) == 1 and isinstance(test.args[0], nodes.Name)
            and test.args[0].name == "entry" and not test.kwargs and test.dyn_args is None
            and test.dyn_kwargs is None)
