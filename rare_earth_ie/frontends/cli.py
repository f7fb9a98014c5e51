"""The ``rare-earth-ie`` command: a thin shell over the Python API.

    rare-earth-ie extract corpus/ -o extracted.jsonl     # one JSON line per article
    rare-earth-ie dedup extracted.jsonl -o facts.jsonl   # canonical facts
    rare-earth-ie run corpus/ -o facts.jsonl             # both: the main job
    rare-earth-ie report corpus/ -o report.html          # one HTML file: facts, charts, articles
    rare-earth-ie evaluate                               # P/R/F1 per label on every gold set

Long runs show a progress bar on stderr when it is a terminal (``--quiet`` turns it off).
"""
from __future__ import annotations

import json
import sys
from collections import deque
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

import typer

from .. import __version__
from ..models import Article, ArticleResult, CanonicalFact
from .progress import Progress

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Extract clean, deduplicated facts from scraped rare-earth news.")


class Failures:
    """Counts and reports inputs that could not be processed: one line on stderr each and,
    with ``--errors FILE``, one JSON record each."""

    def __init__(self, errors_path: Optional[Path], fail_fast: bool):
        self.count = 0
        self.fail_fast = fail_fast
        self.path = errors_path
        self._fh = open(errors_path, "w", encoding="utf-8") if errors_path else None

    def __call__(self, err) -> None:
        self.count += 1
        where = f" (doc_id {err.doc_id})" if err.doc_id else ""
        typer.echo(f"error: {err}{where}", err=True)
        if self._fh:
            self._fh.write(json.dumps(err.to_json(), ensure_ascii=False) + "\n")
            self._fh.flush()
        if self.fail_fast:
            self.close()
            raise typer.Exit(1)

    def finish(self) -> None:
        """End of a command: close the errors file; exit with status 1 if anything failed."""
        self.close()
        if self.count:
            typer.echo(f"{self.count} input(s) failed", err=True)
            raise typer.Exit(1)

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None


def _articles(paths: List[str], failures: Failures, skip: set[str],
              where: Optional[deque] = None, output: Optional[Path] = None) -> Iterator[Article]:
    """The articles to extract; ``where`` receives (file, line) of each one yielded, in order.
    The command's own output and error files are never read as input."""
    from ..read import ReadError, iter_located

    for item, path, line in iter_located(paths, exclude=[x for x in (output, failures.path) if x]):
        if isinstance(item, ReadError):
            failures(item)
        elif item.doc_id not in skip:
            if where is not None:
                where.append((path, line))
            yield item


def _results(paths: List[str], failures: Failures, batch_size: int, n_process: int,
             skip: set[str] = frozenset(), output: Optional[Path] = None) -> Iterator[ArticleResult]:
    from ..extract import extract_many
    from ..read import ReadError

    # extract_many yields one item per article in input order: a document whose extraction
    # failed is reported by the file and line it was read from (its source may be a URL)
    where: deque = deque()
    for r in extract_many(_articles(paths, failures, skip, where, output), batch_size=batch_size,
                          n_process=n_process, on_error="return"):
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
ERRORS = typer.Option(None, "--errors", help="Write one JSON record per failed input to FILE.")
FAIL_FAST = typer.Option(False, "--fail-fast", help="Stop at the first input that fails.")
BATCH = typer.Option(64, "--batch-size", help="Articles per spaCy batch.")
NPROC = typer.Option(1, "--n-process", "-j", help="Worker processes.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar (shown only when stderr is a terminal).")


@app.command(epilog="Example: rare-earth-ie extract corpus/ -o extracted.jsonl")
def extract(paths: List[str] = PATHS,
            output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
            resume: bool = typer.Option(False, "--resume", help="Continue a killed run: keep the whole lines "
                                        "of OUTPUT and skip their doc_ids."),
            errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
            batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET) -> None:
    """One JSON line per article: doc_id, published, source, entities, facts."""
    from ..output import JsonlAppender, resume_state

    skip: set[str] = set()
    if resume:
        if output is None:
            raise typer.BadParameter("--resume needs -o FILE")
        skip = resume_state(output)
    failures = Failures(errors, fail_fast)
    with JsonlAppender(output, append=resume) as out, Progress("extract", quiet) as progress:
        for r in progress.track(_results(paths, failures, batch_size, n_process, skip, output)):
            out.write(r)
    failures.finish()


# mentions beyond this many move to a temporary SQLite file, so that deduplicating a dump of any
# size holds only its distinct statements in memory
SPILL_AFTER = 200_000


def _write_facts(facts: Iterable[CanonicalFact], output: Optional[Path]) -> int:
    """Write canonical facts as they come (atomically when to a file); returns how many."""
    from ..output import atomic_output, to_line

    n = 0
    with atomic_output(output) as fh:
        for f in facts:
            fh.write(to_line(f))
            n += 1
    return n


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

    failures = Failures(errors, fail_fast)
    d = Deduplicator(spill_after=SPILL_AFTER)
    with Progress("read", quiet) as progress:
        for path in inputs:
            for r in progress.track(_read_extracted(path, failures)):
                d.add(r)
    n = _write_facts(d.iter_finish(), output)
    progress.message(f"dedup: {progress.facts} facts -> {n} canonical facts")
    failures.finish()


