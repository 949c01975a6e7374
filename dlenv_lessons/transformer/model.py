"""The Transformer of "Attention Is All You Need" (Vaswani et al., 2017), one piece per class.

Post-norm layers as in the paper (§3.1) and in torch.nn.Transformer's default, so each module can
be checked against PyTorch's with copied weights (tests/lessons/test_transformer_modules.py).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def dropout_layer(p: float) -> nn.Module:
    """Dropout, or nothing at all when p is 0 (the generated task trains without it)."""
    return nn.Dropout(p) if p > 0 else nn.Identity()


class _LayerNormFunction(torch.autograd.Function):
    """Layer normalisation with its gradient written out (Ba et al., 2016, §3), so backward is a handful
    of tensor operations instead of autograd's walk back through mean, variance and square root."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
        var, mean = torch.var_mean(x, -1, unbiased=False, keepdim=True)
        rstd = torch.rsqrt(var + eps)
        normalised = (x - mean) * rstd
        ctx.save_for_backward(normalised, rstd, weight)
        return torch.addcmul(bias, normalised, weight)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, None]:
        normalised, rstd, weight = ctx.saved_tensors
        g = grad * weight  # the gradient with respect to the normalised values
        # d/dx of (x − mean)·rstd: subtract what flows into the mean and into the variance
        dx = rstd * (g - g.mean(-1, keepdim=True) - normalised * (g * normalised).mean(-1, keepdim=True))
        over = tuple(range(grad.dim() - 1))
        return dx, (grad * normalised).sum(over), grad.sum(over), None


class LayerNorm(nn.Module):
    """(x − mean) / √(var + ε) · γ + β over the last dimension (Ba et al., 2016)."""

    def __init__(self, d: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d)), eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _LayerNormFunction.apply(x, self.weight, self.bias, self.eps)


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, dropout: nn.Module
) -> torch.Tensor:
    """Scaled dot-product attention (§3.2.1): softmax(QKᵀ/√d_k)·V; `mask` is True where not to look."""
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)  # scaling Q is cheaper than scaling QKᵀ
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    return dropout(scores.softmax(-1)) @ v


def fused_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, dropout: nn.Module
) -> torch.Tensor:
    """The same softmax(QKᵀ/√d_k)·V in one kernel (FlashAttention on a GPU, Dao et al., 2022): the
    scores are never stored, which saves their memory and the passes over it, as nanoGPT does."""
    p = dropout.p if isinstance(dropout, nn.Dropout) and dropout.training else 0.0
    keep = None if mask is None else ~mask  # scaled_dot_product_attention's mask is True where to look
    return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=p)


