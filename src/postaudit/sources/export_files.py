"""The files of an export that comes as a zip or as its unpacked folder, read safely.

An export is whatever the platform or a user zipped, so it is checked before anything in it is read:

- Two members with one name (after normalising `./`, `//` and backslashes): a zip reader keeps only one of
  them, so the other's records would vanish without a word. Refused, naming both.
- A member named `../x` or `/x`, or a symlink (in a zip or in the folder) whose target lies outside the export:
  refused, naming it, so nothing outside the export is ever read.
- Size. Members are read as streams against two caps: the total read from one export (MAX_EXPORT_BYTES) and
  the compression ratio of any member over 1 MiB (MAX_RATIO). Measured on the real exports in
  tests/fixtures/real: JSON compresses 3-16x there, so 100x leaves room; a zip bomb (1 MB expanding to 1.2 GB)
  is 1,200x and is refused before it is decompressed. Both caps can be raised with POSTAUDIT_MAX_EXPORT_BYTES
  and POSTAUDIT_MAX_EXPORT_RATIO for the rare export that needs it.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from postaudit.sources.errors import InputError

MAX_EXPORT_BYTES = 2 * 1024**3
MAX_RATIO = 100.0
RATIO_FROM_BYTES = 1024**2   # small members compress freely (a file of spaces); only big ones can be bombs
_CHUNK = 1024**2


def _limit(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{name}={value!r}: give a number") from None


def _normal(name: str) -> str:
    """A member name as a relative POSIX path; InputError when it leaves the export."""
    clean = name.replace("\\", "/")
    norm = posixpath.normpath(clean)
    if clean.startswith("/") or norm == ".." or norm.startswith("../") or re.match(r"[A-Za-z]:/", clean):
        raise InputError(f"member {name!r} points outside the export: refused")
    return "" if norm == "." else norm


class ExportFiles:
    """The regular files of one export (zip or folder) by relative POSIX path, read with the checks above."""

    def __init__(self, path: str | Path, kind: str = "export"):
        self.path = Path(path)
        self.kind = kind
        self.max_bytes = _limit("POSTAUDIT_MAX_EXPORT_BYTES", MAX_EXPORT_BYTES)
        self.max_ratio = _limit("POSTAUDIT_MAX_EXPORT_RATIO", MAX_RATIO)
        self.read_bytes = 0
        self._zip: zipfile.ZipFile | None = None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        if self.path.is_dir():
            self._files = self._walk()
        elif self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(f"{self.path}: not a zip archive or folder ({exc})") from None
            self._files = self._members()
        else:
            raise InputError(f"{self.path}: no such file or folder")
        self.names = sorted(self._files)

    # ------------------------------------------------------------ listing

    def _walk(self) -> dict[str, Path]:
        root = self.path.resolve()
        files: dict[str, Path] = {}
        for folder, dirs, names in os.walk(self.path):
            for entry in (*dirs, *names):
                p = Path(folder, entry)
                if p.is_symlink():
                    target = p.resolve()
                    if not target.is_relative_to(root):
                        raise InputError(f"{self.path}: {p.relative_to(self.path).as_posix()} is a symlink to "
                                         f"{target}, outside the {self.kind}: refused")
            # a symlinked folder inside the export is read through its real path, never twice
            dirs[:] = [d for d in dirs if not Path(folder, d).is_symlink()]
            for entry in names:
                p = Path(folder, entry)
                if p.is_file():
                    files[p.relative_to(self.path).as_posix()] = p
        return files

    def _members(self) -> dict[str, zipfile.ZipInfo]:
        seen: dict[str, str] = {}
        infos = self._zip.infolist()
        for info in infos:
            try:
                norm = _normal(info.filename)
            except InputError as exc:
                raise InputError(f"{self.path}: {exc}") from None
            if info.is_dir() or not norm:
                continue
            if norm in seen:
                raise InputError(f"{self.path}: two members named {info.filename!r} and {seen[norm]!r}: a zip "
                                 "reader keeps only one of them, so the other's records would be lost; refused "
                                 "(re-create the zip from the unpacked folder)")
            seen[norm] = info.filename
            self._infos[norm] = info
        links = {n: i for n, i in self._infos.items() if stat.S_ISLNK(i.external_attr >> 16)}
        for name, info in links.items():
            target = self._zip.read(info).decode("utf-8", "replace")
            inside = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if target.startswith("/") or inside == ".." or inside.startswith("../"):
                raise InputError(f"{self.path}: {info.filename!r} is a symlink to {target!r}, outside the "
                                 f"{self.kind}: refused")
            if inside not in self._infos:
                raise InputError(f"{self.path}: {info.filename!r} is a symlink to {target!r}, which the zip "
                                 "does not hold")
            self._infos[name] = self._infos[inside]
        return self._infos

    # ------------------------------------------------------------ reading

    def where(self, name: str) -> str:
        """How messages name a file of the export."""
        return f"{self.path}: {name}" if self._zip else str(self.path / name)

    def read(self, name: str) -> bytes:
        """One file's bytes, streamed against the caps; InputError names the file."""
        where = self.where(name)
        if self._zip is None:
            declared = self._files[name].stat().st_size
            self._budget(where, declared)
            try:
                with open(self._files[name], "rb") as fh:
                    return self._stream(fh, where, declared)
            except OSError as exc:
                raise InputError(f"{where}: cannot read ({exc})") from None
        info = self._infos[name]
        if info.file_size > RATIO_FROM_BYTES and info.file_size > self.max_ratio * max(info.compress_size, 1):
            raise InputError(f"{where}: expands {info.file_size / max(info.compress_size, 1):,.0f}-fold "
                             f"({info.compress_size:,} to {info.file_size:,} bytes), over the {self.max_ratio:g}x "
                             "cap for one member (a zip bomb?): refused")
        self._budget(where, info.file_size)
        try:
            with self._zip.open(info) as fh:
                return self._stream(fh, where, info.file_size)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise InputError(f"{where}: cannot read ({exc})") from None

    def _budget(self, where: str, size: int) -> None:
        if self.read_bytes + size > self.max_bytes:
            raise InputError(f"{where}: reading it would take this {self.kind} past {self.max_bytes / 2**30:g} GiB "
                             "of files read (POSTAUDIT_MAX_EXPORT_BYTES raises the cap): refused")

    def _stream(self, fh, where: str, declared: int) -> bytes:
        parts, size = [], 0
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            # a file growing while read, or a member larger than its header says, is not what was checked
            if size > declared or self.read_bytes + size > self.max_bytes:
                raise InputError(f"{where}: larger than the {declared:,} bytes it declares: refused")
            parts.append(chunk)
        self.read_bytes += size
        return b"".join(parts)

    def mtime(self, name: str) -> datetime:
        """A file's modification time (zips store local time without a zone: read as UTC)."""
        if self._zip is None:
            return datetime.fromtimestamp(self._files[name].stat().st_mtime, UTC)
        return datetime(*self._infos[name].date_time, tzinfo=UTC)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ExportFiles:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

