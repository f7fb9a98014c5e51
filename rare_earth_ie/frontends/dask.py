"""Extraction and deduplication as Dask jobs, on a laptop or a cluster (the ``[dask]`` extra).

    from rare_earth_ie.dask import extract_bag, deduplicate_bag, run

    facts, errors = run(["dump-*.jsonl.gz", "s3://bucket/news/*.txt"], scheduler="local")

    results, errors = extract_bag(["dump.jsonl.gz"])        # two dask Bags, lazy
    facts = deduplicate_bag(results)                         # list[CanonicalFact]

What runs where:

* reading and extraction run on the workers, partition by partition; each worker process builds
  one pipeline (:func:`rare_earth_ie.extract.get_extractor`, cached per process) and runs
  :meth:`Extractor.pipe_safe` over batches of its partition;
* deduplication is a distributed job: the facts of each partition are folded into variants
  (one per normalised text and period key) by :func:`rare_earth_ie.dedup.core.fold`, the
  step every engine takes; the variants of equal key are combined after a shuffle by key
  (:func:`rare_earth_ie.dedup.core.merge`), and every variant is sent to the blocks it is
  compared in (:func:`block_keys`); each block is compared on one worker (:func:`block_edges`);
* the client collects the variants and the matching pairs (small) and assembles the clusters
  (:func:`assemble`, :func:`canonical`, :func:`sort_canonical`).

The canonical facts are identical to :func:`rare_earth_ie.deduplicate` on the same input in
the same order: every partition records where in the input each fact was seen, so the
representative copy of a variant, the copy its numbers and materials come from, and the order of
its mentions are the ones the single-machine run picks, whatever order the workers finish in.

Inputs that cannot be read or extracted never reach the results: :func:`extract_bag` returns
them in a second bag (``errors``) and :func:`run` as a list of :class:`ReadError`, each naming
its file and line as the single-machine reader does.
"""
from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Optional, Union

from ..dedup.core import (Variant, as_facts, assemble, block_edges, block_keys, canonical, fold, merge,
                          sort_canonical)
from ..models import Article, FactList
from ..read import (JSONL_SUFFIXES, TEXT_SUFFIXES, ReadError, ReadWarning, expand_paths, jsonl_items,
                    python_items, read_txt, txt_item)

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag

EXTRA_HINT = "pip install 'rare-earth-ie[dask]'"
#: dask's own scheduler names, passed through as ``scheduler=`` (anything else is an address)
LOCAL_SCHEDULERS = ("sync", "synchronous", "single-threaded", "threads", "threading", "processes",
                    "multiprocessing")


def _require():
    """dask.bag, or an ImportError that names the extra."""
    try:
        import dask  # noqa: F401
        import dask.bag as db
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"rare_earth_ie.dask needs Dask: {EXTRA_HINT} (dask[bag] and distributed); "
                          f"{e}") from e
    return db


def _require_distributed():
    try:
        import distributed
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"a Dask cluster needs the distributed package: {EXTRA_HINT}; {e}") from e
    return distributed


# --- reading (runs on the workers) -------------------------------------------------------------


def _is_url(spec: str) -> bool:
    return "://" in spec and not spec.startswith("file://")


def _is_jsonl(name: str) -> bool:
    return name.lower().endswith(JSONL_SUFFIXES)


def _with_display(item, display: str, target: str):
    """An item read from ``target`` (an absolute path) as if read from ``display`` (the path as
    the user gave it, which is what the single-machine reader reports)."""
    if display == target:
        return item
    if isinstance(item, ReadError):
        return dataclasses.replace(item, path=display if item.path == target else item.path)
    if isinstance(item, Article) and item.source == target:
        return item.model_copy(update={"source": display})
    return item


def _read_txt_files(files: list[tuple[str, str, Optional[dict]]]) -> list:
    """``.txt`` files: (path or URL to open, path to report, storage options)."""
    out = []
    for target, display, storage_options in files:
        if _is_url(target):
            out.append(_read_txt_url(target, storage_options))
        else:
            out.append(_with_display(read_txt(Path(target)), display, target))
    return out


