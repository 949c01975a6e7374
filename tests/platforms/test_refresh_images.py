"""Refreshing the recorded images: what changed between two fixtures, the sources read over HTTP from a local
stand-in for GitHub, and a loud failure when GitHub cannot be reached."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import ROOT

from dlenv.errors import FAILED, DlenvError
from dlenv.platforms.images import load_image
from dlenv.platforms.refresh_images import COLAB_REPO, KAGGLE_REPO, GitHub, compare, describe, main, refresh

COLAB_GPU = ROOT / "platform" / "colab" / "images" / "gpu.txt"


def write_version(tmp_path, name, text):
    path = tmp_path / name / "colab" / "images" / "gpu.txt"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return load_image(path)


def test_two_versions_of_a_fixture_differ_by_added_removed_and_upgraded_packages_and_python(tmp_path):
    text = COLAB_GPU.read_text(encoding="utf-8")
    old = write_version(tmp_path, "old", text)
    newer = (
        text.replace("# python: 3.13.15", "# python: 3.14.1")
        .replace("torch==2.11.0+cu128", "torch==2.12.0+cu130")
        .replace("absl-py==1.4.0\n", "")
        + "datasketch==1.7.0\n"
    )
    new = write_version(tmp_path, "new", newer)
    change = compare(old, new)
    assert change.python == ("3.13.15", "3.14.1")
    assert change.changed == {"torch": (old.packages["torch"], "2.12.0+cu130")}
    assert change.added == {"datasketch": "1.7.0"}
    assert change.removed == {"absl-py": old.packages["absl-py"]}
    report = describe(change).splitlines()
    assert report == [
        "colab/gpu:",
        "  python 3.13.15 -> 3.14.1",
        f"  upgraded torch {old.packages['torch']} -> 2.12.0+cu130",
        "  added datasketch 1.7.0",
        f"  removed absl-py {old.packages['absl-py']}",
    ]
    assert describe(compare(old, old)) == "colab/gpu: unchanged"
    assert describe(compare(None, new)) == f"colab/gpu: new, {len(new.packages)} packages"


def dead_url():
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_an_unreachable_github_fails_loudly_and_writes_nothing(tmp_path, capsys):
    shutil.copytree(ROOT / "platform", tmp_path / "platform")
    before = {p: p.read_bytes() for p in (tmp_path / "platform").rglob("*.txt")}
    url = dead_url()
    with pytest.raises(DlenvError) as raised:
        refresh(tmp_path / "platform", GitHub(api=url, raw=url))
    assert str(raised.value).startswith(f"cannot reach {url}/repos/{COLAB_REPO}/commits/HEAD: ")
    assert raised.value.exit_code == FAILED and "\n" not in str(raised.value)
    assert before == {p: p.read_bytes() for p in (tmp_path / "platform").rglob("*.txt")}


COLAB_HEAD, COLAB_BASE, KAGGLE_HEAD = "c" * 40, "b" * 40, "k" * 40
OS_INFO = "# generated\nUbuntu 22.04.5 LTS\nPython {}\nR version 4.6.1\n"
FILES = {
    f"/{COLAB_REPO}/{COLAB_HEAD}/pip-freeze.gpu.txt": "# generated\nnumpy==2.1.3\ntorch==2.11.0+cu128\n",
    f"/{COLAB_REPO}/{COLAB_HEAD}/os-info-gpu.txt": OS_INFO.format("3.13.15"),
    f"/{COLAB_REPO}/{COLAB_HEAD}/pip-freeze.txt": "numpy==2.1.3\ntorch @ https://x/whl/cpu/torch-2.11.0%2Bcpu-cp313-cp313-manylinux_2_28_x86_64.whl\n",
    f"/{COLAB_REPO}/{COLAB_HEAD}/os-info.txt": OS_INFO.format("3.13.15"),
    f"/{COLAB_REPO}/{COLAB_BASE}/pip-freeze.gpu.txt": (
        "numpy==2.0.2\ntorch==2.10.0+cu128\ngoogle-cloud-bigquery-storage==2.0\n"
    ),
    f"/{COLAB_REPO}/{COLAB_BASE}/os-info-gpu.txt": OS_INFO.format("3.12.13"),
    f"/{COLAB_REPO}/{COLAB_BASE}/pip-freeze.txt": "numpy==2.0.2\n",
    f"/{COLAB_REPO}/{COLAB_BASE}/os-info.txt": OS_INFO.format("3.12.13"),
    f"/{KAGGLE_REPO}/{KAGGLE_HEAD}/Dockerfile.tmpl": (
        '{{ if eq .Accelerator "gpu" }}\n'
        "FROM us-docker.pkg.dev/colab-images/public/runtime:release-colab-external-images_20260514-060047_RC00\n"
        "{{ else }}\n"
        "FROM us-docker.pkg.dev/colab-images/public/cpu-runtime:release-colab-external-images_20260514-060047_RC00\n"
    ),
    f"/{KAGGLE_REPO}/{KAGGLE_HEAD}/kaggle_requirements.txt": "# keep sorted\noptuna\ngit+https://github.com/o/segment-anything.git\n",
}


def commit(sha, day):
    return {"sha": sha, "commit": {"committer": {"date": f"{day}T10:00:00Z"}}}


API = {
    f"/repos/{COLAB_REPO}/commits/HEAD": commit(COLAB_HEAD, "2026-08-19"),
    f"/repos/{KAGGLE_REPO}/commits/HEAD": commit(KAGGLE_HEAD, "2026-08-12"),
    f"/repos/{COLAB_REPO}/commits?until=2026-05-14T23:59:59Z&per_page=1": [commit(COLAB_BASE, "2026-05-14")],
}


class StandIn(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in API:
            body = json.dumps(API[self.path]).encode()
        elif self.path in FILES:
            body = FILES[self.path].encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def github():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    yield GitHub(api=url, raw=url)
    server.shutdown()


def stand_in_resolver(calls):
    """uv pip compile's stand-in: each bare name at the version below, pins as they are."""

    def resolve(wanted, preferred, python, day):
        calls.append((wanted, preferred, python, day))
        return [line if "==" in line else f"{line.split('>')[0].split('<')[0]}==4.9.0" for line in wanted]

    return resolve


