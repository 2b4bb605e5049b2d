"""The category tree: who was counted, and which categories are parts of which.

A file's ``categories:`` mapping names each parent's disjoint parts (``complete`` when they add up
to the parent).  Reports may then name a category by its leaf ("security forces") or by its path
("combatants/security forces"); both resolve to the same path.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from casualty_cli.errors import Finding, GrammarError, Location
from casualty_cli.model import ROOT_CATEGORY, CategoryNode
from casualty_cli.names import display_name, name_key, split_path
from casualty_cli.readers.raw import RawCategory

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


@dataclass(frozen=True)
class CategoryTree:
    """Parents and their parts; ``parent_of`` maps each part's key to its parent's display name."""

    nodes: Mapping[str, CategoryNode] = field(default_factory=dict)
    parent_of: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, text: str) -> tuple[str, ...]:
        """The full path of a category as written in a report (``()`` is the root, ``all``)."""
        path = split_path(text, what="category")
        if path and name_key(path[0]) == ROOT_CATEGORY:
            path = path[1:]
        path = tuple(self.names.get(name_key(part), part) for part in path)
        if not path:
            return ()
        for parent, child in itertools.pairwise(path):
            declared = self.parent_of.get(name_key(child))
            if declared is not None and name_key(declared) != name_key(parent):
                raise GrammarError(
                    f"category {text!r} puts {child!r} under {parent!r}, "
                    f"but the categories declare it under {declared!r}",
                    code="category-conflict",
                    value=text,
                    hint=f"write {child!r} alone, or as {declared}/{child}",
                )
        return self._ancestors(path[0]) + path

    def _ancestors(self, name: str) -> tuple[str, ...]:
        chain: list[str] = []
        # A cycle ({a: [b], b: [a]}) is already an error finding of build_category_tree: stop at
        # it instead of walking it forever.
        seen = {name_key(name)}
        parent = self.parent_of.get(name_key(name))
        while parent is not None and name_key(parent) not in seen | {ROOT_CATEGORY}:
            seen.add(name_key(parent))
            chain.append(parent)
            parent = self.parent_of.get(name_key(parent))
        return tuple(reversed(chain))


def build_category_tree(
    raw: Iterable[tuple[str, RawCategory]], findings: list[Finding]
) -> CategoryTree:
    """Build the tree, adding a finding for every part claimed by two parents or any cycle."""
    nodes: dict[str, CategoryNode] = {}
    parent_of: dict[str, str] = {}
    names: dict[str, str] = {}
    for file, entry in raw:
        parent = display_name(entry.parent)
        location = Location(file, entry.line, "categories")
        complete = _complete(entry, parent, "category", location, findings)
        parts = tuple(display_name(p) for p in entry.parts)
        names.setdefault(name_key(parent), parent)
        for part in parts:
            names.setdefault(name_key(part), part)
            previous = parent_of.setdefault(name_key(part), parent)
            if name_key(previous) != name_key(parent):
                findings.append(
                    Finding(
                        "category-two-parents",
                        f"category {part!r} is a part of both {previous!r} and {parent!r}",
                        location,
                        part,
                        "each category may have one parent: parts must be disjoint",
                    )
                )
        nodes[parent] = CategoryNode(parent, parts, complete, location)
    _report_cycles(parent_of, findings)
    return CategoryTree(nodes, parent_of, names)


def _report_cycles(parent_of: Mapping[str, str], findings: list[Finding]) -> None:
    for start in parent_of:
        seen = {start}
        parent = parent_of.get(start)
        while parent is not None:
            key = name_key(parent)
            if key in seen:
                findings.append(
                    Finding(
                        "category-cycle",
                        f"category {parent!r} is its own ancestor",
                        Location("", None, "categories"),
                        parent,
                        "categories must form a tree",
                    )
                )
                return
            seen.add(key)
            parent = parent_of.get(key)


def build_place_tree(
    raw: Iterable[tuple[str, RawCategory]], findings: list[Finding]
) -> dict[str, CategoryNode]:
    """``places:``: each parent place path with its parts (names one level below it).

    A node's ``name`` is the parent's path; ``complete`` says the parts add up to it.
    """
    nodes: dict[str, CategoryNode] = {}
    for file, entry in raw:
        location = Location(file, entry.line, "places")
        try:
            path = split_path(entry.parent, what="place")
        except GrammarError as error:
            findings.append(Finding(error.code, error.message, location, entry.parent, error.hint))
            continue
        complete = _complete(entry, entry.parent, "place", location, findings)
        name = "/".join(path)
        parts = tuple(display_name(part) for part in entry.parts)
        nodes[name] = CategoryNode(name, parts, complete, location)
    return nodes


def _complete(
    entry: RawCategory, parent: str, what: str, location: Location, findings: list[Finding]
) -> bool:
    """An entry's ``complete``: true or false, else a finding (and false)."""
    complete = name_key(entry.complete)
    if complete not in _TRUE | _FALSE:
        findings.append(
            Finding(
                f"{what}-complete-invalid",
                f"'complete' of {parent!r} must be true or false, not {entry.complete!r}",
                location,
                entry.complete,
                "write complete: true when the parts add up to the whole",
            )
        )
    return complete in _TRUE
