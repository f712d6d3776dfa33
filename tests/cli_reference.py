"""Generate the README's CLI reference from the commands themselves.

`python -m tests.cli_reference` prints the section; tests/test_docs.py checks that README.md
contains it verbatim, so the reference can never drift from `blog <command> --help`.
"""

from __future__ import annotations

import click

from tools.cli import cli

WIDTH = 100
HELP = ["-h", "--help"]


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """List every command path below `group`, in the order click lists them."""
    found: list[tuple[str, ...]] = []
    context = click.Context(group, info_name="blog")
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += command_paths(command, (*prefix, name))
    return found


def help_text(path: tuple[str, ...]) -> str:
    """Return `blog <path> --help` as click prints it at a fixed width."""
    options = {"terminal_width": WIDTH, "max_content_width": WIDTH, "help_option_names": HELP}
    context = click.Context(cli, info_name="blog", **options)
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(context, name)
        assert found is not None
        command = found
        context = click.Context(command, info_name=name, parent=context, **options)
    return command.get_help(context).rstrip()


def cli_reference() -> str:
    """Return the Markdown CLI reference: a table of commands, then each command's help."""
    lines = [
        "## CLI reference",
        "",
        "`blog` is installed into `.venv/bin/blog` (run `make install`, or `make serve`). Every",
        "command has `-h/--help`; this section is generated from that help",
        "(`python -m tests.cli_reference`) and a test keeps it identical.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    paths = command_paths(cli)
    context = click.Context(cli, info_name="blog")
    for path in paths:
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.get_command(context, name)  # type: ignore[assignment]
        lines.append(f"| `blog {' '.join(path)}` | {command.get_short_help_str(limit=90)} |")
    lines.append("")
    for path in paths:
        lines += [f"### blog {' '.join(path)}", "", "```", help_text(path), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(cli_reference(), end="")
