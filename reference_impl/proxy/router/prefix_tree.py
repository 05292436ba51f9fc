"""A compressed radix tree: which stored keys are prefixes of a given key, longest first.

Lookup cost depends on the length of the key, not on how many keys are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class _Node(Generic[V]):
    __slots__ = ("edges", "value")

    def __init__(self) -> None:
        self.edges: dict[str, tuple[str, _Node[V]]] = {}  # first char -> (label, child)
        self.value: V | None = None


def _common_length(a: str, b: str, start: int) -> int:
    limit = min(len(a), len(b) - start)
    i = 0
    while i < limit and a[i] == b[start + i]:
        i += 1
    return i


class PrefixTree(Generic[V]):
    def __init__(self) -> None:
        self._root: _Node[V] = _Node()

    def setdefault(self, key: str, factory: Callable[[], V]) -> V:
        """The value stored at exactly `key`, created with `factory()` if there is none."""
        node = self._root
        i = 0
        while i < len(key):
            edge = node.edges.get(key[i])
            if edge is None:
                child: _Node[V] = _Node()
                node.edges[key[i]] = (key[i:], child)
                node = child
                break
            label, child = edge
            common = _common_length(label, key, i)
            if common < len(label):
                middle: _Node[V] = _Node()
                middle.edges[label[common]] = (label[common:], child)
                node.edges[key[i]] = (label[:common], middle)
                child = middle
            node = child
            i += common
        if node.value is None:
            node.value = factory()
        return node.value

    def prefixes_of(self, key: str) -> list[V]:
        """Values of every stored key that is a prefix of `key`, the longest key first."""
        found: list[V] = []
        node = self._root
        if node.value is not None:
            found.append(node.value)
        i = 0
        while i < len(key):
            edge = node.edges.get(key[i])
            if edge is None:
                break
            label, node = edge
            if not key.startswith(label, i):
                break
            i += len(label)
            if node.value is not None:
                found.append(node.value)
        found.reverse()
        return found
