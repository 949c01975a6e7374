"""How likely a model finds a completion: the sum of its tokens' log-probabilities after a prompt.
Log-likelihood classification, DPO's implicit reward and a reward model's ranking all start here."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import PreTrainedTokenizerBase


@torch.no_grad()
def completion_logprobs(
    model, tokenizer: PreTrainedTokenizerBase, pairs: Sequence[tuple[str, str]], batch_size: int = 64
) -> list[float]:
    """log p(completion | prompt) for each (prompt, completion): the sum over the completion's tokens."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    scores: list[float] = []
    for start in range(0, len(pairs), batch_size):
        rows, lengths = [], []
        for prompt, completion in pairs[start : start + batch_size]:
            # Tokenized apart and joined, so the completion's tokens are the same whatever the prompt ends with.
            completion_ids = tokenizer(completion, add_special_tokens=False).input_ids
            rows.append(tokenizer(prompt).input_ids + completion_ids)
            lengths.append(len(completion_ids))
        width = max(map(len, rows))
        # Left padding puts every completion at the end of its row; positions must then start at each
        # row's first real token, or the rotary embedding would see a shifted sentence.
        ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(r)) + r for r in rows], device=device)
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits.float()
        # The logits at position t predict token t + 1.
        logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
        scores += [logp[i, -n:].sum().item() for i, n in enumerate(lengths)]
    model.train(was_training)
    return scores
