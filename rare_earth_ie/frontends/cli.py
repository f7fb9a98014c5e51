"""The ``rare-earth-ie`` command: a thin shell over the Python API.

    rare-earth-ie extract corpus/ -o extracted.jsonl     # one JSON line per article
    rare-earth-ie dedup extracted.jsonl -o facts.jsonl   # canonical facts
    rare-earth-ie run corpus/ -o facts.jsonl             # both: the main job
    rare-earth-ie report corpus/ -o report.html          # one HTML file: facts, charts, articles
    rare-earth-ie evaluate                               # P/R/F1 per label on every gold set
    rare-earth-ie ingest dump.jsonl --db facts.sqlite    # a fact store that grows, dump after dump
    rare-earth-ie series facts.sqlite -o series.csv      # observations over time, normalised
    rare-earth-ie conflicts facts.sqlite                 # where sources disagree

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
from typing import Callable, Iterable, Iterator, List, Optional, Union

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

    def count(self, results: Iterable) -> Iterator:
        for r in results:
            if isinstance(r, CanonicalFact):
                self.facts += r.support  # a canonical fact read stands for its mentions
            else:
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
              where: Optional[deque] = None,
              transform: Optional[Callable[[Article, str, Optional[int]], Optional[Article]]] = None
              ) -> Iterator[Article]:
    """The articles to extract; ``where`` receives (file, line) of each one yielded, in order;
    ``skip`` holds the (source, doc_id) of articles a resumed run already has; ``transform``
    (article, file, line) may change an article or drop it (None)."""
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
        if transform is not None:
            item = transform(item, path, line)
            if item is None:
                continue
        if where is not None:
            where.append((path, line))
        yield item


def _results(sources: list, failures: Failures, settings: Settings, n_process: int,
             skip: frozenset = frozenset(), transform=None) -> Iterator[ArticleResult]:
    from ..extract import extract_many
    from ..read import ReadError

    import gc

    from ..extract import get_extractor

    # the pipeline is built once and lives as long as the command: moved out of the collector's
    # sight, its hundreds of thousands of objects are not scanned again at every collection (4%
    # of the time of short news articles). Only the command line does this: it owns the process.
    # No collection first: it would find ~4,000 objects of garbage (under 1 MB, held until the
    # command ends) and cost a full scan, 70-100 ms of every start
    get_extractor(settings=settings)  # the settings name the pattern folder
    gc.freeze()
    # extract_many yields one item per article in input order: a document whose extraction
    # failed is reported by the file and line it was read from (its source may be a URL)
    where: deque = deque()
    for r in extract_many(_articles(sources, failures, settings, skip, where, transform), n_process=n_process,
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
PATTERNS = typer.Option(None, "--patterns", help="Folder of edited pattern files (copies of files of "
                        "patterns/); files not in it come from the installed patterns.")


def _patterns_dir(patterns: Optional[Path]) -> Optional[str]:
    """A pattern folder checked whole before anything is read (exit 2 naming file and key)."""
    if patterns is None:
        return None
    from ..patterns import PatternError, check_dir

    try:
        check_dir(patterns)
    except PatternError as e:
        _refuse(f"--patterns: {e}")
    return str(patterns.resolve())


def _settings(batch_size: int, max_line_bytes: int, max_doc_chars: int, patterns: Optional[Path]) -> Settings:
    """The run's settings, from the options every extracting command shares."""
    return Settings(batch_size=batch_size, max_line_bytes=max_line_bytes, max_doc_chars=max_doc_chars,
                    patterns_dir=_patterns_dir(patterns))


@app.command(epilog="Example: rare-earth-ie extract corpus/ -o extracted.jsonl")
def extract(paths: List[str] = PATHS,
            output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
            resume: bool = typer.Option(False, "--resume", help="Continue a killed run: keep the whole lines "
                                        "of OUTPUT and skip their articles (same source and doc_id)."),
            errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
            batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
            max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC, patterns: Optional[Path] = PATTERNS) -> None:
    """One JSON line per article: doc_id, published, source, entities, facts."""
    from ..output import JsonlAppender, resume_state

    settings = _settings(batch_size, max_line_bytes, max_doc_chars, patterns)
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


