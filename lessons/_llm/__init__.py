"""What the LLM lessons share: a tiny Llama built from a config, a word-level tokenizer, generated
instruction tasks, and batches whose loss counts only the answer."""
