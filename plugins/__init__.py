"""Intrablog's Pelican plugins: one package per capability, imported as `plugins.<name>`."""
