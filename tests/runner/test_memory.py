"""The memory estimate counts a model's weights, gradients and Adam state exactly, and its activations as
what autograd really saves, on the meta device; the table the doctor reads is what the counters give."""

from __future__ import annotations

import pytest
import torch
from support import ROOT
from torch import nn

from dlenv.runner.memory import (
    CUDA_CONTEXT_MIB,
    MIB,
    count_torch,
    lesson_need,
    recorded_needs,
    render_table,
    table_path,
)
from dlenv_lessons.qlora.config import Config as QloraConfig

BATCH, FEATURES, HIDDEN, CLASSES = 64, 100, 300, 10


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))


def loss_of(model: nn.Module) -> torch.Tensor:
    x, y = torch.randn(BATCH, FEATURES), torch.randint(0, CLASSES, (BATCH,))
    return nn.functional.cross_entropy(model(x), y)


def test_weights_gradients_and_adam_state_are_counted_exactly():
    need = count_torch(mlp, loss_of, "adam")
    model = mlp()  # the same model trained one real step on the CPU: torch's own tensors, counted
    optimizer = torch.optim.Adam(model.parameters())
    loss_of(model).backward()
    optimizer.step()
    weights = sum(p.nbytes for p in model.parameters())
    grads = sum(p.grad.nbytes for p in model.parameters())
    moments = sum(s[k].nbytes for s in optimizer.state.values() for k in ("exp_avg", "exp_avg_sq"))
    assert (need.parameters, need.gradients, need.optimizer) == (weights, grads, moments)
    assert weights == 4 * (FEATURES * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES)
    assert count_torch(mlp, loss_of, "sgd").optimizer == 0
    assert need.overhead == CUDA_CONTEXT_MIB * MIB


def test_activations_are_what_backward_keeps_on_a_real_cpu_run():
    need = count_torch(mlp, loss_of, "adam")
    # The same forward on the CPU, its saved tensors counted by real address: meta counts the same memory.
    model, kept = mlp(), {}
    weights = {p.data_ptr() for p in model.parameters()}

    def keep(t: torch.Tensor) -> torch.Tensor:
        if t.data_ptr() not in weights:
            kept[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(keep, lambda t: t):
        loss = loss_of(model)
    assert need.activations == sum(kept.values()) + loss.nbytes
    # The input, the hidden layer once (ReLU's output is the second Linear's input) and the logits'
    # softmax: within the textbook count and its double.
    textbook = 4 * BATCH * (FEATURES + HIDDEN + CLASSES)
    assert textbook <= need.activations <= 2 * textbook


def test_four_bit_weights_are_half_a_byte_and_their_block_constants():
    model = str(ROOT / "tests/fixtures/models/qwen2.5-0.5b")  # Qwen2.5-0.5B's config.json, no weights
    need = lesson_need("qlora", QloraConfig(model=model, gradient_checkpointing=False, double_quant=False))
    hidden, kv, mlp_width, layers, vocab = 896, 128, 4864, 24, 151936  # kv: 2 key/value heads of 64
    projections = layers * (2 * hidden * hidden + 2 * hidden * kv + 3 * hidden * mlp_width)
    nf4 = projections // 2 + projections // 64 * 4  # 4 bits a weight, a fp32 absmax a block of 64 (QLoRA §3)
    fp32 = 4 * (vocab * hidden + layers * (hidden + 2 * kv + 2 * hidden) + hidden)  # embeddings, biases, norms
    assert need.parameters == nf4 + fp32 + need.gradients  # the adapters: trained, so in their own dtype
    checkpointed = lesson_need("qlora", QloraConfig(model=model, double_quant=False))
    assert checkpointed.activations < need.activations / 4


def test_the_doctors_table_is_what_the_lessons_count_today():
    assert table_path().read_text(encoding="utf-8") == render_table(), "run: python -m dlenv.runner.memory"
    assert {"lora", "qlora"} <= set(recorded_needs())


def test_every_lesson_has_an_estimate_or_is_declared_gpu_free():
    from dlenv.lessons_catalog import lesson_names
    from dlenv.runner.memory import gpu_free_reason, recorded_gpu_free

    estimated, gpu_free = set(recorded_needs()), recorded_gpu_free()
    for name in lesson_names():
        assert (name in estimated) != (name in gpu_free), f"{name}: an estimate in memory.toml or NO_GPU, one of them"
    assert set(gpu_free) == {"dedup", "tensors"}
    assert all(gpu_free_reason(name) == why and lesson_need(name, None) is None for name, why in gpu_free.items())


def test_only_torchvision_keeps_a_lesson_from_being_counted_in_the_main_environment():
    import importlib.util

    from dlenv.runner.frameworks import lesson_needs
    from dlenv.runner.memory import counted_rows, lessons_with_estimates

    for name in lessons_with_estimates():
        if "torchvision" in lesson_needs(name) and importlib.util.find_spec("torchvision") is None:
            continue
        assert counted_rows(name) == [] or counted_rows(name)[0].startswith("default = ")


def test_a_new_estimate_counts_the_real_models_parameter_bytes_exactly():
    from dlenv_lessons.wide_deep import data
    from dlenv_lessons.wide_deep.config import Config
    from dlenv_lessons.wide_deep.model import SideBySide

    cfg, table = Config(), data.clicks()
    model = SideBySide.for_table(table, cfg.embedding_dim, cfg.hidden)
    weights = sum(p.numel() * p.element_size() for p in model.parameters())  # built on the CPU, for real
    need = lesson_need("wide_deep", cfg)
    assert (need.parameters, need.gradients, need.optimizer) == (weights, weights, 2 * weights)
    assert need.activations > 4 * cfg.batch_size * cfg.hidden  # at least one hidden layer's outputs


@pytest.mark.vision
def test_the_vision_lessons_rows_are_what_they_count_where_torchvision_is():
    from dlenv.runner.memory import counted_rows, recorded_rows

    assert counted_rows("transfer") == recorded_rows("transfer", recorded_needs())