def _read_records(path: str, failures: Failures) -> Iterator[Union[ArticleResult, CanonicalFact]]:
    """The extracted articles or canonical facts of a JSONL file (``-``: stdin); a line that
    is neither is reported."""
    from ..analysis.inputs import read_records

    for rec in read_records(path, sys.stdin if path == "-" else None):
        if isinstance(rec, (ArticleResult, CanonicalFact)):
            yield rec
        else:
            failures(rec)


def _open_stores(paths: list) -> dict[str, object]:
    """The inputs that are stores, opened read-only; a file that looks like one but is not (or
    cannot be read) is refused before anything is read or written."""
    from ..analysis.inputs import kind_of
    from ..store import Store, StoreError

    stores, problems = {}, []
    for p in paths:
        if kind_of(p) == "store":
            try:
                stores[str(p)] = Store(p, readonly=True)
            except StoreError as e:
                problems.append(str(e))
    if problems:
        for st in stores.values():
            st.close()
        _refuse(*problems)
    return stores


def _items(sources: list, stores: dict, failures: Failures, settings: Settings, n_process: int
           ) -> Iterator[Union[ArticleResult, CanonicalFact]]:
    """Everything the inputs hold as extracted articles or canonical facts: the articles of
    stores, JSONL records (``extract``, ``run``, ``dedup`` output), raw articles extracted here."""
    from ..analysis.inputs import kind_of

    raw = []
    for p in sources:
        if str(p) in stores:
            with stores[str(p)] as st:
                yield from st.results()
        elif p != "-" and kind_of(p) == "records":
            yield from _read_records(str(p), failures)
        else:
            raw.append(p)
    if raw:
        yield from _results(raw, failures, settings, n_process)


@app.command(epilog="Example: rare-earth-ie dedup extracted.jsonl -o facts.jsonl; "
                    "rare-earth-ie dedup facts.sqlite -o facts.jsonl")
def dedup(inputs: List[str] = typer.Argument(..., help="JSONL files written by `extract` (or canonical facts "
                                             "written by `run` or `dedup`), stores written by `ingest`, or - "
                                             "for stdin JSONL."),
          output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
          errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST, quiet: bool = QUIET) -> None:
    """Merge every copy of a statement into one canonical fact with its mentions."""
    from ..dedup import Deduplicator

    out, err = _targets(output, errors)
    sources = _sources(inputs, [out, err], folders=False)
    stores = _open_stores(sources)
    _claim(out, err)
    failures = Failures(err, fail_fast)
    summary = Summary("dedup", quiet)
    with _write_errors_as_one_line():
        failures.open()
        d = Deduplicator(spill_after=Settings().spill_after)
        with Progress("read", quiet) as progress:
            for path in sources:
                items = stores[str(path)].results(with_text=False) if str(path) in stores \
                    else _read_records(str(path), failures)
                for r in summary.count(progress.track(items)):
                    d.add(r)
        for st in stores.values():
            st.close()
        if not _nothing_read(summary, failures, out):
            n = _write_facts(d.iter_finish(), out)
            summary.say(failures, f"{n:,} canonical facts in {out}")
    failures.finish()


def _run_dask(sources: list, scheduler: str, out: Target, failures: Failures, summary: Summary,
              batch_size: int, n_process: int, quiet: bool, patterns_dir: Optional[str] = None) -> None:
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
                           n_workers=n_process if n_process > 1 else 2, patterns_dir=patterns_dir)
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
        max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC, patterns: Optional[Path] = PATTERNS,
        dask_scheduler: Optional[str] = typer.Option(
            None, "--dask", metavar="ADDRESS|local",
            help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or `local` for a "
                 "local cluster of --n-process (default 2) worker processes. Needs the dask extra; "
                 "see docs/dask.md.")) -> None:
    """Extract, then deduplicate: canonical facts of a whole dump (the main job)."""
    from ..dedup import Deduplicator

    settings = _settings(batch_size, max_line_bytes, max_doc_chars, patterns)
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
            _run_dask(sources, dask_scheduler, out, failures, summary, batch_size, n_process, quiet,
                      settings.patterns_dir)
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


INPUTS = typer.Argument(..., help="Stores written by `ingest`, JSONL written by `extract`, `run` or `dedup`, "
                        "or raw articles: folders, globs, .txt, .jsonl, .jsonl.gz files, - for stdin JSONL.")


