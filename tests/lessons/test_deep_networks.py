"""The deep_networks lesson: what its networks do to a signal at initialisation (SELU keeps mean 0 and variance 1
through twenty layers where sigmoid and a badly initialised SELU do not; alpha dropout keeps both where dropout
raises the variance), statistics that leave the network as they found it, and a run through the runner that
resumes exactly and writes its plot and metrics."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from torch import nn  # noqa: E402

from dlenv_lessons.deep_networks.model import KINDS, deep_network, linear_layers  # noqa: E402
from dlenv_lessons.deep_networks.statistics import layer_statistics  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def standard_normal_batch(rows: int = 512, inputs: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(rows, inputs, generator=generator), torch.randint(0, 10, (rows,), generator=generator)


def activations(network: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    outputs = []
    with torch.no_grad():
        for block in network[:-1]:
            x = block(x)
            outputs.append(x)
    return outputs


def test_each_kind_initialises_its_weights_with_its_papers_variance():
    torch.manual_seed(0)
    expected_std = {"plain": math.sqrt(2 / 128), "bn": math.sqrt(2 / 128), "dropout": math.sqrt(2 / 128),
                    "selu": 1 / math.sqrt(128), "sigmoid": math.sqrt(2 / (128 + 128))}  # fmt: skip
    for kind in KINDS:
        network = deep_network(kind, depth=4, width=128, inputs=128)
        hidden = linear_layers(network)[1]  # 128 in, 128 out
        assert float(hidden.weight.detach().std()) == pytest.approx(expected_std[kind], rel=0.05), kind
        assert (hidden.bias is None) == (kind == "bn")  # batch norm's shift replaces the bias


def test_selu_keeps_mean_0_and_variance_1_through_twenty_layers_where_others_do_not():
    x, _ = standard_normal_batch()
    torch.manual_seed(0)
    selu = deep_network("selu", depth=20, width=256, dropout=0.0).eval()
    last = activations(selu, x)[-1]
    assert abs(float(last.mean())) < 0.1 and float(last.std()) == pytest.approx(1.0, abs=0.1)
    # The same network with torch's default initialisation (variance 1 / (3 fan_in), not 1 / fan_in): each
    # layer shrinks the signal towards SELU's fixed point's wrong side, and after twenty little is left.
    torch.manual_seed(0)
    default_init = nn.Sequential(*[nn.Sequential(nn.Linear(64 if i == 0 else 256, 256), nn.SELU()) for i in range(20)])
    assert float(activations(default_init, x)[-1].std()) < 0.3
    # Sigmoid squashes: its outputs sit near 0.5 with a small spread, input side to output side.
    torch.manual_seed(0)
    sigmoid_last = activations(deep_network("sigmoid", depth=20, width=256), x)[-1]
    assert float(sigmoid_last.std()) < 0.2 and float(sigmoid_last.mean()) == pytest.approx(0.5, abs=0.1)


def test_alpha_dropout_keeps_mean_and_variance_in_training_mode_where_dropout_raises_the_variance():
    torch.manual_seed(0)
    x = torch.randn(200_000)  # the zero-mean, unit-variance activations a SELU network keeps
    alpha = nn.AlphaDropout(0.1).train()(x)
    assert abs(float(alpha.mean())) < 0.01 and float(alpha.var()) == pytest.approx(1.0, abs=0.02)
    dropped = nn.Dropout(0.1).train()(x)
    assert float(dropped.var()) == pytest.approx(1 / 0.9, abs=0.02)  # survivors scaled by 1 / (1 - p)


def test_input_dropout_heads_the_first_block_of_the_dropout_and_selu_networks_only():
    torch.manual_seed(0)
    for kind in KINDS:
        network = deep_network(kind, depth=3, width=16, input_dropout=0.2)
        first = network[0][0]
        expected = {"dropout": nn.Dropout, "selu": nn.AlphaDropout}.get(kind, nn.Linear)
        assert type(first) is expected, kind
        assert len(network) == 4 and len(linear_layers(network)) == 4  # three hidden blocks and the read-out
        hidden_dropouts = [m for block in network[1:-1] for m in block if isinstance(m, nn.Dropout | nn.AlphaDropout)]
        assert not hidden_dropouts, kind  # no hidden dropout unless asked for
    x, _ = standard_normal_batch(64)
    network = deep_network("dropout", depth=3, width=16, input_dropout=0.2).eval()
    assert torch.equal(network(x), network(x))  # inference mode: nothing dropped


def test_the_sigmoid_gradient_vanishes_at_depth_20_where_he_initialisation_keeps_it():
    x, y = standard_normal_batch(256)
    ratios = {}
    for kind in ("sigmoid", "plain", "bn"):
        torch.manual_seed(0)
        ratios[kind] = layer_statistics(deep_network(kind, depth=20, width=64), x, y).vanishing_ratio
    assert ratios["sigmoid"] < 1e-8 < 0.05 < ratios["plain"] < 20
    assert ratios["bn"] > 1  # batch norm's gradient grows towards the input side at initialisation


def test_measuring_changes_no_weight_gradient_running_average_or_random_state():
    x, y = standard_normal_batch(64)
    torch.manual_seed(0)
    network = deep_network("bn", depth=3, width=16).eval()
    before = {name: value.clone() for name, value in network.state_dict().items()}
    rng = torch.get_rng_state()
    stats = layer_statistics(network, x, y)
    assert all(torch.equal(before[name], value) for name, value in network.state_dict().items())
    assert all(p.grad is None for p in network.parameters()) and not network.training
    assert torch.equal(torch.get_rng_state(), rng)
    assert len(stats.activation_std) == 3 and len(stats.gradient_norm) == 4  # three hidden layers and the read-out
    # in training mode batch norm normalises with the batch's own statistics: each unit's mean 0, variance 1
    assert stats.activation_std[0] > 0


def test_the_statistics_are_the_same_for_the_same_seed_and_see_dropout_in_training_mode():
    x, y = standard_normal_batch(64)
    torch.manual_seed(0)
    network = deep_network("dropout", depth=4, width=32, dropout=0.5)
    assert layer_statistics(network, x, y, seed=3) == layer_statistics(network, x, y, seed=3)
    assert layer_statistics(network, x, y, seed=3) != layer_statistics(network, x, y, seed=4)


TINY = ("--set", "depth=3", "--set", "width=16", "--set", "train_size=64", "--set", "probe=32")


def test_a_run_resumed_halfway_ends_where_an_uninterrupted_one_does_and_writes_its_plot(tmp_path):
    from support import dlenv_run, metrics

    whole, halves = tmp_path / "whole", tmp_path / "halves"
    dlenv_run("deep_networks", "--steps", "6", *TINY, out=whole, threads=1)
    dlenv_run("deep_networks", "--steps", "3", *TINY, out=halves, threads=1)
    dlenv_run("deep_networks", "--steps", "6", "--resume", *TINY, out=halves, threads=1)
    uninterrupted, resumed = metrics(whole)["metrics"], metrics(halves)["metrics"]
    for kind in KINDS:
        assert resumed[f"gap_{kind}"] == pytest.approx(uninterrupted[f"gap_{kind}"], abs=1e-6)
        assert (whole / kind / "checkpoints").is_dir()
        for when in ("initial", "trained"):
            for name, values in uninterrupted["layer_statistics"][when][kind].items():
                assert resumed["layer_statistics"][when][kind][name] == pytest.approx(values, rel=1e-5)
    assert set(uninterrupted["layer_statistics"]["initial"]) == set(KINDS)
    assert len(uninterrupted["layer_statistics"]["initial"]["plain"]["gradient_norm"]) == 4
    assert uninterrupted["best_variant"] in KINDS and 0 <= uninterrupted["accuracy"] <= 1
    image = (whole / "layer_statistics.png").read_bytes()
    assert image.startswith(PNG_SIGNATURE) and len(image) > 20_000
