"""API drift findings on notebook cells, against the real rules of facts/api_drift.toml.

Every rule has an example that trips it and a near miss that must not, so a rule whose matcher is wrong, or a
rule without an example, fails here."""

from __future__ import annotations

import pytest

from dlenv.check.code import split
from dlenv.check.drift import RULE, DriftRule, findings, rules
from dlenv.check.findings import FAIL, WARN

# id -> (code written for the old version, the same intent written so it still runs)
EXAMPLES: dict[str, tuple[str, str]] = {
    "transformers-load-in-bits": (
        "from transformers import AutoModelForCausalLM\n"
        "model = AutoModelForCausalLM.from_pretrained('m', load_in_8bit=True)",
        "from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n"
        "model = AutoModelForCausalLM.from_pretrained('m', quantization_config=BitsAndBytesConfig(load_in_8bit=True))",
    ),
    "transformers-use-auth-token": (
        "import transformers\ntok = transformers.AutoTokenizer.from_pretrained('m', use_auth_token=True)",
        "import transformers\ntok = transformers.AutoTokenizer.from_pretrained('m', token=True)",
    ),
    "transformers-adamw": (
        "from transformers import AdamW, get_scheduler",
        "from torch.optim import AdamW\nfrom transformers import get_scheduler",
    ),
    "transformers-evaluation-strategy": (
        "from transformers import TrainingArguments\nargs = TrainingArguments('out', evaluation_strategy='epoch')",
        "from transformers import TrainingArguments\nargs = TrainingArguments('out', eval_strategy='epoch')",
    ),
    "transformers-training-args-v5": (
        "from transformers import TrainingArguments\nargs = TrainingArguments('out', overwrite_output_dir=True)",
        "from transformers import TrainingArguments\nargs = TrainingArguments('out', save_strategy='epoch')",
    ),
    "transformers-trainer-tokenizer": (
        "from transformers import Trainer\ntrainer = Trainer(model=m, args=a, tokenizer=tok)",
        "from transformers import Trainer\ntrainer = Trainer(model=m, args=a, processing_class=tok)",
    ),
    "trl-sft-trainer-arguments": (
        "from trl import SFTTrainer\ntrainer = SFTTrainer(model, train_dataset=ds, dataset_text_field='text')",
        "from trl import SFTConfig, SFTTrainer\n"
        "trainer = SFTTrainer(model, train_dataset=ds, args=SFTConfig(dataset_text_field='text'))",
    ),
    "trl-dpo-trainer-arguments": (
        "from trl import DPOTrainer\ntrainer = DPOTrainer(model, ref, beta=0.1, train_dataset=ds)",
        "from trl import DPOConfig, DPOTrainer\ntrainer = DPOTrainer(model, ref, args=DPOConfig(beta=0.1))",
    ),
    "trl-trainer-tokenizer": (
        "import trl\ntrainer = trl.SFTTrainer(model, tokenizer=tok)",
        "import trl\ntrainer = trl.SFTTrainer(model, processing_class=tok)",
    ),
    "numpy-builtin-aliases": (
        "import numpy as np\nx = np.zeros(3, dtype=np.float)",
        "import numpy as np\nx = np.float64(1)",
    ),
    "numpy-bool-long-aliases": (
        "import numpy as np\nmask = x.astype(np.bool)",
        "import numpy as np\nmask = x.astype(np.bool_)",
    ),
    "numpy-2-removed-aliases": ("import numpy as np\nx[x > 0] = np.NaN", "import numpy as np\nx[x > 0] = np.nan"),
    "numpy-product-alltrue": (
        "from numpy import product\nn = product(shape)",
        "from numpy import prod\nn = prod(shape)",
    ),
    "torchtext-retired": (
        "import torchtext\nfrom torchtext.vocab import build_vocab_from_iterator",
        "import torchvision",
    ),
    "torchtext-legacy": ("from torchtext.legacy.data import Field", "from torchtext.data.utils import get_tokenizer"),
    "keras-preprocessing-text": (
        "import tensorflow as tf\ntok = tf.keras.preprocessing.text.Tokenizer(num_words=1000)",
        "from keras.preprocessing.sequence import pad_sequences",
    ),
    "keras-layers-core": ("from keras.layers.core import Dense", "from keras.layers import Dense"),
    "keras-wrappers-scikit-learn": (
        "from keras.wrappers.scikit_learn import KerasClassifier",
        "from keras.wrappers import SKLearnClassifier",
    ),
    "keras-fit-generator": ("model.fit_generator(gen, steps_per_epoch=10)", "model.fit(gen, steps_per_epoch=10)"),
    "keras-optimizer-lr": (
        "from tensorflow.keras.optimizers import Adam\nopt = Adam(lr=1e-3)",
        "from torch.optim import Adam\nopt = Adam(model.parameters(), lr=1e-3)",
    ),
    "sklearn-load-boston": (
        "from sklearn import datasets\nX, y = datasets.load_boston(return_X_y=True)",
        "from sklearn.datasets import fetch_california_housing",
    ),
    "pandas-iteritems": (
        "for name, column in df.iteritems():\n    print(name)",
        "for name, column in df.items():\n    print(name)",
    ),
    "torch-cuda-amp": (
        "import torch\nwith torch.cuda.amp.autocast():\n    y = model(x)",
        "import torch\nwith torch.autocast('cuda'):\n    y = model(x)",
    ),
    "torch-load-weights-only": (
        "import torch\nstate = torch.load('model.pt')",
        "import torch\nstate = torch.load('model.pt', weights_only=True)",
    ),
}


