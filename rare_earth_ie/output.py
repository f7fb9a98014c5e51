"""Writing output so that nothing the user already has is lost, emptied or half-written.

* :class:`Target` is where a command writes: standard output, a device or FIFO (written
  directly), or a regular file (a symlink is followed to it). A file target is checked and
  locked before any input is read: a second run writing the same file, or a file that cannot be
  written, is refused before the first article is extracted, and the file is not emptied.
* :class:`JsonlAppender` writes whole lines, one ``write`` each, flushed as it goes: a run that
  is killed leaves whole lines (and at most one partial last line, which :func:`resume_state`
  cuts off before a resumed run appends). An old file is emptied only when the first new line
  is written; a write that fails is cut back to the last whole line.
* :func:`atomic_output` is for commands that rewrite a file: they write a temporary file beside
  it and rename it over the old one, so readers see either the old file or the whole new one.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import json
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator, Optional, Union

from pydantic import BaseModel


class OutputError(Exception):
    """An output that cannot be written; ``str()`` is one line naming the file and the reason."""

    def __init__(self, path: Union[str, Path], reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


def to_line(obj: Union[BaseModel, dict]) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json() + "\n"
    return json.dumps(obj, ensure_ascii=False) + "\n"


def _why(e: OSError) -> str:
    return e.strerror or str(e)


class Target:
    """Where a command writes, settled before any input is read.

    ``kind`` is ``stdout`` (no path or ``-``), ``stream`` (a device such as ``/dev/null``, a FIFO
    or a socket: written directly, never renamed over) or ``file`` (a regular file, new or old;
    ``path`` is the file a symlink points to, so that the link itself stays)."""

    def __init__(self, path: Optional[Union[str, Path]]):
        self.given = None if path in (None, "-") else str(path)
        self.kind = "stdout"
        self.path: Optional[Path] = None
        self.existed = False
        self._lock_fh: Optional[IO[bytes]] = None
        if self.given is None:
            return
        try:
            st = os.stat(self.given)  # follows symlinks
        except FileNotFoundError:
            st = None
        except OSError as e:
            raise OutputError(self.given, f"cannot write: {_why(e)}") from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise OutputError(self.given, "is a folder, not a file")
        if st is not None and not stat.S_ISREG(st.st_mode):
            self.kind, self.path = "stream", Path(self.given)
            return
        self.kind = "file"
        self.existed = st is not None
        self.path = Path(os.path.realpath(self.given))

    def __str__(self) -> str:
        return self.given or "<stdout>"

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def same_file(self, other: Union[str, Path, int]) -> bool:
        """Is ``other`` (a path, or an open file descriptor) this target's file?"""
        if self.kind == "stdout" or self.path is None:
            return False
        try:
            a = os.stat(self.path)
            b = os.fstat(other) if isinstance(other, int) else os.stat(other)
        except OSError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) and stat.S_ISREG(a.st_mode)

    def claim(self) -> None:
        """Check that the file can be written and lock it against a second writer, without
        changing a byte of it (a new file is created empty; :meth:`release` removes it again
        if nothing was written)."""
        if not self.is_file or self._lock_fh is not None:
            return
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "ab")
        except OSError as e:
            raise OutputError(self, f"cannot write: {_why(e)}") from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            fh.close()
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputError(self, "is being written by another run (locked); wait for it "
                                        "to finish or choose another output") from None
            raise OutputError(self, f"cannot lock: {_why(e)}") from None
        self._lock_fh = fh

    def release(self, wrote: bool = True) -> None:
        """Drop the lock; a file this run created but never wrote to is removed again."""
        if self._lock_fh is None:
            return
        fh, self._lock_fh = self._lock_fh, None
        if not wrote and not self.existed:
            with contextlib.suppress(OSError):
                if os.fstat(fh.fileno()).st_size == 0:
                    os.unlink(self.path)
        fh.close()

    @property
    def locked_fd(self) -> Optional[int]:
        return self._lock_fh.fileno() if self._lock_fh is not None else None


