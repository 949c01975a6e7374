"""What each lesson's --smoke run must show: named bars over the metrics of its OUT/metrics.json.

A bar is one comparison written as Python, `exact_match > 0.4` or `loss_end < 0.5 * loss_start`, so a
failure names the bar and the values on both sides, and the seed sweep (`nox -s smoke_seeds`) can show
by how much each seed clears it. A bar holds with margin on any seed and any CPU, not only the one it
was tuned on: tests/lessons/smoke_seeds.py runs seeds 0-4 of every lesson against these.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

# What a bar may call besides the metrics' names.
BUILTINS = {"len": len, "max": max, "min": min, "abs": abs}


@dataclass(frozen=True)
class Bar:
    expression: str  # one comparison: LEFT OP RIGHT

    def __post_init__(self) -> None:
        if not (isinstance(self._tree, ast.Compare) and len(self._tree.ops) == 1):
            raise ValueError(f"a bar is one comparison, LEFT OP RIGHT: {self.expression!r}")

    @cached_property
    def _tree(self) -> ast.expr:
        return ast.parse(self.expression, mode="eval").body

    def _parts(self) -> tuple[ast.expr, ast.cmpop, ast.expr]:
        assert isinstance(self._tree, ast.Compare)
        return self._tree.left, self._tree.ops[0], self._tree.comparators[0]

    def sides(self, metrics: Mapping[str, Any]) -> tuple[Any, Any]:
        """The values of LEFT and RIGHT on a run's metrics."""
        left, _, right = self._parts()
        return _evaluate(left, metrics), _evaluate(right, metrics)

    def holds(self, metrics: Mapping[str, Any]) -> bool:
        return bool(_evaluate(self._tree, metrics))

    @property
    def against_literal(self) -> bool:
        """The right side is a number or a literal (`> 0.85`), the same on every run."""
        try:
            ast.literal_eval(self._parts()[2])
        except ValueError:
            return False
        return True

    def explain(self, metrics: Mapping[str, Any]) -> str:
        """`exact_match > 0.4: 0.21 vs 0.4`, the values a failure message needs."""
        left, right = self.sides(metrics)
        return f"{self.expression}: {short(left)} vs {short(right)}"


def _evaluate(node: ast.expr, metrics: Mapping[str, Any]) -> Any:
    code = compile(ast.Expression(node), "<bar>", "eval")
    return eval(code, {"__builtins__": {}, **BUILTINS}, dict(metrics))  # our own expressions, not input


def short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | dict) and len(str(value)) > 40:
        return f"{type(value).__name__} of {len(value)}"
    return str(value)


def bars(*expressions: str) -> tuple[Bar, ...]:
    return tuple(Bar(e) for e in expressions)