def _read_txt_url(url: str, storage_options: Optional[dict]) -> Union[Article, ReadError]:
    import fsspec

    try:
        with fsspec.open(url, "rb", **(storage_options or {})) as fh:
            data = fh.read()
    except OSError as e:
        return ReadError(url, None, f"cannot read: {e.strerror or e}")
    return txt_item(data, url, Path(url.rstrip("/").rsplit("/", 1)[-1]).stem)


def _read_jsonl_file(target: str, display: str, storage_options: Optional[dict]) -> list:
    """A whole JSONL dump (compressed or not, local or any fsspec URL) in one task: line numbers,
    undecodable lines and a truncated ``.gz`` are reported exactly as the single-machine reader
    does (the rest of the file stands)."""
    import fsspec

    try:
        fh = fsspec.open(target, "rb", compression="infer", **(storage_options or {})).open()
    except OSError as e:
        return [ReadError(display, None, f"cannot open: {e.strerror or e}")]
    try:
        return [item for item, _ in jsonl_items(fh, display)]
    finally:
        fh.close()


def _parse_jsonl_block(block: bytes, first_line: int, display: str) -> list:
    """One block of a dump cut at line ends by ``dask.bytes.read_bytes``; ``first_line`` is the
    1-based number of its first line, counted from the blocks before it. Read by the
    single-machine reader (the same decoding, errors and default ids)."""
    return [item for item, _ in jsonl_items(io.BytesIO(block), display, first_line=first_line)]


def _count_lines(block: bytes) -> int:
    return block.count(b"\n")


def _items_from_python(items: list, offset: int) -> list:
    """A partition of a Bag of strings, dicts or Articles; ``offset`` is the global index of its
    first item, so that default ids (``doc{i}``, ``<input>:{i+1}``) are the ones
    :func:`rare_earth_ie.extract_many` gives."""
    return [x for j, t in enumerate(items) for x in python_items(t, offset + j)]


def _utf16(target: str, storage_options: Optional[dict]) -> bool:
    """A UTF-16 dump (with BOM) cannot be cut at newline bytes: it is read whole."""
    import fsspec

    try:
        with fsspec.open(target, "rb", **(storage_options or {})) as fh:
            return fh.read(2) in (b"\xff\xfe", b"\xfe\xff")
    except OSError:
        return False  # reported when the file is read


def _add(a: int, b: int) -> int:
    return a + b


def _one(x):
    return [x]


def _expand(paths: Iterable[str], storage_options: Optional[dict]) -> list:
    """(kind, path to open, path to report) per input file, or a ReadError; local paths are
    expanded exactly as the single-machine reader does (folders, globs), URLs by fsspec."""
    out: list = []
    for spec in paths:
        spec = os.fspath(spec)
        if spec == "-":
            raise ValueError("stdin ('-') cannot be read by a Dask cluster: pass files, globs or URLs")
        if not _is_url(spec):
            local = spec[len("file://"):] if spec.startswith("file://") else spec
            for p in expand_paths([local]):
                if isinstance(p, ReadError):
                    out.append(p)
                else:
                    kind = "jsonl" if _is_jsonl(p.name) else "txt"
                    out.append((kind, str(p.resolve()), str(p)))
            continue
        import fsspec

        fs, _, found = fsspec.core.get_fs_token_paths(spec, storage_options=storage_options)
        if not found:
            out.append(ReadError(spec, None, "glob matches no file" if any(c in spec for c in "*?[")
                                 else "no such file or folder"))
            continue
        for p in sorted(found):
            if fs.isdir(p):
                files = sorted(f for f in fs.ls(p, detail=False)
                               if f.lower().endswith(TEXT_SUFFIXES + JSONL_SUFFIXES) and fs.isfile(f))
                if not files:
                    out.append(ReadError(spec, None, "folder holds no .txt or .jsonl files"))
            elif fs.exists(p):
                files = [p]
            else:
                out.append(ReadError(spec, None, "no such file or folder"))
                files = []
            for f in files:
                url = fs.unstrip_protocol(f)
                out.append(("jsonl" if _is_jsonl(f) else "txt", url, url))
    return out


