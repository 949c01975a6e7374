"""What a row's image must show when it runs, as commands and checks on their recorded output.

Every check takes the matrix row and an `Output` (exit code, stdout, stderr) and returns a one-line
summary, or raises DlenvError (exit 1) naming what the image printed instead. Nothing here needs a
Docker engine: tests hold the checks to outputs recorded from real runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dlenv.errors import FAILED, DlenvError
from dlenv.matrix import Row

# What the image reports about its torch build; one JSON line on stdout.
VERSIONS_SCRIPT = (
    "import json, torch, torchvision; "
    "print(json.dumps({'torch': torch.__version__, 'torchvision': torchvision.__version__, "
    "'cuda': torch.version.cuda}))"
)
VERSIONS_COMMAND = ("python", "-c", VERSIONS_SCRIPT)
DOCTOR_COMMAND = ("dlenv", "doctor", "--json")

# A torch lesson whose --smoke takes about 5 s on a CPU (digits, a small MLP) in every row.
SMOKE_LESSON = "classification"
# The same bar as tests/lessons/smoke_bars.py holds the lesson to ("accuracy > 0.85"); a test keeps them equal.
SMOKE_BAR = ("accuracy", 0.85)
SMOKE_OUT = "/tmp/dlenv-smoke"
# The run's own output goes to stderr, so stdout is metrics.json alone.
SMOKE_COMMAND = (
    "sh",
    "-c",
    f"dlenv run {SMOKE_LESSON} --smoke --device cpu --out {SMOKE_OUT} >&2 && cat {SMOKE_OUT}/metrics.json",
)
NO_GPU_CHECK = "driver-present"  # the doctor check that says whether a GPU reached the container


@dataclass(frozen=True)
class Output:
    """What a command printed in the image, and how it ended."""

    exit_code: int
    stdout: str
    stderr: str

    def last_line(self) -> str:
        """The last line of stderr (or stdout): where a traceback or an error says what went wrong."""
        lines = (self.stderr or self.stdout).strip().splitlines()
        return lines[-1].strip() if lines else "no output"


def image_tag(row: Row) -> str:
    """The tag compose.yaml gives the row's image (services lesson and lesson-cpu)."""
    return f"dlenv:{row.name}"


def failed(row: Row, what: str) -> DlenvError:
    return DlenvError(f"image {image_tag(row)}: {what}", exit_code=FAILED)


def _json(row: Row, command: str, output: Output) -> Any:
    try:
        return json.loads(output.stdout)
    except json.JSONDecodeError:
        raise failed(row, f"`{command}` printed no JSON (exit {output.exit_code}): {output.last_line()}") from None


def check_versions(row: Row, output: Output) -> str:
    """torch and torchvision import, and are the row's builds: versions with their local label, and torch's CUDA."""
    if output.exit_code != 0:
        raise failed(row, f"importing torch and torchvision failed (exit {output.exit_code}): {output.last_line()}")
    found = _json(row, "python -c 'import torch, torchvision'", output)
    expected = {"torch": row.torch, "torchvision": row.torchvision, "cuda": row.cuda}
    wrong = [
        f"{key} {found.get(key)} (the row pins {value})" for key, value in expected.items() if found.get(key) != value
    ]
    if wrong:
        raise failed(row, "holds " + ", ".join(wrong))
    return f"torch {row.torch} (CUDA {row.cuda or 'none'}), torchvision {row.torchvision}"


def check_doctor(row: Row, output: Output, gpu: bool) -> str:
    """`dlenv doctor --json` answers with valid JSON and the exit code its verdict implies (0 ok, 1 not ok).

    With a GPU passed in, every check passes. Without one, the doctor must say there is none (its
    driver-present check is not ok: skipped on a plain machine, failed where the image asks for a GPU,
    as NVIDIA's base images do through NVIDIA_VISIBLE_DEVICES) and nothing else may fail.
    """
    report = _json(row, "dlenv doctor --json", output)
    if not isinstance(report, dict) or not isinstance(report.get("checks"), list):
        raise failed(row, "dlenv doctor --json printed JSON without its checks")
    if output.exit_code != (0 if report.get("ok") else 1):
        raise failed(row, f"dlenv doctor said ok={report.get('ok')} but exited {output.exit_code}")
    checks = {check["id"]: check for check in report["checks"]}
    failing = [check for check in report["checks"] if check["status"] == "fail"]
    driver = checks.get(NO_GPU_CHECK, {})
    if gpu:
        if failing:
            raise failed(row, f"dlenv doctor with the GPU passed in: {failing[0]['id']}: {failing[0]['message']}")
        if driver.get("status") != "ok":
            raise failed(row, f"dlenv doctor finds no GPU although one was passed in: {driver.get('message')}")
        return f"dlenv doctor: ok on the GPU ({driver.get('message')})"
    if driver.get("status") not in ("skip", "fail"):
        raise failed(
            row, f"dlenv doctor without a GPU: {NO_GPU_CHECK} is {driver.get('status')}: {driver.get('message')}"
        )
    others = [check for check in failing if check["id"] != NO_GPU_CHECK]
    if others:
        raise failed(row, f"dlenv doctor without a GPU fails {others[0]['id']}: {others[0]['message']}")
    if report.get("recommended_env") != "cpu":
        raise failed(row, f"dlenv doctor without a GPU recommends row {report.get('recommended_env')}, not cpu")
    return f"dlenv doctor: no GPU, says so ({driver.get('message')})"


def check_smoke(row: Row, output: Output) -> str:
    """The lesson's --smoke ran on the CPU in the row's environment and learned (its metrics.json)."""
    if output.exit_code != 0:
        raise failed(row, f"dlenv run {SMOKE_LESSON} --smoke failed (exit {output.exit_code}): {output.last_line()}")
    report = _json(row, f"dlenv run {SMOKE_LESSON} --smoke", output)
    where = {"lesson": SMOKE_LESSON, "device": "cpu", "env": row.name}
    wrong = [f"{key} {report.get(key)} (expected {value})" for key, value in where.items() if report.get(key) != value]
    if wrong:
        raise failed(row, "the smoke run's metrics.json says " + ", ".join(wrong))
    metric, bar = SMOKE_BAR
    value = report.get("metrics", {}).get(metric)
    if not isinstance(value, (int, float)) or not value > bar:
        raise failed(row, f"{SMOKE_LESSON} --smoke reached {metric} {value}, not above {bar}")
    return f"{SMOKE_LESSON} --smoke: {metric} {value:.3f} in {report.get('seconds')} s"
