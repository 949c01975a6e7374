"""The qlora lesson: 4-bit NF4 weights are a fraction of fp32's, a run on any saved model trains LoRA
through them, and where 4-bit cannot run the lesson exits 2 with the doctor's fix instead of quietly
training in full precision."""

from __future__ import annotations

import pytest
from support import dlenv_run, metrics

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("bitsandbytes")

from llm_fixtures import save_tiny_llama  # noqa: E402

import dlenv.doctor.collect as collect  # noqa: E402
from dlenv.doctor.probe import parse_probe  # noqa: E402
from dlenv_lessons._llm.model import load_pretrained  # noqa: E402
from dlenv_lessons.qlora import quant  # noqa: E402


def test_4bit_weights_are_a_fraction_of_fp32(tmp_path):
    folder = str(save_tiny_llama(tmp_path / "model"))
    model, _ = load_pretrained(folder, quantization_config=quant.quantization_config(torch.float32))
    four_bit, full = quant.weight_bytes(model), quant.full_precision_bytes(folder, torch.float32)
    dense, _ = load_pretrained(folder)
    assert full == quant.weight_bytes(dense)  # the meta-device count is what loading takes
    assert type(model.model.layers[0].mlp.up_proj).__name__ == "Linear4bit"
    assert four_bit < 0.3 * full  # the embedding and the norms stay in full precision


def test_a_saved_model_folder_trains_adapters_on_4bit_weights(tmp_path):
    folder = save_tiny_llama(tmp_path / "model")
    out = tmp_path / "run"
    dlenv_run("qlora", "--smoke", "--steps", "10", "--set", f"model={folder}", "--set", "eval_examples=16", out=out)
    m = metrics(out)["metrics"]
    assert m["weight_bytes_4bit"] < 0.3 * m["weight_bytes_full"]
    assert m["weight_bytes_bf16"] == pytest.approx(m["weight_bytes_full"] / 2, rel=0.01)  # fp32 rotary buffers
    assert m["compute_dtype"] == "float32" and m["optimizer"] == "AdamW"  # paged AdamW only on CUDA
    assert m["loss_end"] < m["loss_start"]
    assert (out / "adapter" / "adapter_model.safetensors").is_file()


def with_bitsandbytes(monkeypatch, version: str | None) -> None:
    """Pretend bitsandbytes `version` is installed (None: not at all), where the doctor looks it up."""
    real = collect.installed_versions()

    def installed() -> dict[str, str]:
        found = {k: v for k, v in real.items() if k != "bitsandbytes"}
        return found | ({"bitsandbytes": version} if version else {})

    monkeypatch.setattr(collect, "installed_versions", installed)


@pytest.mark.parametrize(
    ("version", "error", "hint"),
    [
        ("0.45.0", "error: cannot run 4-bit on cpu: bitsandbytes 0.45.0 has no CPU backend (0.48 added it)",
         "hint: pip install -U 'bitsandbytes>=0.48'"),
        ("0.41.1", "error: cannot run 4-bit on cpu: bitsandbytes 0.41.1 is older than any release dlenv knows",
         "hint: pip install -U 'bitsandbytes>=0.48'"),
        (None, "error: 4-bit needs bitsandbytes, which is not installed", "hint: pip install 'bitsandbytes>=0.48'"),
    ],
)  # fmt: skip
def test_without_a_4bit_capable_bitsandbytes_the_run_exits_2(cli, monkeypatch, tmp_path, version, error, hint):
    with_bitsandbytes(monkeypatch, version)
    result = cli("run", "qlora", "--smoke", "--device", "cpu", "--out", str(tmp_path))
    assert result.code == 2
    assert result.stderr.strip().splitlines()[-2:] == [error, hint]
    assert not (tmp_path / "base").exists() and not (tmp_path / "metrics.json").exists()  # nothing trained


def test_a_gpu_the_bitsandbytes_library_cannot_serve_is_refused(monkeypatch):
    maxwell = {
        "python": "3.11.7",
        "driver_version": "550.54.15",
        "cuda_driver": "12.4",
        "gpus": [{"name": "Tesla M60", "compute_capability": "5.2"}],
        "packages": {
            "torch": {"version": "2.5.1", "cuda": "12.4"},
            "bitsandbytes": {"version": "0.48.0", "libraries": ["124"], "cuda_library": "124"},
        },
    }
    monkeypatch.setattr(collect, "collect", lambda: parse_probe(maxwell))
    problem = quant.four_bit_problem("cuda")
    assert problem is not None and problem.exit_code == 2
    assert "Tesla M60" in problem.message and "cannot run 4-bit" in problem.message and problem.hint
    assert quant.four_bit_problem("cpu") is None  # the CPU backend of 0.48 serves the same machine


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_the_smoke_run_learns_on_a_gpu_with_bf16_compute_and_paged_adamw(tmp_path):
    if quant.four_bit_problem("cuda"):  # the refusal itself is tested above; here the GPU path must work
        pytest.skip(str(quant.four_bit_problem("cuda")))
    dlenv_run("qlora", "--smoke", "--device", "cuda", out=tmp_path)
    m = metrics(tmp_path)["metrics"]
    assert m["compute_dtype"] in ("bfloat16", "float16") and m["optimizer"] == "PagedAdamW"
    assert m["loss_end"] < 0.5 * m["loss_start"] and m["exact_match"] > 0.35
    assert m["cuda_peak_bytes"] > 0 and m["weight_bytes_4bit"] < 0.3 * m["weight_bytes_full"]


def test_checkpoints_hold_the_adapters_only_and_resume(tmp_path):
    folder = save_tiny_llama(tmp_path / "model")
    out, args = tmp_path / "run", ["qlora", "--set", f"model={folder}", "--set", "eval_examples=8"]
    dlenv_run(*args, "--steps", "6", "--checkpoint-every", "3", out=out)
    state = torch.load(out / "checkpoints" / "step-00000006.ckpt", weights_only=True)["model"]
    assert state and all("lora_" in key for key in state)  # no 4-bit base weights, no quantisation state
    dlenv_run(*args, "--steps", "9", "--checkpoint-every", "3", "--resume", out=out)
    assert metrics(out)["steps"] == 9 and (out / "checkpoints" / "step-00000009.ckpt").is_file()
