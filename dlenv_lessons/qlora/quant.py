"""The 4-bit side of QLoRA (Dettmers et al., 2023, §3): can this machine run it, how to ask transformers
for it, and how many bytes the weights take.

§3 in three lines: each block of 64 weights is stored as 4-bit indices into NF4, the 16 quantiles of a
normal distribution (pretrained weights are roughly normal, so each code is used about equally often);
"double quantisation" stores the blocks' fp32 scales (absmax) again in 8 bits; matrix products
de-quantise on the fly to the compute dtype, and gradients flow through the frozen 4-bit weight into
the LoRA adapters only.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from dlenv.errors import DlenvError


def four_bit_problem(device: str) -> DlenvError | None:
    """Why 4-bit cannot run on `device` here, as the doctor's `bitsandbytes-gpu` check judges it, or None.

    On the CPU the check is asked about the CPU backend (bitsandbytes >= 0.48) even on a GPU machine."""
    from dlenv.doctor import diagnose
    from dlenv.doctor.collect import collect
    from dlenv.facts import bitsandbytes_release
    from dlenv.matrix import load_matrix
    from dlenv.paths import default_matrix_path

    probe = collect()
    if device == "cpu":
        probe = dataclasses.replace(probe, gpus=())
    report = diagnose(probe, load_matrix(default_matrix_path()))
    check = next(c for c in report.checks if c.id == "bitsandbytes-gpu")
    bnb = probe.packages.bitsandbytes
    if bnb is None:
        return DlenvError("4-bit needs bitsandbytes, which is not installed", hint="pip install 'bitsandbytes>=0.48'")
    # The doctor only warns about a release older than it knows; 4-bit there is not something to try.
    if check.status == "fail" or bitsandbytes_release(bnb.version) is None:
        return DlenvError(f"cannot run 4-bit on {device}: {check.message}", hint=check.fix)
    return None


def quantization_config(compute_dtype: torch.dtype, double_quant: bool = True):
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",  # §3 "4-bit NormalFloat"
        bnb_4bit_use_double_quant=double_quant,  # §3 "Double Quantization": ~0.37 bits per weight saved
        bnb_4bit_compute_dtype=compute_dtype,
    )


def keep_backward_on_cpu(model: nn.Module) -> None:
    """Stop bitsandbytes (0.50) from repacking 4-bit weights for its AVX512-BF16 CPU kernel whenever it
    sees a forward in eval mode without gradients (an evaluation, a generate()). That layout has no
    backward: later training steps would run through it and silently drop the gradient flowing to the
    layers below, so only the last layers' adapters would learn."""
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False


def weight_bytes(model: nn.Module) -> int:
    """Bytes of the model's parameters and buffers (a tied weight once), plus each 4-bit weight's
    quantisation state (its absmax per block, NF4 code book and, with double quantisation, the
    second-level constants), which bitsandbytes keeps beside the parameter rather than in it."""
    total = model.get_memory_footprint()
    for parameter in {id(p): p for p in model.parameters()}.values():
        state = getattr(parameter, "quant_state", None)
        if state is not None:
            total += sum(t.nbytes for t in state.as_dict(packed=True).values() if isinstance(t, torch.Tensor))
    return total


def full_precision_bytes(folder: str, dtype: torch.dtype) -> int:
    """Bytes of the same model's weights in `dtype`, built on the meta device: the real modules and their
    tensors' sizes, without allocating memory (a 7B model in fp32 is 28 GB)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from dlenv.pretrained import model_path

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_path(folder)), dtype=dtype)
    return weight_bytes(model)