def read_bag(paths_or_bag, files_per_partition: int = 64, blocksize: Union[int, str, None] = None,
             storage_options: Optional[dict] = None) -> "dask.bag.Bag":
    """A Bag of :class:`Article` and :class:`ReadError`, in input order.

    ``paths_or_bag``: files, folders, globs and fsspec URLs (``s3://...``; local paths as the
    command line takes them), or a Bag of strings, dicts or Articles. ``.txt`` files are read
    ``files_per_partition`` to a partition; a JSONL dump (``.jsonl``, ``.jsonl.gz``, ...) is one partition
    read by one task (through fsspec, the layer under ``dask.bag.read_text``), or, with
    ``blocksize`` (bytes, or ``"64MiB"``) and when not compressed, one partition per block of that
    size cut at line ends by ``dask.bytes.read_bytes`` (what ``read_text`` splits with). Either
    way each line is decoded and parsed by the single-machine reader
    (:func:`rare_earth_ie.read.read_jsonl_stream`), with its true line number (a block's first
    line number is the sum of the line counts of the blocks before it), so errors and default ids
    (``file.jsonl:LINE``) are the ones ``rare-earth-ie run`` gives; a truncated ``.gz`` keeps
    what was read and reports the rest.
    """
    db = _require()
    from dask import delayed

    if isinstance(paths_or_bag, db.Bag):
        parts = paths_or_bag.to_delayed(optimize_graph=False)
        lens = [delayed(len)(p) for p in parts]
        offset, out = 0, []
        for p, n in zip(parts, lens):
            out.append(delayed(_items_from_python)(p, offset))
            offset = delayed(_add)(offset, n)
        return db.from_delayed(out)
    if isinstance(paths_or_bag, (str, os.PathLike)):
        paths_or_bag = [paths_or_bag]
    entries = _expand(paths_or_bag, storage_options)
    parts: list = []
    txt: list = []

    def flush_txt() -> None:
        for i in range(0, len(txt), max(1, files_per_partition)):
            parts.append(delayed(_read_txt_files)(txt[i:i + files_per_partition]))
        txt.clear()

    from fsspec.utils import infer_compression

    for e in entries:
        if isinstance(e, ReadError):
            flush_txt()
            parts.append(delayed(_one)(e))
            continue
        kind, target, display = e
        if kind == "txt":
            txt.append((target, display, storage_options))
            continue
        flush_txt()
        if blocksize is None or infer_compression(target) is not None or _utf16(target, storage_options):
            parts.append(delayed(_read_jsonl_file)(target, display, storage_options))
            continue
        from dask.bytes import read_bytes

        _, blocks = read_bytes(target, delimiter=b"\n", blocksize=blocksize, sample=False,
                               **(storage_options or {}))
        first = 1
        for b in blocks[0]:
            parts.append(delayed(_parse_jsonl_block)(b, first, display))
            first = delayed(_add)(first, delayed(_count_lines)(b))
    flush_txt()
    if not parts:
        return db.from_sequence([], npartitions=1)
    return db.from_delayed(parts)


# --- extraction (runs on the workers) ----------------------------------------------------------


def _extract_partition(items: Iterable, batch_size: int, patterns_dir: Optional[str]) -> list:
    from ..extract import get_extractor

    items = list(items)
    out: list = list(items)
    todo = [i for i, a in enumerate(items) if isinstance(a, Article)]
    if todo:
        ex = get_extractor(patterns_dir)  # one pipeline per worker process
        for s in range(0, len(todo), max(1, batch_size)):
            idx = todo[s:s + batch_size]
            for i, r in zip(idx, ex.pipe_safe([items[i] for i in idx])):
                out[i] = r
    return out


