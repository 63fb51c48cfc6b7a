"""Safe YAML for files a user writes: size limits, line numbers, no duplicate keys.

PyYAML's safe loader is safe against code execution but not against resource exhaustion: a
few hundred bytes of nested aliases ("billion laughs") expand to billions of values, and a
document nested 100,000 deep overflows the composer's recursion. :func:`load_yaml` builds the
Python values straight from the parser's events in one flat loop (no recursion; the C parser
when PyYAML has one) and stops at the first limit broken: at most :data:`MAX_CHARS`
characters, :data:`MAX_DEPTH` levels of nesting, :data:`MAX_ALIASES` aliases,
:data:`MAX_VALUES` values with aliases expanded, :data:`MAX_STRING` characters in one value.
Only the standard tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!map``,
``!!seq``) are accepted.

Every mapping comes back as a :class:`YamlMap` and every list as a :class:`YamlList`, both
knowing the line they start on and the line of each key or item, so a caller can point a
user at ``file:line``. A key written twice in one mapping is an error (plain YAML keeps the
last silently). Dates stay strings; ``1e3`` and ``2.5E-1`` are numbers (YAML 1.2 style, as a
user expects, where PyYAML's YAML 1.1 reads them as text).

Examples
--------
>>> doc = load_yaml("a: 1\\nb:\\n  - x\\n  - 2e3\\n")
>>> doc, doc.line, doc.key_lines["b"], doc["b"].item_lines
({'a': 1, 'b': ['x', 2000.0]}, 1, 2, [3, 4])
>>> load_yaml("a: 1\\na: 2\\n")
Traceback (most recent call last):
...
crudeflow._yaml.YamlInputError: line 2: key 'a' given twice (first on line 1)
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml import events

__all__ = [
    "MAX_ALIASES",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_STRING",
    "MAX_VALUES",
    "YamlInputError",
    "YamlList",
    "YamlMap",
    "load_yaml",
]

MAX_CHARS = 10_000_000
"""Largest document, in characters (files are checked in bytes before they are read)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists."""
MAX_ALIASES = 1_000
"""Most aliases (``*name``) in one document."""
MAX_VALUES = 2_000_000
"""Most values (mappings, lists, scalars) in the document with every alias expanded."""
MAX_STRING = 10_000
"""Longest single value, in characters."""


class YamlInputError(ValueError):
    """A document that is not valid YAML or breaks a limit; ``line`` is 1-based or None."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


