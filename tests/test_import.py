import json
import subprocess
import sys
from pathlib import Path


def test_import_dlenv_loads_no_framework_and_no_cli_library():
    # Notebooks import dlenv before they know what is installed: it must stay cheap.
    code = "import sys, json, dlenv; print(json.dumps(sorted(sys.modules)))"
    modules = set(json.loads(subprocess.check_output([sys.executable, "-c", code])))
    heavy = {"torch", "tensorflow", "transformers", "typer", "rich", "pydantic", "jinja2"}
    assert not heavy & modules


def test_python_m_dlenv_prints_the_version():
    out = subprocess.run([sys.executable, "-m", "dlenv", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("dlenv 0.")


def test_the_cli_and_doctor_json_load_neither_rich_nor_a_framework():
    # `dlenv doctor --json` must answer in a tenth of torch's collect_env (tests/bench/test_doctor_speed.py).
    code = (
        "import sys, json\n"
        "from dlenv.cli import main\n"
        "try:\n"
        "    main(['doctor', '--json', '--probe', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    probe = Path(__file__).parent / "fixtures" / "probes" / "cpu-laptop.json"
    proc = subprocess.run([sys.executable, "-c", code, str(probe)], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["checks"]  # it did answer
    modules = set(json.loads(proc.stderr))
    assert not {"torch", "tensorflow", "transformers", "rich", "jinja2"} & modules
