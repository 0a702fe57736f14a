"""The pieces bench/run.py measures with: corpora, one timed run of each tool, one-article edits.

Every timed command runs under GNU time, whose %M is the maximum resident set of the largest
process in the tree (for NewsBite, its worker processes included) and %U/%S the CPU time of the
whole tree. NewsBite runs from a snapshot of generator/ and layouts/ (see `snapshot`).
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
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
    """One timed command: wall seconds, peak memory of its largest process, CPU seconds, its output."""

    seconds: float
    peak_mib: float
    cpu: float
    output: str


def timed(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    done = subprocess.run([TIME, "-f", "%M %U %S", "--", *command], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    peak_kib, user, system = done.stderr.strip().splitlines()[-1].split()
    return Run(seconds, int(peak_kib) / 1024, float(user) + float(system), done.stdout + done.stderr)


def snapshot(work: Path) -> Path:
    """Copy generator/ and layouts/ to work/src, so edits to the tree during a run change nothing."""
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(REPO / "generator", src / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "layouts", src / "layouts")  # the built-in theme, found beside the package
    # Compiled once, as `pip install` compiles an installed package: otherwise, with
    # PYTHONDONTWRITEBYTECODE set (as on some machines and CI images), every timed run would
    # compile the whole package again first (about 0.2 s of each build's time).
    compileall.compile_dir(src / "generator", quiet=1)
    return src


@dataclass(frozen=True)
class NewsBite:
    """How to run the snapshot: `python -m generator ...` from inside it.

    The working folder matters: `python -m` puts it first on sys.path, before PYTHONPATH, so run
    from the repository (as `make bench` is) it would import the live generator/, not the snapshot.
    """

    src: Path
    jobs: int | None  # None: the build's own default, as users run it

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.src), "PYTHONUNBUFFERED": "1"}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "generator", *args]

    def build(self, site: Path, out: Path, search: bool = False) -> Run:
        args = ["build", "--site", str(site), "--output", str(out)]
        args += [] if search else ["--no-search"]
        args += ["--jobs", str(self.jobs)] if self.jobs else []
        return timed(self.command(*args), cwd=self.src, env=self.env)


def corpus(work: Path, flavor: str, articles: int) -> Path:
    """Return work/c-FLAVOR-N, generating it (with the peer's reference configuration) if missing."""
    root = work / f"c-{flavor}-{articles}"
    if not (root / "content").is_dir():
        print(f"generating {articles:,} articles, {flavor} flavor ...", flush=True)
        # hugo-newsroom: the Hugo articles (they carry authors and sources) with the peer that
        # declares both as taxonomies.
        subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), str(root), "--articles", str(articles),
                        "--flavor", flavor.removesuffix("-newsroom")], check=True, stdout=subprocess.DEVNULL)
        if flavor == "ours":
            (root / "site.yaml").write_text(SITE_YAML)
        elif flavor.startswith("hugo"):
            shutil.copytree(SHARED / "peers" / flavor, root, dirs_exist_ok=True)
        else:
            shutil.copy(SHARED / "peers" / "pelican" / "pelicanconf.py", root)
    return root


def remove_outputs(work: Path) -> None:
    for out in work.glob("out-*"):
        shutil.rmtree(out, ignore_errors=True)
    settle()


