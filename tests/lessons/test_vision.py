"""The vision lessons' loaders and weights, on small files the tests write: torchvision's own classes
read them (ImageFolder, MNIST/FashionMNIST raw files, Kaggle's CIFAR-10 layout), and the ImageNet
weights come from the torch hub cache as they would after a download.

Marked `vision`: they need a torchvision built for the installed torch, which `nox -s tests` brings in
its `vision` session (row cu130's torch and torchvision, on the CPU); where torchvision is missing they
fail rather than skip.
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import NO_POSIX_SIGNALS, dlenv_run, metrics, posix_only

from dlenv.errors import DlenvError

pytestmark = pytest.mark.vision

import torch  # noqa: E402  # after the marker: collected in every session, run in the vision one
from PIL import Image  # noqa: E402


def write_images(folder: Path, classes: dict[str, int], size: int = 12) -> None:
    """`count` small PNGs per class, each class its own brightness."""
    for k, (name, count) in enumerate(classes.items()):
        (folder / name).mkdir(parents=True)
        for i in range(count):
            pixels = np.full((size, size + i % 3, 3), 40 * k + i, dtype=np.uint8)  # sizes differ, as photos do
            Image.fromarray(pixels).save(folder / name / f"{i}.png")


# --- generated shapes -------------------------------------------------------------------------------


def test_generated_shapes_are_an_image_folder_written_once(tmp_path):
    from dlenv_lessons._vision.images import image_folder
    from dlenv_lessons._vision.shapes import SOURCE, write_image_folder

    root = tmp_path / "shapes"
    (tmp_path / ".shapes.partial" / "junk").mkdir(parents=True)  # what a killed run left behind
    write_image_folder(root, "source", per_class=3, size=16, seed=0)
    images = image_folder(root)
    assert images.classes == tuple(sorted(SOURCE)) and images.x.shape == (30, 3, 16, 16)
    assert images.x.dtype == torch.uint8 and sorted(images.y.bincount().tolist()) == [3] * 10
    stamp = (root / "circle" / "00000.png").stat().st_mtime_ns
    write_image_folder(root, "source", per_class=3, size=16, seed=0)
    assert (root / "circle" / "00000.png").stat().st_mtime_ns == stamp and not (tmp_path / ".shapes.partial").exists()


# --- torchvision's dataset classes ------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray) -> None:
    """The MNIST file format (big-endian magic: 0x08 = unsigned bytes, then the number of dimensions)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize("name, folder", [("fashion_mnist", "FashionMNIST"), ("mnist", "MNIST")])
def test_mnist_files_read_by_torchvision(tmp_path, name, folder):
    from dlenv_lessons._vision.images import torchvision_digits

    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", 6), ("t10k", 3)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", np.arange(n * 28 * 28).reshape(n, 28, 28) % 256)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    train = torchvision_digits(name, tmp_path, train=True, download=False)
    test = torchvision_digits(name, tmp_path, train=False, download=False)
    assert train.x.shape == (6, 1, 28, 28) and test.y.tolist() == [0, 1, 2] and len(train.classes) == 10
    assert train.x[1, 0, 0, 0].item() == (28 * 28) % 256  # the second image's first pixel


def test_missing_mnist_files_name_the_folder_to_fill(tmp_path):
    from dlenv_lessons._vision.images import torchvision_digits

    with pytest.raises(DlenvError) as error:
        torchvision_digits("fashion_mnist", tmp_path, train=True, download=False)
    assert str(tmp_path / "FashionMNIST" / "raw") in str(error.value)
    assert "train-images-idx3-ubyte" in error.value.hint


