"""Code shared by plugins and tools; not a plugin (it has no `register()`)."""
