"""Docs coverage: every command has help and is in the README; every setting is documented."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tools.cli import cli

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
PLUGINS = sorted(
    p.name
    for p in (REPO / "plugins").iterdir()
    if (p / "__init__.py").is_file() and p.name[0] != "_"
)
# Any upper-case string literal with an underscore is a setting name (SANITIZE_URL_SCHEMES).
SETTING_READ = re.compile(r"""["']([A-Z][A-Z0-9]*_[A-Z0-9_]+)["']""")


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += all_commands(command, f"{prefix}{name} ")
    return found


COMMANDS = all_commands(cli)


def test_there_are_commands() -> None:
    assert {"build", "serve"} <= {name for name, _ in COMMANDS}


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(name: str, command: click.Command) -> None:
    assert command.help and "Example:" in command.help, name
    result = CliRunner().invoke(cli, [*name.split(), "-h"])
    assert result.exit_code == 0, result.output
    assert f"blog {name}" in README, f"`blog {name}` is not in README.md"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"blog {name} {param.opts[0]} has no help"


@pytest.mark.parametrize("plugin", PLUGINS)
def test_every_setting_a_plugin_reads_is_in_its_docstring(plugin: str) -> None:
    module = importlib.import_module(f"plugins.{plugin}")
    source = "".join(
        p.read_text(encoding="utf-8") for p in (REPO / "plugins" / plugin).glob("*.py")
    )
    settings = set(SETTING_READ.findall(source))
    assert module.__doc__ is not None
    missing = sorted(s for s in settings if s not in module.__doc__)
    assert not missing, f"plugins.{plugin} reads {missing} but its docstring does not name them"


def test_every_plugin_is_enabled_in_pelicanconf() -> None:
    conf = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    for plugin in PLUGINS:
        assert f'"plugins.{plugin}"' in conf, plugin


def test_exit_codes_are_documented() -> None:
    assert re.search(r"\|\s*0\s*\|", README) and re.search(r"\|\s*2\s*\|", README)


def test_readme_cli_reference_is_generated_from_the_commands() -> None:
    from tests.cli_reference import cli_reference

    assert cli_reference() in README, (
        "README.md's CLI reference is out of date: replace it with `python -m tests.cli_reference`"
    )


def test_every_plugin_setting_in_pelicanconf_is_in_the_readme() -> None:
    conf = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    prefixes = tuple(
        {f"{p.upper()}_" for p in PLUGINS} | {f"{p.split('_')[0].upper()}_" for p in PLUGINS}
    )
    names = re.findall(r"^([A-Z][A-Z0-9_]+)\s*=", conf, re.M)
    ours = [n for n in names if n.startswith(prefixes)]
    assert ours, "no plugin settings found"
    missing = [n for n in ours if n not in README]
    assert not missing, f"settings not documented in README.md: {missing}"