def make_cold(site: Path, out: Path) -> None:
    """Remove the output folder and NewsBite's cache, so the next build starts from nothing."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(site / ".newsbite-cache", ignore_errors=True)
    settle()


def settle() -> None:
    # Let the filesystem finish the previous run's writes and deletes before the clock starts.
    os.sync()
    time.sleep(1)


def check_output(name: str, out: Path, articles: int) -> None:
    """Refuse a run that did not really build the articles (a missing Markdown reader, say)."""
    pages = sum(1 for _ in out.rglob("*.html"))
    if pages < articles:
        raise SystemExit(f"{name} wrote only {pages} HTML pages for {articles} articles; its timing would mean nothing")


def written_count(run: Run) -> int | None:
    """The number of files the build says it wrote ("..., 3 written, 0 removed."), if it says."""
    found = re.findall(r"([\d,]+) written", run.output)
    return int(found[-1].replace(",", "")) if found else None


# Peers ----------------------------------------------------------------------------------------

def ensure_hugo() -> None:
    if shutil.which("hugo") is None:
        subprocess.run(["apt-get", "install", "-y", "hugo"], check=True, stdout=subprocess.DEVNULL)


def hugo_build(site: Path, out: Path) -> Run:
    return timed(["hugo", "--quiet", "--source", str(site), "--destination", str(out)])


def pagefind_executable() -> Path:
    """The Pagefind binary NewsBite itself runs: the one the pagefind-bin package ships."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError:
        raise SystemExit("pagefind-bin is not installed in this Python: run from the project's .venv") from None
    return Path(get_executable())


def pagefind(out: Path) -> Run:
    return timed([str(pagefind_executable()), "--site", str(out), "--silent"])


def ensure_pelican(work: Path) -> Path:
    venv = work / "pelican-venv"
    pelican = venv / "bin" / "pelican"
    if not (venv / "bin" / "markdown_py").exists():  # Pelican reads .md only with the markdown package
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet"]
        quiet = subprocess.DEVNULL
        if subprocess.run([*pip, "pelican[markdown]==4.12.*"], stdout=quiet, stderr=quiet).returncode != 0:
            subprocess.run([*pip, "pelican[markdown]"], check=True, stdout=quiet, stderr=quiet)
    return pelican


def pelican_build(pelican: Path, site: Path, out: Path) -> Run:
    return timed([str(pelican), "-q", "content", "-s", "pelicanconf.py", "-o", str(out)], cwd=site)


# One-article edits ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Edit:
    """A word of an article's Markdown body replaced by `marker`; `original` is the file as it was."""

    article: Path
    original: str
    marker: str


def articles_to_edit(site: Path, count: int) -> list[Path]:
    """`count` different articles spread over the corpus, the same ones every run."""
    files = sorted((site / "content").rglob("*.md"))
    step = max(1, len(files) // max(count, 1))
    return [files[(number * step + step // 2) % len(files)] for number in range(min(count, len(files)))]


def edit_one_word(article: Path, number: int) -> Edit:
    """Replace one plain word in a body paragraph (paragraph `number` modulo their count) with a marker."""
    text = article.read_text(encoding="utf-8")
    head, closing, body = text.partition("\n---\n")  # the file opens with "---\n": this is the closing one
    lines = body.split("\n")
    # Paragraph lines only (not headings, quotes or list items), and a word with a space either
    # side, so that the edit never touches emphasis, a link or a quote mark.
    candidates = [i for i, line in enumerate(lines) if line[:1].isalpha() and re.search(r" [a-z]{4,} ", line)]
    if not closing or not candidates:
        raise SystemExit(f"{article}: no plain word to edit")
    index = candidates[number % len(candidates)]
    marker = f"benchedit{number}x"
    lines[index] = re.sub(r" [a-z]{4,} ", f" {marker} ", lines[index], count=1)
    article.write_text(head + closing + "\n".join(lines), encoding="utf-8")
    return Edit(article, text, marker)


def page_of(out: Path, article: Path) -> Path:
    """The article's page in an output folder: index.html in the folder named after its file."""
    for folder in out.rglob(article.stem):
        if (folder / "index.html").is_file():
            return folder / "index.html"
    raise SystemExit(f"no page for {article.name} in {out}")


def output_state(out: Path) -> dict[str, tuple[int, int, int]]:
    """Each site file's (inode, size, mtime): a file written since, even with the same bytes, differs.

    Hidden files and folders are left out: they are the build's own bookkeeping (its manifest,
    staging folders), not pages of the site.
    """
    state = {}
    for folder, dirs, names in os.walk(out):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            st = os.stat(path)
            state[path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return state


def changed_files(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> int:
    return sum(1 for path, sig in after.items() if before.get(path) != sig) + sum(1 for p in before if p not in after)