class MultiHeadAttention(nn.Module):
    """h attentions over d_model/h-dimensional projections, concatenated and projected (§3.2.2).

    W_Q, W_K and W_V are stacked in one (3·d_model × d_model) matrix, as torch.nn.MultiheadAttention
    keeps them: self-attention then projects with a single matrix product. `fused` picks PyTorch's
    one-kernel attention over the explicit `attention` above (the same numbers: a test holds them equal)."""

    def __init__(self, d_model: int, heads: int, dropout: float, fused: bool = True) -> None:
        super().__init__()
        self.heads = heads
        self.attend = fused_attention if fused else attention
        self.in_proj = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = dropout_layer(dropout)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        key_padding: torch.Tensor | None = None,
        causal: bool = False,
    ) -> torch.Tensor:
        batch, t, d = query.shape
        split = lambda x: x.view(batch, -1, self.heads, d // self.heads).transpose(1, 2)  # noqa: E731
        w, b = self.in_proj.weight, self.in_proj.bias
        if query is key is value:  # self-attention: Q, K and V in one product
            q, k, v = map(split, self.in_proj(query).chunk(3, -1))
        else:  # cross-attention: Q from the decoder, K and V from the encoder's memory
            q = split(nn.functional.linear(query, w[:d], b[:d]))
            k, v = map(split, nn.functional.linear(key, w[d:], b[d:]).chunk(2, -1))
        mask = None
        if key_padding is not None:  # batch × source: True at padding
            mask = key_padding[:, None, None, :]
        if causal:  # position i may not look at j > i
            future = torch.ones(t, k.shape[2], dtype=torch.bool, device=query.device).triu(1)
            mask = future if mask is None else mask | future
        heads = self.attend(q, k, v, mask, self.dropout)
        return self.out(heads.transpose(1, 2).reshape(batch, t, d))


class FeedForward(nn.Sequential):
    """Two linear maps with a ReLU between (§3.3)."""

    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__(nn.Linear(d_model, d_ff), nn.ReLU(), dropout_layer(dropout), nn.Linear(d_ff, d_model))


class EncoderLayer(nn.Module):
    def __init__(self, d_model: int, heads: int, d_ff: int, dropout: float, fused: bool = True) -> None:
        super().__init__()
        self.attention = MultiHeadAttention(d_model, heads, dropout, fused)
        self.feed_forward = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2 = LayerNorm(d_model), LayerNorm(d_model)
        self.drop1, self.drop2 = dropout_layer(dropout), dropout_layer(dropout)

    def forward(self, x: torch.Tensor, padding: torch.Tensor | None) -> torch.Tensor:
        x = self.norm1(x + self.drop1(self.attention(x, x, x, padding)))  # residual, then norm (§5.4)
        return self.norm2(x + self.drop2(self.feed_forward(x)))


class DecoderLayer(nn.Module):
    def __init__(self, d_model: int, heads: int, d_ff: int, dropout: float, fused: bool = True) -> None:
        super().__init__()
        self.self_attention = MultiHeadAttention(d_model, heads, dropout, fused)
        self.cross_attention = MultiHeadAttention(d_model, heads, dropout, fused)
        self.feed_forward = FeedForward(d_model, d_ff, dropout)
        self.norms = nn.ModuleList(LayerNorm(d_model) for _ in range(3))
        self.drops = nn.ModuleList(dropout_layer(dropout) for _ in range(3))

    def forward(
        self,
        y: torch.Tensor,
        memory: torch.Tensor,
        target_padding: torch.Tensor | None,
        source_padding: torch.Tensor | None,
    ) -> torch.Tensor:
        y = self.norms[0](y + self.drops[0](self.self_attention(y, y, y, target_padding, causal=True)))
        y = self.norms[1](y + self.drops[1](self.cross_attention(y, memory, memory, source_padding)))
        return self.norms[2](y + self.drops[2](self.feed_forward(y)))


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(…) (§3.5)."""
    position = torch.arange(length)[:, None]
    frequency = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(length, d_model)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(position * frequency), torch.cos(position * frequency)
    return pe


class Transformer(nn.Module):
    def __init__(
        self,
        source_vocab: int,
        target_vocab: int,
        d_model: int = 128,
        heads: int = 4,
        layers: int = 2,
        d_ff: int = 512,
        dropout: float = 0.1,
        max_length: int = 256,
        fused_attention: bool = True,
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.source_embedding = nn.Embedding(source_vocab, d_model, padding_idx=0)
        self.target_embedding = nn.Embedding(target_vocab, d_model, padding_idx=0)
        self.register_buffer("pe", positional_encoding(max_length, d_model), persistent=False)
        self.dropout = dropout_layer(dropout)
        layer = (d_model, heads, d_ff, dropout, fused_attention)
        self.encoder = nn.ModuleList(EncoderLayer(*layer) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(*layer) for _ in range(layers))
        self.generator = nn.Linear(d_model, target_vocab)

    def embed(self, embedding: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        return self.dropout(embedding(ids) * math.sqrt(self.d_model) + self.pe[: ids.shape[1]])  # §3.4

    def encode(self, source: torch.Tensor) -> torch.Tensor:
        x, padding = self.embed(self.source_embedding, source), source == 0
        for layer in self.encoder:
            x = layer(x, padding)
        return x

    def decode(self, target: torch.Tensor, memory: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        """Logits for the next word at every target position."""
        y = self.embed(self.target_embedding, target)
        for layer in self.decoder:
            y = layer(y, memory, target == 0, source == 0)
        return self.generator(y)

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.decode(target, self.encode(source), source)