def _is_result(x) -> bool:
    return not isinstance(x, (ReadError, ReadWarning))


def _is_error(x) -> bool:
    """Failures, and warnings (an article read without its bad publish date): both reported."""
    return isinstance(x, (ReadError, ReadWarning))


class ExtractBags(NamedTuple):
    """What :func:`extract_bag` returns: two lazy bags over one computation (compute them
    together, ``dask.compute(results, errors)``, or ``persist`` first, so that extraction runs
    once)."""

    results: Any  #: dask.bag.Bag of ArticleResult
    errors: Any   #: dask.bag.Bag of ReadError: inputs that could not be read or extracted


def extract_bag(paths_or_bag, batch_size: int = 64, patterns_dir: Optional[str] = None,
                blocksize: Union[int, str, None] = None, npartitions: Optional[int] = None,
                storage_options: Optional[dict] = None, files_per_partition: int = 64) -> ExtractBags:
    """Extract articles on a Dask cluster: ``results, errors = extract_bag(paths)``.

    ``paths_or_bag``: files, folders, globs and fsspec URLs (as :func:`read_bag` reads them), or
    a Bag of strings, dicts or Articles. Extraction runs per partition with one pipeline per
    worker process, in batches of ``batch_size`` articles; ``.txt`` files are read
    ``files_per_partition`` to a partition; ``npartitions`` repartitions the articles first
    (a single large ``.jsonl.gz`` is one partition otherwise). ``patterns_dir`` must exist on
    the workers.

    Failed inputs (unreadable files, malformed lines, documents whose extraction raised) are kept
    out of ``results`` and go to ``errors`` as :class:`ReadError` records.
    """
    articles = read_bag(paths_or_bag, files_per_partition=files_per_partition, blocksize=blocksize,
                        storage_options=storage_options)
    if npartitions is not None and npartitions != articles.npartitions:
        articles = articles.repartition(npartitions=npartitions)
    mixed = articles.map_partitions(_extract_partition, batch_size, patterns_dir)
    return ExtractBags(mixed.filter(_is_result), mixed.filter(_is_error))


# --- deduplication -----------------------------------------------------------------------------


def _partition_variants(items: Iterable, index: list) -> list:
    """The facts of one partition folded into variants (:func:`fold`, as every engine does),
    each fact's ``seq`` its place in the input: (partition, position in it)."""
    (p,) = index
    variants: dict = {}
    n = 0
    for r in items:
        for f, rows in as_facts(r):
            fold(variants, f, rows, (p, n))
            n += 1
    return list(variants.items())


def _key(kv: tuple):
    return kv[0]


def _merge(group: tuple) -> Variant:
    """All partitions' variants of one key -> the variant the single-machine run builds."""
    _, kvs = group
    return merge([v for _, v in kvs])


def _light(v: Variant) -> Variant:
    """What the pairwise comparison reads (no representative copy, no mentions)."""
    return dataclasses.replace(v, fact=None, mentions=[])


def _block_members(v: Variant) -> list:
    return [(k, v) for k in block_keys(v)]


def _block_edges(group: tuple) -> list:
    key, kvs = group
    return block_edges([v for _, v in kvs], key) if len(kvs) > 1 else []


def dedup_graph(results_bag: "dask.bag.Bag") -> tuple:
    """The lazy dedup job: (Bag of variants, Bag of matching pairs); see :func:`finish`."""
    db = _require()
    index = db.range(results_bag.npartitions, npartitions=results_bag.npartitions)
    partials = results_bag.map_partitions(_partition_variants, index)
    variants = partials.groupby(_key, shuffle="tasks").map(_merge)
    edges = (variants.map(_light).map(_block_members).flatten()
             .groupby(_key, shuffle="tasks").map(_block_edges).flatten())
    return variants, edges


