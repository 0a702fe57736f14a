"""Benchmark rows of site search: the default `newsbite build` (Pagefind included) beside Hugo then Pagefind.

    python bench/run.py --search [--articles 10000] [--runs 3] [--edits 5] [--work DIR]

Rows, each timed from outside as a user sees it (medians of --runs unless noted):
  1. cold build, search on: the default `newsbite build` beside `hugo` followed by `pagefind --site
     OUT` (the same Pagefind binary, from pagefind-bin, that NewsBite runs; ../shared/bench/peers/hugo
     marks the article body with data-pagefind-body, so both index the same text), alternating;
     CPU time, and peak memory of the largest process (for the peer, the larger of its two);
  2. one-article edit, then the default `newsbite build`: --edits edits, each a word of another
     article's body, the first straight after the last cold build; each is checked to show on its
     page, and the bundle's files (under pagefind/) that changed bytes are counted. Once the
     articles are put back and built again, the bundle must equal the cold build's, byte for byte;
  3. a new article added, then the default `newsbite build` (--runs times; each is removed and the
     site built again after, untimed);
  4. a reader's first query ("Kazakhstan"): the bytes a fresh Chromium fetched from a real local
     HTTP server, opening /search/?q=Kazakhstan until the UI answered (bench/search_browser.py);
     as a plain server sends them (the verdict), and gzipped as most static hosts send text;
  5. for five queries, the pages found through the index in parts equal those found through one
     single Pagefind index of the same output (`pagefind --site OUT --output-path ...`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness
import search_browser
from harness import Run

COLD_LIMIT = 0.6  # x Hugo then Pagefind
EDIT_LIMIT = 2.5  # s, every edit
NEW_LIMIT = 3.0  # s
MEMORY_LIMIT = 500  # MB
QUERY_LIMIT = 300  # KB
QUERY = "Kazakhstan"
# Five queries for the results row: the issue's, and names the corpus's quotes give, three at a
# time, so that each finds a few hundred pages.
QUERIES = ["Kazakhstan", "Tokayev Kishida Lukashenko", "Zelensky Ardern Lavrov", "Stoltenberg Albanese Scholz",
           "pipeline Erdoğan Blinken Macron"]
BUNDLE = "pagefind"
MB = 1_000_000


@dataclass(frozen=True)
class SearchEdit:
    run: Run
    written: int | None
    bundle_changed: int
    bundle_files: int


@dataclass
class SearchResults:
    cold: dict[str, list[Run]] = field(default_factory=dict)  # ours, hugo, pagefind
    edits: list[SearchEdit] = field(default_factory=list)
    same_after_edits: bool | None = None
    new_articles: list[Run] = field(default_factory=list)
    query: search_browser.QueryBytes | None = None
    query_gzip: search_browser.QueryBytes | None = None
    query_single: search_browser.QueryBytes | None = None  # one single index of the same pages, for comparison
    query_single_gzip: search_browser.QueryBytes | None = None
    results: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)  # the 1-minute load average as each timed build began
    big: list[Run] = field(default_factory=list)  # with --big N: one cold default build of N articles
    big_articles: int = 0


LOADS: list[float] = []


def _load() -> float:
    LOADS.append(os.getloadavg()[0])
    return LOADS[-1]


def run(work: Path, newsbite: harness.NewsBite, articles: int, runs: int, edits: int, hugo: bool,
        big: int = 0) -> SearchResults:
    results = SearchResults()
    results.cold = cold_builds(work, newsbite, articles, runs, hugo)
    site = harness.corpus(work, "ours", articles)
    out = work / f"out-search-ours-{runs}"  # the last cold build: the first edit follows it
    cold_bundle = bundle_digests(out)
    results.query = search_browser.first_query(out, QUERY)
    results.query_gzip = search_browser.first_query(out, QUERY, compress=True)
    print(f"first query {QUERY!r}: {results.query.total / 1000:.1f} KB in {results.query.requests} requests "
          f"({results.query.message}); gzipped {results.query_gzip.total / 1000:.1f} KB", flush=True)
    results.results = same_results(work, out, results)
    results.edits = edit_rebuilds(newsbite, site, out, edits)
    results.same_after_edits = bundle_digests(out) == cold_bundle if edits else None
    results.new_articles = new_article_rebuilds(newsbite, site, out, runs)
    if big:  # once: at 100,000 articles a cold default build takes minutes
        big_site, big_out = harness.corpus(work, "ours", big), work / f"out-search-ours-{big}"
        harness.make_cold(big_site, big_out)
        load = _load()
        results.big, results.big_articles = [newsbite.build(big_site, big_out, search=True)], big
        harness.check_output("ours", big_out, big)
        shutil.rmtree(big_out, ignore_errors=True)
        print(f"search cold {big:,}: {results.big[0].seconds:.1f} s, {results.big[0].peak_mib:.0f} MiB "
              f"(load average {load:.2f})", flush=True)
    results.loads = list(LOADS)
    return results


def cold_builds(work: Path, newsbite: harness.NewsBite, articles: int, runs: int, hugo: bool) -> dict[str, list[Run]]:
    """Cold builds with search: the default `newsbite build`, and `hugo` then `pagefind --site OUT`, in turn."""
    site = harness.corpus(work, "ours", articles)
    cold: dict[str, list[Run]] = {"ours": []} | ({"hugo": [], "pagefind": []} if hugo else {})
    for number in range(1, runs + 1):  # alternate, so a noisy minute hits both alike
        out = work / f"out-search-ours-{number}"
        harness.make_cold(site, out)
        load = _load()
        cold["ours"].append(newsbite.build(site, out, search=True))
        harness.check_output("ours", out, articles)
        if not (out / BUNDLE / "pagefind.js").is_file():
            raise SystemExit(f"the default build wrote no {BUNDLE}/ bundle into {out}")
        last = cold["ours"][-1]
        print(f"search cold {articles:,}, run {number}: ours {last.seconds:.2f} s, {last.cpu:.2f} CPU s, "
              f"{last.peak_mib:.0f} MiB (load average {load:.2f})", flush=True)
        if not hugo:
            continue
        hugo_site = harness.corpus(work, "hugo", articles)
        out = work / f"out-search-hugo-{number}"
        harness.make_cold(hugo_site, out)
        load = _load()
        cold["hugo"].append(harness.hugo_build(hugo_site, out))
        harness.check_output("hugo", out, articles)
        cold["pagefind"].append(harness.pagefind(out))
        h, p = cold["hugo"][-1], cold["pagefind"][-1]
        print(f"search cold {articles:,}, run {number}: hugo {h.seconds:.2f} s + pagefind {p.seconds:.2f} s, "
              f"{h.cpu + p.cpu:.2f} CPU s, {max(h.peak_mib, p.peak_mib):.0f} MiB (load average {load:.2f})", flush=True)
    return cold


def bundle_digests(out: Path) -> dict[str, str]:
    """Each file of the search bundle (pagefind/, its parts included) by path, with the digest of its bytes."""
    root = out / BUNDLE
    digests = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            digests[path.relative_to(root).as_posix()] = hashlib.sha1(path.read_bytes()).hexdigest()
    return digests


def _changed(before: dict[str, str], after: dict[str, str]) -> int:
    return sum(1 for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel))


def edit_rebuilds(newsbite: harness.NewsBite, site: Path, out: Path, count: int) -> list[SearchEdit]:
    """Edit one word of a different article's body before each default build; put every article back after."""
    edits: list[harness.Edit] = []
    rebuilds = []
    try:
        for number, article in enumerate(harness.articles_to_edit(site, count)):
            before = bundle_digests(out)
            harness.settle()
            edits.append(harness.edit_one_word(article, number))
            load = _load()
            run = newsbite.build(site, out, search=True)
            if edits[-1].marker not in harness.page_of(out, article).read_text(encoding="utf-8"):
                raise SystemExit(f"the build after editing {article.name} did not change its page")
            after = bundle_digests(out)
            rebuilds.append(SearchEdit(run, harness.written_count(run), _changed(before, after), len(after)))
            last = rebuilds[-1]
            print(f"search edit {number + 1} ({article.name}): {run.seconds:.2f} s, {last.written} written, "
                  f"{last.bundle_changed} of {last.bundle_files:,} bundle files changed (load average {load:.2f})",
                  flush=True)
    finally:
        for edit in edits:
            edit.article.write_text(edit.original, encoding="utf-8")
    if edits:
        catch_up = newsbite.build(site, out, search=True)  # back to the corpus as generated; not a measure
        print(f"after putting the articles back: {catch_up.seconds:.2f} s", flush=True)
        time.sleep(2)
    return rebuilds


