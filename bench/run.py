"""Benchmark: NewsBite beside Hugo and Pelican on the same corpus (issue 5).

    python bench/run.py [--articles 10000] [--runs 3] [--big 100000] [--work DIR] [--jobs N]
                        [--no-hugo] [--no-pelican]

Generates the corpora with ../shared/bench/make_corpus.py (ours, and the hugo and pelican
flavors of the same articles), then alternates cold builds of the three (ours with
--no-search, since the peers index nothing) and reports medians. Peak memory is the maximum
resident set of the largest process of each run (GNU time's %M, which covers the workers).
Ours is also measured rebuilding with nothing changed, rebuilding after one article is edited
(a different one each run; the number of files written is reported), with Pagefind on its own,
and, with --big, cold at 100,000 articles.

Ours runs from a copy of generator/ and layouts/ taken at the start, so edits to the working tree during a
run cannot invalidate its cache halfway. Hugo is Debian's `hugo` (installed with apt-get when
missing) with ../shared/bench/peers/hugo; Pelican is installed into its own virtualenv under
the work folder with ../shared/bench/peers/pelican.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
SITE_YAML = "title: NewsBite\nbase_url: https://example.org/\nper_page: 20\n"
TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    output: str
    cpu: float = 0.0  # user + system seconds over the process tree


def main() -> int:
    args = _parser().parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    src = _snapshot(work)
    tools = {"ours": lambda c, o: _ours(src, c, o, args.jobs)}
    corpora = {"ours": _corpus(work, "ours", args.articles)}
    if not args.no_hugo:
        _ensure_hugo()
        corpora["hugo"] = _corpus(work, "hugo", args.articles)
        tools["hugo"] = _hugo
    if not args.no_pelican:
        pelican = _ensure_pelican(work)
        corpora["pelican"] = _corpus(work, "pelican", args.articles)
        tools["pelican"] = lambda c, o: _pelican(pelican, c, o)
    cold: dict[str, list[Run]] = {name: [] for name in tools}
    _remove_outputs(work)
    for number in range(args.runs):  # alternate, so a noisy minute hits every tool alike
        for name, tool in tools.items():
            # Each run writes a folder of its own: deleting a whole site's files just before a
            # run slowed this disk's file creation for a while after (the cost grew run by run).
            out = work / f"out-{name}-{number + 1}"
            _clean(corpora[name], out)
            cold[name].append(tool(corpora[name], out))
            _check_output(name, out, args.articles)
            last = cold[name][-1]
            print(f"run {number + 1}: {name} {last.seconds:.2f} s {last.peak_mb:.0f} MB {last.cpu:.2f} CPU s", flush=True)
    ours_out = work / f"out-ours-{args.runs}"
    unchanged = [_ours(src, corpora["ours"], ours_out, args.jobs) for _ in range(args.runs)]
    edits = [_edit_and_build(src, corpora["ours"], ours_out, args.jobs, n) for n in range(args.runs)]
    search = _ours_timings(src, corpora["ours"], work / "out-search", args.jobs, search=True)
    big: list[Run] = []
    if args.big:  # as many runs as at 10,000: one noisy minute must not decide the row
        big_corpus = _corpus(work, "ours", args.big)
        for number in range(args.runs):
            out = work / f"out-big-{number + 1}"
            _clean(big_corpus, out)
            big.append(_ours(src, big_corpus, out, args.jobs))
            print(f"run {number + 1}: ours at {args.big:,} {big[-1].seconds:.1f} s {big[-1].peak_mb:.0f} MB", flush=True)
    _remove_outputs(work)
    print()
    print(_table(args, cold, unchanged, edits, search, big))
    print()
    print(_machine(args.jobs))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=0, help="also build this many articles once (e.g. 100000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbite-bench"))
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--no-pelican", action="store_true")
    return parser


def _snapshot(work: Path) -> Path:
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(REPO / "generator", src / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "layouts", src / "layouts")  # the built-in theme, found beside the package
    return src


def _corpus(work: Path, flavor: str, articles: int) -> Path:
    root = work / f"c-{flavor}-{articles}"
    if not (root / "content").is_dir():
        subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), str(root), "--articles", str(articles),
                        "--flavor", flavor], check=True, stdout=subprocess.DEVNULL)
        if flavor == "ours":
            (root / "site.yaml").write_text(SITE_YAML)
        elif flavor == "hugo":
            shutil.copytree(SHARED / "peers" / "hugo", root, dirs_exist_ok=True)
        else:
            shutil.copy(SHARED / "peers" / "pelican" / "pelicanconf.py", root)
    return root


def _remove_outputs(work: Path) -> None:
    for out in work.glob("out-*"):
        shutil.rmtree(out, ignore_errors=True)
    _settle()


def _clean(corpus: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(corpus / ".newsbite-cache", ignore_errors=True)
    _settle()


def _settle() -> None:
    # Let the filesystem finish the previous run's deletes before the clock starts.
    os.sync()
    time.sleep(1)


def _timed(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    done = subprocess.run([TIME, "-f", "%M %U %S", "--", *command], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    peak_kb, user, system = done.stderr.strip().splitlines()[-1].split()
    return Run(seconds, int(peak_kb) / 1024, done.stdout + done.stderr, float(user) + float(system))


def _ours_env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def _ours(src: Path, corpus: Path, out: Path, jobs: int) -> Run:
    return _timed([sys.executable, "-m", "generator", "build", "--site", str(corpus), "--output", str(out),
                   "--no-search", "--jobs", str(jobs)], env=_ours_env(src))


def _ours_timings(src: Path, corpus: Path, out: Path, jobs: int, search: bool) -> dict[str, float]:
    shutil.rmtree(out, ignore_errors=True)
    script = ("import json, sys; from pathlib import Path; from generator.build.pipeline import BuildOptions, build_site; "
              f"r = build_site(BuildOptions(site_dir=Path({str(corpus)!r}), output_dir=Path({str(out)!r}), "
              f"search={search}, jobs={jobs})); print(json.dumps({{**r.timings, 'total': r.seconds}}))")
    run = _timed([sys.executable, "-c", script], env=_ours_env(src))
    shutil.rmtree(out, ignore_errors=True)
    return {k: float(v) for k, v in json.loads(run.output.strip().splitlines()[0]).items()}


def _edit_and_build(src: Path, corpus: Path, out: Path, jobs: int, number: int) -> tuple[Run, int]:
    files = sorted((corpus / "content").rglob("*.md"))
    path = files[(number * 2654435761) % len(files)]
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    path.write_text(f"{head}{sep}\nEdited for the benchmark, run {number}.\n{body}", encoding="utf-8")
    run = _ours(src, corpus, out, jobs)
    path.write_text(text, encoding="utf-8")
    _ours(src, corpus, out, jobs)  # back to the corpus as generated, for the next run
    written = int(run.output.split(" written")[0].rsplit(":", 1)[-1].strip().replace(",", ""))
    return run, written


def _check_output(name: str, out: Path, articles: int) -> None:
    """Refuse a run that did not really build the articles (a missing Markdown reader, say)."""
    pages = sum(1 for _ in out.rglob("*.html"))
    if pages < articles:
        raise SystemExit(f"{name} wrote only {pages} HTML pages for {articles} articles; its timing would mean nothing")


def _ensure_hugo() -> None:
    if shutil.which("hugo") is None:
        subprocess.run(["apt-get", "install", "-y", "hugo"], check=True, stdout=subprocess.DEVNULL)


def _hugo(corpus: Path, out: Path) -> Run:
    return _timed(["hugo", "--quiet", "--source", str(corpus), "--destination", str(out)])


def _ensure_pelican(work: Path) -> Path:
    venv = work / "pelican-venv"
    pelican = venv / "bin" / "pelican"
    if not (venv / "bin" / "markdown_py").exists():  # Pelican reads .md only with the markdown package
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if subprocess.run([*pip, "pelican[markdown]==4.12.*"], **quiet).returncode != 0:
            subprocess.run([*pip, "pelican[markdown]"], check=True, **quiet)
    return pelican


def _pelican(pelican: Path, corpus: Path, out: Path) -> Run:
    return _timed([str(pelican), "-q", "content", "-s", "pelicanconf.py", "-o", str(out)], cwd=corpus)


def _median(runs: list[Run]) -> tuple[float, float]:
    return statistics.median(r.seconds for r in runs), statistics.median(r.peak_mb for r in runs)


def _table(args: argparse.Namespace, cold: dict[str, list[Run]], unchanged: list[Run],
           edits: list[tuple[Run, int]], search: dict[str, float], big: list[Run]) -> str:
    ours_s, ours_mb = _median(cold["ours"])
    peers = {name: _median(runs) for name, runs in cold.items() if name != "ours"}
    hugo = peers.get("hugo")
    n = f"{args.articles:,}"
    lines = [f"| measure ({n} articles unless noted; medians of {args.runs}) | target | NewsBite | "
             + " | ".join(n.capitalize() for n in peers) + " | result |",
             "| --- | --- | --- |" + " --- |" * len(peers) + " --- |"]

    def row(measure: str, target: str, ours: str, peer_cells: list[str], result: str) -> None:
        lines.append(f"| {measure} | {target} | {ours} | " + " | ".join(peer_cells) + f" | {result} |")

    ratio = f"{ours_s / hugo[0]:.2f} x Hugo" if hugo else "no Hugo run"
    row("cold build, wall time", "<= 0.7 x Hugo", f"{ours_s:.2f} s",
        [f"{s:.2f} s ({ours_s / s:.2f} x)" for s, _ in peers.values()],
        f"{ratio}: {'met' if hugo and ours_s <= 0.7 * hugo[0] else 'not met'}")
    ours_cpu = statistics.median(r.cpu for r in cold["ours"])
    row("cold build, CPU time (user + system)", "(reported)", f"{ours_cpu:.2f} s",
        [f"{statistics.median(r.cpu for r in runs):.2f} s" for name, runs in cold.items() if name != "ours"], "")
    row("peak memory, largest process", "<= 300 MB", f"{ours_mb:.0f} MB", [f"{mb:.0f} MB" for _, mb in peers.values()],
        "met" if ours_mb <= 300 else "not met")
    same = statistics.median(r.seconds for r in unchanged)
    row("rebuild, nothing changed", "<= 1 s", f"{same:.2f} s", ["" for _ in peers], "met" if same <= 1 else "not met")
    edit = statistics.median(r.seconds for r, _ in edits)
    each = ", ".join(f"{r.seconds:.2f} s / {w} files" for r, w in edits)
    row("rebuild after editing one article", "<= 1.5 s", f"{edit:.2f} s (in turn: {each})",
        ["" for _ in peers], "met" if max(r.seconds for r, _ in edits) <= 1.5 else
        "median met, not every edit" if edit <= 1.5 else "not met")
    row("Pagefind search index, on its own", "(reported)", f"{search.get('search', 0):.2f} s of {search['total']:.2f} s",
        ["" for _ in peers], "")
    if big:
        limit = 11 * ours_s
        big_s = statistics.median(r.seconds for r in big)
        big_mb = max(r.peak_mb for r in big)  # the worst run's memory, not the median's
        row(f"cold build, {args.big:,} articles (median time, highest memory)", f"<= 11 x 10k ({limit:.0f} s), <= 1.5 GB",
            f"{big_s:.1f} s ({big_s / ours_s:.1f} x 10k), {big_mb:.0f} MB", ["" for _ in peers],
            "met" if big_s <= limit and big_mb <= 1536 else "not met")
    return "\n".join(lines)


def _machine(jobs: int) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split(" ")[0:2] if shutil.which("hugo") else []
    return (f"Machine: {cpu}, {os.cpu_count()} cores ({jobs} jobs), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {' '.join(hugo)}")


if __name__ == "__main__":
    sys.exit(main())