def _run_dask(paths: List[str], scheduler: str, output: Optional[Path], errors: Optional[Path],
              fail_fast: bool, batch_size: int, n_process: int, quiet: bool) -> None:
    """``run --dask``: the same canonical facts, extracted and deduplicated on a Dask cluster."""
    if "-" in paths:
        raise typer.BadParameter("stdin (-) cannot be read by a Dask cluster: pass files, globs or URLs")
    try:
        from .dask import run as dask_run

        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as e:
        typer.echo(f"error: {e} (pip install 'rare-earth-ie[dask]')", err=True)
        raise typer.Exit(2)
    failures = Failures(errors, fail_fast)
    progress = Progress("dask", quiet)
    progress.message(f"dask: extracting and deduplicating on {scheduler}")
    facts, errs = dask_run(paths, scheduler=scheduler, batch_size=batch_size,
                           n_workers=n_process if n_process > 1 else 2)
    for err in errs:
        failures(err)
    n = _write_facts(facts, output)
    progress.message(f"dask: {n} canonical facts")
    progress.close()
    failures.finish()


@app.command(epilog="Example: rare-earth-ie run corpus/ -o facts.jsonl")
def run(paths: List[str] = PATHS,
        output: Optional[Path] = typer.Option(None, "-o", "--output", help="JSONL file (default stdout)."),
        errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
        batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET,
        dask_scheduler: Optional[str] = typer.Option(
            None, "--dask", metavar="ADDRESS|local",
            help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or `local` for a "
                 "local cluster of --n-process (default 2) worker processes. Needs the dask extra; "
                 "see docs/dask.md.")) -> None:
    """Extract, then deduplicate: canonical facts of a whole dump (the main job)."""
    from ..dedup import Deduplicator

    if dask_scheduler:
        _run_dask(paths, dask_scheduler, output, errors, fail_fast, batch_size, n_process, quiet)
        return
    failures = Failures(errors, fail_fast)
    d = Deduplicator(spill_after=SPILL_AFTER)
    with Progress("extract", quiet) as progress:
        for r in progress.track(_results(paths, failures, batch_size, n_process, output=output)):
            d.add(r)
    n = _write_facts(d.iter_finish(), output)
    progress.message(f"dedup: {progress.facts} facts -> {n} canonical facts")
    failures.finish()


@app.command(epilog="Example: rare-earth-ie report corpus/ -o report.html")
def report(paths: List[str] = PATHS,
           output: Path = typer.Option(Path("report.html"), "-o", "--output", help="HTML file to write."),
           title: str = typer.Option("Rare-earth news: facts and entities", "--title", help="Page title."),
           max_articles: int = typer.Option(200, "--max-articles", help="How many articles to show with "
                                            "their entities highlighted (the facts table has them all)."),
           errors: Optional[Path] = ERRORS, fail_fast: bool = FAIL_FAST,
           batch_size: int = BATCH, n_process: int = NPROC, quiet: bool = QUIET) -> None:
    """One self-contained HTML file: the canonical facts as a sortable, filterable table, charts of
    prices and volumes, and every article with its entities highlighted (needs the report extra)."""
    try:
        from .report import ReportBuilder, require, save

        require()
    except ImportError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)

    failures = Failures(errors, fail_fast)
    builder = ReportBuilder(title=title, max_articles=max_articles)
    with Progress("extract", quiet) as progress:
        for r in progress.track(_results(paths, failures, batch_size, n_process, output=output)):
            builder.add(r)
    progress.message(f"report: deduplicating {progress.facts} facts, drawing charts")
    save(builder.render(), output)
    progress.message(f"wrote {output} ({builder.n_articles} articles)")
    failures.finish()


@app.command(epilog="Example: rare-earth-ie evaluate   (every gold set under corpus/, side by side); "
                    "rare-earth-ie evaluate --gold corpus/dev --json")
def evaluate(gold: Optional[List[Path]] = typer.Option(
                 None, "--gold", help="A gold set folder (docs.jsonl, gold.jsonl, clusters.json?); repeat for "
                 "several. Default: every gold set under ./corpus (gold, heldout, dev)."),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
             worst: int = typer.Option(15, "--worst", help="How many misses and false positives to show "
                                       "(for one gold set)."),
             n_process: int = NPROC) -> None:
    """Score the pipeline on gold sets: per label P/R/F1 and value accuracy, and dedup B-cubed."""
    from .evaluate import bundled_sets, format_comparison, format_report
    from .evaluate import evaluate as run_eval

    sets = list(gold or bundled_sets("corpus"))
    if not sets:
        raise typer.BadParameter("no gold set under ./corpus; name one with --gold DIR", param_hint="--gold")
    for d in sets:
        if not (d / "docs.jsonl").exists():
            raise typer.BadParameter(f"{d}/docs.jsonl not found", param_hint="--gold")
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
