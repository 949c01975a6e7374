"""Archives in fetched datasets: zip, tar(.gz/.bz2/.xz) and 7z, made here with the standard library and
py7zr, extracted once, atomically, and never outside their folder."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import py7zr
import pytest
from httpserver import FileServer

from dlenv.datasets import fetch
from dlenv.datasets.archives import extract
from dlenv.errors import DlenvError

FILES = {"train/1.png": b"\x89PNG one", "train/2.png": b"\x89PNG two", "labels.csv": b"id,label\n1,cat\n"}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        for name, data in files.items():
            packed.writestr(name, data)
    return buffer.getvalue()


def tarred(path: Path, files: dict[str, bytes], mode: str = "w:gz", links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, mode) as packed:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            packed.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            packed.addfile(info)
    return path


def sevenzipped(path: Path, files: dict[str, bytes]) -> Path:
    with py7zr.SevenZipFile(path, "w") as packed:
        for name, data in files.items():
            packed.writestr(data, name)
    return path


def contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("suffix", [".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".7z"])
def test_each_format_extracts_into_a_folder_named_after_it(tmp_path, suffix):
    archive = tmp_path / f"corpus{suffix}"
    if suffix == ".zip":
        archive.write_bytes(zipped(FILES))
    elif suffix == ".7z":
        sevenzipped(archive, FILES)
    else:
        mode = {".tar": "w", ".tar.gz": "w:gz", ".tgz": "w:gz", ".tar.bz2": "w:bz2", ".tar.xz": "w:xz"}[suffix]
        tarred(archive, FILES, mode)
    assert extract(archive, tmp_path / "corpus") is True
    assert contents(tmp_path / "corpus") == FILES
    assert archive.is_file()  # kept: it is what a checksum verifies
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([archive.name, "corpus"])  # no temp folder left


def test_an_archive_of_one_folder_named_like_it_is_not_nested_twice(tmp_path):
    """cifar-10's train.7z holds train/1.png ...: it becomes train/1.png, not train/train/1.png."""
    archive = sevenzipped(tmp_path / "train.7z", {"train/1.png": b"one", "train/2.png": b"two"})
    extract(archive, tmp_path / "train")
    assert contents(tmp_path / "train") == {"1.png": b"one", "2.png": b"two"}


def test_a_url_archive_is_downloaded_extracted_once_and_kept(machine):
    machine()
    payload = zipped(FILES)
    server = FileServer(payload, name="corpus.zip")
    try:
        spec = f"url:{server.url()}#sha256={hashlib.sha256(payload).hexdigest()}"
        first = fetch(spec)
        assert first.via == "download" and first.path.name == "corpus" and contents(first.path) == FILES
        assert first.path.with_name("corpus.zip").is_file() and first.extracted == (first.path,)
        (first.path / "labels.csv").write_bytes(b"edited by the learner")
        again = fetch(spec)
        assert again.via == "cache" and again.path == first.path and len(server.requests) == 1
        assert (again.path / "labels.csv").read_bytes() == b"edited by the learner"  # not extracted again
    finally:
        server.stop()


