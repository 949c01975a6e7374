"""`dlenv run rlhf`: supervised fine-tuning, a reward model, then DPO, on a tiny Llama.

0. The start: a pretrained base, as InstructGPT starts from GPT-3 — the tiny Llama dlenv ships, which
   knows copy and reverse (dlenv_lessons/_llm/tiny_base), not yet sort.
1. SFT: a short run of instruction tuning, on purpose too short to be right every time.
2. Reward model: the same network with a scalar head, trained with TRL's RewardTrainer on preference
   pairs (Bradley–Terry: Ouyang et al., 2022, §3.5); scored by how often it ranks held-out pairs right.
3. DPO: TRL's DPOTrainer optimises the policy on the same preferences directly, against a frozen copy of
   the SFT model (Rafailov et al., 2023); the implicit reward margin on held-out pairs must rise.
"""

from __future__ import annotations

import copy
import random

import torch

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import seed_everything
from dlenv_lessons._llm import tasks
from dlenv_lessons._llm.config import SHIPPED_BASE
from dlenv_lessons._llm.model import load_pretrained
from dlenv_lessons._llm.scoring import completion_logprobs
from dlenv_lessons.rlhf import data
from dlenv_lessons.rlhf.config import Config


def train(ctx: Context, cfg: Config) -> Result:
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.set_verbosity_error()
    seed_everything(ctx.seed)
    policy, tokenizer = load_pretrained(str(SHIPPED_BASE))
    policy.to(ctx.device)
    supervised_fine_tune(ctx, cfg, policy, tokenizer)

    train_pairs = data.pairs(cfg.pairs, seed=ctx.seed)
    held_out = data.pairs(cfg.eval_pairs, seed=10**6 + ctx.seed)
    questions = [tasks.Example(p.prompt, p.chosen, "") for p in held_out]
    metrics: dict[str, object] = {"sft_exact_match": tasks.exact_match(policy, tokenizer, questions)}

    reward_model = train_reward_model(ctx, cfg, policy, tokenizer, train_pairs)
    metrics["reward_accuracy"] = ranking_accuracy(reward_model, tokenizer, held_out)

    reference = copy.deepcopy(policy).eval().requires_grad_(False)
    metrics["dpo_margin_start"] = implicit_reward_margin(policy, reference, tokenizer, held_out, cfg.beta)
    metrics["preference_accuracy_start"] = preference_accuracy(policy, tokenizer, held_out)
    output = direct_preference_optimise(ctx, cfg, policy, reference, tokenizer, train_pairs)
    metrics["dpo_margin_end"] = implicit_reward_margin(policy, reference, tokenizer, held_out, cfg.beta)
    metrics["preference_accuracy_end"] = preference_accuracy(policy, tokenizer, held_out)
    metrics["dpo_exact_match"] = tasks.exact_match(policy, tokenizer, questions)
    return Result(metrics, "pairs/s", output.metrics.get("train_samples_per_second", 0.0), steps=cfg.steps)


def supervised_fine_tune(ctx: Context, cfg: Config, policy, tokenizer) -> None:
    """Instruction tuning with the loss on the answer only. Seeded and short, so --resume simply redoes it
    and arrives at the same policy, the reference the later stages resume against."""
    optimizer = torch.optim.AdamW(policy.parameters(), lr=cfg.sft_lr)
    rng = random.Random(ctx.seed)
    policy.train()
    for step in range(1, cfg.sft_steps + 1):
        batch = tasks.examples(data.PREFERENCE_TASKS, cfg.batch_size, seed=rng.randrange(2**31))
        loss = policy(**{k: v.to(ctx.device) for k, v in tasks.lm_batch(tokenizer, batch).items()}).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            ctx.log(step, **{"sft/loss": loss.item()})


def preference_rows(pairs: list[data.Pair], eos: str) -> list[dict[str, str]]:
    """TRL's explicit-prompt preference format; the completions already end in EOS, so TRL adds none."""
    return [{"prompt": p.prompt, "chosen": f" {p.chosen} {eos}", "rejected": f" {p.rejected} {eos}"} for p in pairs]


