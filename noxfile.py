"""dlenv's sessions. `nox -s tests` is what CI and .ci/run run.

Sessions use pip in a plain venv (not uv): on a machine whose pip is set up with local wheels
(a CPU torch, say), those are what pip finds.

The row sessions are parametrised by the rows of envs/matrix.toml, read when nox loads this file:
`nox -l` lists `smoke(row='cpu')`, `smoke(row='cu128')`, `bench(row='cpu')`, ... A row's environment
is envs/requirements/<row>.txt (and <row>-tf.txt where its TensorFlow needs its own environment).
A CUDA row's session runs on the GPU or not at all: on a machine without one it stops before
installing anything heavy, with the doctor's reason.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import nox
from nox.command import CommandFailed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))  # dlenv's standard-library modules, without installing dlenv here
from dlenv.torch_mirror import TORCH_INDEX_ENV, index_args, swap_requirements  # noqa: E402

ROWS: dict[str, dict] = tomllib.loads((ROOT / "envs" / "matrix.toml").read_text(encoding="utf-8"))["rows"]
SEPARATE_TF_ROWS = [name for name, row in ROWS.items() if row.get("tensorflow_env") == "separate"]

# How the sessions steer tests/lessons/test_smoke.py (read by tests/conftest.py and tests/support.py).
SMOKE_TEST = "tests/lessons/test_smoke.py::test_smoke_run_learns"
LESSONS_ENV = "DLENV_TEST_LESSONS"  # comma-separated: only these lessons' smoke runs
DEVICE_ENV = "DLENV_TEST_DEVICE"  # cpu or cuda: the --device of every `dlenv run` the tests start
VISION_PACKAGES = ("torchvision", "torchaudio")
# The row whose torch and torchvision the `vision` session installs: PyPI serves both (the CUDA 13.0 build,
# which runs on a CPU too), so CI, which reaches PyPI alone, can install a matched pair.
VISION_ROW = "cu130"
# where `vision` tests live (test_memory: the transfer lesson's GPU memory, counted with torchvision)
VISION_TESTS = ("tests/lessons/test_vision.py", "tests/lessons/test_smoke.py", "tests/runner/test_memory.py",
                "tests/lessons/test_notebooks.py")  # fmt: skip
# The record of measured runs the READMEs' numbers come from (dlenv.measured): the CPU smoke runs write it.
MEASURED_RECORD = ROOT / "docs" / "measured" / "smoke.json"
FULL_RECORD = ROOT / "docs" / "measured" / "full.json"  # and the full runs (`nox -s full_runs`) this one
RECORD_ENV = "DLENV_MEASURED_RECORD"  # read by tests/lessons/test_smoke.py
SMOKE_RUNS_AT_ONCE = 2  # the CPU smoke runs side by side: a learner's two cores
BENCH_DIR = Path("benchmarks")  # pytest-benchmark storage: benchmarks/<row>/<device>/<machine>/NNNN_*.json

# Run in the row's environment after it is installed: torch sees the GPU, and the row's torch_arch
# (and the installed build's own arch list) has code for it (dlenv.doctor.arch: CUDA's compatibility rules).
CUDA_CHECK = """
import sys, torch
from dlenv.doctor.arch import from_matrix, runs_on
if not torch.cuda.is_available():
    sys.exit(f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU: run `dlenv doctor` for the reason")
name, cc = torch.cuda.get_device_name(0), "{}.{}".format(*torch.cuda.get_device_capability(0))
row_arch = sys.argv[1:]
if runs_on(from_matrix(row_arch), cc) is None:
    sys.exit(f"{name} (compute capability {cc}) is not in the row's torch_arch: {' '.join(row_arch)}")
if runs_on(torch.cuda.get_arch_list(), cc) is None:
    sys.exit(f"torch {torch.__version__} carries no code for {name} ({cc}): {' '.join(torch.cuda.get_arch_list())}")
print(f"{name}, compute capability {cc}, torch {torch.__version__} (CUDA {torch.version.cuda})")
"""


# pip's own variable for a PyPI mirror (pip docs, "Configuration"); DLENV_TORCH_INDEX: PyTorch's wheels'
MIRROR_VARIABLES = ("PIP_INDEX_URL", TORCH_INDEX_ENV)
MIRROR_RETRIES = "5"  # pip's own default: a mirror far away drops connections now and then
MIRROR_TIMEOUT_S = "60"  # a socket stalled this long is retried (pip's default: 15)


# --- helpers --------------------------------------------------------------------------------------


def pip_network(session: nox.Session) -> None:
    """Without a mirror, fail fast on an index this machine cannot reach instead of retrying it for every
    package; through a mirror (`eval "$(dlenv mirror cn)"`), retry, with a longer timeout."""
    mirrored = any(os.environ.get(name) for name in MIRROR_VARIABLES)
    session.env["PIP_RETRIES"] = MIRROR_RETRIES if mirrored else "0"
    if mirrored:
        session.env["PIP_TIMEOUT"] = MIRROR_TIMEOUT_S


def mirrored_requirements(session: nox.Session, requirements: str, lines: list[str] | None = None) -> str:
    """The requirements file pip should read: the rendered one, or, with DLENV_TORCH_INDEX set (or `lines`
    given), a copy beside the venv with PyTorch's index pointed at the mirror."""
    path = ROOT / requirements
    if lines is None and not os.environ.get(TORCH_INDEX_ENV):
        return str(path)
    text = "\n".join(lines) + "\n" if lines is not None else path.read_text(encoding="utf-8")
    # beside the venv: session.create_tmp() would also point TMPDIR (and so pytest's tmp_path) into the checkout
    copy = Path(session.virtualenv.location) / path.name
    copy.write_text(swap_requirements(text), encoding="utf-8")
    return str(copy)


def install_torch(session: nox.Session, row_name: str = "cpu", torchvision: bool = False) -> None:
    """A row's torch (and its torchvision), from its index (or its mirror) where it has one (an unpinned torch
    is a multi-GB CUDA build), held to the row's constraints file."""
    row = ROWS[row_name]
    pip_network(session)
    index = index_args([row["torch_index"]]) if "torch_index" in row else []
    constraints = ["-c", str(ROOT / "envs" / "constraints" / f"{row_name}.txt")]
    session.install(f"torch=={row['torch']}", *([f"torchvision=={row['torchvision']}"] if torchvision else []),
                    *constraints, *index)  # fmt: skip


def install_row(session: nox.Session, row: str, tensorflow_env: bool = False) -> None:
    """The row's pinned environment: envs/requirements/<row>.txt, or <row>-tf.txt for its own TensorFlow."""
    requirements = f"envs/requirements/{row}{'-tf' if tensorflow_env else ''}.txt"
    pip_network(session)
    try:
        session.install("-r", mirrored_requirements(session, requirements))
    except CommandFailed:
        index = ROWS[row].get("torch_index", "PyPI")
        session.error(f"row {row}: pip could not install {requirements} (torch from {index}); pip's reason is above")


def install_cpu_suite(session: nox.Session) -> None:
    """The cpu row (torch, TensorFlow, transformers, PEFT, TRL, bitsandbytes) and dlenv with what its tests need
    (its dev, lessons, llm and data extras: kagglehub is tested offline).

    All of envs/requirements/cpu.txt but its torchvision: torchvision 0.28.0+cpu comes only from PyTorch's
    own index, which a machine that reaches PyPI alone (CI's) cannot download, and PyPI's torchvision is
    built for the CUDA torch (it would not import here). The tests that need torchvision run in the
    `vision` session instead, over row cu130's matched pair, which PyPI serves and which runs on a CPU.
    """
    pip_network(session)
    lines = (ROOT / "envs" / "requirements" / "cpu.txt").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(VISION_PACKAGES)]
    session.install("-r", mirrored_requirements(session, "envs/requirements/cpu.txt", kept))
    session.install("-e", ".[dev,lessons,llm,data]")


