"""Benchmark: the "Performance held" table of issue 10, NewsBite beside Hugo in one run.

    python bench/run.py [--articles 10000] [--small 1000] [--runs 3] [--edits 5] [--saves 5]
                        [--big 100000] [--pelican] [--no-hugo] [--no-serve] [--no-search-rows]
                        [--jobs N] [--work DIR] [--newsroom | --search]

Rows, each timed from outside as a user sees it (medians of --runs unless noted):
  1. cold build of --articles: `newsbite build --no-search` beside `hugo` (and Pelican with
     --pelican), alternating tools so that a noisy minute hits all alike; CPU time and peak
     memory are reported beside it;
  2. the same at --small articles;
  3. rebuild with nothing changed, --small articles;
  4. one-article edit, then `newsbite build --no-search`, --articles: --edits edits, each a word
     of the Markdown body of a different article, the first straight after a cold build; each
     edit, the files it wrote and the maximum are reported, and the verdict is on the maximum;
  5. rebuild with nothing changed, --articles;
  6. `newsbite serve`: from saving an article to its page on disk (bench/serve_rebuild.py, --saves
     saves, beside `hugo server --renderToDisk`): median and maximum;
  7. `newsbite serve`: from starting the process to the home page and an article page answered
     (bench/serve_start.py), beside `hugo server`;
  8. with --big N: cold build of N articles, against 10 x row 1 and 1 GiB of peak memory.
Then the search rows (bench/search_rows.py; `--search` runs them alone): the default `newsbite
build` (search on) cold at --articles beside `hugo` followed by `pagefind --site OUT` (the Pagefind
NewsBite ships), an edit and a new article each followed by the default build, a reader's first
query in Chromium, and the results of five queries against one single Pagefind index.

A "cold" build starts without the output folder and without .newsbite-cache/. Each cold run writes
a folder of its own: deleting a whole site's files just before a run slows this kind of disk for
a while after. Peak memory is GNU time's %M, the maximum resident set of the largest process of
the tree (NewsBite's workers included). NewsBite runs from a copy of generator/ and layouts/ taken
at the start, so edits to the working tree during a run change nothing. Hugo is Debian's `hugo`
(installed with apt-get when missing) with ../shared/bench/peers/hugo; Pelican, off by default
because its three builds add about two minutes, is installed into a virtualenv under --work.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import harness
import newsroom
import search_rows
import serve_rebuild
import serve_start
from harness import Run

GIB = 1024  # MiB


@dataclass(frozen=True)
class Rebuild:
    """A timed rebuild into an existing output: what the build said it wrote, what changed on disk."""

    run: Run
    written: int | None
    changed: int

    def cell(self) -> str:
        said = "?" if self.written is None else f"{self.written:,}"
        disk = "" if self.written == self.changed else f", {self.changed:,} site files changed on disk"
        return f"{self.run.seconds:.2f} s / {said} written{disk}"


@dataclass
class Results:
    cold: dict[str, list[Run]] = field(default_factory=dict)
    small: dict[str, list[Run]] = field(default_factory=dict)
    small_unchanged: list[Rebuild] = field(default_factory=list)
    edits: list[Rebuild] = field(default_factory=list)
    unchanged: list[Rebuild] = field(default_factory=list)
    saves: dict[str, list[float]] = field(default_factory=dict)
    starts: dict[str, list[float]] = field(default_factory=dict)
    search: search_rows.SearchResults | None = None
    big: list[Run] = field(default_factory=list)


def main() -> int:
    args = _parser().parse_args()
    began = time.monotonic()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    newsbite = harness.NewsBite(harness.snapshot(work), args.jobs)
    if not args.no_hugo:
        harness.ensure_hugo()
    results = Results()
    harness.remove_outputs(work)
    if args.newsroom:  # the newsroom rows alone (bench/newsroom.py)
        rows = newsroom.run(work, newsbite, args.articles, args.runs, not args.no_hugo)
        return _rows_alone(work, newsroom.table(args.articles, args.runs, rows), args.jobs, began)
    if args.search:  # the search rows alone (bench/search_rows.py)
        found = search_rows.run(work, newsbite, args.articles, args.runs, args.edits, not args.no_hugo, args.big)
        return _rows_alone(work, search_rows.table(args.articles, args.runs, found), args.jobs, began)

    peers = ([] if args.no_hugo else ["hugo"]) + (["pelican"] if args.pelican else [])
    results.cold = cold_builds(work, newsbite, args.articles, peers, args.runs)
    site = harness.corpus(work, "ours", args.articles)
    out = work / f"out-ours-{args.articles}-{args.runs}"  # the last cold build: the first edit follows it
    results.edits = edit_rebuilds(newsbite, site, out, args.edits)
    results.unchanged = unchanged_rebuilds(newsbite, site, out, args.runs, f"{args.articles:,}")

    results.small = cold_builds(work, newsbite, args.small, [p for p in peers if p == "hugo"], args.runs)
    small_site = harness.corpus(work, "ours", args.small)
    small_out = work / f"out-ours-{args.small}-{args.runs}"
    results.small_unchanged = unchanged_rebuilds(newsbite, small_site, small_out, args.runs, f"{args.small:,}")

    if not args.no_search_rows:  # first: its last build is the serve start row's reference (serve searches)
        results.search = search_rows.run(work, newsbite, args.articles, args.runs, args.edits, not args.no_hugo)
    if not args.no_serve:
        results.starts = serve_starts(work, newsbite, args)
        results.saves = serve_saves(work, newsbite, args)
    if args.big:  # as many runs as at --articles: one noisy minute must not decide the row
        results.big = cold_builds(work, newsbite, args.big, [], args.runs)["ours"]
    harness.remove_outputs(work)

    print()
    print(table(args, results))
    if results.search is not None:
        print()
        print(search_rows.table(args.articles, args.runs, results.search))
    print()
    print(single_runs(results))
    print(_machine(args.jobs))
    print(f"The whole run took {(time.monotonic() - began) / 60:.1f} minutes.")
    return 0


def _rows_alone(work: Path, table_text: str, jobs: int | None, began: float) -> int:
    """Print the table of a set of rows run on their own (--newsroom, --search), and end the run."""
    harness.remove_outputs(work)
    print()
    print(table_text)
    print(_machine(jobs))
    print(f"The whole run took {(time.monotonic() - began) / 60:.1f} minutes.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000, help="the main corpus (default 10,000)")
    parser.add_argument("--small", type=int, default=1_000, help="the small corpus (default 1,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each timed build (default 3)")
    parser.add_argument("--edits", type=int, default=5, help="one-article edits, each of another article (default 5)")
    parser.add_argument("--saves", type=int, default=5, help="timed saves under the dev servers (default 5)")
    parser.add_argument("--big", type=int, default=0, help="also build this many articles cold (e.g. 100000)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to newsbite build (default: its own)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbite-bench"), help="corpora and outputs")
    parser.add_argument("--pelican", action="store_true", help="add Pelican to the cold build row (about 2 minutes more)")
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out (the ratio rows are then not judged)")
    parser.add_argument("--no-serve", action="store_true", help="leave out the two `newsbite serve` rows")
    parser.add_argument("--no-search-rows", "--no-context", action="store_true",
                        help="leave out the search rows (builds with search, in Chromium)")
    parser.add_argument("--newsroom", action="store_true",
                        help="only the newsroom rows: author, source and archive pages beside peers/hugo-newsroom")
    parser.add_argument("--search", action="store_true",
                        help="only the search rows: the default build (search on) beside Hugo then Pagefind")
    return parser


def cold_builds(work: Path, newsbite: harness.NewsBite, articles: int, peers: list[str], runs: int) -> dict[str, list[Run]]:
    """Cold builds of `articles`, NewsBite (--no-search) and each peer in turn, `runs` rounds."""
    builders: dict[str, Callable[[Path, Path], Run]] = {"ours": newsbite.build}
    if "hugo" in peers:
        builders["hugo"] = harness.hugo_build
    if "pelican" in peers:
        pelican = harness.ensure_pelican(work)
        builders["pelican"] = lambda site, out: harness.pelican_build(pelican, site, out)
    sites = {name: harness.corpus(work, name, articles) for name in builders}
    cold: dict[str, list[Run]] = {name: [] for name in builders}
    for number in range(1, runs + 1):  # alternate, so a noisy minute hits every tool alike
        for name, build in builders.items():
            out = work / f"out-{name}-{articles}-{number}"
            harness.make_cold(sites[name], out)
            cold[name].append(build(sites[name], out))
            harness.check_output(name, out, articles)
            last = cold[name][-1]
            print(f"cold {articles:,}, run {number}: {name} {last.seconds:.2f} s, {last.cpu:.2f} CPU s, "
                  f"{last.peak_mib:.0f} MiB", flush=True)
    return cold


def timed_rebuild(newsbite: harness.NewsBite, site: Path, out: Path) -> Rebuild:
    before = harness.output_state(out)
    run = newsbite.build(site, out)
    return Rebuild(run, harness.written_count(run), harness.changed_files(before, harness.output_state(out)))


def edit_rebuilds(newsbite: harness.NewsBite, site: Path, out: Path, count: int) -> list[Rebuild]:
    """Edit one word of a different article's body before each build; put every article back after."""
    edits: list[harness.Edit] = []
    rebuilds = []
    try:
        for number, article in enumerate(harness.articles_to_edit(site, count)):
            harness.settle()
            edits.append(harness.edit_one_word(article, number))
            rebuilds.append(timed_rebuild(newsbite, site, out))
            if edits[-1].marker not in harness.page_of(out, article).read_text(encoding="utf-8"):
                raise SystemExit(f"the build after editing {article.name} did not change its page")
            print(f"edit {number + 1} ({article.name}): {rebuilds[-1].cell()}", flush=True)
    finally:
        for edit in edits:
            edit.article.write_text(edit.original, encoding="utf-8")
    if edits:
        catch_up = newsbite.build(site, out)  # back to the corpus as generated; not a measure
        print(f"after putting the articles back: {catch_up.seconds:.2f} s", flush=True)
    # Files changed in the last two seconds are read whatever their signature says; a real
    # "nothing changed" rebuild comes later than that.
    time.sleep(2)
    return rebuilds


