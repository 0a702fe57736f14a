"""The command line: ``newsbite build | serve | check | new | init | layouts``. The only place that prints or exits."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from generator import __version__
from generator.build.options import BuildOptions
from generator.build.site import BuildResult, build_site
from generator.content import files
from generator.content.slugs import make_slug
from generator.content.starter import is_site, local_timezone, starter_files
from generator.diagnostics import BuildError, UsageError
from generator.publish import output

log = logging.getLogger(__name__)

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def make_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="newsbite", description="Build news briefing sites from Markdown.")
    parser.add_argument("--version", action="version", version=f"newsbite {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="print stage timings and details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into the output folder")
    _site_options(build)
    build.add_argument("--output", type=Path, help="output folder (default: public/ in the site folder)")
    build.add_argument("--base-url", help="override site.yaml's base_url, e.g. https://example.org/briefings/")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--force", action="store_true", help="allow a non-empty output folder newsbite did not create")
    build.add_argument("--jobs", type=_positive_int, default=None, help="parallel workers (default: number of cores)")
    build.add_argument("--no-search", dest="search", action="store_false", help="skip the Pagefind search index")

    serve = commands.add_parser("serve", help="build, serve and rebuild on change with live reload")
    _site_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.add_argument("--open", action="store_true", help="open the site in a browser")

    check = commands.add_parser("check", help="build into a temporary folder and verify every internal link")
    _site_options(check)
    check.add_argument("--base-url", help="check the site as built for this base URL, e.g. https://example.org/briefings/")

    new = commands.add_parser("new", help="start a new article in content/<year>/")
    new.add_argument("title", help="the headline")
    new.add_argument("--topics", default="", help='comma-separated topics, e.g. "Vladimir Putin, Kazakhstan"')
    new.add_argument("--site", type=Path, default=Path("."), help="site folder (default: current folder)")

    init = commands.add_parser("init", help="start a new site: site.yaml, a first article and .gitignore")
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR",
                      help="the new site's folder, made if missing (default: current folder)")

    layouts = commands.add_parser("layouts", help="list the built-in templates; copy one into layouts/ to change it")
    layouts.add_argument("--copy", nargs="+", metavar="NAME", default=[],
                         help="copy these built-in templates (or static files) into the site's layouts/")
    layouts.add_argument("--site", type=Path, default=Path("."), help="site folder (default: current folder)")
    return parser


def _site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path, default=Path("."), help="site folder (default: current folder)")
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    parser.add_argument("--future", action="store_true", help="include articles dated in the future")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # Only our own details: markdown-it logs every rule it tries at debug level, which would
    # print millions of lines and slow a large build tenfold.
    logging.getLogger("generator").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        if args.command in ("build", "serve", "check") and not _is_site_folder(args.site):
            return EXIT_CONTENT
        if args.command == "build":
            return run_build(args)
        if args.command == "serve":
            from generator.serve.server import run_server

            return run_server(args, emit=print_line)
        if args.command == "check":
            return run_check(args)
        if args.command == "init":
            return run_init(args)
        if args.command == "layouts":
            return run_layouts(args)
        return run_new(args)
    except UsageError as exc:
        print(f"newsbite: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BuildError as exc:
        for diagnostic in exc.everything():
            print(diagnostic, file=sys.stderr)
        warned = f" and {_count(len(exc.warnings), 'warning')}" if exc.warnings else ""
        print(f"Build failed: {_count(len(exc.diagnostics), 'problem')}{warned}; the previous output was left as it "
              "was.", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130


def _is_site_folder(folder: Path) -> bool:
    """Return whether ``folder`` is a site; else say so, naming it, and how to start one there."""
    if not folder.is_dir() or is_site(folder):
        return True  # a missing folder is command-line misuse, reported by the command (exit 2)
    print(f"newsbite: error: {folder.resolve()} is not a NewsBite site: it has neither site.yaml nor content/.\n"
          f"Run the command in your site's folder, pass --site DIR, or start a site here with: newsbite init",
          file=sys.stderr)
    return False


def run_init(args: argparse.Namespace) -> int:
    """Write a new site into ``args.folder``: site.yaml, a first article, .gitignore; refuse an existing site."""
    folder: Path = args.folder
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder")
    if is_site(folder):
        print(f"newsbite: error: {folder.resolve()} already holds a site (site.yaml or content/); nothing was changed.",
              file=sys.stderr)
        return EXIT_CONTENT
    timezone = local_timezone()
    written = starter_files(folder, dt.datetime.now(ZoneInfo(timezone)).replace(microsecond=0))
    for rel, text in written.items():
        path = folder / rel
        if rel == ".gitignore":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        else:
            files.write_new_file(path, text)
        print(f"Created {path}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(f"Next: {where}newsbite serve   (then open http://127.0.0.1:8000/ and edit the article)")
    return EXIT_OK


def run_layouts(args: argparse.Namespace) -> int:
    """List the built-in templates with what each is for, or copy some into the site's layouts/."""
    # Here, not at the top: `newsbite build` does without the template modules when nothing changed.
    from generator.render.theme import copy_theme_file, theme_static_files, theme_templates

    site_dir: Path = args.site
    if args.copy:
        if not site_dir.is_dir():
            raise UsageError(f"site folder {site_dir} does not exist")
        for name in args.copy:
            try:
                target = copy_theme_file(name.removeprefix("layouts/"), site_dir)
            except LookupError:
                raise UsageError(f"no built-in template or static file named '{name}'; "
                                 "`newsbite layouts` lists them") from None
            except FileExistsError as exc:
                print(f"newsbite: error: {exc} already exists; not overwriting it", file=sys.stderr)
                return EXIT_CONTENT
            print(f"Copied {name} to {target}: edit it there, and your site uses it instead of the built-in one.")
        return EXIT_OK
    templates = theme_templates()
    width = max(len(t.name) for t in templates)
    own = site_dir / "layouts"
    print("Built-in templates (copy one with `newsbite layouts --copy NAME`, then edit it in layouts/):")
    for template in templates:
        mark = "  [your copy in layouts/]" if (own / template.name).is_file() else ""
        blocks = f" Blocks: {', '.join(template.blocks)}." if template.name == "base.html" else ""
        print(f"  {template.name:<{width}}  {template.purpose}{blocks}{mark}")
    print("Static files (copied to the output root; a file of the same name in layouts/static/ replaces one):")
    for name in theme_static_files():
        print(f"  {name}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """Build into a temporary folder, list every internal link naming no file; 1 if any."""
    if not args.site.is_dir():
        raise UsageError(f"site folder {args.site} does not exist")
    scratch = output.scratch_folder()
    try:
        result = build_site(BuildOptions(
            site_dir=args.site, output_dir=scratch / "public", base_url=args.base_url,
            drafts=args.drafts, future=args.future))
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        tree = output.read_output(result.output_dir)
    finally:
        output.remove_scratch_folder(scratch)
    from generator.publish.links import broken_links  # html.parser: only `check` reads pages back

    broken = broken_links(tree.pages, tree.files, result.base_url, result.page_sources)
    for link in broken:
        print(link)
    pages = _count(len(tree.pages), "page")
    if broken:
        print(f"Checked {pages}: {_count(len(broken), 'broken link')}.")
        return EXIT_CONTENT
    print(f"Checked {pages} ({_count(len(tree.files), 'file')}): every internal link resolves.")
    return EXIT_OK


def run_build(args: argparse.Namespace) -> int:
    """Build once and print the summary."""
    if not args.site.is_dir():
        raise UsageError(f"site folder {args.site} does not exist")
    options = BuildOptions(
        site_dir=args.site, output_dir=args.output, base_url=args.base_url,
        drafts=args.drafts, future=args.future, strict=args.strict, force=args.force, search=args.search,
        jobs=args.jobs, progress=ProgressBar(sys.stderr) if sys.stderr.isatty() else None,
    )
    result = build_site(options)
    print_summary(result)
    return EXIT_OK


class ProgressBar:
    """Draws one self-overwriting line on a terminal: ``Rendering pages [#####     ] 6,100/12,363``."""

    MIN_ITEMS = 500  # small builds finish before a bar would be read
    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < self.MIN_ITEMS:
            return
        percent = 100 * done // total
        if self.shown == (stage, percent) and done < total:
            return
        self.shown = (stage, percent)
        filled = self.WIDTH * done // total
        bar = "#" * filled + " " * (self.WIDTH - filled)
        self.stream.write(f"\r{stage:<17} [{bar}] {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\r\x1b[2K")  # clear the line for the summary
        self.stream.flush()


def print_summary(result: BuildResult) -> None:
    """Print warnings, held-back articles and the one-line summary."""
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    for held in result.held_back:
        print(f"held back: {held.path}: {held.reason}")
    print(
        f"Built {_count(result.pages, 'page')} ({_count(result.articles, 'article')}{_reindexed(result)}, "
        f"{_count(result.topics, 'topic')}) in {result.seconds:.2f} s into {result.output_dir}: "
        f"{result.written} written, {result.removed} removed."
    )


def print_line(line: str) -> None:
    """Print one line of the dev server's running commentary at once (it may be piped)."""
    print(line, flush=True)


def _reindexed(result: BuildResult) -> str:
    # Issue 11: say how much of the search index this build made again (nothing with --no-search).
    return "" if result.reindexed is None else f", {result.reindexed:,} re-indexed for search"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def run_new(args: argparse.Namespace) -> int:
    """Write content/<year>/<slug>.md with filled-in front matter; never overwrite."""
    # Here, not at the top: `newsbite build` does without the settings and article modules when nothing changed.
    from generator.content.articles import scaffold_article
    from generator.content.config import load_config

    site_dir: Path = args.site
    if not site_dir.is_dir():  # a mistyped --site must not create a new folder tree
        raise UsageError(f"site folder {site_dir} does not exist")
    config_file = site_dir / "site.yaml"
    text = files.read_text(config_file) if config_file.is_file() else ""
    config, _ = load_config(text, "site.yaml")
    slug = make_slug(args.title)
    if not slug:
        raise UsageError("the headline has no letters or digits to make a file name from")
    now = dt.datetime.now(config.tz).replace(microsecond=0)
    topics = [t.strip() for t in args.topics.split(",") if t.strip()]
    path = site_dir / "content" / f"{now.year}" / f"{slug}.md"
    try:
        files.write_new_file(path, scaffold_article(args.title, topics, now))
    except FileExistsError:
        raise UsageError(f"{path} already exists; not overwriting it") from None
    print(f"Created {path}")
    return EXIT_OK


def run() -> None:
    """The ``newsbite`` command: ``main()``, then end the process at once.

    Everything is written and closed by then; freeing a large site's objects one by one as the
    interpreter shuts down would take another 0.06 s at 10,000 articles, for nothing.
    """
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
