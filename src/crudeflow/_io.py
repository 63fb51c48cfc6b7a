"""Writing result files without losing what is already there.

Two rules, one place (the report, the network exports and the CLI all go through here):

- **Never overwrite silently.** An existing file, or a folder that is not empty, is replaced
  only with ``force=True`` (the CLI's ``--force``); otherwise :class:`OutputExistsError`.
  A path that can never take the output (a folder where a file is wanted, a device such as
  ``/dev/full``, a file where a folder is wanted) is an :class:`OutputPathError`, even with
  ``force``.
- **Atomic.** A file is written to a temporary file in the same folder, flushed to disk and
  renamed over the target (:func:`os.replace`), so an interrupted or failing write leaves the
  old file intact and never half a file. A folder is filled as a temporary sibling folder and
  renamed into place; into an existing folder (empty, or with ``force``) its files are moved
  one by one, each atomically, and files of other names are left alone.

An :class:`OSError` while writing (disk full, permission denied) carries the *target* path,
not the temporary one, so a message can name the file the user asked for.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = atomic_write_text(Path(tmp) / "a.txt", "one\\n")
...     try:
...         atomic_write_text(path, "two\\n")
...     except OutputExistsError as exc:
...         print("refused:", exc.reason)
...     _ = atomic_write_text(path, "two\\n", force=True)
...     print(path.read_text())
refused: already exists; pass --force to replace it
two
<BLANKLINE>
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from crudeflow.errors import OutputExistsError, OutputPathError

__all__ = [
    "atomic_folder",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_file",
    "check_output_folder",
]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _with_path(exc: OSError, path: Path) -> OSError:
    """The same error, naming ``path`` (the target) instead of a temporary file."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def _check_parents(text: str, p: Path) -> None:
    """The nearest existing parent of ``p`` must be a folder (the rest are created)."""
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputPathError(text, f"{parent} is not a folder")
            return


def check_output_file(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check that ``path`` may receive a file; return the path to write (links followed).

    Raises
    ------
    OutputPathError
        ``path`` is empty, a folder, not a regular file (a device, pipe or socket), or its
        parent is not a folder.
    OutputExistsError
        ``path`` exists and ``force`` is false.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_file(tmp)
    Traceback (most recent call last):
    ...
    crudeflow.errors.OutputPathError: ...: is a folder; give a file name
    >>> check_output_file("/dev/null", force=True)
    Traceback (most recent call last):
    ...
    crudeflow.errors.OutputPathError: /dev/null: is not a regular file (a device, pipe or socket)
    """
    text = os.fspath(path)
    if not text:
        raise OutputPathError("''", "an empty path; give a file name")
    p = Path(text)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    try:
        st = p.stat()
    except (FileNotFoundError, NotADirectoryError):  # the parents are checked below
        st = None
    except OSError as exc:
        raise _with_path(exc, p) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputPathError(text, "is a folder; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise OutputPathError(text, "is not a regular file (a device, pipe or socket)")
        if not force:
            raise OutputExistsError(text, "already exists; pass --force to replace it")
    _check_parents(text, p)
    return p


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename); create missing folders.

    An existing file keeps its permission bits; a new one gets the usual ``0o666 & ~umask``.
    Returns the path written (a symbolic link is followed and its target replaced).

    Raises
    ------
    OutputPathError, OutputExistsError
        See :func:`check_output_file`.
    OSError
        The write failed; ``filename`` is ``path``. The old file, if any, is untouched.
    """
    target = check_output_file(path, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _with_path(exc, target) from None
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _with_path(exc, target) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        _move_into_place(tmp, target, force=force)
    except OSError as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, FileExistsError):
            raise OutputExistsError(
                os.fspath(path), "already exists; pass --force to replace it"
            ) from None
        raise _with_path(exc, target) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return target


def atomic_write_text(
    path: str | os.PathLike[str], text: str, *, force: bool = False, encoding: str = "utf-8"
) -> Path:
    """:func:`atomic_write_bytes` of ``text`` encoded (UTF-8 by default)."""
    return atomic_write_bytes(path, text.encode(encoding), force=force)


def _move_into_place(tmp: Path, target: Path, *, force: bool) -> None:
    """Rename ``tmp`` to ``target``; without ``force`` never replace a file that appeared."""
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails with FileExistsError instead of replacing
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise FileExistsError(17, "File exists", str(target)) from None
        os.replace(tmp, target)
    else:
        _unlink_quietly(tmp)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def check_output_folder(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check that ``path`` may receive a folder of files; return it.

    Raises
    ------
    OutputPathError
        ``path`` is empty or exists and is not a folder.
    OutputExistsError
        ``path`` is a folder that is not empty and ``force`` is false.
    """
    text = os.fspath(path)
    if not text:
        raise OutputPathError("''", "an empty path; give a folder name")
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise OutputPathError(text, "exists and is not a folder")
    try:
        nonempty = p.is_dir() and any(p.iterdir())
    except OSError as exc:
        raise _with_path(exc, p) from None
    if nonempty and not force:
        raise OutputExistsError(
            text, "is a folder that is not empty; pass --force to write into it"
        )
    _check_parents(text, p)
    return p


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder to fill; on success its files appear at ``path``.

    A missing ``path`` is created by renaming the temporary folder (one step). Into an
    existing folder (empty, or any with ``force``) the files are moved one by one, each with
    :func:`os.replace`; files of other names already there stay. On an error the temporary
    folder is removed and ``path`` is as it was. Only plain files directly in the temporary
    folder are moved.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with atomic_folder(Path(tmp) / "out") as work:
    ...         _ = (work / "a.csv").write_text("x\\n")
    ...     sorted(p.name for p in (Path(tmp) / "out").iterdir())
    ['a.csv']
    """
    target = check_output_folder(path, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    except OSError as exc:
        raise _with_path(exc, target) from None
    try:
        yield work
        os.chmod(work, 0o777 & ~_umask())  # mkdtemp made it private (0o700)
        if target.is_dir():
            for f in sorted(work.iterdir()):
                if not force and (target / f.name).exists():
                    raise FileExistsError(17, "File exists", str(target / f.name))
                os.replace(f, target / f.name)
            work.rmdir()
        else:
            os.rename(work, target)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, FileExistsError):
            raise OutputExistsError(
                os.fspath(path), "is a folder that is not empty; pass --force to write into it"
            ) from None
        raise _with_path(exc, target) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