def unchanged_rebuilds(newsbite: harness.NewsBite, site: Path, out: Path, runs: int, label: str) -> list[Rebuild]:
    rebuilds = []
    for number in range(1, runs + 1):
        harness.settle()
        rebuilds.append(timed_rebuild(newsbite, site, out))
        print(f"nothing changed, {label}, run {number}: {rebuilds[-1].cell()}", flush=True)
    return rebuilds


def serve_starts(work: Path, newsbite: harness.NewsBite, args: argparse.Namespace) -> dict[str, list[float]]:
    """Start to first page, `newsbite serve` and `hugo server` in turn; reference pages from cold builds.

    `newsbite serve` builds with search, as `newsbite build` does by default: its pages (their
    search box) are those of a build with search, so that is the reference.
    """
    site = harness.corpus(work, "ours", args.articles)
    article = harness.articles_to_edit(site, 1)[0]
    reference = work / f"out-search-ours-{args.runs}"
    if not (reference / "index.html").is_file():
        harness.make_cold(site, reference)
        newsbite.build(site, reference, search=True)
    ours_pages = serve_start.expected_pages(reference, article)
    measures = {"ours": lambda: serve_start.newsbite_first_page(newsbite, site, ours_pages)}
    if not args.no_hugo:
        hugo_site = harness.corpus(work, "hugo", args.articles)
        hugo_pages = serve_start.expected_pages(work / f"out-hugo-{args.articles}-{args.runs}", article)
        measures["hugo"] = lambda: serve_start.hugo_first_page(hugo_site, hugo_pages)
    starts: dict[str, list[float]] = {name: [] for name in measures}
    for number in range(1, args.runs + 1):
        for name, measure in measures.items():
            harness.settle()
            starts[name].append(measure())
            print(f"serve start, run {number}: {name} answered both pages after {starts[name][-1]:.2f} s", flush=True)
    return starts


