"""The pins each row installs, as requirements files and conda specs."""

from __future__ import annotations

import yaml
from packaging.requirements import Requirement
from rattler import MatchSpec
from support import ROOT

from dlenv.requirements import environments


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        if line.startswith(("#", "--")) or not line.strip():
            continue
        requirement = Requirement(line)  # raises on a malformed line
        (spec,) = requirement.specifier
        assert spec.operator == "==", line
        found[requirement.name] = spec.version
    return found


def test_requirements_pin_every_package_of_the_row(matrix):
    for row in matrix.rows.values():
        text = (ROOT / "envs" / "requirements" / f"{row.name}.txt").read_text()
        pinned = pins(text.splitlines())
        assert pinned["torch"] == row.torch
        assert pinned["transformers"] == row.transformers
        assert pinned["peft"] == row.peft and pinned["bitsandbytes"] == row.bitsandbytes
        assert (f"--extra-index-url {row.torch_index}" in text) == bool(row.torch_index)


def test_torchvision_and_torchaudio_follow_torch_in_every_rendered_file(matrix):
    for row in matrix.rows.values():
        builds = [f"torch=={row.torch}", f"torchvision=={row.torchvision}"]
        builds += [f"torchaudio=={row.torchaudio}"] if row.torchaudio else []
        requirements = (ROOT / "envs" / "requirements" / f"{row.name}.txt").read_text().splitlines()
        first = requirements.index(builds[0])
        assert requirements[first : first + len(builds)] == builds, row.name  # right after torch
        assert ("torchaudio" in "".join(requirements)) == bool(row.torchaudio), row.name
        conda = (ROOT / "envs" / "conda" / f"{row.name}.yml").read_text()
        assert all(f"      - {line}\n" in conda for line in builds), row.name
        dockerfile = (ROOT / "docker" / row.name / "Dockerfile").read_text()
        assert f"COPY envs/requirements/{row.name}.txt /tmp/requirements.txt" in dockerfile  # the file with the pins


def test_tensorflow_joins_torch_only_where_the_row_shares(matrix):
    for row in matrix.rows.values():
        main = pins((ROOT / "envs" / "requirements" / f"{row.name}.txt").read_text().splitlines())
        tf_file = ROOT / "envs" / "requirements" / f"{row.name}-tf.txt"
        tf_name = "tensorflow-cpu" if row.cuda is None else "tensorflow"
        if row.tensorflow_env == "shared":
            assert main[tf_name] == row.tensorflow and not tf_file.exists()
        elif row.tensorflow_env == "separate":
            assert tf_name not in main
            assert pins(tf_file.read_text().splitlines()) == {tf_name: row.tensorflow}
            assert "tensorflow[and-cuda]==" in tf_file.read_text()
        else:
            assert tf_name not in main and not tf_file.exists()


def test_conda_specs_parse_and_carry_the_same_pins(matrix):
    for row in matrix.rows.values():
        for env in environments(row):
            spec = yaml.safe_load((ROOT / "envs" / "conda" / f"{env.name}.yml").read_text())
            assert spec["name"] == f"dlenv-{env.name}"
            conda_deps = [d for d in spec["dependencies"] if isinstance(d, str)]
            for dep in conda_deps:
                MatchSpec(dep)  # raises on an invalid conda spec
            assert f"python={env.python_default}" in conda_deps
            # CUDA only from the pip wheels: no conda CUDA packages beside them
            assert not [d for d in conda_deps if "cuda" in d or "cudnn" in d]
            (pip_section,) = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)]
            requirements = (ROOT / "envs" / "requirements" / f"{env.name}.txt").read_text().splitlines()
            assert pins(pip_section) == pins(requirements)


def test_conda_python_is_one_the_environment_supports(matrix):
    for row in matrix.rows.values():
        assert row.python_default in row.python
        for env in environments(row):
            assert env.python_default in env.pythons and set(env.pythons) <= set(row.python)


def test_a_separate_tensorflow_gets_its_newest_python_not_the_rows(matrix):
    # cu124's torch installs on 3.13, its TensorFlow 2.17 has no cp313 wheels: the TF conda spec stays on 3.12
    torch_env, tf_env = environments(matrix.row("cu124"))
    assert torch_env.python_default == "3.13" and tf_env.python_default == "3.12"
    spec = yaml.safe_load((ROOT / "envs" / "conda" / "cu124-tf.yml").read_text())
    assert "python=3.12" in spec["dependencies"]
