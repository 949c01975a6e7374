"""LoRA by hand and with PEFT: a frozen tiny Llama learns a new task through rank-8 adapters (Hu et al., 2021)."""