@app.command(epilog="Example: rare-earth-ie report corpus/ -o report.html; "
                    "rare-earth-ie report facts.sqlite -o report.html")
def report(paths: List[str] = INPUTS,
           output: Path = typer.Option(Path("report.html"), "-o", "--output", help="HTML file to write."),
           title: str = typer.Option("Rare-earth news: facts and entities", "--title", help="Page title."),
           max_articles: int = typer.Option(200, "--max-articles", min=0, help="How many articles to show "
                                            "with their entities highlighted (the facts table has them all)."),
           errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
           batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
           max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC, patterns: Optional[Path] = PATTERNS) -> None:
    """One self-contained HTML file: the canonical facts as a sortable, filterable table, charts of
    prices and volumes, and every article with its entities highlighted (needs the report extra)."""
    try:
        from .report import ReportBuilder, require, save

        require()
    except ImportError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(USAGE)
    settings = _settings(batch_size, max_line_bytes, max_doc_chars, patterns)
    out, err = _targets(output, errors)
    sources = _sources(paths, [out, err])
    stores = _open_stores(sources)
    _claim(out, err)
    failures = Failures(err, fail_fast)
    summary = Summary("report", quiet)
    with _write_errors_as_one_line():
        failures.open()
        builder = ReportBuilder(title=title, max_articles=max_articles)
        with Progress("extract", quiet) as progress:
            for r in summary.count(progress.track(_items(sources, stores, failures, settings, n_process))):
                builder.add(r)
        if not _nothing_read(summary, failures, out):
            progress.message(f"report: deduplicating {summary.facts} facts, drawing charts")
            save(builder.render(), out)
            summary.say(failures, f"{out} ({builder.n_articles} articles)")
    failures.finish()


# --- the fact store and the series --------------------------------------------------------------


def _ingest_all(sources: list, stores: dict, tx, failures: Failures, settings: Settings, n_process: int,
                progress: Progress, summary: Summary) -> None:
    """Add every article of the inputs: other stores' (with all their sources), ``extract``
    output's, and raw articles not stored yet (extracted here; a known one is only counted)."""
    from ..analysis.inputs import kind_of, own_source, record_source
    from ..read import ReadError

    def take(r: ArticleResult, also: Iterable[str] = ()) -> None:
        progress.update(r)
        if tx.add(r, also):
            summary.entities += len(r.entities)
            summary.facts += len(r.facts)

    def new_only(a: Article, path: str, line: Optional[int]) -> Optional[Article]:
        a = a.model_copy(update={"source": own_source(a, path, line)})
        return None if tx.known_text(a.doc_id, a.published, a.text, a.source) else a

    raw = []
    for p in sources:
        if str(p) in stores:
            with stores[str(p)] as st:
                for r, srcs in st.records():
                    take(r, srcs)
        elif p != "-" and kind_of(p) == "records":
            for rec in _read_records(str(p), failures):
                if isinstance(rec, CanonicalFact):
                    failures(ReadError(str(p), None, "canonical facts cannot be ingested (the articles they "
                                                     "were seen in are needed): ingest the dump or the "
                                                     "output of `extract`"))
                    break
                take(rec.model_copy(update={"source": record_source(rec.source)}))
        else:
            raw.append(p)
    if raw:
        for r in _results(raw, failures, settings, n_process, transform=new_only):
            take(r)


@app.command(epilog="Example: rare-earth-ie ingest corpus/dev/docs.jsonl --db facts.sqlite   "
                    "(again with the next dump: the store grows)")
