"""`gdlab config`: the config a run would use, resolved, without running it."""

from __future__ import annotations

import typer

from gdlab.cli.app import ConfigOption, JsonOption, SetOption, app, fail, interruptible, print_json


@app.command(
    "config",
    epilog=(
        "Examples:\n\n"
        "  gdlab config\n\n"
        "  gdlab config --config configs/forbes.yaml --set optimizer.lr=0.05\n\n"
        "  gdlab config --json | jq .optimizer\n\n"
        "The output is a complete config: `gdlab train --config` takes it as it is."
    ),
)
@interruptible
def show_config(
    config: ConfigOption = None, set_: SetOption = None, as_json: JsonOption = False
) -> None:
    """Print the config a run of --config and --set would use: every key, validated.

    Nothing is trained and nothing is written (as Hydra's --cfg job). Relative
    paths are shown resolved, as the run would read them.
    """
    from gdlab.record.config import ConfigError, dump_config, load_config

    try:
        cfg = load_config(config, set_ or [])
    except ConfigError as err:
        fail(str(err))
    if as_json:
        print_json(cfg.to_dict())
        return
    typer.echo(dump_config(cfg), nl=False)
