"""One OpenAPI 3 document for the whole API: the gateway's own, merged with each service's.

Components keep their names unless two services mean different things by one name; then the later
one is prefixed with its service name (`complaint_Problem`) and its $refs are rewritten to match.
"""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

Document = dict[str, Any]
#: The gateway declares how to authenticate once for the whole API.
SKIPPED_COMPONENTS = frozenset({"securitySchemes"})


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of `node` where every $ref named in `renames` points at its new name."""
    if isinstance(node, dict):
        return {key: (renames.get(value, value) if key == "$ref" and isinstance(value, str)
                      else _rewrite_refs(value, renames)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _clashing_names(components: Mapping[str, Any], merged: Mapping[str, Any], service: str) -> dict[str, str]:
    """$ref -> renamed $ref for every component that clashes with one already merged.

    Repeated until nothing changes: renaming a component changes the refs inside the components that
    use it, which may make them differ from a same-named one too.
    """
    renames: dict[str, str] = {}
    while True:
        rewritten = _rewrite_refs(components, renames)
        found = dict(renames)
        for kind, entries in rewritten.items():
            for name, value in entries.items():
                existing = merged.get(kind, {}).get(name)
                if existing is not None and existing != value:
                    found[f"#/components/{kind}/{name}"] = f"#/components/{kind}/{service}_{name}"
        if found == renames:
            return renames
        renames = found


def merge_documents(own: Document, services: Mapping[str, Document], unavailable: list[str]) -> Document:
    """The gateway's document with every service's paths, components and tags added."""
    merged = copy.deepcopy(own)
    merged["info"] = {**merged.get("info", {}), "title": "Guanxi API",
                      "description": "The whole Guanxi HTTP API, served by the gateway."}
    paths = merged.setdefault("paths", {})
    components = merged.setdefault("components", {})
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    for service, document in sorted(services.items()):
        theirs = {kind: entries for kind, entries in document.get("components", {}).items()
                  if kind not in SKIPPED_COMPONENTS and isinstance(entries, dict)}
        renames = _clashing_names(theirs, components, service)
        for kind, entries in _rewrite_refs(theirs, renames).items():
            target = components.setdefault(kind, {})
            for name, value in entries.items():
                new_ref = renames.get(f"#/components/{kind}/{name}")
                target[new_ref.rsplit("/", 1)[1] if new_ref else name] = value
        for path, item in _rewrite_refs(document.get("paths", {}), renames).items():
            paths.setdefault(path, {}).update(item)
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    merged["tags"] = sorted(tags.values(), key=lambda tag: tag["name"])
    merged["x-unavailable-services"] = sorted(unavailable)
    return merged


class CachedDocument:
    """The merged document, rebuilt at most once every `ttl` seconds (one rebuild at a time)."""

    def __init__(self, build: Callable[[], Document], ttl: float) -> None:
        self.build, self.ttl = build, ttl
        self._lock = threading.Lock()
        self._document: Document | None = None
        self._expires = 0.0

    def get(self) -> Document:
        """The document, fresh enough."""
        with self._lock:
            if self._document is None or time.monotonic() >= self._expires:
                self._document = self.build()
                self._expires = time.monotonic() + self.ttl
            return self._document
