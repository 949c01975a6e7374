import json
import subprocess
import sys


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