def test_cifar10_from_the_kaggle_competition_files(tmp_path):
    from dlenv_lessons._vision.images import cifar10_kaggle

    (tmp_path / "train").mkdir()
    labels = ["frog", "truck", "truck", "deer", "automobile"]
    with (tmp_path / "trainLabels.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "label"])
        for i, label in enumerate(labels, start=1):
            Image.fromarray(np.full((32, 32, 3), i, dtype=np.uint8)).save(tmp_path / "train" / f"{i}.png")
            writer.writerow([i, label])
    images = cifar10_kaggle(tmp_path)
    assert images.classes == ("automobile", "deer", "frog", "truck")
    assert images.y.tolist() == [2, 3, 3, 1, 0] and images.x.shape == (5, 3, 32, 32)
    assert images.x[3, 0, 0, 0].item() == 4  # 4.png is the fourth row's image


def test_cifar10_without_its_files_says_how_to_get_them(tmp_path, monkeypatch):
    from dlenv_lessons._vision.images import cifar10_kaggle

    with pytest.raises(DlenvError, match=r"no trainLabels\.csv") as error:
        cifar10_kaggle(tmp_path)
    assert "kaggle competitions download -c cifar-10" in error.value.hint
    (tmp_path / "trainLabels.csv").write_text("id,label\n")
    (tmp_path / "train.7z").write_bytes(b"7z")  # as Kaggle ships train/
    monkeypatch.setitem(sys.modules, "py7zr", None)  # import py7zr fails: it is not installed
    with pytest.raises(DlenvError, match="packed with 7-Zip") as error:
        cifar10_kaggle(tmp_path)
    assert error.value.hint == f"pip install py7zr, or unpack it: 7z x {tmp_path / 'train.7z'} -o{tmp_path}"


def test_the_ten_monkeys_layout_nests_its_folders_twice(tmp_path):
    from dlenv_lessons._vision.images import image_folder, train_and_test_folders

    write_images(tmp_path / "training" / "training", {"n0": 3, "n1": 2})
    write_images(tmp_path / "validation" / "validation", {"n0": 1, "n1": 1})
    train_root, test_root = train_and_test_folders(tmp_path)
    assert train_root == tmp_path / "training" / "training" and test_root == tmp_path / "validation" / "validation"
    train = image_folder(train_root, size=8)
    assert train.x.shape == (5, 3, 8, 8) and train.y.tolist() == [0, 0, 0, 1, 1]


def test_a_folder_without_train_and_validation_is_one_line(tmp_path):
    from dlenv_lessons._vision.images import train_and_test_folders

    write_images(tmp_path / "n0", {"a": 1})
    with pytest.raises(DlenvError, match="no training and validation folders"):
        train_and_test_folders(tmp_path)


# --- augmentation -------------------------------------------------------------------------------------


def test_flip_and_crop_changes_images_but_not_labels_and_follows_the_seed():
    from dlenv_lessons._vision.images import Batches, Images

    x = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    images = Images(x, torch.arange(8), tuple("abcdefgh"))
    plain, augmented = Batches.of(images), Batches.of(images, augment="flip_crop")
    torch.manual_seed(0)
    a, labels = augmented.batch(torch.arange(8))
    torch.manual_seed(0)
    b, _ = augmented.batch(torch.arange(8))
    assert torch.equal(a, b) and labels.tolist() == list(range(8))  # a resumed step sees the same batch
    assert not torch.equal(a, plain.batch(torch.arange(8))[0])
    assert abs(plain.batch(torch.arange(8))[0].mean().item()) < 1e-5  # normalised with the images' own stats


# --- ImageNet weights through the torch hub cache ---------------------------------------------------


def test_imagenet_weights_come_from_the_hub_cache(tmp_path, monkeypatch):
    from torchvision.models import ResNet18_Weights, resnet18

    from dlenv_lessons.transfer.model import imagenet_weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    saved = resnet18().state_dict()  # stands in for the downloaded file: same name, same keys
    torch.save(saved, checkpoints / Path(ResNet18_Weights.IMAGENET1K_V1.url).name)
    state, mean, std = imagenet_weights("resnet18", "IMAGENET1K_V1")
    assert torch.equal(state["fc.weight"], saved["fc.weight"])
    assert mean == pytest.approx((0.485, 0.456, 0.406)) and std == pytest.approx((0.229, 0.224, 0.225))


def test_uncached_weights_offline_name_the_file_to_bring(tmp_path, monkeypatch):
    from dlenv_lessons.transfer.model import imagenet_weights

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    for proxy in ("https_proxy", "HTTPS_PROXY"):  # a proxy that refuses at once: this machine offline
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    with pytest.raises(DlenvError) as error:
        imagenet_weights("resnet50", "IMAGENET1K_V2")
    assert "resnet50 IMAGENET1K_V2 is not in" in str(error.value)
    assert error.value.hint.startswith("bring resnet50-11ad3fa6.pth (https://download.pytorch.org/models/")
    with pytest.raises(DlenvError, match="no such weights") as error:
        imagenet_weights("resnet18", "IMAGENET1K_V9")
    assert "IMAGENET1K_V1" in error.value.hint


def test_weights_with_resnet10_are_refused_before_training(tmp_path):
    proc = dlenv_run("transfer", "--set", "weights=IMAGENET1K_V1", out=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "error: --set weights=IMAGENET1K_V1: resnet10 has no released weights"


# --- the lessons end to end ----------------------------------------------------------------------------


def test_transfer_from_imagenet_weights_on_an_image_folder(tmp_path):
    """The learner's path: torchvision's resnet18 weights (cached) fine-tuned on a 10-monkeys-like folder."""
    from torchvision.models import ResNet18_Weights, resnet18

    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(resnet18().state_dict(), checkpoints / Path(ResNet18_Weights.IMAGENET1K_V1.url).name)
    write_images(tmp_path / "monkeys" / "training" / "training", {"n0": 8, "n1": 8})
    write_images(tmp_path / "monkeys" / "validation" / "validation", {"n0": 3, "n1": 3})
    sets = ["arch=resnet18", "weights=IMAGENET1K_V1", f"data_dir={tmp_path / 'monkeys'}", "image_size=16",
            "val_images=4", "labelled_per_class=0", "head_steps=2", "validate_every=1"]  # fmt: skip
    args = ["transfer", *(arg for value in sets for arg in ("--set", value)), "--steps", "2"]
    command = [sys.executable, "-m", "dlenv", "run", *args, "--device", "cpu", "--out", str(tmp_path / "o")]
    env = {**_environ(), "TORCH_HOME": str(tmp_path / "torch")}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = metrics(tmp_path / "o")["metrics"]
    assert found["classes"] == 2 and found["labelled_images"] == 12 and "source_val_accuracy" not in found
    assert {"accuracy_head", "accuracy_finetuned", "accuracy_scratch", "transfer_gain"} <= set(found)
    best = torch.load(tmp_path / "o" / "finetune" / "checkpoints" / "best.pt", weights_only=True)
    assert best["metric"] == "val_accuracy" and best["step"] in (1, 2)


def _environ() -> dict[str, str]:
    import os

    return {**os.environ, "OMP_NUM_THREADS": "2"}


def test_cnn_on_an_image_folder_writes_curves_and_best_checkpoints(tmp_path):
    write_images(tmp_path / "data" / "train", {"dark": 12, "light": 12})
    write_images(tmp_path / "data" / "val", {"dark": 4, "light": 4})
    dlenv_run("cnn", "--set", "dataset=folder", "--set", f"data_dir={tmp_path / 'data'}", "--set", "image_size=12",
              "--set", "val_images=4", "--set", "variants=plain,separable", "--set", "augment_images=8",
              "--steps", "4", "--set", "validate_every=2", out=tmp_path / "o")  # fmt: skip
    found = metrics(tmp_path / "o")["metrics"]
    assert found["classes"] == 2 and found["params_separable"] < found["params_plain"]
    assert {"accuracy_small_plain", "accuracy_small_augmented", "augmentation_gain"} <= set(found)
    for part in ("plain", "separable", "small_plain", "small_augmented"):
        best = torch.load(tmp_path / "o" / part / "checkpoints" / "best.pt", weights_only=True)
        assert best["metric"] == "val_accuracy"
    assert (tmp_path / "o" / "curves.png").stat().st_size > 10_000


def wait_for(path_glob: Path, pattern: str, timeout: float = 240) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list(path_glob.glob(pattern)):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing matched {path_glob}/{pattern}")


@posix_only(NO_POSIX_SIGNALS)
def test_a_cnn_run_killed_in_its_second_variant_resumes_to_the_same_result(tmp_path):
    args = ["cnn", "--set", "variants=separable,batchnorm", "--set", "train_images=300", "--set", "val_images=100",
            "--set", "test_images=100", "--set", "augment_images=0", "--steps", "40", "--set", "validate_every=10",
            "--checkpoint-every", "5", "--seed", "1"]  # fmt: skip
    dlenv_run(*args, out=tmp_path / "whole")
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "dlenv", "run", *args, "--device", "cpu", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_environ())  # fmt: skip
    wait_for(out / "batchnorm" / "checkpoints", "step-*.ckpt")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "metrics.json").exists()
    dlenv_run(*args, "--resume", out=out)
    timeless = lambda m: {k: v for k, v in m.items() if not k.startswith("step_ms_")}  # noqa: E731
    assert timeless(metrics(out)["metrics"]) == timeless(metrics(tmp_path / "whole")["metrics"])
    for part in ("separable", "batchnorm"):
        best = [torch.load(o / part / "checkpoints" / "best.pt", weights_only=True) for o in (out, tmp_path / "whole")]
        assert best[0]["step"] == best[1]["step"] and best[0]["value"] == best[1]["value"]


def test_the_doctor_passes_the_installed_torch_and_torchvision(tmp_path):
    """This environment's own pair, read from the installed wheels' files."""
    proc = subprocess.run([sys.executable, "-m", "dlenv", "doctor", "--json"], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    check = next(c for c in json.loads(proc.stdout)["checks"] if c["id"] == "torchvision-matches-torch")
    import torchvision

    assert check["status"] == "ok", check
    assert torchvision.__version__.split("+")[0] in check["message"]
