"""How templates print a value: control characters removed, HTML escaped, in one call (issue 5).

Jinja compiles ``{{ value }}`` in an autoescaped template to ``escape(finalize(value))``: three
Python calls per printed value (the finalizer, ``escape`` and the ``Markup`` it builds), about
1.7 million of them in a 10,000-article build. ``PageEnvironment`` compiles it to one call of
``print_escaped`` instead, which returns the same text. Returning a plain ``str`` is enough:
Jinja joins printed values into one string, and marks the output of blocks, macros, ``caller()``
and ``{% set %}`` bodies as safe itself. Templates without autoescaping (``robots.txt``), and
``{% autoescape %}`` sections, compile as Jinja compiles them.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

from generator.model.feeds import XmlSafeMarkup, xml_safe

try:  # markupsafe's own escaping of a str, in C, without the Markup wrapper escape() adds
    from markupsafe._speedups import _escape_inner as _escape_text
except ImportError:  # pragma: no cover - markupsafe built without its C extension
    def _escape_text(text: str, /) -> str:
        return str(escape(text))


def printable(value: Any) -> Any:
    """Return a printed value without the control characters no HTML or XML page may hold (SPEC section 7)."""
    if isinstance(value, str):
        if type(value) is XmlSafeMarkup or value.isprintable():  # nothing to remove, nothing to copy
            return value
        cleaned = xml_safe(value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def print_escaped(value: Any) -> str:
    """Return the text of ``escape(printable(value))``; plain strings (most values) take a short way."""
    if type(value) is str:
        return _escape_text(value if value.isprintable() else xml_safe(value))
    return escape(printable(value))


# Stands for an output buffer while Jinja writes one run of output; the run then becomes a yield.
_JOINED = "__newsbite_joined__"


class _PrintingCodeGenerator(CodeGenerator):
    """Compiles an autoescaped ``{{ value }}`` to ``environment.print_escaped(value)``, and yields
    each run of text and values, and each included template, as one string.

    Jinja yields every piece of a run like ``<a href="{{ url }}">{{ title }}</a>`` on its own,
    and every piece then passes up through each template of the chain (``card.html``, in
    ``list.html``, in ``base.html``): about 270 pieces an article page, 1,000 a list page. The
    page's text is the same: Jinja joins the pieces of a page with ``"".join`` too.
    """

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if (frame.buffer is not None or frame.require_output_check or len(node.nodes) < 2
                or not self._prints_escaped(frame)):
            super().visit_Output(node, frame)
            return
        # Jinja writes the run as for a macro or {% set %} body, ``buffer.extend((piece, ...))``;
        # that call then becomes ``yield "".join((piece, ...))``, line for line (so template
        # errors keep their line numbers).
        start = self.stream.tell()
        frame.buffer = _JOINED
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        self.stream.seek(start)
        written = self.stream.read()
        self.stream.seek(start)
        self.stream.truncate()
        self.stream.write(written.replace(f"{_JOINED}.extend((", 'yield "".join((')
                          .replace(f"{_JOINED}.append(", "yield ("))

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
        # Jinja re-yields an included template's pieces one by one in a Python loop; the usual
        # include (a named template, with the context) is joined instead.
        if (node.ignore_missing or not node.with_context or self.environment.is_async
                or not isinstance(node.template, nodes.Const) or not isinstance(node.template.value, str)):
            super().visit_Include(node, frame)
            return
        self.writeline("template = environment.get_template(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        self.start_write(frame, node)
        self.write('"".join(template.root_render_func(template.new_context(context.get_all(), True, '
                   f"{self.dump_local_context(frame)})))")
        self.end_write(frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._prints_escaped(frame):
            self.write("environment.print_escaped(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._prints_escaped(frame):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)

    def _prints_escaped(self, frame: Frame) -> bool:
        # Only when autoescaping is known at compile time and the finalizer is the one
        # print_escaped applies; anything else keeps Jinja's own code.
        return (not frame.eval_ctx.volatile and bool(frame.eval_ctx.autoescape)
                and self.environment.finalize is printable)


class PageEnvironment(jinja2.Environment):
    """A Jinja environment whose autoescaped templates print each value with one call."""

    code_generator_class = _PrintingCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._long_texts = _EscapedLongTexts()

    def print_escaped(self, value: Any) -> str:
        """Return what ``print_escaped(value)`` returns; long texts printed again are escaped once."""
        if type(value) is str:
            if len(value) >= _LONG_TEXT:
                return self._long_texts.escaped(value)
            # print_escaped's short way, spelled out here: this runs for nearly every printed value
            return _escape_text(value if value.isprintable() else xml_safe(value))
        return escape(printable(value))


# Texts at least this long are escaped once while they are printed again soon after: a feed
# item's content is printed by its Atom feed, then by its RSS feed (and by the feeds of its other
# topics): 11,266 prints of 4,097 texts, 6.5 kB each, in a 10,000-article build.
_LONG_TEXT = 2048
# How many escaped texts an environment keeps (in this process), the oldest dropped first.
_KEPT_TEXTS = 64


class _EscapedLongTexts:
    def __init__(self) -> None:
        # id of the text -> (the text, kept so its id stays its own; its printed form)
        self._kept: dict[int, tuple[str, str]] = {}

    def escaped(self, text: str) -> str:
        known = self._kept.get(id(text))
        if known is not None and known[0] is text:
            return known[1]
        printed = print_escaped(text)
        if len(self._kept) >= _KEPT_TEXTS:
            del self._kept[next(iter(self._kept))]
        self._kept[id(text)] = (text, printed)
        return printed
