"""Platform profiles are validated through dlenv.schema like the matrix: once per machine, then built cheaply."""

from __future__ import annotations

import shutil
import sys

import pytest
from support import ROOT, imports_pydantic

from dlenv.errors import DlenvError
from dlenv.platforms.profiles import ORDER, Profile, load_profiles, profiles_dir
from dlenv.schema import construct, validate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.mark.parametrize("name", ORDER)
def test_each_shipped_profile_validates_and_builds_the_same_without_pydantic(name):
    table = {"name": name, **tomllib.loads((profiles_dir() / name / "profile.toml").read_text(encoding="utf-8"))}
    assert construct(Profile, table) == validate(Profile, table)


@pytest.mark.parametrize(
    ("good", "bad", "error"),
    [
        ("env_all = [", "env_al = [", "detect.env_al': did you mean 'env_all'?"),
        ('vault = "kaggle"', 'vault = "kagle"', "field 'secrets.vault': Input should be 'kaggle', 'colab' or ''"),
        ('work_dir = "/kaggle/working"', "", "field 'paths.work_dir' is required"),
    ],
)
def test_a_bad_profile_is_one_line_naming_its_file_and_field(machine, tmp_path, good, bad, error):
    machine()  # an empty cache: nothing was validated here before
    shutil.copytree(ROOT / "platform", tmp_path / "platform")
    kaggle = tmp_path / "platform" / "kaggle" / "profile.toml"
    kaggle.write_text(kaggle.read_text(encoding="utf-8").replace(good, bad, 1), encoding="utf-8")
    with pytest.raises(DlenvError) as raised:
        load_profiles(tmp_path / "platform")
    assert raised.value.message.startswith(f"{kaggle}: ") and error in raised.value.message
    assert "\n" not in raised.value.message


def test_dlenv_platform_imports_no_pydantic_once_the_profiles_were_validated_here(tmp_path):
    assert imports_pydantic("platform", "--json", cache=tmp_path)  # the first read of these profiles validates them
    assert not imports_pydantic("platform", "--json", cache=tmp_path)
