"""Credentials written into a notebook — in its code or in a saved output — which publishing the notebook
publishes: Kaggle keys and kaggle.json contents, Hugging Face tokens, API keys assigned as literals.
Reported by cell and line with the value left out, and how to keep it out of the notebook."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dlenv.check.cells import Cell
from dlenv.check.findings import FAIL, Finding


@dataclass(frozen=True)
class Pattern:
    what: str  # what the value is, in words
    regex: re.Pattern[str]
    fix: str


CLEAR_OUTPUTS = "clear the outputs (Edit → Clear all outputs, or `jupyter nbconvert --clear-output --inplace NB`)"
LOGIN = "keep it out of the notebook: `dlenv login kaggle` (or the platform's secrets: Kaggle Secrets, Colab 🔑)"
# User access tokens start with hf_ (https://huggingface.co/docs/hub/security-tokens).
HF_TOKEN = Pattern(
    "a Hugging Face token",
    re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "revoke it at huggingface.co/settings/tokens; read it from HF_TOKEN or the platform's secrets",
)
# kaggle.json is {"username": "...", "key": "<32 hex>"} (https://github.com/Kaggle/kaggle-api#api-credentials).
KAGGLE_JSON = Pattern(
    "a Kaggle API key (kaggle.json)",
    re.compile(r"""["']key["']\s*:\s*["'][0-9a-f]{32}["']"""),
    "expire it under Kaggle → Settings → API; " + LOGIN,
)
# KAGGLE_KEY, the variable the kaggle CLI reads (same source).
KAGGLE_KEY = Pattern(
    "a Kaggle API key",
    re.compile(r"KAGGLE_KEY['\"]?\]?\s*[=:]\s*['\"]?[0-9a-f]{32}\b"),
    "expire it under Kaggle → Settings → API; " + LOGIN,
)
# OpenAI-style secret keys (sk-..., sk-proj-...), which DashScope and DeepSeek keys also follow.
SK_KEY = Pattern(
    "an API key (sk-…)",
    re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b"),
    "revoke it with its provider; read it from the environment or the platform's secrets",
)
# A literal assigned to a variable whose name says it is a secret: os.environ["X_TOKEN"] = "...", API_KEY = "...".
NAMED_SECRET = Pattern(
    "a secret assigned as a literal",
    re.compile(r"""(?ix)(?:environ\[\s*["'][\w]*(?:key|token|secret|password)[\w]*["']\s*\]
                                   |\b[\w]*(?:api_key|apikey|token|secret|password)\b)\s*=\s*["'][^"'\s]{8,}["']"""),
    "read it from the environment or the platform's secrets instead of writing it in the cell",
)
PATTERNS = (KAGGLE_JSON, KAGGLE_KEY, HF_TOKEN, SK_KEY, NAMED_SECRET)  # the first that matches a line names it


def findings(cell: Cell) -> list[Finding]:
    """One `fail` per line of the cell's source or saved output holding a credential; never its value."""
    found = []
    for line_number, line in enumerate(cell.source.splitlines(), start=1):
        pattern = first_match(line)
        if pattern:
            found.append(
                Finding("secret", FAIL, cell.index, line_number, f"{pattern.what} is written in the cell", pattern.fix)
            )
    for output in cell.outputs:
        for line_number, line in enumerate(output.splitlines(), start=1):
            pattern = first_match(line)
            if pattern and pattern is not NAMED_SECRET:
                found.append(
                    Finding(
                        "secret",
                        FAIL,
                        cell.index,
                        line_number,
                        f"{pattern.what} is printed in the cell's saved output (line {line_number})",
                        f"{CLEAR_OUTPUTS}; {pattern.fix}",
                    )
                )
    return found


def first_match(line: str) -> Pattern | None:
    return next((pattern for pattern in PATTERNS if pattern.regex.search(line)), None)
