"""A progress bar on stderr for long commands: documents done, facts found, documents per second.

Shown only when stderr is a terminal and ``--quiet`` is not given, so pipes, logs and tests see
nothing of it.

    rare-earth-ie run dump.jsonl.gz -o facts.jsonl
    extract: 1840 docs [00:41, 44.6 docs/s, facts=25113]
"""
from __future__ import annotations

import os
import sys
from typing import IO, Iterable, Iterator, Optional, TypeVar

T = TypeVar("T")


def wanted(quiet: bool, stream: Optional[IO[str]] = None) -> bool:
    """Show progress: not ``--quiet`` and the stream (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    if quiet:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


def _width(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


class Progress:
    """Counts documents and facts as results stream through :meth:`track`."""

    def __init__(self, desc: str, quiet: bool = False, stream: Optional[IO[str]] = None):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = wanted(quiet, self.stream)
        self.docs = 0
        self.facts = 0
        self._bar = None
        if self.enabled:
            from tqdm import tqdm

            # a terminal that reports no size (some CI ptys) gets a fixed width
            sized = _width(self.stream) > 0
            self._bar = tqdm(desc=desc, unit=" docs", file=self.stream, dynamic_ncols=sized,
                             bar_format="{desc}: {n_fmt} docs [{elapsed}, {rate_noinv_fmt}{postfix}]",
                             ncols=None if sized else 100, nrows=None if sized else 20,
                             mininterval=0.2, smoothing=0.1)

    def update(self, result) -> None:
        self.docs += 1
        self.facts += len(getattr(result, "facts", ()) or ())
        if self._bar is not None:
            self._bar.set_postfix(facts=self.facts, refresh=False)
            self._bar.update(1)

    def track(self, results: Iterable[T]) -> Iterator[T]:
        for r in results:
            self.update(r)
            yield r

    def message(self, text: str) -> None:
        """A status line (only when the bar is shown)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.refresh()
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