class YamlMap(dict[str, Any]):
    """A mapping that knows its line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class YamlList(list[Any]):
    """A list that knows its line and the line of each item."""

    line: int
    item_lines: list[int]


# YAML 1.2 numbers with an exponent that YAML 1.1 reads as text: 1e3, 5E-1, 2.5e+300.
_FLOAT_EXP = re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


def _loader_class() -> type[Any]:
    base = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    cls: type[Any] = type("_Loader", (base,), {})
    # Dates stay strings: callers parse YYYY-MM themselves and want one code path.
    cls.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    cls.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_EXP, list("-+0123456789"))
    return cls


_Loader = _loader_class()
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null")}
_MAP_TAGS = {None, "!", f"{_TAG}map"}
_SEQ_TAGS = {None, "!", f"{_TAG}seq"}


def _mark_line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None else None


class _Builder:
    """Python values from the event stream in one flat loop (no recursion), within limits.

    PyYAML's own path (compose a node graph, then construct) recurses once per level and
    resolves every scalar through a list of regular expressions; here each distinct plain
    scalar is resolved once, by PyYAML's resolver and constructor (same types as
    ``yaml.safe_load``, timestamps excepted).
    """

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.resolved: dict[tuple[str | None, str, bool], Any] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, values it stands for)
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self.aliases = 0
        self.total = 0

    def scalar(self, ev: events.ScalarEvent) -> Any:
        if len(ev.value) > MAX_STRING:
            raise YamlInputError(
                _mark_line(ev.start_mark),
                f"a value of {len(ev.value):,} characters (at most {MAX_STRING:,})",
            )
        tag = ev.tag
        plain = bool(ev.implicit[0]) and tag is None
        if tag == "!" or (tag is None and not plain):
            return ev.value
        if tag is not None and tag not in _SCALAR_TAGS:
            raise YamlInputError(_mark_line(ev.start_mark), f"tag {tag!r} is not supported")
        key = (tag, ev.value, plain)
        if key not in self.resolved:
            node_tag = tag or self.loader.resolve(yaml.ScalarNode, ev.value, (True, False))
            node = yaml.ScalarNode(node_tag, ev.value)
            self.resolved[key] = self.loader.construct_object(node, deep=True)
        return self.resolved[key]

    def add(self, value: Any, size: int, line: int | None, *, merge_key: bool = False) -> None:
        if self.stack:
            frame = self.stack[-1]
            frame.size += size
            if frame.size > MAX_VALUES:
                raise YamlInputError(
                    line,
                    f"the document expands to more than {MAX_VALUES:,} values (aliases included)",
                )
            frame.put(value, line, merge_key=merge_key)
        else:
            self.total += size
            self.root = value

    def run(self) -> Any:
        get_event = self.loader.get_event
        while True:
            ev: Any = get_event()
            kind = type(ev)
            if kind is events.StreamEndEvent or ev is None:
                break
            line = int(ev.start_mark.line) + 1
            if kind is events.ScalarEvent:
                merge = ev.value == "<<" and ev.tag is None and bool(ev.implicit[0])
                value = "<<" if merge else self.scalar(ev)
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (value, 1)
                self.add(value, 1, line, merge_key=merge)
            elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                if len(self.stack) >= MAX_DEPTH:
                    raise YamlInputError(line, f"nested deeper than {MAX_DEPTH} levels")
                is_map = kind is events.MappingStartEvent
                if ev.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                    raise YamlInputError(line, f"tag {ev.tag!r} is not supported")
                self.stack.append(_Frame(is_map, line or 0, ev.anchor))
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                frame = self.stack.pop()
                value = frame.finish()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, frame.size)
                self.add(value, frame.size, frame.line)
            elif kind is events.AliasEvent:
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise YamlInputError(line, f"more than {MAX_ALIASES:,} aliases")
                if ev.anchor not in self.anchors:
                    raise YamlInputError(
                        line, f"alias *{ev.anchor} is not a complete anchor above it"
                    )
                value, size = self.anchors[ev.anchor]
                self.add(value, size, line)
            elif kind is events.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise YamlInputError(line, "more than one document (---) in the file")
        return self.root


_MERGE = object()


class _Frame:
    """An open mapping or list."""

    __slots__ = ("anchor", "is_map", "key", "key_line", "line", "merges", "size", "value")

    def __init__(self, is_map: bool, line: int, anchor: str | None) -> None:
        self.is_map = is_map
        self.line = line
        self.anchor = anchor
        self.size = 1
        self.key: Any = None
        self.key_line = 0
        self.merges: list[tuple[Any, int]] = []
        if is_map:
            m = YamlMap()
            m.line, m.key_lines = line, {}
            self.value: YamlMap | YamlList = m
        else:
            seq = YamlList()
            seq.line, seq.item_lines = line, []
            self.value = seq

    def put(self, item: Any, line: int | None, *, merge_key: bool) -> None:
        where = line or self.line
        if not self.is_map:
            assert isinstance(self.value, YamlList)
            self.value.append(item)
            self.value.item_lines.append(where)
            return
        assert isinstance(self.value, YamlMap)
        if self.key is None:
            if merge_key:
                self.key = _MERGE
            elif isinstance(item, bool) or not isinstance(item, str | int | float):
                raise YamlInputError(where, "a key must be a plain word such as 'route'")
            elif str(item) in self.value.key_lines:
                raise YamlInputError(
                    where,
                    f"key {str(item)!r} given twice (first on line "
                    f"{self.value.key_lines[str(item)]})",
                )
            else:
                self.key = str(item)
            self.key_line = where
            return
        if self.key is _MERGE:
            self.merges.append((item, self.key_line))
        else:
            self.value[self.key] = item
            self.value.key_lines[self.key] = self.key_line
        self.key = None

    def finish(self) -> YamlMap | YamlList:
        # Merge keys (<<: *defaults): the mapping's own keys win, then earlier merges.
        if isinstance(self.value, YamlMap):
            for item, line in self.merges:
                sources = item if isinstance(item, YamlList) else [item]
                for src in sources:
                    if not isinstance(src, YamlMap):
                        raise YamlInputError(line, "<<: expected a mapping or a list of mappings")
                    for k, v in src.items():
                        if k not in self.value:
                            self.value[k] = v
                            self.value.key_lines[k] = src.key_lines.get(k, line)
        return self.value


def load_yaml(text: str) -> Any:
    """Parse one YAML document within the limits of this module.

    Returns
    -------
    Any
        ``None`` for an empty document; mappings as :class:`YamlMap`, lists as
        :class:`YamlList`; dates as strings.

    Raises
    ------
    YamlInputError
        Not valid YAML, a duplicate key, or a limit broken (with the line where it happens).
    """
    if len(text) > MAX_CHARS:
        raise YamlInputError(None, f"{len(text):,} characters (at most {MAX_CHARS:,})")
    loader = _Loader(text)
    try:
        return _Builder(loader).run()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlInputError(
            _mark_line(mark), f"not valid YAML ({exc.problem or exc.context})"
        ) from None
    except yaml.YAMLError as exc:
        raise YamlInputError(None, f"not valid YAML ({exc})") from None
    except YamlInputError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        # e.g. an integer of more than 4,300 digits
        raise YamlInputError(None, f"not valid YAML ({str(exc)[:80]})") from None
    finally:
        loader.dispose()
