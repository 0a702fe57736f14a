"""Benchmark rows of the newsroom pages (authors, sources, date archives), NewsBite beside Hugo.

    python bench/run.py --newsroom [--articles 10000] [--runs 3] [--work DIR]

Rows, each timed from outside as a user sees it, medians of --runs:
  1. cold build with author, source and archive pages: `newsbite build --no-search` beside `hugo`
     building ../shared/bench/peers/hugo-newsroom (authors and sources declared as taxonomies, each
     term paginated with its own feed; Hugo has no date archives), alternating tools;
  2. a one-article edit that changes the article's author (to another author of the corpus, so
     two author pages, both authors' feeds and the index change), then `newsbite build --no-search`;
     each edit of another article, the first straight after a cold build;
  3. peak memory of the largest process of the cold builds (the highest of the runs).
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import harness
from harness import Run

COLD_LIMIT = 0.75  # x Hugo
EDIT_LIMIT = 1.0  # s
MEMORY_LIMIT = 300  # MB
_AUTHOR = re.compile(r"^author: (.+)$", re.MULTILINE)


@dataclass
class NewsroomResults:
    cold: dict[str, list[Run]]
    edits: list[tuple[Run, int | None]]


def author_pages(out: Path) -> int:
    """The author pages a build wrote (their first pages), to refuse a run without them."""
    return sum(1 for _ in (out / "authors").glob("*/index.html")) if (out / "authors").is_dir() else 0


def cold_builds(work: Path, newsbite: harness.NewsBite, articles: int, runs: int, hugo: bool) -> dict[str, list[Run]]:
    sites = {"ours": harness.corpus(work, "ours", articles)}
    if hugo:
        sites["hugo-newsroom"] = harness.corpus(work, "hugo-newsroom", articles)
    cold: dict[str, list[Run]] = {name: [] for name in sites}
    for number in range(1, runs + 1):  # alternate, so a noisy minute hits both alike
        for name, site in sites.items():
            out = work / f"out-newsroom-{name}-{articles}-{number}"
            harness.make_cold(site, out)
            cold[name].append(newsbite.build(site, out) if name == "ours" else harness.hugo_build(site, out))
            harness.check_output(name, out, articles)
            if author_pages(out) == 0:
                raise SystemExit(f"{name} wrote no author pages into {out}")
            last = cold[name][-1]
            print(f"newsroom cold {articles:,}, run {number}: {name} {last.seconds:.2f} s, {last.cpu:.2f} CPU s, "
                  f"{last.peak_mib:.0f} MiB, {author_pages(out)} author pages", flush=True)
    return cold


def author_edits(newsbite: harness.NewsBite, site: Path, out: Path, count: int) -> list[tuple[Run, int | None]]:
    """Give each of `count` articles another author of the corpus, building after each; put them back after."""
    files = harness.articles_to_edit(site, count + 1)
    originals: list[tuple[Path, str]] = []
    edits: list[tuple[Run, int | None]] = []
    try:
        for number, article in enumerate(files[:count]):
            text = article.read_text(encoding="utf-8")
            other = _AUTHOR.search(files[number + 1].read_text(encoding="utf-8"))
            own = _AUTHOR.search(text)
            if own is None or other is None or own.group(1) == other.group(1):
                other_name = '"Benchmark Writer"'  # no byline, or the same one: a new author
            else:
                other_name = other.group(1)
            new = _AUTHOR.sub(f"author: {other_name}", text, count=1) if own else text.replace(
                "\n---\n", f"\nauthor: {other_name}\n---\n", 1)
            harness.settle()
            originals.append((article, text))
            article.write_text(new, encoding="utf-8")
            run = newsbite.build(site, out)
            edits.append((run, harness.written_count(run)))
            page = harness.page_of(out, article).read_text(encoding="utf-8")
            if other_name.strip('"') not in page:
                raise SystemExit(f"the build after giving {article.name} the author {other_name} does not show it")
            print(f"author edit {number + 1} ({article.name} -> {other_name}): {run.seconds:.2f} s, "
                  f"{edits[-1][1]} written", flush=True)
    finally:
        for article, text in originals:
            article.write_text(text, encoding="utf-8")
    if originals:
        newsbite.build(site, out)  # back to the corpus as generated; not a measure
        time.sleep(2)
    return edits


def run(work: Path, newsbite: harness.NewsBite, articles: int, runs: int, hugo: bool) -> NewsroomResults:
    cold = cold_builds(work, newsbite, articles, runs, hugo)
    site = harness.corpus(work, "ours", articles)
    out = work / f"out-newsroom-ours-{articles}-{runs}"  # the last cold build: the first edit follows it
    return NewsroomResults(cold, author_edits(newsbite, site, out, runs))


def table(articles: int, runs: int, results: NewsroomResults) -> str:
    ours, hugo = results.cold["ours"], results.cold.get("hugo-newsroom", [])
    lines = [f"| measure ({articles:,} articles, medians of {runs}) | target | NewsBite | Hugo (peers/hugo-newsroom) | result |",
             "| --- | --- | --- | --- | --- |"]
    ours_s = statistics.median(r.seconds for r in ours)
    if hugo:
        hugo_s = statistics.median(r.seconds for r in hugo)
        ratio = ours_s / hugo_s
        verdict = f"{ratio:.2f} x Hugo: {'met' if ratio <= COLD_LIMIT else 'NOT met'}"
        hugo_cell = f"{hugo_s:.2f} s (runs: {_each(hugo)})"
    else:
        verdict, hugo_cell = "no Hugo run: not judged", ""
    lines.append(f"| cold build with author, source and archive pages (`newsbite build --no-search` vs `hugo`) | "
                 f"<= {COLD_LIMIT} x Hugo | {ours_s:.2f} s (runs: {_each(ours)}) | {hugo_cell} | {verdict} |")
    lines.append(f"| cold build, CPU time (user + system) | (reported) | {statistics.median(r.cpu for r in ours):.2f} s | "
                 + (f"{statistics.median(r.cpu for r in hugo):.2f} s" if hugo else "") + " |  |")
    if results.edits:
        times = [r.seconds for r, _ in results.edits]
        median = statistics.median(times)
        cells = "; ".join(f"{r.seconds:.2f} s / {written} written" for r, written in results.edits)
        lines.append(f"| one-article edit that changes its author, then `newsbite build --no-search` | "
                     f"<= {EDIT_LIMIT} s | {median:.2f} s, max {max(times):.2f} s (in turn: {cells}) |  | "
                     f"{'met' if median <= EDIT_LIMIT else 'NOT met'} |")
    peak = max(r.peak_mib for r in ours) * 1024 * 1024 / 1e6  # MiB -> MB
    lines.append(f"| peak memory of the largest process, cold build (highest of the runs) | <= {MEMORY_LIMIT} MB | "
                 f"{peak:.0f} MB | " + (f"{max(r.peak_mib for r in hugo) * 1.048576:.0f} MB" if hugo else "")
                 + f" | {'met' if peak <= MEMORY_LIMIT else 'NOT met'} |")
    return "\n".join(lines)


def _each(runs: list[Run]) -> str:
    return ", ".join(f"{r.seconds:.2f}" for r in runs) + " s"