def version_that_breaks(rule: DriftRule) -> dict[str, str]:
    """A version of the rule's package inside the range where the old form is gone."""
    return {rule.package: rule.removed_in}


def drift_of(rule: DriftRule, source: str) -> list:
    """The findings `source` gets from `rule` alone (its fix text is one of the rule's replacements)."""
    found = findings(1, split(source), {}, version_that_breaks(rule))
    return [f for f in found if f.fix in rule.old.values()]


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule.id)
def test_rule_flags_the_old_form_and_passes_the_new_one(rule):
    old, new = EXAMPLES[rule.id]
    assert drift_of(rule, old), f"{rule.id} misses its example"
    assert not drift_of(rule, new), f"{rule.id} flags code that runs"


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule.id)
def test_rule_is_sourced_and_says_its_version(rule):
    assert "https://" in rule.source
    assert rule.removed_in in rule.message
    assert rule.status in (FAIL, WARN)
    assert all(fix for fix in rule.old.values())


def test_every_rule_has_an_example_and_ids_are_unique():
    ids = [rule.id for rule in rules()]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(EXAMPLES)


def test_load_in_8bit_fails_against_the_row_and_names_versions_and_line():
    cell = (
        "from transformers import AutoModelForCausalLM\n\n"
        "model = AutoModelForCausalLM.from_pretrained(\n    'm',\n    load_in_8bit=True,\n)"
    )
    [finding] = findings(3, split(cell), {}, {"transformers": "5.24.0"})
    assert finding.rule == RULE
    assert finding.status == FAIL
    assert (finding.cell, finding.line) == (3, 5)
    assert finding.message == "`load_in_8bit=` was removed from from_pretrained in transformers 5.0; the row has 5.24.0"
    assert "BitsAndBytesConfig(load_in_8bit=True)" in finding.fix


def test_an_older_row_still_takes_the_old_form():
    cell = (
        "from transformers import AutoModelForCausalLM\n"
        "m = AutoModelForCausalLM.from_pretrained('m', load_in_4bit=True)"
    )
    assert findings(1, split(cell), {}, {"transformers": "4.46.3"}) == []


def test_a_package_the_row_does_not_pin_is_a_warning_with_the_removal_version():
    [finding] = findings(1, split("import numpy as np\nx = np.float(1)"), {}, {})
    assert finding.status == WARN
    assert "numpy 1.24" in finding.message and "`np.float`" in finding.message
    assert finding.fix.startswith("float")


def test_aliases_from_an_earlier_cell_carry_over_and_this_cells_imports_are_added():
    aliases: dict[str, str] = {}
    assert findings(1, split("import numpy as np"), aliases, {"numpy": "2.1.0"}) == []
    assert aliases["np"] == "numpy"
    [finding] = findings(2, split("print(np.Inf)"), aliases, {"numpy": "2.1.0"})
    assert (finding.cell, finding.line) == (2, 1)
    assert finding.fix == "np.inf"


def test_a_name_not_imported_in_the_notebook_is_not_guessed():
    assert findings(1, split("x = np.float(1)"), {}, {"numpy": "2.1.0"}) == []


def test_np_bool_is_gone_only_between_1_24_and_2_0():
    cell = "import numpy as np\nm = np.bool"
    assert [f.status for f in findings(1, split(cell), {}, {"numpy": "1.26.4"})] == [FAIL]
    assert findings(1, split(cell), {}, {"numpy": "2.1.0"}) == []
    assert findings(1, split(cell), {}, {"numpy": "1.23.5"}) == []


def test_keras_follows_the_rows_tensorflow():
    cell = "from tensorflow.keras.preprocessing.text import Tokenizer"
    assert findings(1, split(cell), {}, {"tensorflow": "2.14.1"}) == []
    [finding] = findings(1, split(cell), {}, {"tensorflow": "2.20.0"})
    assert finding.status == FAIL
    assert "tensorflow 2.20.0" in finding.message and "TextVectorization" in finding.fix


def test_unsloth_and_torch_keywords_of_the_same_name_are_not_flagged():
    cell = (
        "from unsloth import FastLanguageModel\nimport torch\n"
        "model, tok = FastLanguageModel.from_pretrained('m', load_in_4bit=True)\n"
        "opt = torch.optim.Adam(model.parameters(), lr=1e-3)"
    )
    assert findings(1, split(cell), {}, {"transformers": "5.24.0", "tensorflow": "2.20.0"}) == []


def test_torch_load_without_weights_only_is_a_warning_on_a_new_torch_only():
    cell = "import torch\nmodel = torch.load('full_model.pt')"
    [finding] = findings(1, split(cell), {}, {"torch": "2.7.1+cu126"})
    assert finding.status == WARN and "weights_only" in finding.message
    assert findings(1, split(cell), {}, {"torch": "2.4.1"}) == []


def test_one_finding_per_use_even_when_a_chain_matches_twice():
    cell = "import tensorflow as tf\ntok = tf.keras.preprocessing.text.Tokenizer(num_words=10)"
    assert len(findings(1, split(cell), {}, {"keras": "3.15.1"})) == 1


def test_shell_lines_and_unparsable_cells_give_no_drift():
    assert findings(1, split("!pip install numpy==1.23\n%pip install torchtext"), {}, {"numpy": "2.1.0"}) == []
    assert findings(1, split("import numpy as np\nnp.float(("), {}, {"numpy": "2.1.0"}) == []
