"""The ``rare-earth-ie`` command: a thin shell over the Python API.

    rare-earth-ie extract corpus/ -o extracted.jsonl     # one JSON line per article
    rare-earth-ie dedup extracted.jsonl -o facts.jsonl   # canonical facts
    rare-earth-ie run corpus/ -o facts.jsonl             # both: the main job
    rare-earth-ie report corpus/ -o report.html          # one HTML file: facts, charts, articles
    rare-earth-ie evaluate                               # P/R/F1 per label on every gold set

Long runs show a progress bar on stderr when it is a terminal (``--quiet`` turns it off); every
run ends with a one-line summary on stderr (also unless ``--quiet``).

Nothing the user has is destroyed: every command settles its inputs and outputs before reading
an article (an output that is also an input, a path that names nothing, an output that cannot be
written or that another run is writing are refused, exit status 2, and nothing is touched); an
output is replaced only once there is something to replace it with.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

import typer

from .. import __version__
from ..models import Article, ArticleResult, CanonicalFact
from ..output import OutputError, Target
from ..settings import Settings
from .progress import Progress

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Extract clean, deduplicated facts from scraped rare-earth news.")

#: exit status of a command refused before it read anything (bad paths, misused options)
USAGE = 2


def _refuse(*lines: str) -> None:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(USAGE)


class Failures:
    """Counts and reports inputs that could not be processed (one ``error:`` line on stderr
    each) and warnings about inputs that were still read (``warning:`` lines); with ``--errors
    FILE``, one JSON record each."""

    def __init__(self, errors: Optional[Target], fail_fast: bool):
        self.count = 0
        self.warnings = 0
        self.fail_fast = fail_fast
        self.target = errors
        self._out = None

    @property
    def path(self) -> Optional[Path]:
        return self.target.path if self.target is not None else None

    def open(self) -> None:
        """Start the errors file (a new run's errors replace the last run's)."""
        if self.target is not None and self._out is None:
            from ..output import JsonlAppender

            self._out = JsonlAppender(self.target).__enter__()
            self._out.start()

    def __call__(self, err) -> None:
        from ..read import ReadWarning

        warning = isinstance(err, ReadWarning)
        if warning:
            self.warnings += 1
        else:
            self.count += 1
        where = f" (doc_id {err.doc_id})" if err.doc_id else ""
        typer.echo(f"{'warning' if warning else 'error'}: {err}{where}", err=True)
        if self._out is not None:
            self._out.write(err.to_json())
        if self.fail_fast and not warning:
            self.close()
            raise typer.Exit(1)

    def finish(self) -> None:
        """End of a command: close the errors file; exit with status 1 if anything failed."""
        self.close()
        if self.count:
            typer.echo(f"{self.count} input(s) failed", err=True)
            raise typer.Exit(1)

    def close(self) -> None:
        if self._out is not None:
            out, self._out = self._out, None
            out.__exit__(None, None, None)


class Summary:
    """The line a command ends with: what it read, found and wrote, and how long it took."""

    def __init__(self, command: str, quiet: bool):
        self.command, self.quiet = command, quiet
        self.t0 = time.perf_counter()
        self.articles = self.entities = self.facts = 0

    def count(self, results: Iterable[ArticleResult]) -> Iterator[ArticleResult]:
        for r in results:
            self.articles += 1
            self.entities += len(r.entities)
            self.facts += len(r.facts)
            yield r

    def say(self, failures: Failures, written: Optional[str] = None) -> None:
        if self.quiet:
            return
        parts = [f"{self.articles:,} articles"]
        if self.command != "dedup":
            parts.append(f"{self.entities:,} entities")
        parts.append(f"{self.facts:,} facts" + (f" -> {written}" if written else ""))
        parts.append(f"{failures.count} failed")
        if failures.warnings:
            parts.append(f"{failures.warnings} warnings")
        parts.append(f"{time.perf_counter() - self.t0:.1f} s")
        typer.echo(f"{self.command}: " + ", ".join(parts), err=True)


@contextmanager
def _write_errors_as_one_line() -> Iterator[None]:
    """A write that fails (a full disk, a file removed under us) ends the command with the same
    one line a read error gets: the file and the reason, no traceback."""
    try:
        yield
    except OutputError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1)


# --- settling inputs and outputs before anything is read or written ------------------------------


def _targets(output: Optional[Path], errors: Optional[Path]) -> tuple[Target, Optional[Target]]:
    try:
        out = Target(output)
        err = Target(errors) if errors is not None else None
    except OutputError as e:
        _refuse(str(e))
    if err is not None and out.is_file and err.is_file and out.path == err.path:
        _refuse(f"{errors}: is both the output (-o) and the errors file (--errors)")
    return out, err


def _sources(paths: List[str], targets: list[Optional[Target]], folders: bool = True) -> list:
    """The input files of ``paths`` (folders and globs expanded once), with every misuse
    refused before anything is opened for writing: a path that names nothing, an input that is
    also an output, standard input redirected from the output file."""
    from ..read import ReadError, expand_paths

    files = [t for t in targets if t is not None and t.is_file]
    problems = []
    if "-" in paths:
        for t in files:
            if t.same_file(0):
                problems.append(f"{t}: is both standard input and an output of this command")
    if folders:
        sources = list(expand_paths(paths, exclude=[t.path for t in files]))
    else:
        sources = [p if p == "-" or Path(p).is_file() else ReadError(p, None, "no such file")
                   for p in paths]
        for p in sources:
            if isinstance(p, str) and p != "-" and any(t.same_file(p) for t in files):
                problems.append(f"{p}: is an output file of this command, not read")
    for p in sources:
        if isinstance(p, ReadError):
            problems.append(str(p) if "output file" in p.reason
                            else f"{p.path}: {p.reason} (nothing was read or written)")
    if problems:
        _refuse(*problems)
    return sources


def _claim(*targets: Optional[Target]) -> None:
    """Lock the output files against a second run and check they can be written, before the
    first article is read."""
    try:
        for t in targets:
            if t is not None:
                t.claim()
    except OutputError as e:
        for t in targets:
            if t is not None:
                t.release(wrote=False)
        _refuse(str(e))


def _release(*targets: Optional[Target]) -> None:
    for t in targets:
        if t is not None:
            t.release(wrote=False)


# --- reading -------------------------------------------------------------------------------------


class _Ids:
    """Doc ids seen so far (as short digests: a dump's ids are many), to warn about a second
    article under an id already used."""

    def __init__(self):
        self.seen: set[bytes] = set()

    def duplicate(self, doc_id: str) -> bool:
        key = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        if key in self.seen:
            return True
        self.seen.add(key)
        return False


def _articles(sources: list, failures: Failures, settings: Settings, skip: frozenset = frozenset(),
              where: Optional[deque] = None) -> Iterator[Article]:
    """The articles to extract; ``where`` receives (file, line) of each one yielded, in order;
    ``skip`` holds the (source, doc_id) of articles a resumed run already has."""
    from ..read import ReadError, ReadWarning, read_sources

    ids = _Ids()
    for item, path, line in read_sources(sources, settings=settings):
        if isinstance(item, (ReadError, ReadWarning)):
            failures(item)
            continue
        if ids.duplicate(item.doc_id):
            failures(ReadWarning(path, line, f"doc_id {item.doc_id!r} was already used by another "
                                             "article; both are extracted (--resume tells them apart "
                                             "by source)", doc_id=item.doc_id))
        if (item.source, item.doc_id) in skip:
            continue
        if where is not None:
            where.append((path, line))
        yield item


def _results(sources: list, failures: Failures, settings: Settings, n_process: int,
             skip: frozenset = frozenset()) -> Iterator[ArticleResult]:
    from ..extract import extract_many
    from ..read import ReadError

    # extract_many yields one item per article in input order: a document whose extraction
    # failed is reported by the file and line it was read from (its source may be a URL)
    where: deque = deque()
    for r in extract_many(_articles(sources, failures, settings, skip, where), n_process=n_process,
                          on_error="return", settings=settings):
        path, line = where.popleft() if where else (None, None)
        if isinstance(r, ReadError):
            failures(ReadError(path or r.path, line, r.reason, doc_id=r.doc_id))
        else:
            yield r


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rare-earth-ie {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """Extract clean, deduplicated facts from scraped rare-earth news."""


PATHS = typer.Argument(..., help="Folders, globs, .txt, .jsonl, .jsonl.gz files, or - for stdin JSONL.")
ERRORS = typer.Option(None, "--errors", help="Write one JSON record per failed input (and per warning) to FILE.")
FAIL_FAST = typer.Option(False, "--fail-fast", help="Stop at the first input that fails.")
BATCH = typer.Option(Settings().batch_size, "--batch-size", min=1, help="Articles per batch.")
NPROC = typer.Option(1, "--n-process", "-j", min=1, help="Worker processes.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary line.")
MAX_LINE = typer.Option(Settings().max_line_bytes, "--max-line-bytes", min=1,
                        help="Longest JSONL line read; a longer one is reported and skipped.")
MAX_DOC = typer.Option(Settings().max_doc_chars, "--max-doc-chars", min=1,
                       help="Longest article extracted (characters); a longer one is reported and skipped.")


@app.command(epilog="Example: rare-earth-ie extract corpus/ -o extracted.jsonl")
def extract(paths: List[str] = PATHS,
            output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
            resume: bool = typer.Option(False, "--resume", help="Continue a killed run: keep the whole lines "
                                        "of OUTPUT and skip their articles (same source and doc_id)."),
            errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
            batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
            max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC) -> None:
    """One JSON line per article: doc_id, published, source, entities, facts."""
    from ..output import JsonlAppender, resume_state

    settings = Settings(batch_size=batch_size, max_line_bytes=max_line_bytes, max_doc_chars=max_doc_chars)
    out, err = _targets(output, errors)
    if resume and not out.is_file:
        _refuse("--resume needs -o FILE (a file, not standard output or a device)")
    sources = _sources(paths, [out, err])
    _claim(out, err)
    skip = frozenset(resume_state(out.path)) if resume else frozenset()
    failures = Failures(err, fail_fast)
    summary = Summary("extract", quiet)
    with _write_errors_as_one_line():
        failures.open()
        with JsonlAppender(out, append=resume) as w, Progress("extract", quiet) as progress:
            for r in summary.count(progress.track(
                    _results(sources, failures, settings, n_process, skip))):
                w.write(r)
        summary.say(failures, f"{w.lines:,} lines written to {out}" + (" (resumed)" if resume else ""))
    failures.finish()


def _write_facts(facts: Iterable[CanonicalFact], target: Target) -> int:
    """Write canonical facts as they come (atomically when to a file); returns how many."""
    from ..output import atomic_output, to_line

    n = 0
    with atomic_output(target) as fh:
        for f in facts:
            fh.write(to_line(f))
            n += 1
    return n


def _nothing_read(summary: Summary, failures: Failures, *targets: Optional[Target]) -> bool:
    """No article could be read: the outputs are left as they were (none is replaced by an
    empty file)."""
    if summary.articles or not failures.count:
        return False
    _release(*targets)
    typer.echo("error: no input could be read; no output was written", err=True)
    return True


def _read_extracted(path: str, failures: Failures) -> Iterator[ArticleResult]:
    from pydantic import ValidationError

    from ..read import ReadError

    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    except OSError as e:
        failures(ReadError(path, None, f"cannot open: {e.strerror or e}"))
        return
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield ArticleResult.model_validate_json(line)
            except ValidationError as e:
                first = e.errors()[0]
                failures(ReadError(path, lineno, f"not an extracted article: {first['msg']} at "
                                                 f"{'.'.join(map(str, first['loc']))}"))


@app.command(epilog="Example: rare-earth-ie dedup extracted.jsonl -o facts.jsonl")
def dedup(inputs: List[str] = typer.Argument(..., help="JSONL files written by `extract` (or - for stdin)."),
          output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
          errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST, quiet: bool = QUIET) -> None:
    """Merge every copy of a statement into one canonical fact with its mentions."""
    from ..dedup import Deduplicator

    out, err = _targets(output, errors)
    _sources(inputs, [out, err], folders=False)
    _claim(out, err)
    failures = Failures(err, fail_fast)
    summary = Summary("dedup", quiet)
    with _write_errors_as_one_line():
        failures.open()
        d = Deduplicator(spill_after=Settings().spill_after)
        with Progress("read", quiet) as progress:
            for path in inputs:
                for r in summary.count(progress.track(_read_extracted(path, failures))):
                    d.add(r)
        if not _nothing_read(summary, failures, out):
            n = _write_facts(d.iter_finish(), out)
            summary.say(failures, f"{n:,} canonical facts in {out}")
    failures.finish()


def _run_dask(sources: list, scheduler: str, out: Target, failures: Failures, summary: Summary,
              batch_size: int, n_process: int, quiet: bool) -> None:
    """``run --dask``: the same canonical facts, extracted and deduplicated on a Dask cluster."""
    try:
        from .dask import run as dask_run

        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as e:
        _release(out, failures.target)
        typer.echo(f"error: {e} (pip install 'rare-earth-ie[dask]')", err=True)
        raise typer.Exit(USAGE)
    progress = Progress("dask", quiet)
    progress.message(f"dask: extracting and deduplicating on {scheduler}")
    facts, errs = dask_run([str(p) for p in sources], scheduler=scheduler, batch_size=batch_size,
                           n_workers=n_process if n_process > 1 else 2)
    for e in errs:
        failures(e)
    summary.facts = sum(f.support for f in facts)
    n = _write_facts(facts, out)
    progress.close()
    summary.say(failures, f"{n:,} canonical facts in {out} (on Dask)")


@app.command(epilog="Example: rare-earth-ie run corpus/ -o facts.jsonl")
def run(paths: List[str] = PATHS,
        output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
        errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
        batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
        max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC,
        dask_scheduler: Optional[str] = typer.Option(
            None, "--dask", metavar="ADDRESS|local",
            help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or `local` for a "
                 "local cluster of --n-process (default 2) worker processes. Needs the dask extra; "
                 "see docs/dask.md.")) -> None:
    """Extract, then deduplicate: canonical facts of a whole dump (the main job)."""
    from ..dedup import Deduplicator

    settings = Settings(batch_size=batch_size, max_line_bytes=max_line_bytes, max_doc_chars=max_doc_chars)
    out, err = _targets(output, errors)
    if dask_scheduler and "-" in paths:
        _refuse("stdin (-) cannot be read by a Dask cluster: pass files, globs or URLs")
    sources = _sources(paths, [out, err])
    _claim(out, err)
    failures = Failures(err, fail_fast)
    summary = Summary("run", quiet)
    with _write_errors_as_one_line():
        failures.open()
        if dask_scheduler:
            _run_dask(sources, dask_scheduler, out, failures, summary, batch_size, n_process, quiet)
        else:
            d = Deduplicator(spill_after=settings.spill_after)
            with Progress("extract", quiet) as progress:
                for r in summary.count(progress.track(
                        _results(sources, failures, settings, n_process))):
                    d.add(r)
            if not _nothing_read(summary, failures, out):
                progress.message(f"dedup: {summary.facts} facts")
                n = _write_facts(d.iter_finish(), out)
                summary.say(failures, f"{n:,} canonical facts in {out}")
    failures.finish()


@app.command(epilog="Example: rare-earth-ie report corpus/ -o report.html")
def report(paths: List[str] = PATHS,
           output: Path = typer.Option(Path("report.html"), "-o", "--output", help="HTML file to write."),
           title: str = typer.Option("Rare-earth news: facts and entities", "--title", help="Page title."),
           max_articles: int = typer.Option(200, "--max-articles", min=0, help="How many articles to show "
                                            "with their entities highlighted (the facts table has them all)."),
           errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
           batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
           max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC) -> None:
    """One self-contained HTML file: the canonical facts as a sortable, filterable table, charts of
    prices and volumes, and every article with its entities highlighted (needs the report extra)."""
    try:
        from .report import ReportBuilder, require, save

        require()
    except ImportError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(USAGE)
    settings = Settings(batch_size=batch_size, max_line_bytes=max_line_bytes, max_doc_chars=max_doc_chars)
    out, err = _targets(output, errors)
    sources = _sources(paths, [out, err])
    _claim(out, err)
    failures = Failures(err, fail_fast)
    summary = Summary("report", quiet)
    with _write_errors_as_one_line():
        failures.open()
        builder = ReportBuilder(title=title, max_articles=max_articles)
        with Progress("extract", quiet) as progress:
            for r in summary.count(progress.track(_results(sources, failures, settings, n_process))):
                builder.add(r)
        if not _nothing_read(summary, failures, out):
            progress.message(f"report: deduplicating {summary.facts} facts, drawing charts")
            save(builder.render(), out)
            summary.say(failures, f"{out} ({builder.n_articles} articles)")
    failures.finish()


@app.command(epilog="Example: rare-earth-ie evaluate   (every gold set under corpus/, side by side); "
                    "rare-earth-ie evaluate --gold corpus/dev --json")
def evaluate(gold: Optional[List[Path]] = typer.Option(
                 None, "--gold", help="A gold set folder (docs.jsonl, gold.jsonl, clusters.json?); repeat for "
                 "several. Default: every gold set under ./corpus (gold, heldout, dev)."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
             worst: int = typer.Option(15, "--worst", min=0, help="How many misses and false positives to "
                                       "show (for one gold set)."),
             n_process: int = NPROC) -> None:
    """Score the pipeline on gold sets: per label P/R/F1 and value accuracy, and dedup B-cubed."""
    from .evaluate import bundled_sets, format_comparison, format_report
    from .evaluate import evaluate as run_eval

    sets = list(gold or bundled_sets("corpus"))
    if not sets:
        _refuse("no gold set under ./corpus; name one with --gold DIR")
    missing = [f"{d}/docs.jsonl: not found (--gold)" for d in sets if not (d / "docs.jsonl").exists()]
    if missing:
        _refuse(*missing)
    reports = {str(d): run_eval(d, n_process=n_process) for d in sets}
    if as_json:
        out = {k: r.to_json(worst=worst) for k, r in reports.items()}
        typer.echo(json.dumps(out if len(out) > 1 else next(iter(out.values())), ensure_ascii=False, indent=1))
    elif len(reports) == 1:
        typer.echo(format_report(next(iter(reports.values())), worst=worst))
    else:
        typer.echo(format_comparison({Path(k).name: r for k, r in reports.items()}))


if __name__ == "__main__":  # pragma: no cover
    app()
