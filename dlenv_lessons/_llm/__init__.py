"""What the LLM lessons share: a tiny Llama built from a config, a word-level tokenizer, generated
instruction tasks, and batches whose loss counts only the answer; for the fine-tuning lessons, a tiny base
pretrained on some tasks (base.py), adapter-only checkpoints (adapters.py) and their shared steps (finetune.py)."""
