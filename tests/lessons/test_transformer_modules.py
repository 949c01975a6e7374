"""Each hand-built piece of the Transformer lesson against PyTorch's own, with copied weights
(as minGPT checks its GPT against Hugging Face's)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from dlenv_lessons.transformer.model import DecoderLayer, EncoderLayer, LayerNorm, MultiHeadAttention  # noqa: E402
from dlenv_lessons.transformer.train import smoothed_cross_entropy  # noqa: E402

D, HEADS, FF = 32, 4, 64


def copy_attention(mine: MultiHeadAttention, theirs: nn.MultiheadAttention) -> None:
    with torch.no_grad():
        theirs.in_proj_weight.copy_(mine.in_proj.weight)  # W_Q, W_K, W_V stacked, in that order
        theirs.in_proj_bias.copy_(mine.in_proj.bias)
        theirs.out_proj.weight.copy_(mine.out.weight)
        theirs.out_proj.bias.copy_(mine.out.bias)


def copy_norm(mine: LayerNorm, theirs: nn.LayerNorm) -> None:
    with torch.no_grad():
        theirs.weight.copy_(mine.weight)
        theirs.bias.copy_(mine.bias)


@pytest.fixture
def inputs():
    torch.manual_seed(0)
    x, memory = torch.randn(3, 7, D), torch.randn(3, 5, D)
    padding = torch.zeros(3, 5, dtype=torch.bool)
    padding[0, 3:] = True  # the first source sentence is 3 words long
    return x, memory, padding


def test_layer_norm_matches_torch():
    mine, theirs = LayerNorm(D), nn.LayerNorm(D)
    with torch.no_grad():
        mine.weight.uniform_(0.5, 1.5)
        mine.bias.uniform_(-0.5, 0.5)
    copy_norm(mine, theirs)
    x = torch.randn(4, 9, D) * 3 + 1
    assert torch.allclose(mine(x), theirs(x), atol=1e-5)


@pytest.mark.parametrize("fused", [False, True], ids=["explicit", "fused"])
def test_attention_with_padding_matches_torch(inputs, fused):
    x, memory, padding = inputs
    mine, theirs = MultiHeadAttention(D, HEADS, 0.0, fused), nn.MultiheadAttention(D, HEADS, batch_first=True)
    copy_attention(mine, theirs)
    expected, _ = theirs(x, memory, memory, key_padding_mask=padding, need_weights=False)
    assert torch.allclose(mine(x, memory, memory, padding), expected, atol=1e-5)


@pytest.mark.parametrize("fused", [False, True], ids=["explicit", "fused"])
def test_causal_self_attention_matches_torch(inputs, fused):
    x, _, _ = inputs
    mine, theirs = MultiHeadAttention(D, HEADS, 0.0, fused), nn.MultiheadAttention(D, HEADS, batch_first=True)
    copy_attention(mine, theirs)
    causal = nn.Transformer.generate_square_subsequent_mask(7).isinf()
    expected, _ = theirs(x, x, x, attn_mask=causal, need_weights=False)
    assert torch.allclose(mine(x, x, x, causal=True), expected, atol=1e-5)


def test_fused_and_explicit_attention_agree_in_gradients_too(inputs):
    x, memory, padding = inputs
    explicit, fused = MultiHeadAttention(D, HEADS, 0.0, fused=False), MultiHeadAttention(D, HEADS, 0.0, fused=True)
    fused.load_state_dict(explicit.state_dict())
    for module in (explicit, fused):
        module(x, memory, memory, padding).square().sum().backward()
    for (name, a), b in zip(explicit.named_parameters(), fused.parameters(), strict=True):
        assert torch.allclose(a.grad, b.grad, atol=1e-4), name


def test_encoder_layer_matches_torch(inputs):
    _, memory, padding = inputs
    mine = EncoderLayer(D, HEADS, FF, 0.0).eval()
    theirs = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True).eval()
    copy_attention(mine.attention, theirs.self_attn)
    with torch.no_grad():
        theirs.linear1.load_state_dict(mine.feed_forward[0].state_dict())
        theirs.linear2.load_state_dict(mine.feed_forward[3].state_dict())
    copy_norm(mine.norm1, theirs.norm1)
    copy_norm(mine.norm2, theirs.norm2)
    expected = theirs(memory, src_key_padding_mask=padding)
    keep = ~padding  # torch's fast path may leave padded positions as zeros: compare the real words
    assert torch.allclose(mine(memory, padding)[keep], expected[keep], atol=1e-5)


def test_decoder_layer_matches_torch(inputs):
    x, memory, padding = inputs
    mine = DecoderLayer(D, HEADS, FF, 0.0).eval()
    theirs = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True).eval()
    copy_attention(mine.self_attention, theirs.self_attn)
    copy_attention(mine.cross_attention, theirs.multihead_attn)
    with torch.no_grad():
        theirs.linear1.load_state_dict(mine.feed_forward[0].state_dict())
        theirs.linear2.load_state_dict(mine.feed_forward[3].state_dict())
    for ours, their_norm in zip(mine.norms, (theirs.norm1, theirs.norm2, theirs.norm3), strict=True):
        copy_norm(ours, their_norm)
    causal = nn.Transformer.generate_square_subsequent_mask(7)
    expected = theirs(x, memory, tgt_mask=causal, tgt_is_causal=True, memory_key_padding_mask=padding)
    assert torch.allclose(mine(x, memory, None, padding), expected, atol=1e-5)


def test_label_smoothing_matches_torch():
    torch.manual_seed(0)
    logits, target = torch.randn(4, 6, 11), torch.randint(1, 11, (4, 6))
    target[0, 4:] = 0  # padding
    expected = nn.functional.cross_entropy(
        logits.reshape(-1, 11), target.reshape(-1), label_smoothing=0.1, ignore_index=0
    )
    assert torch.allclose(smoothed_cross_entropy(logits, target, 0.1), expected, atol=1e-6)
