"""RLHF: a reward model from preference pairs, then DPO with TRL, on a tiny Llama."""