def serve_saves(work: Path, newsbite: harness.NewsBite, args: argparse.Namespace) -> dict[str, list[float]]:
    """Save to page on disk, under `newsbite serve` and `hugo server --renderToDisk`, alternating."""
    harness.settle()
    servers = []
    try:
        servers.append(serve_rebuild.start_ours(harness.corpus(work, "ours", args.articles), newsbite))
        if not args.no_hugo:
            servers.append(serve_rebuild.start_hugo(harness.corpus(work, "hugo", args.articles), work / "out-hugo-serve"))
        serve_rebuild.measure_saves(servers, args.saves)
    finally:
        for server in servers:
            server.stop()
    return {"ours" if server.name.startswith("newsbite") else "hugo": server.latencies for server in servers}


# Reporting ------------------------------------------------------------------------------------

def _median_s(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _ratio_row(runs: dict[str, list[Run]], limit: float) -> tuple[str, str]:
    if "hugo" not in runs:
        return "no Hugo run", "not judged"
    ratio = _median_s(runs["ours"]) / _median_s(runs["hugo"])
    return f"{ratio:.2f} x Hugo", _verdict(ratio <= limit)


def _each(values: list[float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    return ", ".join(f"{v * scale:.{digits}f}" for v in values) + f" {unit}"


def table(args: argparse.Namespace, results: Results) -> str:
    peers = [name for name in ("hugo", "pelican") if name in results.cold]
    header = [f"measure (medians of {args.runs} unless noted)", "target", "NewsBite",
              *(p.capitalize() for p in peers), "result"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]

    def row(measure: str, target: str, ours: str, result: str, cells: dict[str, str] | None = None) -> None:
        lines.append("| " + " | ".join([measure, target, ours, *((cells or {}).get(p, "") for p in peers), result]) + " |")

    n, small = f"{args.articles:,}", f"{args.small:,}"
    for runs, count, limit in ((results.cold, n, 0.75), (results.small, small, 1.0)):
        ratio, verdict = _ratio_row(runs, limit)
        row(f"cold build, {count} articles, wall time (`newsbite build --no-search` vs `hugo`)",
            f"<= {limit:.2f} x Hugo", f"{_median_s(runs['ours']):.2f} s", f"{ratio}: {verdict}",
            {p: f"{_median_s(r):.2f} s" for p, r in runs.items() if p != "ours"})
        row(f"cold build, {count} articles, CPU time (user + system)", "(reported)",
            f"{statistics.median(r.cpu for r in runs['ours']):.2f} s", "",
            {p: f"{statistics.median(x.cpu for x in r):.2f} s" for p, r in runs.items() if p != "ours"})
        row(f"cold build, {count} articles, peak memory of the largest process", "(reported)",
            f"{statistics.median(r.peak_mib for r in runs['ours']):.0f} MiB", "",
            {p: f"{statistics.median(x.peak_mib for x in r):.0f} MiB" for p, r in runs.items() if p != "ours"})

    def unchanged_row(rebuilds: list[Rebuild], count: str, limit: float) -> None:
        median = statistics.median(r.run.seconds for r in rebuilds)
        row(f"rebuild with nothing changed, {count} articles (`newsbite build --no-search`)", f"<= {limit} s",
            f"{median:.2f} s (runs: {'; '.join(r.cell() for r in rebuilds)})", _verdict(median <= limit))

    unchanged_row(results.small_unchanged, small, 0.3)
    if results.edits:
        worst = max(r.run.seconds for r in results.edits)
        row(f"one-article edit, then `newsbite build --no-search`, {n} articles ({len(results.edits)} edits, "
            "the first right after a cold build)", "<= 1.0 s, every edit",
            f"max {worst:.2f} s (in turn: {'; '.join(r.cell() for r in results.edits)})", _verdict(worst <= 1.0))
    unchanged_row(results.unchanged, n, 0.5)
    if results.saves:
        ours = results.saves["ours"]
        row(f"`newsbite serve`, save to page on disk, {n} articles (median of {len(ours)} saves, and max)",
            "<= 150 ms (median)", f"{statistics.median(ours) * 1000:.0f} ms, max {max(ours) * 1000:.0f} ms "
            f"(saves: {_each(ours, 'ms', 1000, 0)})", _verdict(statistics.median(ours) <= 0.150),
            {"hugo": f"{statistics.median(results.saves['hugo']) * 1000:.0f} ms, max "
                     f"{max(results.saves['hugo']) * 1000:.0f} ms"} if "hugo" in results.saves else None)
    if results.starts:
        ours = results.starts["ours"]
        row(f"`newsbite serve` start, home and article page answered, {n} articles", "<= 3 s",
            f"{statistics.median(ours):.2f} s (runs: {_each(ours)})", _verdict(statistics.median(ours) <= 3.0),
            {"hugo": f"{statistics.median(results.starts['hugo']):.2f} s (`hugo server`)"}
            if "hugo" in results.starts else None)
    if results.big:
        base = _median_s(results.cold["ours"])
        big_s, big_mib = _median_s(results.big), max(r.peak_mib for r in results.big)  # the worst run's memory
        row(f"cold build, {args.big:,} articles (`--no-search`; median time, highest peak memory)",
            f"<= 10 x the {n} figure ({10 * base:.1f} s); <= 1 GiB", f"{big_s:.1f} s ({big_s / base:.1f} x), "
            f"{big_mib:.0f} MiB", _verdict(big_s <= 10 * base and big_mib <= GIB))
    return "\n".join(lines)


def single_runs(results: Results) -> str:
    """Every timed build in the order it ran, for judging the noise behind each median."""
    lines = ["Single runs, in the order they ran:"]
    for label, groups in (("cold, main corpus", results.cold), ("cold, small corpus", results.small),
                          ("with search", results.search.cold if results.search else {}),
                          ("cold, big corpus", {"ours": results.big})):
        for name, runs in groups.items():
            if runs:
                lines.append(f"  {label}, {name}: {_each([r.seconds for r in runs])}")
    for name, values in results.starts.items():
        lines.append(f"  serve start, {name}: {_each(values)}")
    for name, values in results.saves.items():
        lines.append(f"  serve save to disk, {name}: {_each(values, 'ms', 1000, 0)}")
    return "\n".join(lines)


def _machine(jobs: int | None) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split(" ")[0:2] if shutil.which("hugo") else []
    pagefind = subprocess.run([str(harness.pagefind_executable()), "--version"], capture_output=True, text=True).stdout
    return (f"Machine: {cpu}, {os.cpu_count()} cores, jobs: {jobs or 'the build default'}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; {' '.join(hugo)}; {pagefind.strip()} (pagefind-bin)")


if __name__ == "__main__":
    sys.exit(main())
