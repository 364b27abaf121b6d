"""``gptcalc presets`` and ``gptcalc show``."""

from pathlib import Path
from typing import Annotated

import typer

from gptcalc.adapters.catalog import list_presets
from gptcalc.adapters.presets import KINDS, PresetKind, find_preset, read_file
from gptcalc.cli.app import app
from gptcalc.cli.options import JsonOpt, PresetsOpt, dirs
from gptcalc.errors import InputError
from gptcalc.render import console, print_json, table

KindArg = Annotated[str | None, typer.Argument(help="models, hardware, datasets or scenarios (default: all kinds).")]


def _kind(value: str) -> PresetKind:
    aliases = {"model": "models", "dataset": "datasets", "scenario": "scenarios", "hw": "hardware"}
    kind = aliases.get(value, value)
    if kind not in KINDS:
        raise InputError(f"kind: unknown {value!r}; allowed: {', '.join(KINDS)}")
    return kind


@app.command("presets", rich_help_panel="Models and presets")
def presets_cmd(kind: KindArg = None, presets: PresetsOpt = None, json_out: JsonOpt = False) -> None:
    """List the presets of one kind, or of every kind."""
    kinds = [_kind(kind)] if kind else list(KINDS)
    listing = {k: list_presets(k, dirs(presets)) for k in kinds}
    if json_out:
        print_json({k: [i.model_dump() for i in v] for k, v in listing.items()})
        return
    out = console()
    for k, infos in listing.items():
        rows = []
        for info in infos:
            name = info.name + (f" ({', '.join(info.aliases)})" if info.aliases else "")
            name += " [shadowed]" if info.shadowed else ""
            desc = info.description.split(". ")[0]
            rows.append([name, desc[:90] + ("…" if len(desc) > 90 else "")])
        out.print(table(k, ["name", "description"], rows, text_columns=2))
        out.print()


def _check(kind: PresetKind, path: Path, preset_dirs: list[Path]) -> None:
    from gptcalc.adapters.load import load_dataset, load_hardware, load_model
    from gptcalc.adapters.scenarios import load_scenario

    ref = str(path)
    if kind == "models":
        load_model(ref, preset_dirs)
    elif kind == "hardware":
        load_hardware(ref, preset_dirs)
    elif kind == "datasets":
        load_dataset(ref, preset_dirs)
    else:
        load_scenario(ref, preset_dirs)


@app.command("show", rich_help_panel="Models and presets")
def show_cmd(
    name: Annotated[str, typer.Argument(help="Preset name or file.")],
    kind: Annotated[str | None, typer.Option("--kind", help="Restrict to one kind.")] = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print one preset: its fields, description and source."""
    kinds = [_kind(kind)] if kind else list(KINDS)
    found = []
    for k in kinds:
        try:
            found.append((k, find_preset(k, name, dirs(presets))))
        except LookupError:
            continue
    if not found:
        # Re-raise the most informative error: the one for the first kind searched.
        find_preset(kinds[0], name, dirs(presets))
    kind_found, path = found[0]
    data = read_file(path)
    _check(kind_found, path, dirs(presets))  # an invalid preset gets the one-line error, not its raw numbers
    if json_out:
        print_json({"kind": kind_found, "name": path.stem, "path": str(path), "preset": data})
        return
    out = console()
    rows = []

    def walk(prefix: str, node: dict[str, object]) -> None:
        for key, value in node.items():
            if key in ("description", "source"):
                continue
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                rows.append([f"{prefix}{key}", str(value)])

    walk("", data)
    out.print(
        table(
            f"{kind_found[:-1] if kind_found != 'hardware' else kind_found}: {path.stem}",
            ["field", "value"],
            rows,
        )
    )
    out.print(f"\n{' '.join(str(data.get('description', '')).split())}")
    out.print(f"[dim]Source: {' '.join(str(data.get('source', '')).split())}[/dim]")
    out.print(f"[dim]File: {path}[/dim]")
