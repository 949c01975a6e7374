"""QLoRA: LoRA adapters trained through a frozen 4-bit NF4 base with bitsandbytes (Dettmers et al., 2023)."""
