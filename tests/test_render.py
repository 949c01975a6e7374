"""`dlenv render`: every derived file comes from the matrix, and drift is caught."""

from __future__ import annotations

from support import ROOT

from dlenv.measured.spans import has_spans
from dlenv.render import GENERATED, HEADER, render_all


def test_render_check_passes_on_the_checkout(cli):
    result = cli("render", "--check")
    assert result.code == 0, result.stderr


def test_every_derived_file_carries_the_do_not_edit_header(matrix):
    for rel, text in render_all(matrix, ROOT).items():  # a lesson README's generated parts: its measured numbers
        assert HEADER in text or GENERATED in text or has_spans(text), rel


def test_tampered_file_fails_render_check_and_is_named(cli, project_copy):
    path = project_copy / "envs" / "requirements" / "cu126.txt"
    path.write_text(path.read_text().replace("torch==2.7.1", "torch==2.7.0"))
    result = cli("render", "--check", "--root", str(project_copy))
    assert result.code == 1
    assert "differs from envs/matrix.toml: envs/requirements/cu126.txt" in result.stderr
    assert "cu128" not in result.stderr


def test_render_repairs_what_check_reported(cli, project_copy):
    (project_copy / "docker" / "cu128" / "Dockerfile").unlink()
    (project_copy / "compose.yaml").write_text("services: {}\n")
    assert cli("render", "--check", "--root", str(project_copy)).code == 1
    wrote = cli("render", "--root", str(project_copy))
    assert wrote.code == 0
    assert "wrote docker/cu128/Dockerfile" in wrote.stdout and "wrote compose.yaml" in wrote.stdout
    assert cli("render", "--check", "--root", str(project_copy)).code == 0


def test_a_changed_pin_reaches_every_derived_file(cli, project_copy):
    matrix_file = project_copy / "envs" / "matrix.toml"
    matrix_file.write_text(matrix_file.read_text().replace('peft = "0.21.2"', 'peft = "0.21.1"'))
    check = cli("render", "--check", "--root", str(project_copy))
    assert check.code == 1
    assert "envs/conda/cu130.yml" in check.stderr and "README.zh-CN.md" in check.stderr
    cli("render", "--root", str(project_copy))
    assert "peft==0.21.1" in (project_copy / "envs" / "requirements" / "cpu.txt").read_text()
    assert "0.21.1" in (project_copy / "README.md").read_text()


def test_a_removed_row_leaves_no_orphan_files(cli, project_copy):
    matrix_file = project_copy / "envs" / "matrix.toml"
    text = matrix_file.read_text()
    start = text.index("[rows.cu121]")
    matrix_file.write_text(text[:start] + text[text.index("[rows.cu124]") :])
    check = cli("render", "--check", "--root", str(project_copy))
    assert "differs from envs/matrix.toml: docker/cu121/Dockerfile" in check.stderr
    cli("render", "--root", str(project_copy))
    assert not (project_copy / "docker" / "cu121" / "Dockerfile").exists()
    assert not (project_copy / "envs" / "requirements" / "cu121.txt").exists()


def test_a_removed_row_leaves_no_orphan_constraints_file(cli, project_copy):
    matrix_file = project_copy / "envs" / "matrix.toml"
    text = matrix_file.read_text()
    matrix_file.write_text(text[: text.index("[rows.cu121]")] + text[text.index("[rows.cu124]") :])
    check = cli("render", "--check", "--root", str(project_copy))
    assert "envs/constraints/cu121.txt" in check.stderr
    cli("render", "--root", str(project_copy))
    assert not (project_copy / "envs" / "constraints" / "cu121.txt").exists()
    assert (project_copy / "envs" / "constraints" / "cu124.txt").exists()


def test_a_hand_edited_constraints_file_fails_the_check_and_is_repaired(cli, project_copy):
    constraints = project_copy / "envs" / "constraints" / "cu126.txt"
    constraints.write_text(constraints.read_text().replace("torchvision==0.22.1", "torchvision==0.22.0"))
    check = cli("render", "--check", "--root", str(project_copy))
    assert check.code == 1 and "envs/constraints/cu126.txt" in check.stderr
    cli("render", "--root", str(project_copy))
    assert "torchvision==0.22.1\n" in constraints.read_text()


def test_readme_tables_list_every_row_in_both_languages(matrix):
    for readme in ("README.md", "README.zh-CN.md"):
        text = (ROOT / readme).read_text(encoding="utf-8")
        for name, row in matrix.rows.items():
            assert f"| `{name}` |" in text, (readme, name)
            assert f"| {row.torch} | {row.torchvision} / {row.torchaudio or '—'} |" in text, (readme, name)
    assert "独立环境" in (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