def train_reward_model(ctx: Context, cfg: Config, policy, tokenizer, pairs: list[data.Pair]):
    """A scalar head on the SFT model's body (Ouyang et al. start their reward model from the SFT model
    too), trained so that r(chosen) − r(rejected) is large: loss −log σ(r_w − r_l)."""
    from datasets import Dataset
    from transformers import LlamaForSequenceClassification
    from trl import RewardConfig, RewardTrainer

    from dlenv.runner import hf_callback

    config = copy.deepcopy(policy.config)
    config.num_labels = 1
    reward_model = LlamaForSequenceClassification(config)
    reward_model.model.load_state_dict(policy.model.state_dict())
    reward_model.to(ctx.device)
    args = RewardConfig(**stage_arguments(ctx, cfg, "reward", steps=cfg.reward_steps, lr=cfg.reward_lr))
    dataset = Dataset.from_list(preference_rows(pairs, tokenizer.eos_token))
    trainer = RewardTrainer(model=reward_model, args=args, train_dataset=dataset, processing_class=tokenizer)
    hf_callback.train(trainer, ctx, "reward")
    return reward_model


@torch.no_grad()
def rewards(reward_model, tokenizer, texts: list[str]) -> torch.Tensor:
    reward_model.eval()
    inputs = tokenizer(texts, return_tensors="pt", padding=True).to(next(reward_model.parameters()).device)
    return reward_model(**inputs).logits[:, 0].float().cpu()


def ranking_accuracy(reward_model, tokenizer, pairs: list[data.Pair]) -> float:
    """How often the reward model scores the chosen answer above the rejected one; chance is 0.5."""
    eos = tokenizer.eos_token
    chosen = rewards(reward_model, tokenizer, [f"{p.prompt} {p.chosen} {eos}" for p in pairs])
    rejected = rewards(reward_model, tokenizer, [f"{p.prompt} {p.rejected} {eos}" for p in pairs])
    return (chosen > rejected).float().mean().item()


def answer_logprobs(model, tokenizer, pairs: list[data.Pair]) -> tuple[torch.Tensor, torch.Tensor]:
    eos = tokenizer.eos_token
    chosen = completion_logprobs(model, tokenizer, [(p.prompt, f"{p.chosen} {eos}") for p in pairs])
    rejected = completion_logprobs(model, tokenizer, [(p.prompt, f"{p.rejected} {eos}") for p in pairs])
    return torch.tensor(chosen), torch.tensor(rejected)


def implicit_reward_margin(policy, reference, tokenizer, pairs: list[data.Pair], beta: float) -> float:
    """DPO's implicit reward is r(x, y) = β log π(y|x)/π_ref(y|x) (Rafailov et al., 2023, §4); the mean
    of r(chosen) − r(rejected). Zero while the policy is the reference; DPO pushes it up."""
    chosen, rejected = answer_logprobs(policy, tokenizer, pairs)
    ref_chosen, ref_rejected = answer_logprobs(reference, tokenizer, pairs)
    return (beta * ((chosen - ref_chosen) - (rejected - ref_rejected))).mean().item()


def preference_accuracy(policy, tokenizer, pairs: list[data.Pair]) -> float:
    """How often the policy itself finds the chosen answer likelier than the rejected one."""
    chosen, rejected = answer_logprobs(policy, tokenizer, pairs)
    return (chosen > rejected).float().mean().item()


def direct_preference_optimise(ctx: Context, cfg: Config, policy, reference, tokenizer, pairs: list[data.Pair]):
    """loss = −log σ(β[log π(y_w|x)/π_ref(y_w|x) − log π(y_l|x)/π_ref(y_l|x)]): the reward model's
    Bradley–Terry loss with the policy's own log-ratio as the reward, so no reward model and no sampling."""
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from dlenv.runner import hf_callback

    args = DPOConfig(**stage_arguments(ctx, cfg, "dpo", steps=cfg.steps, lr=cfg.lr, beta=cfg.beta))
    dataset = Dataset.from_list(preference_rows(pairs, tokenizer.eos_token))
    trainer = DPOTrainer(
        model=policy, ref_model=reference, args=args, train_dataset=dataset, processing_class=tokenizer
    )
    return hf_callback.train(trainer, ctx, "dpo")


def stage_arguments(ctx: Context, cfg: Config, stage: str, *, steps: int, lr: float, **more) -> dict:
    """What the reward and DPO trainers' arguments share: the runner's output, logging and checkpoints
    for `stage`, the batch size, bf16 on a GPU, and no gradient checkpointing (the model is tiny)."""
    from dlenv.runner import hf_callback

    return hf_callback.arguments(
        ctx,
        stage,
        max_steps=steps,
        learning_rate=lr,
        per_device_train_batch_size=cfg.batch_size,
        gradient_checkpointing=False,
        bf16=ctx.device == "cuda",
        **more,
    )
