"""Prompting: zero-shot, few-shot and chain-of-thought templates, scored by log-likelihood and exact match."""