class JsonlAppender:
    """Append JSON lines to a target (stdout when ``path`` is None or ``-``).

    Without ``append`` an old file is emptied when the first line is written, not before: a run
    that reads nothing leaves it as it was."""

    def __init__(self, path: Union[None, str, Path, Target], append: bool = False, flush_every: int = 1):
        self.target = path if isinstance(path, Target) else Target(path)
        self.append = append
        self.flush_every = max(1, flush_every)
        self._fh: Optional[IO[str]] = None
        self._n = 0
        self._started = False

    @property
    def lines(self) -> int:
        return self._n

    def __enter__(self) -> "JsonlAppender":
        t = self.target
        if t.kind == "stdout":
            self._fh = sys.stdout
        elif t.kind == "stream":
            try:
                self._fh = open(t.path, "a" if self.append else "w", encoding="utf-8")
            except OSError as e:
                raise OutputError(t, f"cannot write: {_why(e)}") from None
        else:
            t.claim()
            # the locked descriptor is the one written: the lock covers every line
            self._fh = os.fdopen(os.dup(t.locked_fd), "a", encoding="utf-8")
        return self

    def start(self) -> None:
        """Begin now: an old file is emptied (unless appending) even if no line follows."""
        if self.target.is_file and not self._started:
            if not self.append:
                self._fh.flush()
                os.ftruncate(self._fh.fileno(), 0)
            self._started = True

    def write(self, obj: Union[BaseModel, dict]) -> None:
        assert self._fh is not None
        line = to_line(obj)
        if self.target.is_file:
            self.start()
            self._write_whole(line)
        else:
            try:
                self._fh.write(line)
            except OSError as e:
                raise OutputError(self.target, f"cannot write: {_why(e)}") from None
        self._n += 1
        if self._n % self.flush_every == 0:
            self._flush()

    def _write_whole(self, line: str) -> None:
        """One line, all or nothing: a failed write (a full disk) is cut back to the last
        whole line, so the file stays resumable."""
        fh = self._fh
        fh.flush()
        size = os.fstat(fh.fileno()).st_size
        try:
            fh.write(line)
            fh.flush()
        except OSError as e:
            with contextlib.suppress(OSError):
                os.ftruncate(fh.fileno(), size)
            raise OutputError(self.target, f"cannot write: {_why(e)}") from None

    def _flush(self) -> None:
        try:
            self._fh.flush()
        except OSError as e:
            raise OutputError(self.target, f"cannot write: {_why(e)}") from None

    def __exit__(self, *exc) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            if fh is sys.stdout:
                fh.flush()
            else:
                fh.flush()
                if self.target.is_file:
                    os.fsync(fh.fileno())
                fh.close()
        except OSError as e:
            if exc[0] is None:
                raise OutputError(self.target, f"cannot write: {_why(e)}") from None
        finally:
            self.target.release(wrote=self._started)


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
def atomic_output(path: Union[None, str, Path, Target]) -> Iterator[IO[str]]:
    """A text handle whose content replaces ``path`` only when the block completes.

    Standard output, devices and FIFOs are written directly (renaming a file over
    ``/dev/null`` would replace the device); a symlink's target file is replaced, the link
    stays. The target stays locked against a second writer until the rename."""
    t = path if isinstance(path, Target) else Target(path)
    if t.kind == "stdout":
        yield sys.stdout
        sys.stdout.flush()
        return
    if t.kind == "stream":
        try:
            fh = open(t.path, "w", encoding="utf-8")
        except OSError as e:
            raise OutputError(t, f"cannot write: {_why(e)}") from None
        try:
            with fh:
                yield fh
        except OSError as e:
            raise OutputError(t, f"cannot write: {_why(e)}") from None
        return
    t.claim()
    target = t.path
    tmp = None
    try:
        remove_stale_temps(target)
        # the writer's pid in the name tells a later run whether the file is still being written
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            # mkstemp makes the file private (0600): give it the mode of the file it replaces
            # (claim() created a new one with the user's umask)
            os.fchmod(fh.fileno(), _mode_for(target))
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise OutputError(t, f"cannot write: {_why(e)}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        t.release(wrote=tmp is None)


def resume_state(path: Union[str, Path]) -> set[tuple[Optional[str], str]]:
    """(source, doc_id) of the whole lines of an interrupted output; a partial last line is cut
    off. Keyed by source too: two dumps may use the same ids for different articles."""
    p = Path(path)
    done: set[tuple[Optional[str], str]] = set()
    if not p.exists():
        return done
    with open(p, "rb+") as fh:
        data = fh.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            fh.truncate(end)  # a line the killed run did not finish
        for line in data[:end].splitlines():
            try:
                row = json.loads(line)
                done.add((row.get("source"), row["doc_id"]))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
    return done