def new_article_rebuilds(newsbite: harness.NewsBite, site: Path, out: Path, runs: int) -> list[Run]:
    """Add a new article (another's front matter under a new title and file name), build; remove it, build."""
    model = harness.articles_to_edit(site, 1)[0]
    text = model.read_text(encoding="utf-8")
    timed: list[Run] = []
    for number in range(1, runs + 1):
        new = model.with_name(f"benchmark-new-briefing-{number}.md")
        titled = "\n".join(f'title: "Benchmark new briefing {number}"' if line.startswith("title:") else line
                           for line in text.split("\n"))
        harness.settle()
        try:
            new.write_text(titled, encoding="utf-8")
            load = _load()
            timed.append(newsbite.build(site, out, search=True))
            if f"Benchmark new briefing {number}" not in harness.page_of(out, new).read_text(encoding="utf-8"):
                raise SystemExit(f"the build after adding {new.name} did not write its page")
            print(f"new article {number}: {timed[-1].seconds:.2f} s, {harness.written_count(timed[-1])} written "
                  f"(load average {load:.2f})", flush=True)
        finally:
            new.unlink(missing_ok=True)
        newsbite.build(site, out, search=True)  # without it again; not a measure
        time.sleep(2)
    return timed


def same_results(work: Path, out: Path, results: SearchResults) -> dict[str, tuple[set[str], set[str]]]:
    """Index the same output once more as one single Pagefind index; compare what QUERIES find in both.

    The first query's bytes through that single index are taken too (``results.query_single``).
    """
    single = work / "single-index"
    shutil.rmtree(single, ignore_errors=True)
    subprocess.run([str(harness.pagefind_executable()), "--site", str(out), "--output-path", str(single), "--silent"],
                   check=True)
    from_script = (out / BUNDLE / "parts.js").read_bytes().decode("utf-8")
    line = next(line for line in from_script.splitlines() if line.lstrip().startswith("var parts = "))
    parts: list[str] = json.loads(line.split("=", 1)[1].strip().removesuffix(";"))
    found = search_browser.result_pages(out, parts, single, QUERIES)
    results.query_single = search_browser.first_query(out, QUERY, single=single)
    results.query_single_gzip = search_browser.first_query(out, QUERY, compress=True, single=single)
    print(f"first query {QUERY!r} through one single index: {results.query_single.total / 1000:.1f} KB "
          f"({results.query_single.message}); gzipped {results.query_single_gzip.total / 1000:.1f} KB", flush=True)
    for query, (ours, theirs) in found.items():
        print(f"query {query!r}: {len(ours)} pages through the parts, {len(theirs)} through one index"
              f"{'' if ours == theirs else ' (NOT the same pages)'}", flush=True)
    shutil.rmtree(single, ignore_errors=True)
    return found


