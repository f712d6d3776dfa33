"""The `blog` command-line tool: thin click commands (tools.cli) over these modules."""
