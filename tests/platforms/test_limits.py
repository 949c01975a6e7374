"""`dlenv platform` shows the free tier's limits from each profile's [limits], and warns where the free tier
has no GPU or GPU time is a weekly quota."""

from __future__ import annotations

import json
import shutil

import pytest
from support import ROOT

from dlenv.errors import DlenvError
from dlenv.platforms.profiles import ORDER, load_profiles, profiles_dir

KAGGLE = {"KAGGLE_KERNEL_RUN_TYPE": "Interactive", "KAGGLE_DATA_PROXY_URL": "http://proxy"}
SIGNALS = {
    "kaggle": ((), KAGGLE),
    "colab": (("/var/colab/hostname",), {}),
    "aistudio": (("/home/aistudio/",), {}),
    "dsw": ((), {"DSW_INSTANCE_ID": "dsw-1"}),
}


def platform_json(cli, machine, name: str) -> dict:
    paths, env = SIGNALS[name]
    machine(*paths, **env)
    result = cli("platform", "--json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_kaggle_shows_its_weekly_gpu_quota_and_warns_about_it(cli, machine):
    limits = platform_json(cli, machine, "kaggle")["limits"]
    assert limits["free_gpu"] is True and limits["gpu_hours_per_week"] == 30 and limits["session_hours"] == 12
    assert limits["disk_gb"] == 20 and "phone-verified" in limits["internet"]
    assert limits["warnings"] == [
        "GPU time on Kaggle Notebooks is a weekly quota of 30 h: turn the accelerator off while reading or "
        "editing, and try a lesson with --smoke first"
    ]


@pytest.mark.parametrize("name", ["aistudio", "dsw"])
def test_a_platform_whose_free_tier_has_no_gpu_says_so(cli, machine, name):
    limits = platform_json(cli, machine, name)["limits"]
    assert limits["free_gpu"] is False and limits["gpu_hours_per_week"] is None
    assert len(limits["warnings"]) == 1 and "has no free GPU: " in limits["warnings"][0]
    assert limits["gpu_quota"] in limits["warnings"][0]


def test_colab_has_a_free_gpu_and_no_weekly_quota_so_no_warning(cli, machine):
    limits = platform_json(cli, machine, "colab")["limits"]
    assert limits["free_gpu"] is True and limits["session_hours"] == 12 and limits["warnings"] == []
    assert limits["idle_timeout_minutes"] is None  # Colab publishes no number


def test_a_machine_of_ones_own_has_no_limits(cli, machine):
    machine()
    result = cli("platform", "--json")
    assert json.loads(result.stdout)["limits"] is None
    assert "limits." not in cli("platform").stdout and "warning" not in cli("platform").stdout


def test_the_plain_output_lists_the_limits_and_the_warning(cli, machine):
    machine("/home/aistudio/")
    result = cli("platform")
    assert result.code == 0
    assert "limits.free_gpu" in result.stdout and "limits.internet" in result.stdout
    assert "warning: Baidu AI Studio has no free GPU: GPU environments (V100, T4) cost 算力点" in " ".join(
        result.stdout.split()
    )


@pytest.mark.parametrize("name", ORDER)
def test_every_limit_carries_its_source(name):
    """Each value in [limits] has a comment beside it (or above, in the table's heading) naming where it is from."""
    text = (profiles_dir() / name / "profile.toml").read_text(encoding="utf-8")
    if "[limits]" not in text:
        assert name in ("docker", "wsl", "local")  # machines of one's own: no free tier
        return
    table = text.split("[limits]")[1].split("\n[")[0]
    for line in table.strip().splitlines():
        if not line.startswith("#"):
            assert "#" in line, (name, line)


@pytest.mark.parametrize(
    ("good", "bad", "error"),
    [
        ("gpu_hours_per_week = 30 ", 'gpu_hours_per_week = "30"', "limits.gpu_hours_per_week"),
        ("free_gpu = true ", 'free_gpu = "yes"', "limits.free_gpu"),
        ("session_hours = 12 ", "session_hour = 12 ", "limits.session_hour': did you mean 'session_hours'?"),
    ],
)
def test_a_bad_limit_is_one_line_naming_its_field(machine, tmp_path, good, bad, error):
    machine()
    shutil.copytree(ROOT / "platform", tmp_path / "platform")
    kaggle = tmp_path / "platform" / "kaggle" / "profile.toml"
    text = kaggle.read_text(encoding="utf-8")
    assert good in text
    kaggle.write_text(text.replace(good, bad, 1), encoding="utf-8")
    with pytest.raises(DlenvError) as raised:
        load_profiles(tmp_path / "platform")
    assert error in raised.value.message and "\n" not in raised.value.message


def test_limits_read_without_pydantic_are_the_validated_ones(machine):
    machine()
    first = load_profiles(profiles_dir())  # validated by pydantic: a fresh cache
    again = load_profiles(profiles_dir())  # built from the same text without it
    assert first == again and again["kaggle"].limits.gpu_hours_per_week == 30