# Reporting ------------------------------------------------------------------------------------

def _median(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def _each(runs: list[Run]) -> str:
    return ", ".join(f"{r.seconds:.2f}" for r in runs) + " s"


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def table(articles: int, runs: int, results: SearchResults) -> str:
    lines = [f"| measure ({articles:,} articles, medians of {runs} unless noted) | target | NewsBite "
             "(`newsbite build`, search on) | Hugo, then Pagefind over its output | result |",
             "| --- | --- | --- | --- | --- |"]

    def row(measure: str, target: str, ours: str, peer: str, result: str) -> None:
        lines.append(f"| {measure} | {target} | {ours} | {peer} | {result} |")

    ours = results.cold["ours"]
    ours_s = _median(ours)
    if "hugo" in results.cold:
        pairs = list(zip(results.cold["hugo"], results.cold["pagefind"]))
        peer_s = statistics.median(h.seconds + p.seconds for h, p in pairs)
        peer = (f"{peer_s:.2f} s (runs: {', '.join(f'{h.seconds:.2f} + {p.seconds:.2f}' for h, p in pairs)} s)")
        verdict = f"{ours_s / peer_s:.2f} x: {_verdict(ours_s <= COLD_LIMIT * peer_s)}"
        peer_cpu = f"{statistics.median(h.cpu + p.cpu for h, p in pairs):.2f} s"
        peer_mem = f"{max(max(h.peak_mib, p.peak_mib) for h, p in pairs) * 1.048576:.0f} MB"
    else:
        peer, verdict, peer_cpu, peer_mem = "", "no Hugo run: not judged", "", ""
    row("cold build, search on, wall time", f"<= {COLD_LIMIT} x Hugo then Pagefind", f"{ours_s:.2f} s (runs: "
        f"{_each(ours)})", peer, verdict)
    row("cold build, CPU time (user + system)", "(reported)", f"{statistics.median(r.cpu for r in ours):.2f} s",
        peer_cpu, "")
    peak = max(r.peak_mib for r in ours) * 1.048576
    row("cold build, peak memory of the largest process (highest of the runs)", f"<= {MEMORY_LIMIT} MB",
        f"{peak:.0f} MB", peer_mem, _verdict(peak <= MEMORY_LIMIT))
    if results.edits:
        worst = max(e.run.seconds for e in results.edits)
        most = max(e.bundle_changed / e.bundle_files for e in results.edits)
        cells = "; ".join(f"{e.run.seconds:.2f} s / {e.written} written / {e.bundle_changed} of "
                          f"{e.bundle_files:,} bundle files" for e in results.edits)
        same = {True: "; after putting them back, the bundle equals the cold build's byte for byte",
                False: "; after putting them back, the bundle DIFFERS from the cold build's", None: ""}
        edits = f"{len(results.edits)} edit{'s' if len(results.edits) != 1 else ''}"
        row(f"one-article edit, then `newsbite build` ({edits}, the first right after a cold build)", f"<= {EDIT_LIMIT} s, every edit; fewer than a tenth of the bundle's files change bytes",
            f"max {worst:.2f} s, at most {most:.1%} of the bundle's files (in turn: {cells}){same[results.same_after_edits]}",
            "", _verdict(worst <= EDIT_LIMIT and most < 0.1 and results.same_after_edits is not False))
    if results.new_articles:
        median = _median(results.new_articles)
        row("new article added, then `newsbite build`", f"<= {NEW_LIMIT} s", f"{median:.2f} s (runs: "
            f"{_each(results.new_articles)})", "", _verdict(median <= NEW_LIMIT))
    if results.query is not None and results.query_gzip is not None:
        q, z = results.query, results.query_gzip
        single = results.query_single
        peer = "" if single is None or results.query_single_gzip is None else (
            f"one single Pagefind index of the same pages: {single.total / 1000:.0f} KB in {single.requests} "
            f"requests; gzipped text: {results.query_single_gzip.total / 1000:.0f} KB. By kind: {single.breakdown()}")
        row(f"a reader's first query ({QUERY!r}), bytes transferred (Chromium, local HTTP server)",
            f"<= {QUERY_LIMIT} KB", f"{q.total / 1000:.0f} KB in {q.requests} requests ({q.message}); gzipped text: "
            f"{z.total / 1000:.0f} KB. By kind: {q.breakdown()}", peer, _verdict(q.total <= QUERY_LIMIT * 1000))
    if results.results:
        same = all(ours == single for ours, single in results.results.values())
        cells = "; ".join(f"{query!r}: {len(ours)}" + ("" if ours == single else f" vs {len(single)}")
                          for query, (ours, single) in results.results.items())
        row("search results: pages found through the parts vs one single Pagefind index of the same pages",
            f"the same set, for {len(results.results)} queries", cells, "", _verdict(same))
    if results.big:
        one, base = results.big[0], ours_s
        mb = one.peak_mib * 1.048576
        row(f"cold build, search on, {results.big_articles:,} articles (one run)", f"finishes; <= 10 x the "
            f"{articles:,} figure ({10 * base:.1f} s); peak <= 1.2 GB", f"{one.seconds:.1f} s ({one.seconds / base:.1f} x), "
            f"{mb:.0f} MB", "", _verdict(one.seconds <= 10 * base and mb <= 1200))
    if results.loads:
        lines.append(f"\nThe machine's 1-minute load average as each timed build began: {min(results.loads):.2f} to "
                     f"{max(results.loads):.2f} (median {statistics.median(results.loads):.2f}).")
    return "\n".join(lines)
