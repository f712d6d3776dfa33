"""The contract of a patched rebuild: one post's body changed, the rest of the build is kept.

`blog preview` keeps its last finished build (plugins.fastbuild.patch). When the only
change is the body of one post, it patches that post in the kept build and runs only the
output phase again, instead of making every post anew and running every plugin's context
step over all of them. That is right only if every plugin either derives nothing from a
post's body while the context is built, or re-derives it for the patched post:

- A receiver of a context-phase signal (content_object_init, article_generator_finalized,
  ...) is marked `@patch_aware`: it derives nothing from post bodies, or it also connects
  to `post_edited` to redo its work for the one post. A receiver without the mark (a
  third-party plugin's, say) makes every change a full rebuild.
- `post_edited` is sent with the articles generator as sender and `post` (the kept
  post, its body already replaced) and `fresh` (the post as read now, before any
  generator-level plugin touched it). A receiver brings its per-post values on `post`
  up to date, or raises `CannotPatch` when the change is more than it can patch (the
  preview then drops the kept build and builds in full).
- A generator a plugin adds has a `patch_post(post)` method, called in the generators'
  order after `post_edited`, that updates what it derived from `post`, readies itself to
  write again, or raises `CannotPatch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from blinker import signal

F = TypeVar("F", bound=Callable[..., Any])

PATCH_AWARE = "intrablog_patch_aware"

post_edited = signal("intrablog-post-edited")


class CannotPatch(Exception):
    """The change cannot be patched into the kept build; build in full (the message says why)."""


def patch_aware(function: F) -> F:
    """Mark a signal receiver as safe to skip (or redone through `post_edited`) in a patch."""
    setattr(function, PATCH_AWARE, True)
    return function


def is_patch_aware(receiver: Any) -> bool:
    """Whether a receiver (a function or a bound method) carries the `patch_aware` mark."""
    return bool(getattr(getattr(receiver, "__func__", receiver), PATCH_AWARE, False))