# Chance: accuracy 0.1 with ten classes, 0.5 with two; r2 0 (predicting the mean).
LEARNS: dict[str, tuple[Bar, ...]] = {
    "tensors": bars(
        "slope_error < 0.2",
        "intercept_error < 0.2",
        "broadcast_shape == [3, 4]",
        "broadcast_corner == 6.0",  # (a * b)[2, 3] = 2 · 3
        "autograd_grad == 12.0",  # d(w³)/dw at w = 2
        "samples_seen == samples",
        "distinct_samples_seen == samples",
        "out_of_order == 0",
        "image_batch_shape == [32, 1, 8, 8]",  # batch_size 32 of 8×8 one-channel images
        "x_batch_shape == [32, 1]",
    ),
    "classification": bars("accuracy > 0.85"),
    "cnn": bars(
        "accuracy > 0.9",  # the best of the four variants
        "min(accuracy_plain, accuracy_batchnorm, accuracy_selu, accuracy_separable) > 0.25",  # each one learns
        "params_separable < 0.25 * params_plain",
        "accuracy_small_augmented > 0.35",  # 150 images: augmented, it learns too, if slower
    ),
    "transfer": bars(
        "source_val_accuracy > 0.8",  # the backbone learned its first task
        "accuracy_head > 0.4",  # its frozen features already separate the new classes (chance 0.2)
        "accuracy_finetuned > accuracy_scratch + 0.05",  # transfer wins on a few labelled images
    ),
    "regression": bars("r2 > 0.2"),
    "custom": bars(
        "accuracy > 0.85",
        "swish_gradcheck == True",
        "focal_gamma0_vs_cross_entropy < 1e-6",
        "huber_vs_torch < 1e-6",
        "swish_vs_silu < 1e-6",
        "dense_vs_linear < 1e-6",
    ),
    # wide_deep: two_heads starts from wide_deep's weights and sees the same batches, so the change in AUC is
    # the second loss's alone (+0.012 to +0.024 on seeds 0-4)
    "wide_deep": bars("auc > 0.7", "auc_wide_deep >= auc_wide", "auc_two_heads > auc_wide_deep", "aux_r2 > 0.6"),
    "hparam": bars("best_value > 0.85", "trials_complete + trials_pruned == trials"),
    "text": bars("neighbour_same_kind > 0.6", "unknown_rate_words > 0.2", "unknown_rate_bpe == 0"),
    "rnn_sentiment": bars("accuracy > 0.9", "bag_of_words_accuracy < 0.7"),
    # rnn_variants: a verdict up to 16 words before the end; only the one-way vanilla RNNs cannot carry it there
    "rnn_variants": bars(
        "accuracy_lstm > 0.95",
        "accuracy_gru > 0.95",
        "accuracy_lstm_2layers > 0.95",
        "accuracy_rnn_bidirectional > 0.95",
        "accuracy_lstm_bidirectional > 0.95",
        "accuracy_rnn < 0.7",
        "accuracy_rnn_2layers < 0.7",
        "gradient_reach_rnn < 0.01 * gradient_reach_lstm",
        "len(variants) == 7",
    ),
    "text_generation": bars("perplexity < 0.25 * uniform_perplexity", "len(samples) == 2"),
    "transformer": bars("exact_match > 0.5", "bleu > 70", "len(translations) == 5"),
    # seq2seq: both variants learn (short lists are easy for both); on the longest fifth of the sources the one
    # without attention, its source squeezed into one vector, falls far behind
    "seq2seq": bars(
        "exact_match > 0.8",
        "bleu > 80",
        "exact_match_no_attention > 0.2",
        "attention_gain_long > 0.5",
        "len(translations) == 5",
    ),
    # lora, qlora: the new task's answer is one of the 3-6 prompt letters (chance about 0.22 when the model
    # picks one); the base, before the adapters, scores about 0.
    "lora": bars(
        "loss_end < 0.5 * loss_start",
        "exact_match > 0.4",
        "base_exact_match < 0.1",
        "trainable_fraction <= 0.01",
        "merge_max_abs_diff < 1e-3",
        "hand_vs_peft_max_abs_diff < 1e-4",
        "reload_max_abs_diff < 1e-5",
    ),
    "qlora": bars(
        "loss_end < 0.5 * loss_start",
        "exact_match > 0.35",
        "base_exact_match < 0.1",
        "weight_bytes_4bit < 0.3 * weight_bytes_full",
    ),
    "prompting": bars("zero_shot_accuracy < 0.5", "few_shot_accuracy > zero_shot_accuracy + 0.2"),
    "dedup": bars("recall >= 0.95", "precision > 0.4", "docs_per_s >= datasketch_docs_per_s"),
    "rlhf": bars("reward_accuracy > 0.6", "dpo_margin_end > dpo_margin_start + 0.1"),
    "tf_dnn": bars("accuracy > 0.9"),
    "tf_gradients": bars(
        "accuracy_relu > 0.85",
        "accuracy_bn > 0.85",
        "accuracy_sigmoid < 0.5",  # its first layers barely move: the gradient vanished on the way
        "vanishing_ratio_sigmoid < 1e-3 * vanishing_ratio_bn",
        "exploding_unclipped_diverged_at is not None",
        "exploding_clipped_diverged_at is None",
    ),
    # deep_networks: the PyTorch counterpart of tf_gradients and tf_regularization, 20 layers deep
    "deep_networks": bars(
        "accuracy > 0.85",
        "accuracy_plain > 0.75",
        "accuracy_sigmoid < 0.25",  # its first layers get about 1e-12 of the read-out's gradient
        "vanishing_ratio_sigmoid < 1e-9",
        "vanishing_ratio_bn > 5",  # batch norm's gradient grows toward the input at this depth
        "vanishing_ratio_selu > 0.5",
        "vanishing_ratio_selu < 2",
        "abs(activation_std_last_selu - 1) < 0.15",  # self-normalising: unit variance twenty layers in
        "gap_dropout < 0.7 * gap_plain",  # validation - training loss
        "gap_selu < 0.7 * gap_plain",
        "gap_bn < gap_plain",
        "accuracy_gap_dropout < accuracy_gap_plain",  # training - validation accuracy
        "accuracy_gap_selu < accuracy_gap_plain",
    ),
    "tf_regularization": bars(
        "train_accuracy_plain == 1.0",  # the plain network memorised its few examples
        "val_accuracy_plain > 0.8",
        "val_accuracy_dropout > 0.8",
        "val_accuracy_bn > 0.8",
        "gap_dropout < 0.8 * gap_plain",  # validation loss - training loss
        "gap_bn < 0.8 * gap_plain",
    ),
}


def failed(lesson: str, metrics: Mapping[str, Any]) -> list[str]:
    """Each bar of `lesson` that `metrics` miss, explained; empty when the run learned."""
    missed = []
    for bar in LEARNS[lesson]:
        try:
            if not bar.holds(metrics):
                missed.append(bar.explain(metrics))
        except (NameError, TypeError) as error:  # a metric the run did not report
            missed.append(f"{bar.expression}: {error}")
    return missed