def ingest(paths: List[str] = typer.Argument(..., help="Dumps to add: raw articles (folders, globs, .txt, "
                                              ".jsonl, .jsonl.gz, - for stdin JSONL), `extract` output, or "
                                              "other stores."),
           db: Path = typer.Option(..., "--db", help="The store (SQLite); made when missing."),
           errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
           batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
           max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC, patterns: Optional[Path] = PATTERNS) -> None:
    """Merge dumps into a fact store: new articles are extracted and stored, copies of known
    statements join their canonical fact, new statements are added; articles already stored are
    not extracted again. One transaction: a killed or failed run leaves the store as it was."""
    from ..store import Store, StoreError

    settings = _settings(batch_size, max_line_bytes, max_doc_chars, patterns)
    target, err = _targets(db, errors)
    if not target.is_file:
        _refuse(f"{db}: the store must be a file (--db)")
    sources = _sources(paths, [target, err])
    stores = _open_stores(sources)
    _claim(target, err)
    try:
        store = Store(target.path)
    except StoreError as e:
        _release(target, err)
        for st in stores.values():
            st.close()
        _refuse(str(e))
    failures = Failures(err, fail_fast)
    summary = Summary("ingest", quiet)
    committed = False
    try:
        with _write_errors_as_one_line(), store:
            failures.open()
            with store.ingest([str(p) for p in sources], settings) as tx, \
                    Progress("extract", quiet) as progress:
                _ingest_all(sources, stores, tx, failures, settings, n_process, progress, summary)
                if not tx.stats.articles_read and failures.count:
                    tx.rollback()
                    typer.echo("error: no input could be read; the store was left as it was", err=True)
                else:
                    progress.message(f"ingest: deriving the canonical facts of {db}")
            committed = tx.stats.committed
            _say_ingest(summary, failures, tx.stats, store, db)
    finally:
        target.release(wrote=committed)
    failures.finish()


def _say_ingest(summary: Summary, failures: Failures, st, store, db: Path) -> None:
    if summary.quiet or (not st.articles_read and failures.count):
        return
    read = (f"{st.articles_read:,} articles read ({st.articles_new:,} new, "
            f"{st.articles_known:,} already stored)")
    if summary.facts:
        read += f", {summary.entities:,} entities and {summary.facts:,} facts in the new ones"
    now = f"{store.count('articles'):,} articles, {store.count('facts'):,} canonical facts"
    if st.committed:
        change = f"{st.facts_after - st.facts_before:+,}"
        where = f"{db}: {now} ({change} canonical facts), run {st.run_id}"
        if st.texts_added:
            where += f"; the text of {st.texts_added:,} stored articles added"
    else:
        where = f"{db} unchanged: {now}"
    parts = [f"{read} -> {where}", f"{failures.count} failed"]
    if failures.warnings:
        parts.append(f"{failures.warnings} warnings")
    parts.append(f"{time.perf_counter() - summary.t0:.1f} s")
    typer.echo("ingest: " + ", ".join(parts), err=True)


TOLERANCE = typer.Option(0.02, "--tolerance", min=0.0, help="Relative difference two values of one thing "
                         "may have and still agree (0.02: 2%).")
ALL_PERIODS = typer.Option(False, "--all-periods", help="Also compare observations whose period is only "
                           "the publish month of their article (by default only periods the text or a "
                           "dated heading states are compared).")


def _require_analysis(fmt: Optional[str] = None) -> None:
    """The extras a series needs, checked before anything is read (exit status 2)."""
    from ..analysis.units import require
    from ..analysis.write import require_parquet

    try:
        require()
        if fmt == "parquet":
            require_parquet()
    except ImportError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(USAGE)


def _format(output: Optional[Path], fmt: Optional[str], choices: tuple) -> str:
    from ..analysis.write import format_for

    try:
        got = format_for(output, fmt) if fmt != "text" else "text"
    except ValueError as e:
        _refuse(str(e))
    if fmt is None and output is None and "text" in choices:
        return "text"
    if got not in choices:
        _refuse(f"--format {got}: choose from {', '.join(choices)}")
    return got


def _collect(sources: list, stores: dict, failures: Failures, settings: Settings, n_process: int,
             summary: Summary):
    """The canonical facts of the inputs and the articles they were seen in; a store given
    alone gives its canonical facts as they are (deduplicating them again changes nothing)."""
    from ..analysis.inputs import Collected, Documents
    from ..dedup import Deduplicator

    docs = Documents()
    if len(sources) == 1 and str(sources[0]) in stores:
        with stores[str(sources[0])] as st:
            docs.add_store(st)
            summary.articles = st.count("articles")
            facts = list(st.facts())
        summary.facts = sum(f.support for f in facts)
        return Collected(facts, docs)
    d = Deduplicator(spill_after=settings.spill_after)
    with Progress("read", summary.quiet) as progress:
        for item in summary.count(progress.track(_items(sources, stores, failures, settings, n_process))):
            if isinstance(item, ArticleResult):
                docs.add_result(item)
            d.add(item)
    return Collected(d.finish(), docs)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _say(summary: Summary, failures: Failures, facts: int, written: str) -> None:
    if summary.quiet:
        return
    parts = [f"{summary.articles:,} articles, {facts:,} canonical facts -> {written}",
             f"{failures.count} failed"]
    if failures.warnings:
        parts.append(f"{failures.warnings} warnings")
    parts.append(f"{time.perf_counter() - summary.t0:.1f} s")
    typer.echo(f"{summary.command}: " + ", ".join(parts), err=True)