def test_refresh_writes_every_fixture_with_its_commit_and_reports_what_changed(tmp_path, github):
    folder = tmp_path / "platform"
    shutil.copytree(ROOT / "platform", folder)
    calls = []
    changes = {c.name: c for c in refresh(folder, github, today="2026-12-01", resolve=stand_in_resolver(calls))}
    colab = load_image(folder / "colab" / "images" / "gpu.txt")
    assert colab.recorded == "2026-12-01" and colab.packages == {"numpy": "2.1.3", "torch": "2.11.0+cu128"}
    assert f"https://github.com/{COLAB_REPO}/blob/{COLAB_HEAD}/pip-freeze.gpu.txt" in colab.sources
    assert load_image(folder / "colab" / "images" / "cpu.txt").packages["torch"] == "2.11.0+cpu"
    assert "absl-py" in changes["colab/gpu"].removed and not changes["colab/gpu"].python
    kaggle = load_image(folder / "kaggle" / "images" / "gpu.txt")
    assert kaggle.python == "3.12.13"  # Colab's runtime of the Dockerfile's FROM day, not Colab's newest
    assert f"https://github.com/{COLAB_REPO}/blob/{COLAB_BASE}/pip-freeze.gpu.txt" in kaggle.sources
    assert f"https://github.com/{KAGGLE_REPO}/blob/{KAGGLE_HEAD}/kaggle_requirements.txt" in kaggle.sources
    assert kaggle.packages["torch"] == "2.10.0+cu128"  # Colab's build, kept by its freeze line
    assert kaggle.packages["optuna"] == "4.9.0" and "google-cloud-bigquery-storage" not in kaggle.packages
    assert kaggle.packages["segment-anything"] == "git+https://github.com/o/segment-anything.git"
    assert kaggle.packages["protobuf"] == "5.29.5"  # the Dockerfile's pin after the requirements
    wanted, _, python, day = calls[0]
    assert "torch==2.10.0" in wanted and "pycuda" in wanted and python == "3.12.13" and day == "2026-08-12"
    assert load_image(folder / "dsw" / "images" / "gpu.txt")  # an image without public sources stays as it was


def test_main_prints_the_error_and_exits_1_offline(tmp_path, capsys):
    url = dead_url()
    assert main([str(tmp_path)], GitHub(api=url, raw=url)) == FAILED
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: cannot reach {url}/repos/")
        and "hint: refreshing the platform images needs GitHub" in err
    )
