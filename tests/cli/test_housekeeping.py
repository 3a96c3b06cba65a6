"""Run housekeeping: tags and notes, filters and sorting, a trash that gives back, the config."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gdlab.cli import app

cli = CliRunner()
QUICK = ["--set", "training.epochs=100", "--set", "output.plots=false", "--quiet"]


def _ok(*args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _listed(*args: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(_ok("runs", "list", "--json", *args))  # type: ignore[no-any-return]


def test_tags_notes_filters_and_sorting() -> None:
    _ok("train", *QUICK, "--tag", "base", "--tag", "v1", "--note", "the first")
    _ok("train", *QUICK, "--set", "optimizer.lr=0.01", "--tag", "v1")
    _ok("train", *QUICK, "--set", "optimizer.lr=0.02")
    assert len(_listed("--tag", "v1")) == 2 and len(_listed("--tag", "v1", "--tag", "base")) == 1
    (first,) = _listed("--tag", "base")
    assert first["tags"] == ["base", "v1"] and first["note"] == "the first"
    assert [r["lr"] for r in _listed("--where", "optimizer.lr>=0.01")] == [0.02, 0.01]
    assert [r["lr"] for r in _listed("--where", "lr=0.005")] == [0.005]
    losses = [r["final_loss"] for r in _listed("--sort", "final_loss")]
    assert losses == sorted(losses)
    assert [r["lr"] for r in _listed("--sort", "lr", "--reverse")] == [0.02, 0.01, 0.005]
    # Labels are not results: the run still verifies byte for byte.
    verified = json.loads(_ok("verify", first["path"], "--json"))
    assert verified["reproducible"] is True


def test_runs_rm_moves_to_a_trash_that_restores(tmp_path: Path) -> None:
    folder = Path(_ok("train", *QUICK).strip())
    _ok("runs", "rm", folder.name)
    assert not folder.exists() and (tmp_path / "results" / "trash" / "runs" / folder.name).is_dir()
    assert _listed() == []
    _ok("runs", "restore", folder.name)
    assert folder.is_dir() and len(_listed()) == 1
    _ok("runs", "tag", folder.name, "--tag", "kept")
    assert _listed("--tag", "kept")[0]["id"] == folder.name


def test_config_prints_the_resolved_config_that_train_takes_back(tmp_path: Path) -> None:
    text = _ok("config", "--set", "optimizer.lr=0.05", "--set", "training.epochs=100")
    config = yaml.safe_load(text)
    assert config["optimizer"]["lr"] == 0.05 and config["model"]["degree"] == 1
    (tmp_path / "resolved.yaml").write_text(text)
    run = Path(_ok("train", "--config", "resolved.yaml", "--quiet").strip())
    assert yaml.safe_load((run / "config.yaml").read_text()) == config
    assert not list(tmp_path.glob("results/**/config.yaml"))[1:]  # only the one run


def test_help_names_things_in_words_and_offers_completion() -> None:
    for command in (
        ["runs", "compare"],
        ["runs", "show"],
        ["gradcheck"],
        ["lr-find"],
        ["runs", "list"],
    ):
        text = _ok(*command, "--help")
        for placeholder in ("<int", "<float", "<str", "<list", "<path", "{"):
            assert placeholder not in text, (command, placeholder)
    assert "--install-completion" in _ok("--help")


def test_a_filter_that_matches_nothing_or_cannot_be_read_is_an_error() -> None:
    _ok("train", *QUICK, "--tag", "base")
    for args in (
        ["--tag", "nosuchtag"],
        ["--where", "status=divergd"],
        ["--where", "lr=>0.01"],
        ["--where", "nosuch.key=3"],
        ["--where", "optimizer.lr=abc"],
        ["--where", "optimizer.name=adamm"],
        ["--sort", "final loss"],
    ):
        result = cli.invoke(app, ["runs", "list", *args])
        assert result.exit_code == 2 and result.stderr.startswith("error: "), args
    assert [r["lr"] for r in _listed("--where", "optimizer.lr<1e-2")] == [0.005]  # 1e-2 a number


def test_a_run_still_being_written_is_not_moved_to_the_trash(tmp_path: Path) -> None:
    from gdlab.record import owner, runs

    folder = Path(_ok("train", *QUICK).strip())
    # As a live run's folder says while it trains: running, by this very process.
    runs.write_json(
        folder / "summary.json", {"status": "running", "process": owner.process_record()}
    )
    result = cli.invoke(app, ["runs", "rm", folder.name])
    assert result.exit_code == 2 and "still running" in result.stderr and folder.is_dir()


def test_the_shell_completes_run_ids() -> None:
    import os
    import subprocess
    import sys

    folder = Path(_ok("train", *QUICK, "--name", "finish-me").strip())
    env = {
        **os.environ,
        "_GDLAB_COMPLETE": "complete_bash",
        "COMP_WORDS": f"gdlab runs show {folder.name[:8]}",
        "COMP_CWORD": "3",
    }
    script = Path(sys.executable).parent / "gdlab"  # the console script, as a shell calls it
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, check=False)
    assert folder.name in done.stdout.split()
