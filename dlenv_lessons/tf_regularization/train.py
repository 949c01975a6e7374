"""`dlenv run tf_regularization [--set train_size=500] [--set dropout=0.3]`: how much of what a
network learns from a small training set is memorised, with and without regularisation.

The three networks train side by side on the same few examples. The gap between their loss on
validation examples they never saw and on those they trained on measures memorisation: the plain
network's gap is the widest. A step is an epoch (see dlenv.runner.keras_loop).
"""

from __future__ import annotations

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.keras_loop import fit, keras, setup  # keras with its backend set to TF
from dlenv_lessons.tf_dnn import data
from dlenv_lessons.tf_regularization.config import Config
from dlenv_lessons.tf_regularization.model import KINDS, network, side_by_side


def train(ctx: Context, cfg: Config) -> Result:
    setup(ctx)
    split = data.digits(train=cfg.train_size)
    inputs = split.x_train.shape[1]
    networks = {kind: network(kind, cfg.depth, cfg.width, inputs, cfg.dropout, cfg.input_dropout) for kind in KINDS}
    model = side_by_side(networks, inputs)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.lr),
        loss={kind: loss for kind in KINDS},
        metrics={kind: ["accuracy"] for kind in KINDS},
    )
    labels = lambda y: {kind: y for kind in KINDS}  # noqa: E731

    def evaluate() -> dict[str, float]:
        # Both sides are measured alike, in inference mode (no dropout; batch norm's running averages).
        seen = model.evaluate(split.x_train, labels(split.y_train), verbose=0, return_dict=True)
        unseen = model.evaluate(split.x_val, labels(split.y_val), verbose=0, return_dict=True)
        metrics = {}
        for kind in KINDS:
            # The gap in cross-entropy: how much more the network is surprised by new digits than by
            # those it trained on. Accuracy hides most of it: a wrong answer given with 99 % confidence
            # and one given with 51 % count the same.
            metrics[f"gap_{kind}"] = unseen[f"{kind}_loss"] - seen[f"{kind}_loss"]
            metrics[f"accuracy_gap_{kind}"] = seen[f"{kind}_accuracy"] - unseen[f"{kind}_accuracy"]
            metrics[f"train_accuracy_{kind}"] = seen[f"{kind}_accuracy"]
            metrics[f"val_accuracy_{kind}"] = unseen[f"{kind}_accuracy"]
        return metrics

    trained = fit(
        ctx,
        model,
        split.x_train,
        labels(split.y_train),
        batch_size=cfg.batch_size,
        validation_data=(split.x_val, labels(split.y_val)),
    )
    return trained.result(evaluate())
