"""Rendering the output plan into the staging folder: only pages whose inputs changed (issue 5).

Each page gets an input key: the digest of its template closure (the template and every
template it extends, includes or imports, as the site's ``layouts/`` resolves them), the site
settings, the generator's code and its context. A page whose key and output file are as the
last build left them is not rendered at all; a rendered page whose bytes are unchanged is not
written. Everything else is written to the staging folder, which the build publishes once
every page has rendered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import jinja2
import jinja2.meta

from generator.build.cache import OutputRecord
from generator.build.fingerprint import (
    Fingerprinter,
    combine,
    digest_bytes,
    digest_text,
)
from generator.build.parallel import Progress, run_spans
from generator.build.sources import body_html
from generator.diagnostics import BuildError, Diagnostic
from generator.model.body import StoredHtml
from generator.model.plan import PageSpec
from generator.publish import output
from generator.render.templates import render_page, template_names

# At most this many template errors are reported: one broken template fails every page.
ERROR_LIMIT = 20


@dataclass(frozen=True, slots=True)
class PageResult:
    """What happened to one planned page: ``kept`` (untouched), ``staged`` (to publish) or ``error``."""

    status: str
    path: str
    record: OutputRecord | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class PageJob:
    """Everything the workers share (inherited when they fork)."""

    specs: Sequence[PageSpec]
    env: jinja2.Environment
    site_dir: Path
    out_dir: Path
    stage: Path
    base_key: str
    template_keys: Mapping[str, str]
    previous: Mapping[str, OutputRecord]
    # Primed with the values many pages share (the entries), so forked workers inherit their
    # digests instead of each computing them again.
    fingerprints: Fingerprinter = dataclasses.field(default_factory=Fingerprinter)
    # The output folder is new: no file there can already hold a page (no need to look).
    new_output: bool = False


def render_pages(
    job: PageJob, jobs: int, meanwhile: Callable[[], None] | None = None, progress: Progress | None = None,
) -> list[PageResult]:
    """Return the result of every planned page, in plan order, rendering those that changed.

    ``meanwhile`` runs while the workers render; ``progress`` hears how many pages are done. A
    plan ends with its costliest pages (the feeds, each carrying twenty whole articles).
    """
    return run_spans(_render_span, job, len(job.specs), jobs, meanwhile=meanwhile, progress=progress,
                     heavy_last=True)


def _render_span(job: PageJob, start: int, stop: int) -> list[PageResult]:
    fingerprints = job.fingerprints
    results: list[PageResult] = []
    errors = 0
    for spec in job.specs[start:stop]:
        key = combine(job.base_key, job.template_keys.get(spec.template, "?"), fingerprints.digest(spec.context))
        old = job.previous.get(spec.output)
        if old is not None and old.key == key and output.stat_matches(job.out_dir, spec.output, old.size, old.mtime_ns):
            results.append(PageResult("kept", spec.output, old._replace(source=spec.source)))
            continue
        if errors >= ERROR_LIMIT:
            continue
        try:
            data = render_page(job.env, _with_bodies(spec), job.site_dir).data
        except BuildError as exc:
            errors += 1
            results.append(PageResult("error", spec.output, None, tuple(exc.diagnostics)))
            continue
        results.append(place_bytes(job, spec.output, key, data, old, spec.source))
    return results


def _with_bodies(spec: PageSpec) -> PageSpec:
    """Return the page with each stored article body in its context turned into HTML."""
    if not any(isinstance(value, StoredHtml) for value in spec.context.values()):
        return spec
    context = {k: body_html(v) if isinstance(v, StoredHtml) else v for k, v in spec.context.items()}
    return dataclasses.replace(spec, context=context)


def place_bytes(job: PageJob, rel: str, key: str, data: bytes, old: OutputRecord | None, source: str) -> PageResult:
    """Keep the output file when it already holds these bytes; else stage them."""
    digest = digest_bytes(data)
    if old is not None and old.digest == digest and output.stat_matches(job.out_dir, rel, old.size, old.mtime_ns):
        return PageResult("kept", rel, OutputRecord(key, digest, old.size, old.mtime_ns, source))
    if old is None and not job.new_output:
        held = output.stat_if_holding(job.out_dir, rel, data)
        if held is not None:
            return PageResult("kept", rel, OutputRecord(key, digest, held[0], held[1], source))
    try:
        size, mtime_ns = output.stage_bytes(job.stage, rel, data)
    except BuildError as exc:
        return PageResult("error", rel, None, tuple(exc.diagnostics))
    return PageResult("staged", rel, OutputRecord(key, digest, size, mtime_ns, source))


def template_keys(env: jinja2.Environment, names: set[str]) -> dict[str, str]:
    """Return, per template name, the digest of its closure: itself and all it pulls in.

    A template naming another through a variable (``{% include name %}``) depends on any of them,
    so its key covers every template the loader can see.
    """
    sources: dict[str, str] = {}
    keys: dict[str, str] = {}
    for name in sorted(names):
        closure = _closure(env, name, sources)
        if closure is None:
            closure = set(template_names(env)) | {name}
        keys[name] = combine(*sorted(f"{n}={_source_digest(env, n, sources)}" for n in closure))
    return keys


def _closure(env: jinja2.Environment, name: str, sources: dict[str, str]) -> set[str] | None:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source, _filename, _uptodate = env.loader.get_source(env, current)  # type: ignore[union-attr]
            referenced = list(jinja2.meta.find_referenced_templates(env.parse(source)))
        except (jinja2.TemplateError, UnicodeDecodeError):
            continue  # rendering reports it; the digest below marks the name as broken
        if None in referenced:
            return None
        todo.extend(r for r in referenced if r is not None)
    return seen


def _source_digest(env: jinja2.Environment, name: str, sources: dict[str, str]) -> str:
    if name not in sources:
        try:
            source, filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
            sources[name] = digest_text(f"{filename}\n{source}")
        except (jinja2.TemplateError, UnicodeDecodeError):
            sources[name] = "missing"
    return sources[name]


def all_templates_digest(env: jinja2.Environment) -> str:
    """Return one digest of every template the loader can see (for the whole-build check)."""
    sources: dict[str, str] = {}
    return combine(*sorted(f"{n}={_source_digest(env, n, sources)}" for n in template_names(env)))
