"""`dlenv run tf_dnn [--set width=512] [--set patience=5]`: a Keras DNN on the digits.

A step is an epoch here (see dlenv.runner.keras_loop): `--steps 40` trains at most 40 epochs, and
early stopping ends sooner once the validation loss has not improved for `patience` epochs, putting
back the weights of the best epoch.
"""

from __future__ import annotations

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.keras_loop import fit, keras, setup  # keras with its backend set to TF
from dlenv_lessons.tf_dnn import data
from dlenv_lessons.tf_dnn.config import Config
from dlenv_lessons.tf_dnn.model import dnn


def train(ctx: Context, cfg: Config) -> Result:
    setup(ctx)
    split = data.digits()
    model = dnn(split.x_train.shape[1], cfg.width, cfg.depth, cfg.dropout)
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience, restore_best_weights=True)
    board = keras.callbacks.TensorBoard(log_dir=str(ctx.out / "tb"), write_graph=False)

    def evaluate() -> dict[str, float]:
        _, test_accuracy = model.evaluate(split.x_test, split.y_test, verbose=0)
        _, train_accuracy = model.evaluate(split.x_train, split.y_train, verbose=0)
        return {"accuracy": test_accuracy, "train_accuracy": train_accuracy, "best_epoch": stopper.best_epoch + 1}

    trained = fit(
        ctx,
        model,
        split.x_train,
        split.y_train,
        batch_size=cfg.batch_size,
        validation_data=(split.x_val, split.y_val),
        callbacks=[stopper, board],
    )
    return trained.result(evaluate())
