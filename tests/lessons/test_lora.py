"""The lora lesson: the hand-written LoRA layer is PEFT's (copied weights, same trainable count), starts
as the base, merges exactly; a run on any saved model merges, saves and reloads its adapter faithfully."""

from __future__ import annotations

import copy

import pytest
from support import dlenv_run, metrics

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")
pytest.importorskip("transformers")

from llm_fixtures import save_tiny_llama  # noqa: E402

from dlenv_lessons._llm import tasks  # noqa: E402
from dlenv_lessons._llm.model import TinyLlama  # noqa: E402
from dlenv_lessons._llm.tokenizer import word_tokenizer  # noqa: E402
from dlenv_lessons.lora.model import LoRALinear, add_lora, copy_from_peft, merge_lora, parameter_counts  # noqa: E402

TARGETS = ["q_proj", "v_proj"]


@pytest.fixture(scope="module")
def base():
    torch.manual_seed(0)
    tokenizer = word_tokenizer(tasks.vocabulary())
    model = TinyLlama(hidden=64, layers=2, heads=4, kv_heads=2, intermediate=172).build(tokenizer).eval()
    return model, tasks.lm_batch(tokenizer, tasks.examples(["sort", "copy"], 8, seed=1))


def logits(model, batch):
    with torch.no_grad():
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits


def peft_model(model, init_b: bool = True):
    adapted = peft.get_peft_model(copy.deepcopy(model), peft.LoraConfig(r=8, lora_alpha=16, target_modules=TARGETS))
    if init_b:  # a trained adapter: B no longer zero
        for name, parameter in adapted.named_parameters():
            if "lora_B" in name:
                torch.nn.init.normal_(parameter, std=0.05)
    return adapted.eval()


def test_hand_lora_matches_peft_with_copied_weights(base):
    model, batch = base
    theirs = peft_model(model)
    mine = add_lora(copy.deepcopy(model), TARGETS, rank=8, alpha=16).eval()
    assert copy_from_peft(mine, theirs) == 2 * len(TARGETS)  # two layers
    assert parameter_counts(mine)[0] == parameter_counts(theirs)[0] == 2 * 8 * ((64 + 64) + (64 + 32))
    assert torch.allclose(logits(mine, batch), logits(theirs, batch), atol=1e-5)
    assert not torch.allclose(logits(mine, batch), logits(model, batch), atol=1e-3)  # the adapter does something


def test_zero_initialised_b_starts_as_the_base(base):
    model, batch = base
    mine = add_lora(copy.deepcopy(model), TARGETS, rank=8, alpha=16).eval()
    layer = mine.model.layers[0].self_attn.q_proj
    assert isinstance(layer, LoRALinear) and layer.lora_A.abs().sum() > 0 and layer.lora_B.abs().sum() == 0
    assert torch.equal(logits(mine, batch), logits(model, batch))
    assert not layer.base.weight.requires_grad and layer.lora_A.requires_grad and layer.lora_B.requires_grad


def test_merging_the_hand_layer_keeps_the_outputs(base):
    model, batch = base
    mine = add_lora(copy.deepcopy(model), TARGETS, rank=8, alpha=16).eval()
    copy_from_peft(mine, peft_model(model))
    before = logits(mine, batch)
    merged = merge_lora(mine)
    assert not any(isinstance(m, LoRALinear) for m in merged.modules())
    assert torch.allclose(logits(merged, batch), before, atol=1e-5)


def test_a_saved_model_folder_trains_merges_and_reloads(tmp_path):
    folder = save_tiny_llama(tmp_path / "model")
    out = tmp_path / "run"
    dlenv_run("lora", "--smoke", "--steps", "10", "--set", f"model={folder}", "--set", "eval_examples=16", out=out)
    m = metrics(out)["metrics"]
    assert not (out / "base").exists()  # the given model, not the lesson's own base
    assert m["hand_trainable_params"] == m["trainable_params"] == 8 * ((64 + 64) + (64 + 32))
    assert m["hand_vs_peft_max_abs_diff"] < 1e-5
    assert m["merge_max_abs_diff"] < 1e-4
    assert m["reload_max_abs_diff"] < 1e-6
    assert m["tokens_per_s_adapter"] > 0 and m["tokens_per_s_merged"] > 0
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in (out / "adapter").iterdir()}
    assert m["adapter_bytes"] < 0.1 * sum(p.stat().st_size for p in folder.glob("*.safetensors"))


def test_an_uncached_hub_id_offline_exits_2_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    proc = dlenv_run("lora", "--smoke", "--set", "model=dlenv-tests/not-cached", out=tmp_path / "run", check=False)
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        .splitlines()[-2]
        .startswith("error: cannot download model 'dlenv-tests/not-cached' and no copy is cached in")
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("task=copy", "error: --set task=copy: the base already learned it (base_tasks=copy,reverse,first)"),
        ("task=sortt", "error: unknown --set task 'sortt': did you mean 'sort'?"),
        ("targets=q_proj,qv_proj", "error: unknown LoRA target module 'qv_proj'"),
    ],
)
def test_bad_settings_exit_2_with_one_line(tmp_path, setting, message):
    folder = save_tiny_llama(tmp_path / "model")
    proc = dlenv_run("lora", "--smoke", "--set", f"model={folder}", "--set", setting, out=tmp_path / "r", check=False)
    assert proc.returncode == 2
    error, hint = proc.stderr.strip().splitlines()[-2:]
    assert error.startswith(message) and hint.startswith("hint: ")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_the_smoke_run_learns_on_a_gpu_with_bf16_autocast(tmp_path):
    dlenv_run("lora", "--smoke", "--device", "cuda", out=tmp_path)
    report = metrics(tmp_path)
    m = report["metrics"]
    assert report["device"] == "cuda" and m["loss_end"] < 0.5 * m["loss_start"] and m["exact_match"] > 0.4
    assert m["merge_max_abs_diff"] < 1e-3 and m["reload_max_abs_diff"] < 1e-5