def doctor_report(session: nox.Session, row: str | None = None) -> dict:
    """`dlenv doctor --json` from an install of dlenv alone: it reads the machine without any framework."""
    session.install("-e", ".")
    args = ["--row", row] if row else []
    # stderr stays on the terminal: only the JSON on stdout is parsed
    text = session.run(
        "python", "-m", "dlenv", "doctor", "--json", *args, silent=True, success_codes=[0, 1], stderr=None
    )
    return json.loads(text)


def this_machines_row(session: nox.Session) -> str:
    """The row the doctor recommends for this machine's driver, GPU and Python (cpu without a GPU)."""
    return doctor_report(session)["recommended_env"] or "cpu"  # the JSON key names the recommended row


def gpu_row(session: nox.Session, row: str | None) -> str:
    """The CUDA row to test on this machine's GPU (`row`, else the doctor's recommendation).

    Stops the session, before any framework is installed, when there is no GPU or the row cannot
    run on it: a CUDA row is tested on the GPU or not at all, never passed on the CPU.
    """
    report = doctor_report(session, row)
    checks = {check["id"]: check for check in report["checks"]}
    driver = checks.get("driver-present", {})
    if driver.get("status") != "ok":
        fix = f"; {driver['fix']}" if driver.get("fix") else ""
        where = f"row {row}" if row else "gpu_tests"
        session.error(
            f"{where} runs on an NVIDIA GPU only, and dlenv doctor finds none ({driver.get('message')}{fix}); "
            "on the CPU: nox -s \"smoke(row='cpu')\""
        )
    for check in report["checks"]:
        if check["status"] == "fail":
            fix = f"; fix: {check['fix']}" if check.get("fix") else ""
            session.error(f"dlenv doctor: {check['message']}{fix}")
    chosen = row or report["recommended_env"]
    if not chosen or not ROWS[chosen].get("cuda"):
        session.error(f"the doctor recommends no CUDA row for this machine (it says: {chosen or 'none'})")
    return chosen


