"""Writing JSONL so that nothing already written is lost or half-written.

* ``JsonlAppender`` writes whole lines, one ``write`` each, flushed as it goes: a run that is
  killed leaves whole lines (and at most one partial last line, which ``resume_state`` cuts off
  before a resumed run appends).
* ``atomic_output`` is for commands that rewrite a file: they write a temporary file beside it
  and rename it over the old one, so readers see either the old file or the whole new one.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator, Optional, Union

from pydantic import BaseModel


def to_line(obj: Union[BaseModel, dict]) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json() + "\n"
    return json.dumps(obj, ensure_ascii=False) + "\n"


class JsonlAppender:
    """Append JSON lines to a file (or stdout when ``path`` is None or ``-``)."""

    def __init__(self, path: Optional[Union[str, Path]], append: bool = False, flush_every: int = 1):
        self.path = None if path in (None, "-") else Path(path)
        self.append = append
        self.flush_every = max(1, flush_every)
        self._fh: Optional[IO[str]] = None
        self._n = 0

    def __enter__(self) -> "JsonlAppender":
        if self.path is None:
            self._fh = sys.stdout
        else:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "a" if self.append else "w", encoding="utf-8")
        return self

    def write(self, obj: Union[BaseModel, dict]) -> None:
        assert self._fh is not None
        self._fh.write(to_line(obj))
        self._n += 1
        if self._n % self.flush_every == 0:
            self._fh.flush()

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            self._fh.flush()
            if self._fh is not sys.stdout:
                os.fsync(self._fh.fileno())
                self._fh.close()


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files that writers of ``target`` killed before they could finish
    left next to it (``.NAME.PID.xxxx.tmp`` whose process is gone); those of a live writer stay."""
    removed = []
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[^/]+\.tmp")
    for p in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        m = pattern.fullmatch(p.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


@contextlib.contextmanager
def atomic_output(path: Optional[Union[str, Path]]) -> Iterator[IO[str]]:
    """A text handle whose content replaces ``path`` only when the block completes."""
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    # the writer's pid in the name tells a later run whether the file is still being written
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            # mkstemp makes the file private (0600): give it the mode of the file it replaces,
            # or that of a file the user creates
            os.fchmod(fh.fileno(), _mode_for(target))
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def resume_state(path: Union[str, Path]) -> set[str]:
    """doc_ids of the whole lines of an interrupted output; a partial last line is cut off."""
    p = Path(path)
    done: set[str] = set()
    if not p.exists():
        return done
    with open(p, "rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            fh.truncate(end)  # a line the killed run did not finish
        for line in data[:end].splitlines():
            try:
                done.add(json.loads(line)["doc_id"])
            except (ValueError, KeyError, TypeError):
                continue
    return done
