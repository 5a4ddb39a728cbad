"""The URL names a URLconf serves, for the guards that fail when a new URL has no test case
(the admin and API scope tests, the public crawls, the workspace's cross-community test)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.urls import URLPattern, URLResolver


def url_names(patterns: Iterable) -> Iterator[str]:
    """Every named pattern below ``patterns``, included URLconfs too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name
