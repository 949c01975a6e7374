"""Archives in a dataset — zip, tar (.gz, .bz2, .xz) and 7z — extracted safely, atomically and once.

Kaggle competitions arrive as a zip that kagglehub extracts (its http_resolver.py deletes the zip after),
but what is inside stays packed: cifar-10 holds train.7z and test.7z. Datasets attached to an AI Studio
project are usually zip or tar files (platforms.md §3(d)). So every archive in a fetched dataset is
extracted into a folder named after it, beside it, or below dlenv's cache where the dataset is read-only
(Kaggle's /kaggle/input).

- Safe: a member with an absolute name or `..`, a link pointing outside the folder, or a member written
  through a link stops the extraction, with an error naming the member; nothing lands outside.
- Atomic: extraction goes to a hidden `.NAME.part-*` folder beside the target, renamed into place when
  complete; an interrupted run leaves only that folder, which the next run removes before redoing the work.
- Once: a target that exists is complete (it was renamed into place), so a second fetch extracts nothing.

The archive is kept: it is what a `url:` spec's sha256 verifies (deleting it would mean a new download to
check anything), and on a mount it is read-only. Delete it by hand to reclaim the space.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dlenv.errors import DlenvError, shown

# Longest suffixes first: "x.tar.gz" is a tar, not a gzip of "x.tar".
SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip", ".7z")
PART = ".part-"  # in the name of a folder being extracted into: `.NAME.part-XXXX`
MAX_DEPTH = 3  # archives inside archives inside archives; deeper is more likely a trick than a dataset


@dataclass(frozen=True)
class Member:
    name: str
    link: str | None = None  # where a symbolic or hard link points; None for a file or folder
    hard: bool = False  # a hard link's target is relative to the archive's root, a symlink's to its folder


def stem(path: Path) -> str | None:
    """The folder an archive extracts into ("train" for train.7z), or None when `path` is no archive."""
    lower = path.name.lower()
    suffix = next((s for s in SUFFIXES if lower.endswith(s)), None)
    return path.name[: -len(suffix)] or None if suffix else None


def extract(archive: Path, target: Path) -> bool:
    """`archive` into the folder `target`; False when `target` exists already (extracted before)."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}{PART}*"):  # an interrupted run's leftovers
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}{PART}", dir=target.parent))
    try:
        _extractor(archive)(archive, work)
        _check_links_inside(work, archive)
        entries = list(work.iterdir())
        # train.7z holding a single train/ folder: its content, not train/train/
        single = entries[0] if len(entries) == 1 and entries[0].name == target.name and entries[0].is_dir() else None
        (single or work).rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def extract_within(root: Path, into: Path, depth: int = 0, only: Path | None = None) -> list[Path]:
    """Every archive under `root` (or `only` that one) extracted into the same place below `into` (`root`
    itself where it is writable), and the archives those hold in turn; returns the folders, whether new or
    there before."""
    folders = []
    for archive in [only] if only is not None else archives_in(root):
        target = into / archive.relative_to(root).parent / str(stem(archive))
        extract(archive, target)
        folders.append(target)
        if depth < MAX_DEPTH:
            folders += extract_within(target, target, depth + 1)
    return list(dict.fromkeys(folders))


def archives_in(root: Path) -> list[Path]:
    """The archives under `root`, outside hidden folders (extractions in progress among them)."""
    found = []
    for folder, subfolders, files in os.walk(root, followlinks=True):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [Path(folder) / name for name in sorted(files) if stem(Path(name))]
    return found


def unsafe(archive: Path, member: str, why: str) -> DlenvError:
    return DlenvError(
        f"unsafe member {shown(member)!r} in {archive}: {why}",
        hint="nothing was extracted; get the dataset from a source you trust",
    )


def check_members(archive: Path, members: Iterable[Member]) -> None:
    """Refuse a member that would land outside the folder, by its name, its link, or a link on its way."""
    links = set()
    members = list(members)
    for member in members:
        path = PurePosixPath(member.name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or member.name[1:2] == ":":
            raise unsafe(archive, member.name, "its path leaves the folder it is extracted into")
        if member.link is not None:
            link = member.link.replace("\\", "/")
            start = "" if member.hard else str(path.parent)
            landing = posixpath.normpath(posixpath.join(start, link))
            if link.startswith("/") or landing == ".." or landing.startswith("../"):
                raise unsafe(archive, member.name, f"it links to {shown(member.link)}, outside the folder")
            links.add(path)
    for member in members:
        path = PurePosixPath(member.name.replace("\\", "/"))
        through = next((p for p in path.parents if p in links), None)
        if through is not None:
            raise unsafe(archive, member.name, f"it would be written through the link {through}")


def _check_links_inside(folder: Path, archive: Path) -> None:
    """After extraction, before the rename: every symbolic link still points inside `folder`."""
    root = folder.resolve()
    for path in folder.rglob("*"):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise unsafe(archive, str(path.relative_to(folder)), f"it links to {path.readlink()}, outside the folder")


def _extractor(archive: Path) -> Callable[[Path, Path], None]:
    name = archive.name.lower()
    if name.endswith(".zip"):
        return _zip
    if name.endswith(".7z"):
        return _7z
    return _tar


def _zip(archive: Path, into: Path) -> None:
    with zipfile.ZipFile(archive) as packed:
        members = []
        for info in packed.infolist():
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            members.append(Member(info.filename, packed.read(info).decode("utf-8", "replace") if is_link else None))
        check_members(archive, members)
        packed.extractall(into)  # a zipped symlink becomes a small file holding its target: never followed


def _tar(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as packed:
        entries = packed.getmembers()
        links = (Member(e.name, e.linkname if e.issym() or e.islnk() else None, e.islnk()) for e in entries)
        check_members(archive, links)
        try:
            packed.extractall(into, members=entries, filter="data")  # and the standard library's own checks
        except tarfile.FilterError as error:
            raise unsafe(archive, error.tarinfo.name, str(error)) from None


def _7z(archive: Path, into: Path) -> None:
    try:
        import py7zr
    except ImportError:
        raise DlenvError(
            f"cannot extract {archive.name}: py7zr is not installed",
            hint="pip install 'dlenv[data]'  (or: pip install py7zr)",
        ) from None
    with py7zr.SevenZipFile(archive) as packed:
        # py7zr lists no link targets: a link's own name and what is written through it are checked here,
        # where it points once it is extracted (_check_links_inside)
        listed = packed.list()
        check_members(archive, (Member(i.filename, "." if i.is_symlink else None) for i in listed))
        try:
            packed.extractall(path=into)
        except py7zr.exceptions.Bad7zFile as error:  # py7zr's own check of where a link points
            links = [i.filename for i in listed if i.is_symlink]
            if not links or "ymlink" not in str(error):
                raise
            raise unsafe(archive, ", ".join(links), "it links outside the folder") from None