def test_a_kaggle_competitions_nested_7z_on_the_read_only_mount_goes_to_the_cache(machine, cli):
    root = machine("/kaggle/input/competitions/cifar-10/", KAGGLE_KERNEL_RUN_TYPE="Batch",
                   KAGGLE_DATA_PROXY_URL="http://proxy")  # fmt: skip
    mount = root / "kaggle/input/competitions/cifar-10"
    sevenzipped(mount / "train.7z", {"train/1.png": b"one"})
    (mount / "trainLabels.csv").write_text("id,label\n1,frog\n")
    result = cli("data", "fetch", "kaggle:competitions/cifar-10", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    train = root / "kaggle/temp/dlenv-cache/datasets/extracted/kaggle/competitions__cifar-10/train"
    assert data["path"] == str(mount) and data["extracted"] == [str(train)]
    assert contents(train) == {"1.png": b"one"}
    assert sorted(p.name for p in mount.iterdir()) == ["train.7z", "trainLabels.csv"]  # the mount is untouched


def test_archives_inside_archives_are_extracted_too(tmp_path, machine):
    root = machine("/home/aistudio/data/data65/", "/home/aistudio/work/")
    inner = sevenzipped(tmp_path / "test.7z", {"a.png": b"a"})
    (root / "home/aistudio/data/data65/cifar.zip").write_bytes(zipped({"test.7z": inner.read_bytes()}))
    fetched = fetch("aistudio:65")
    cifar = root / "home/aistudio/.cache/dlenv/datasets/extracted/aistudio/65/cifar"
    assert fetched.extracted == (cifar, cifar / "test") and contents(cifar / "test") == {"a.png": b"a"}


def test_no_extract_leaves_the_archives_packed(machine, cli):
    root = machine("/home/aistudio/data/data7/")
    (root / "home/aistudio/data/data7/corpus.zip").write_bytes(zipped(FILES))
    result = cli("data", "fetch", "aistudio:7", "--no-extract", "--json")
    assert json.loads(result.stdout)["extracted"] == []
    assert not (root / "home/aistudio/.cache/dlenv/datasets/extracted").exists()


def zip_with_member(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        packed.writestr("fine.txt", b"fine")
        packed.writestr(zipfile.ZipInfo(name), b"pwned")  # ZipInfo keeps the name as written
    return buffer.getvalue()


def zip_with_symlink(name: str, target: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        info = zipfile.ZipInfo(name)
        info.external_attr = (0o120777 << 16) | 0  # a symbolic link, as Info-ZIP stores one
        packed.writestr(info, target)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "member", "why"),
    [
        (lambda d: d.joinpath("x.zip").write_bytes(zip_with_member("../evil.txt")) and d / "x.zip", "../evil.txt",
         "its path leaves the folder it is extracted into"),
        (lambda d: d.joinpath("x.zip").write_bytes(zip_with_member("/tmp/evil.txt")) and d / "x.zip",
         "/tmp/evil.txt", "its path leaves the folder it is extracted into"),
        (lambda d: d.joinpath("x.zip").write_bytes(zip_with_symlink("etc", "../../etc")) and d / "x.zip", "etc",
         "it links to ../../etc, outside the folder"),
        (lambda d: tarred(d / "x.tar.gz", {}, links={"up": "../.."}), "up", "it links to ../.., outside the folder"),
        (lambda d: tarred(d / "x.tar.gz", {"a/../../evil": b"x"}), "a/../../evil",
         "its path leaves the folder it is extracted into"),
        (lambda d: tarred(d / "x.tar.gz", {"sub/passwd": b"x"}, links={"sub": "."}), "sub/passwd",
         "it would be written through the link sub"),
    ],
)  # fmt: skip
def test_a_malicious_archive_is_refused_naming_the_member_and_nothing_lands(tmp_path, make, member, why):
    folder = tmp_path / "dataset"
    folder.mkdir()
    archive = make(folder)
    with pytest.raises(DlenvError) as raised:
        extract(archive, folder / "x")
    assert raised.value.message == f"unsafe member {member!r} in {archive}: {why}"
    assert sorted(p.name for p in folder.iterdir()) == [archive.name]  # no folder, no temp folder
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_a_7z_symlink_pointing_outside_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    source = tmp_path / "source"
    source.mkdir()
    (source / "link").symlink_to(outside)
    archive = tmp_path / "x.7z"
    with py7zr.SevenZipFile(archive, "w") as packed:
        packed.write(source / "link", "link")
    with pytest.raises(DlenvError) as raised:
        extract(archive, tmp_path / "x")
    assert raised.value.message.startswith(f"unsafe member 'link' in {archive}: it links")
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob(".x.part-*"))


def test_an_interrupted_extraction_is_redone_by_the_next_run(tmp_path):
    archive = tmp_path / "corpus.zip"
    archive.write_bytes(zipped(FILES))
    half = tmp_path / ".corpus.part-killed"  # what a run killed mid-extraction leaves
    (half / "train").mkdir(parents=True)
    (half / "train" / "1.png").write_bytes(b"\x89PN")
    assert extract(archive, tmp_path / "corpus") is True
    assert contents(tmp_path / "corpus") == FILES and not half.exists()
    assert extract(archive, tmp_path / "corpus") is False  # done: a second run does nothing


def test_a_corrupt_archive_leaves_no_half_extracted_folder(tmp_path):
    archive = tmp_path / "corpus.tar.gz"
    archive.write_bytes(tarred(tmp_path / "whole.tar.gz", FILES).read_bytes()[:60])
    with pytest.raises(Exception):  # noqa: B017 - the format library's own error
        extract(archive, tmp_path / "corpus")
    assert not (tmp_path / "corpus").exists() and not list(tmp_path.glob(".corpus.part-*"))


def test_without_py7zr_a_7z_is_one_line_with_the_pip_fix(machine, cli, monkeypatch):
    root = machine("/home/aistudio/data/data9/")
    sevenzipped(root / "home/aistudio/data/data9/train.7z", {"1.png": b"one"})
    monkeypatch.setitem(sys.modules, "py7zr", None)  # what an import finds when it is not installed
    result = cli("data", "fetch", "aistudio:9")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "error: cannot extract train.7z: py7zr is not installed",
        "hint: pip install 'dlenv[data]'  (or: pip install py7zr)",
    ]
