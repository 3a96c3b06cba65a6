"""The README's examples run, so they never rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gdlab.cli import app
from gdlab.record.config import load_config
from tests.conftest import REPO

# Real processes and whole commands, slow: `make e2e` and CI run them, `make test` does not.
pytestmark = pytest.mark.e2e

README = (REPO / "README.md").read_text()
COMMANDS = re.findall(r"^\$ gdlab (.+)$", README, flags=re.MULTILINE)


def test_the_readme_has_examples_to_run() -> None:
    assert len(COMMANDS) >= 2
    assert "make reproduce" in README and "make test" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_each_readme_command_runs(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [a.replace("configs/", f"{REPO}/configs/") for a in shlex.split(command)]
    if args[0] == "nist":  # reads configs/nist and data/nist from where it is run
        monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    if args[0] in ("train", "sweep"):
        assert list(tmp_path.glob("results/**/summary.json")), "the command wrote no run"


def test_the_annotated_config_in_the_readme_is_the_default(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(data:\n  source: synthetic.*?)```", README, flags=re.DOTALL)
    assert block is not None
    path = tmp_path / "readme.yaml"
    path.write_text(block.group(1))
    assert load_config(path) == load_config()
    assert yaml.safe_load(block.group(1)) == yaml.safe_load(
        (REPO / "configs" / "default.yaml").read_text()
    )


def test_the_sweep_example_in_the_readme_is_the_shipped_study() -> None:
    block = re.search(r"```yaml\n(name: lr_study.*?)```", README, flags=re.DOTALL)
    assert block is not None
    assert yaml.safe_load(block.group(1)) == yaml.safe_load(
        (REPO / "configs" / "lr_study.yaml").read_text()
    )


def test_the_python_examples_print_what_the_readme_says(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
        printed = capsys.readouterr().out.strip().splitlines()
        promised = re.findall(r"print\(.*\)  # (.*)$", block, flags=re.MULTILINE)
        assert printed == promised