def _analysis_command(command: str, paths: List[str], output: Optional[Path], errors: Optional[Path],
                      fail_fast: bool, quiet: bool, settings: Settings, n_process: int, fmt: str, write):
    """The shared course of ``series`` and ``conflicts``: settle and lock, read and
    deduplicate, compute, write atomically, say what was done."""
    from ..analysis.write import FORMATS  # noqa: F401  (the extra is there: checked by the caller)
    from ..output import atomic_output

    out, err = _targets(output, errors)
    sources = _sources(paths, [out, err])
    stores = _open_stores(sources)
    _claim(out, err)
    failures = Failures(err, fail_fast)
    summary = Summary(command, quiet)
    with _write_errors_as_one_line():
        failures.open()
        got = _collect(sources, stores, failures, settings, n_process, summary)
        if not _nothing_read(summary, failures, out):
            with atomic_output(out) as fh:
                written = write(got, fh)
            where = f" in {out}" if out.is_file else ""
            _say(summary, failures, len(got.facts), written + where)
    failures.finish()


@app.command(epilog="Example: rare-earth-ie series facts.sqlite -o series.csv; "
                    "rare-earth-ie series corpus/dev/docs.jsonl -o series.parquet")
def series(paths: List[str] = INPUTS,
           output: Optional[Path] = typer.Option(None, "-o", "--output", help="CSV, Parquet (.parquet) or "
                                                 "JSONL (.jsonl) file (default: CSV on stdout)."),
           fmt: Optional[str] = typer.Option(None, "--format", help="csv, parquet or jsonl (default: from "
                                             "the output's extension)."),
           metric: Optional[List[str]] = typer.Option(None, "--metric", help="Keep only this metric "
                                                      "(repeat for several): price, export volume, ..."),
           tolerance: float = TOLERANCE, all_periods: bool = ALL_PERIODS,
           errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
           batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
           max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC, patterns: Optional[Path] = PATTERNS) -> None:
    """One row per observation: material, metric, place, period, value as stated and normalised
    (one unit per dimension; money in USD at the ECB rate of the period's end, the rate on the
    row), sources and their publish dates; rows in a conflict are flagged."""
    fmt = _format(output, fmt, ("csv", "parquet", "jsonl"))
    _require_analysis(fmt)
    from ..analysis import COLUMNS, rows as analyse
    from ..analysis.write import write_rows

    settings = _settings(batch_size, max_line_bytes, max_doc_chars, patterns)

    def write(got, fh) -> str:
        obs, found = analyse(got, tolerance, not all_periods)
        if metric:
            obs = [r for r in obs if r["metric"] in set(metric)]
        n = write_rows(obs, COLUMNS, fmt, fh)
        flagged = sum(1 for r in obs if r["conflict"])
        return f"{_count(n, 'observation')} ({flagged:,} in {_count(len(found), 'conflict')})"

    _analysis_command("series", paths, output, errors, fail_fast, quiet, settings, n_process, fmt, write)


def _conflicts_text(found: list[dict], fh) -> None:
    from .render import format_period

    def num(x: float) -> str:
        return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"

    for c in found:
        what = c["material"] or c["subject"]
        where = ", ".join(c["places"]) or "no place"
        period = format_period({"start": c["period_start"], "end": c["period_end"],
                                "grain": c["period_grain"]})
        org = f", {c['org']}" if c["org"] else ""
        fh.write(f"{c['metric']} of {what} ({where}{org}), {period}, in {c['unit']}: "
                 f"{len(c['sides'])} sides [{c['conflict_id']}]\n")
        for sd in c["sides"]:
            value = num(sd["low"]) + (f"-{num(sd['high'])}" if sd["high"] != sd["low"] else "")
            seen = ", ".join(f"{d}" for d in sd["sources"])
            dates = f" published {', '.join(sd['published'])}" if sd["published"] else ""
            fh.write(f"  {value:>22}  {'; '.join(sd['values'])}  <- {seen}{dates}\n")
            for t in sd["texts"][:3]:
                fh.write(f"  {'':>22}  \"{t[:150]}{'...' if len(t) > 150 else ''}\"\n")
        fh.write("\n")