def check_cuda(session: nox.Session, row: str) -> None:
    session.run("python", "-c", CUDA_CHECK, *ROWS[row]["torch_arch"])


def declared(lesson: str) -> dict:
    """The constants a lesson's package declares (FRAMEWORK, NEEDS), which `dlenv run` reads too
    (dlenv.runner.frameworks); read with ast, since this file runs outside the lessons' environment."""
    tree = ast.parse((ROOT / "dlenv_lessons" / lesson / "__init__.py").read_text(encoding="utf-8"))
    return {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def uses_tensorflow(lesson: str) -> bool:
    """A Keras lesson: its package says FRAMEWORK = "tensorflow"."""
    return declared(lesson).get("FRAMEWORK") == "tensorflow"


def needs_torchvision(lesson: str) -> bool:
    return "torchvision" in declared(lesson).get("NEEDS", ())


def lesson_names() -> list[str]:
    found = (ROOT / "dlenv_lessons").glob("*/train.py")
    return sorted(path.parent.name for path in found if not path.parent.name.startswith("_"))


def install_vision_pair(session: nox.Session) -> None:
    """Row VISION_ROW's torch and torchvision, chosen by its constraints file as a learner's install would be."""
    pip_network(session)
    session.env["PIP_CONSTRAINT"] = str(ROOT / "envs" / "constraints" / f"{VISION_ROW}.txt")
    session.install("torch", "torchvision")  # the constraints pick the row's builds


def split_lessons(row: str) -> tuple[list[str], list[str]]:
    """The row's lessons for its main environment, and those that need its separate TensorFlow one."""
    lessons = list(ROWS[row].get("lessons", []))
    if row not in SEPARATE_TF_ROWS:
        return lessons, []
    keras = [lesson for lesson in lessons if uses_tensorflow(lesson)]
    return [lesson for lesson in lessons if lesson not in keras], keras


def device_of(row: str) -> str:
    return "cuda" if ROWS[row].get("cuda") else "cpu"


def run_smoke(session: nox.Session, lessons: list[str], device: str, *args: str) -> None:
    """Each lesson's --smoke run on `device`, asserted to learn (thresholds in tests/lessons/test_smoke.py);
    on the CPU, each run that learns is recorded in docs/measured/smoke.json (`dlenv render` then fills the READMEs)."""
    if not lessons:
        return
    env = {LESSONS_ENV: ",".join(lessons), DEVICE_ENV: device}
    side_by_side = []
    if device == "cpu":
        env[RECORD_ENV] = str(MEASURED_RECORD)
        # Two lessons at a time (pytest-xdist), each on its own core (tests/support.py's threads_per_run):
        # a second thread speeds one --smoke run up far less than twice (its imports and Python-side work
        # use one), so two runs side by side finish sooner.
        # A GPU runs one at a time, so its benchmarks and memory are the lesson's alone.
        side_by_side = ["-n", str(SMOKE_RUNS_AT_ONCE)]
    session.run("pytest", SMOKE_TEST, *side_by_side, *args, env=env)


def run_benchmarks(session: nox.Session, row: str, device: str, *args: str) -> None:
    """tests/bench with pytest-benchmark saving to benchmarks/<row>/<device>/, compared with the last run there."""
    storage = ROOT / BENCH_DIR / row / device
    compare = ["--benchmark-compare"] if any(storage.glob("*/*.json")) else []
    session.run(
        "pytest",
        "-m",
        "bench",
        "tests/bench",
        f"--benchmark-storage=file://{storage}",
        "--benchmark-autosave",
        *compare,
        *args,
        env={DEVICE_ENV: device},
    )


def benchmarks_and_report(session: nox.Session, row: str, device: str, *args: str) -> None:
    """The benchmarks, then benchmarks/report/ rewritten, also when a benchmark missed its goal."""
    try:
        run_benchmarks(session, row, device, *args)
    except CommandFailed:
        if any((ROOT / BENCH_DIR / row / device).glob("*/*.json")):
            write_report(session)
        raise
    write_report(session)


def write_report(session: nox.Session) -> None:
    session.run("dlenv", "bench", "report", "--dir", str(BENCH_DIR), "--out", str(BENCH_DIR / "report"))


# --- sessions -------------------------------------------------------------------------------------


@nox.session
def tests(session: nox.Session) -> None:
    """The CPU test suite: no GPU, no network; the lessons' smoke runs included (the cpu row installed:
    torch, TensorFlow, transformers, PEFT, TRL, bitsandbytes)."""
    install_cpu_suite(session)
    session.run("pytest", "-m", "not network and not bench and not vision and not bundle", *session.posargs)
    session.notify("vision", session.posargs)
    session.notify("bundle", session.posargs)


@nox.session(default=False)
def vision(session: nox.Session) -> None:
    """The tests marked `vision` (the cnn and transfer lessons, torchvision's loaders, the doctor on a real
    pair), in row cu130's torch and torchvision, on the CPU; `nox -s tests` runs it after its own tests.

    They are installed under the row's constraints file, as a learner's `pip install torchvision` would be:
    pip may not pick any other torch."""
    install_vision_pair(session)
    session.install("-e", ".[dev,lessons,data]")  # data: what a lesson notebook's bootstrap would add
    session.run("pytest", "-m", "vision and not network and not bench", *VISION_TESTS, *session.posargs)


@nox.session(default=False)
def bundle(session: nox.Session) -> None:
    """The end-to-end test of `dlenv bundle` (marked `bundle`; needs PyPI): a bundle for platform local built in
    a venv holding torch 2.13.0, then installed, bootstrapped and a lesson run in a fresh venv with no index.
    `nox -s tests` runs it after its own tests."""
    session.install("-e", ".[dev]")
    session.run("pytest", "-m", "bundle", "tests/bundle", *session.posargs)


@nox.session(default=False)
def smoke_seeds(session: nox.Session) -> None:
    """Every lesson's --smoke on seeds 0-4 against its bars, a table per lesson (not part of `tests`).

    Arguments go to tests/lessons/smoke_seeds.py: `nox -s smoke_seeds -- lora qlora --seeds 0-9 --report FILE`.
    The runs that clear their bars are recorded in docs/measured/smoke.json (not with --set or --device).
    The lessons that need torchvision run in the vision session's environment when named alone
    (`nox -s smoke_seeds -- cnn transfer`); without names, every other lesson runs in the cpu row's.
    """
    run_seeds(session, [], MEASURED_RECORD)


@nox.session(default=False)
def full_runs(session: nox.Session) -> None:
    """Every lesson's full run (no --smoke), one at a time with every core, on the seeds the READMEs quote,
    recorded in docs/measured/full.json when it clears the smoke bars (`dlenv render` then fills the READMEs).

    `nox -s full_runs` runs every lesson but cnn and transfer, `nox -s full_runs -- cnn transfer` those two
    (they need torchvision); other arguments as smoke_seeds'. About 15 minutes on two CPU cores; run it on an
    idle machine, as a time taken under load is marked in the READMEs.
    """
    run_seeds(session, ["--full"], FULL_RECORD)


def run_seeds(session: nox.Session, kind: list[str], record_file: Path) -> None:
    """tests/lessons/smoke_seeds.py with the session's arguments, in the cpu row's environment or, for the
    lessons that need torchvision named alone, the vision session's; recorded in `record_file`."""
    named = [arg for arg in session.posargs if arg in lesson_names()]
    vision = [lesson for lesson in named or lesson_names() if needs_torchvision(lesson)]
    if named and len(vision) == len(named):  # the vision lessons, in the vision session's environment
        install_vision_pair(session)
        session.install("-e", ".[dev,lessons]")
    elif named and vision:
        apart = " ".join(vision)
        session.error(f"run {apart} apart, they need torchvision: nox -s {session.name} -- {apart}")
    else:
        install_cpu_suite(session)
    others = [] if named else [lesson for lesson in lesson_names() if lesson not in vision]
    # the lessons' own runs on the CPU are what the READMEs quote
    own_runs = not any(arg.startswith(("--set", "--device")) for arg in session.posargs)
    record = ["--record", str(record_file)] if own_runs else []
    session.run("python", "tests/lessons/smoke_seeds.py", *others, *kind, *record, *session.posargs)


@nox.session(default=False)
def notebooks(session: nox.Session) -> None:
    """`nox -s notebooks -- PATH... [--row ROW] [--timeout S]`: `dlenv check --execute` over notebooks inside a
    row's environment (default: this machine's row), each run top to bottom with a pass/fail table."""
    args = list(session.posargs)
    if not [arg for arg in args if not arg.startswith("-")]:
        session.error("name notebooks or folders: nox -s notebooks -- course/ --row cpu")
    row = args[args.index("--row") + 1] if "--row" in args[:-1] else this_machines_row(session)
    if row not in ROWS:
        session.error(f"unknown row '{row}'; rows: {', '.join(ROWS)}")
    install_row(session, row)
    session.install("-e", ".[lessons,data,notebooks]", "-c", str(ROOT / "envs" / "constraints" / f"{row}.txt"))
    row_args = [] if "--row" in args else ["--row", row]
    session.run("dlenv", "check", "--execute", *row_args, *args, env={"DLENV_ENV": row})


@nox.session(default=False)
def lesson(session: nox.Session) -> None:
    """Run one lesson on this machine's row: `nox -s lesson -- classification [dlenv run options]`."""
    if not session.posargs:
        session.error("name a lesson: nox -s lesson -- classification")
    name = session.posargs[0]
    torchvision = name in lesson_names() and needs_torchvision(name)  # a typo is dlenv run's to report
    install_torch(session, this_machines_row(session), torchvision=torchvision)
    session.install("-e", ".[lessons]")
    session.run("dlenv", "run", *session.posargs)


@nox.session(default=False)
@nox.parametrize("row", list(ROWS))
def smoke(session: nox.Session, row: str) -> None:
    """Every lesson the row lists, --smoke in the row's pinned environment, asserted to learn (CUDA rows: on the GPU).

    Arguments go to pytest: `nox -s "smoke(row='cpu')" -- -k transformer`.
    """
    device = device_of(row)
    if device == "cuda":
        gpu_row(session, row)
    main, keras = split_lessons(row)
    install_row(session, row)
    session.install("-e", ".[dev,lessons,llm]")
    if device == "cuda":
        check_cuda(session, row)
    run_smoke(session, main, device, *session.posargs)
    if keras:
        session.notify(f"smoke_tf(row='{row}')", session.posargs)


@nox.session(default=False)
@nox.parametrize("row", SEPARATE_TF_ROWS)
def smoke_tf(session: nox.Session, row: str) -> None:
    """The Keras lessons of a row whose TensorFlow has its own environment (<row>-tf.txt), --smoke on the GPU."""
    _, keras = split_lessons(row)
    if not keras:
        session.skip(f"row {row} lists no Keras lesson")
    gpu_row(session, row)
    install_row(session, row, tensorflow_env=True)
    session.install("-e", ".[dev,lessons]")
    run_smoke(session, keras, device_of(row), *session.posargs)


@nox.session(default=False)
def gpu_tests(session: nox.Session) -> None:
    """On a GPU machine: the doctor's row (or `-- --row ROW`) installed, checked against the GPU, every lesson's
    smoke run on the GPU, the benchmarks saved to benchmarks/<row>/cuda/ and the report written."""
    args = list(session.posargs)
    row = None
    if args[:1] in (["--row"], ["--env"]) and len(args) >= 2:  # --env: the older spelling, kept
        row, args = args[1], args[2:]
    elif args and args[0].startswith(("--row=", "--env=")):
        row, args = args[0].partition("=")[2], args[1:]
    if args:
        session.error(f"unexpected argument '{args[0]}': gpu_tests takes only --row ROW")
    if row is not None and row not in ROWS:
        session.error(f"unknown row '{row}' (--row): one of {', '.join(ROWS)}")
    row = gpu_row(session, row)
    main, keras = split_lessons(row)
    install_row(session, row)
    session.install("-e", ".[dev,lessons,llm]", "pytest-benchmark>=4")
    check_cuda(session, row)
    run_smoke(session, main, "cuda")
    benchmarks_and_report(session, row, "cuda")
    if keras:
        session.notify(f"smoke_tf(row='{row}')")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, the derived files against envs/matrix.toml, and the workflows against GitHub's workflow schema."""
    session.install("-e", ".[dev]", "check-jsonschema>=0.29")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("dlenv", "render", "--check")
    workflows = sorted(str(p.relative_to(ROOT)) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)


@nox.session(default=False)
@nox.parametrize("row", list(ROWS))
def bench(session: nox.Session, row: str) -> None:
    """Benchmarks in the row's environment (CUDA rows: on the GPU): JSON under benchmarks/<row>/<device>/,
    compared with the previous run, and benchmarks/report/ rewritten. Arguments go to pytest."""
    device = device_of(row)
    if device == "cuda":
        gpu_row(session, row)
    install_row(session, row)
    session.install("-e", ".[dev,lessons,llm]", "pytest-benchmark>=4")
    if device == "cuda":
        check_cuda(session, row)
    benchmarks_and_report(session, row, device, *session.posargs)


@nox.session(default=False)
@nox.parametrize("row", list(ROWS))
def images(session: nox.Session, row: str) -> None:
    """Build the row's image through the Docker SDK and run it: its torch and torchvision are the row's builds,
    `dlenv doctor --json` answers (on the GPU where the host has one, else with its no-GPU verdict), and a
    lesson's --smoke learns on the CPU. Writes runs/images/<row>.json with the image's size and its layers'.

    Without a Docker engine it stops before building anything, with the reason in one line.
    """
    session.install("docker>=7", "-e", ".")
    # The engine is asked first, quietly, so its absence ends the session in one line (as gpu_tests without a GPU).
    refusal = session.run("python", "-m", "dlenv.images", "engine", silent=True, success_codes=[0, 1])
    if refusal and refusal.strip():
        session.error(refusal.strip().splitlines()[0].removeprefix("error: "))
    session.run("python", "-m", "dlenv.images", "check", row, *session.posargs)


@nox.session(default=False)
def matrix_check(session: nox.Session) -> None:
    """Prove with the resolver that every row's pins install together (needs PyPI and the torch indexes).

    Arguments go to `dlenv matrix check`: `nox -s matrix_check -- cu126 --python 3.12`.
    """
    session.install("-e", ".[dev]")
    session.run("dlenv", "matrix", "check", *(session.posargs or ["--all"]))


@nox.session(default=False)
def platform_images(session: nox.Session) -> None:
    """Refresh platform/<name>/images/ from the public sources (googlecolab/backend-info and Kaggle/docker-python
    at their default branch, over GitHub's API and raw.githubusercontent.com; the Kaggle image is resolved with
    uv against PyPI) and print what changed per image. Without GitHub it fails with the reason in one line.

    `nox -s platform_images -- DIR` writes below DIR instead of the checkout's platform/.
    """
    session.install("uv", "-e", ".")
    session.run("python", "-m", "dlenv.platforms.refresh_images", *session.posargs)