def finish(variants: list[Variant], edges: list) -> FactList:
    """On the client: clusters from the variants and matching pairs, then canonical facts."""
    return FactList(sort_canonical([canonical(g) for g in assemble(list(variants), edges)]))


def deduplicate_bag(results_bag: "dask.bag.Bag", **compute_kwargs) -> FactList:
    """Deduplicate a Bag of ArticleResult (or Fact, CanonicalFact) as a distributed job; the
    same canonical facts as :func:`rare_earth_ie.deduplicate` on the same input.

    ``compute_kwargs`` go to ``dask.compute`` (``scheduler=``; the default is the active
    ``distributed.Client`` if any).
    """
    _require()
    import dask

    variants, edges = dedup_graph(results_bag)
    v, e = dask.compute(variants, edges, **compute_kwargs)
    return finish(v, e)


# --- the whole job -----------------------------------------------------------------------------


def _worker_version() -> Optional[str]:
    try:
        from importlib.metadata import version

        return version("rare-earth-ie")
    except Exception:  # noqa: BLE001 - reported by the caller
        return None


def check_workers(client) -> dict:
    """The rare-earth-ie version on every worker; raises when a worker lacks the package."""
    try:
        versions = client.run(_worker_version)
    except Exception as e:  # noqa: BLE001 - unpickling fails where the package is missing
        raise RuntimeError(f"the Dask workers cannot run rare_earth_ie ({type(e).__name__}: {e}); "
                           "install rare-earth-ie on every worker (same version as here)") from e
    missing = [w for w, v in versions.items() if v is None]
    if missing:
        raise RuntimeError(f"rare-earth-ie is not installed on worker(s) {', '.join(missing)}: "
                           "install it on every worker (same version as here)")
    here = _worker_version()
    other = sorted({v for v in versions.values() if v != here})
    if here and other:
        import warnings

        warnings.warn(f"the Dask workers run rare-earth-ie {', '.join(other)}, this client {here}: "
                      "results may differ from a single-machine run", RuntimeWarning, stacklevel=2)
    return versions


def run(paths, scheduler: Union[str, Any, None] = None, batch_size: int = 64,
        patterns_dir: Optional[str] = None, blocksize: Union[int, str, None] = None,
        npartitions: Optional[int] = None, n_workers: int = 2,
        storage_options: Optional[dict] = None) -> tuple[FactList, list[ReadError]]:
    """Extract, then deduplicate, as one Dask computation: ``(canonical facts, read errors)``.

    ``scheduler``: None (Dask's default: the active ``distributed.Client`` if there is one),
    ``"local"`` (a :class:`distributed.LocalCluster` of ``n_workers`` processes, closed after),
    a scheduler address (``tcp://10.0.0.5:8786``) of a running cluster, a ``distributed.Client``,
    or one of Dask's single-machine schedulers (``"sync"``, ``"threads"``, ``"processes"``).
    """
    _require()
    import dask

    results, errors = extract_bag(paths, batch_size=batch_size, patterns_dir=patterns_dir,
                                  blocksize=blocksize, npartitions=npartitions,
                                  storage_options=storage_options)
    variants, edges = dedup_graph(results)
    cluster = client = None
    own_client = False
    try:
        if scheduler is None or scheduler in LOCAL_SCHEDULERS:
            target = scheduler
        elif not isinstance(scheduler, str):
            target = client = scheduler  # a distributed.Client
        else:
            distributed = _require_distributed()
            if scheduler == "local":
                cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                                   processes=True, dashboard_address=":0")
                client = distributed.Client(cluster, set_as_default=False)
            else:
                client = distributed.Client(scheduler, set_as_default=False)
                check_workers(client)
            own_client = True
            target = client
        kwargs = {} if target is None else {"scheduler": target}
        v, e, errs = dask.compute(variants, edges, errors, **kwargs)
    finally:
        if own_client and client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return finish(v, e), list(errs)


__all__ = ["ExtractBags", "check_workers", "dedup_graph", "deduplicate_bag", "extract_bag", "finish",
           "read_bag", "run"]
