"""The rlhf lesson's GPU memory during DPO: the policy trained, its frozen reference and the reward model held."""

from __future__ import annotations

import torch

from dlenv.runner.memory import Need, count_inference
from dlenv_lessons._llm.config import SHIPPED_BASE
from dlenv_lessons._llm.memory import Batch, base_config, causal_lm_need, longest_example_tokens
from dlenv_lessons.rlhf.config import Config

FITTING_SETTINGS = ({"batch_size": 8},)


def need(cfg: Config) -> Need:
    from transformers import AutoModelForCausalLM, LlamaForSequenceClassification

    config = base_config(str(SHIPPED_BASE))
    # DPOTrainer runs each batch's chosen and rejected rows together: twice batch_size rows
    batch = Batch(2 * cfg.batch_size, longest_example_tokens(""))
    ids = lambda: torch.zeros(batch.rows, batch.tokens, dtype=torch.long)  # noqa: E731
    policy = causal_lm_need(config, batch, torch.float32, optimizer="adamw")  # fp32 weights; bf16 autocast
    reference = count_inference(lambda: AutoModelForCausalLM.from_config(config), lambda m: m(input_ids=ids()).logits)
    config.num_labels = 1
    reward = count_inference(lambda: LlamaForSequenceClassification(config), lambda m: torch.zeros(()))
    return policy + reference + Need(reward.parameters, 0, 0, 0)  # the reward model only held, its training over