@app.command(epilog="Example: rare-earth-ie conflicts facts.sqlite; "
                    "rare-earth-ie conflicts corpus/dev/docs.jsonl -o conflicts.jsonl")
def conflicts(paths: List[str] = INPUTS,
              output: Optional[Path] = typer.Option(
                  None, "-o", "--output", help="JSONL (one conflict a line, with its sides), CSV (one row "
                  "per side) or text file (default: text on stdout)."),
              fmt: Optional[str] = typer.Option(None, "--format", help="text, jsonl or csv (default: from "
                                                "the output's extension; text on stdout)."),
              tolerance: float = TOLERANCE, all_periods: bool = ALL_PERIODS,
              errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
              batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
              max_line_bytes: int = MAX_LINE, max_doc_chars: int = MAX_DOC, patterns: Optional[Path] = PATTERNS) -> None:
    """Observations of one metric, material, place and period whose values disagree beyond the
    tolerance, each with the values and the articles on each side."""
    if output is not None and fmt is None and str(output).lower().endswith(".txt"):
        fmt = "text"
    fmt = _format(output, fmt, ("text", "jsonl", "csv"))
    _require_analysis()
    from ..analysis import SIDE_COLUMNS, rows as analyse, side_rows
    from ..analysis.write import write_rows

    settings = _settings(batch_size, max_line_bytes, max_doc_chars, patterns)

    def write(got, fh) -> str:
        obs, found = analyse(got, tolerance, not all_periods)
        if fmt == "text":
            _conflicts_text(found, fh)
        elif fmt == "jsonl":
            for c in found:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        else:
            write_rows(side_rows(found), SIDE_COLUMNS, "csv", fh)
        return (f"{_count(len(found), 'conflict')} among {_count(len(obs), 'observation')} "
                f"(tolerance {tolerance:g})")

    _analysis_command("conflicts", paths, output, errors, fail_fast, quiet, settings, n_process, fmt, write)


@app.command(epilog="Example: rare-earth-ie evaluate   (every gold set under corpus/, side by side); "
                    "rare-earth-ie evaluate --gold corpus/dev --json")
def evaluate(gold: Optional[List[Path]] = typer.Option(
                 None, "--gold", help="A gold set folder (docs.jsonl, gold.jsonl, clusters.json?); repeat for "
                 "several. Default: every gold set under ./corpus (gold, heldout, dev)."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
             worst: int = typer.Option(15, "--worst", min=0, help="How many misses and false positives to "
                                       "show (for one gold set)."),
             n_process: int = NPROC, patterns: Optional[Path] = PATTERNS) -> None:
    """Score the pipeline on gold sets: per label P/R/F1 and value accuracy, and dedup B-cubed
    (with --patterns: of edited pattern files, before they are installed)."""
    from .evaluate import bundled_sets, format_comparison, format_report
    from .evaluate import evaluate as run_eval

    sets = list(gold or bundled_sets("corpus"))
    if not sets:
        _refuse("no gold set under ./corpus; name one with --gold DIR")
    missing = [f"{d}/docs.jsonl: not found (--gold)" for d in sets if not (d / "docs.jsonl").exists()]
    if missing:
        _refuse(*missing)
    patterns_dir = _patterns_dir(patterns)
    reports = {str(d): run_eval(d, n_process=n_process, patterns_dir=patterns_dir) for d in sets}
    if as_json:
        out = {k: r.to_json(worst=worst) for k, r in reports.items()}
        typer.echo(json.dumps(out if len(out) > 1 else next(iter(out.values())), ensure_ascii=False, indent=1))
    elif len(reports) == 1:
        typer.echo(format_report(next(iter(reports.values())), worst=worst))
    else:
        typer.echo(format_comparison({Path(k).name: r for k, r in reports.items()}))


if __name__ == "__main__":  # pragma: no cover
    app()
