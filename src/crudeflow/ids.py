"""Ids typed by a user: case-insensitive matching and "did you mean" for near misses.

One rule for every place that takes a node, route, group or country id: an exact match wins;
otherwise an id that differs only in case is the same id (the dataset's spelling is the
canonical one, shown in output); otherwise the error offers the nearest known ids.

Examples
--------
>>> match_id("aktau", ["AKTAU", "KURYK"])
'AKTAU'
>>> match_id("AKTUA", ["AKTAU", "KURYK"]) is None
True
>>> did_you_mean("AKTUA", ["AKTAU", "KURYK", "ATASU"])
' (did you mean AKTAU or ATASU?)'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["AmbiguousIdError", "did_you_mean", "match_id"]


class AmbiguousIdError(ValueError):
    """``name`` matches several ids that differ only in case; ``matches`` lists them."""

    def __init__(self, name: str, matches: tuple[str, ...]) -> None:
        self.name = name
        self.matches = matches
        super().__init__(
            f"{name!r} matches {' and '.join(matches)}, which differ only in case: write it exactly"
        )


def match_id(name: str, known: Iterable[str]) -> str | None:
    """The known id ``name`` stands for: exact match first, then ignoring case; else None.

    Raises
    ------
    AmbiguousIdError
        No exact match and several known ids equal ``name`` ignoring case.

    Examples
    --------
    >>> match_id("trans_caspian", ["TRANS_CASPIAN", "trans_caspian"])
    'trans_caspian'
    >>> match_id("Cpc", ["cpc", "CPC_ATYRAU_TERMINAL"])
    'cpc'
    """
    ids = list(known)
    if name in ids:
        return name
    folded = name.casefold()
    hits = tuple(dict.fromkeys(i for i in ids if i.casefold() == folded))
    if len(hits) > 1:
        raise AmbiguousIdError(name, hits)
    return hits[0] if hits else None


def did_you_mean(name: str, known: Iterable[str], *, n: int = 3, cutoff: float = 0.6) -> str:
    """``" (did you mean X or Y?)"`` naming the known ids closest to ``name``, or ``""``.

    Case is ignored when comparing; the known ids are shown as spelled.

    Examples
    --------
    >>> did_you_mean("RUS", ["RU", "KZ", "AZ"], cutoff=0.5)
    ' (did you mean RU?)'
    >>> did_you_mean("zzz", ["RU", "KZ"])
    ''
    """
    canonical: dict[str, str] = {}
    for i in known:
        canonical.setdefault(i.casefold(), i)
    close = difflib.get_close_matches(name.casefold(), list(canonical), n=n, cutoff=cutoff)
    return f" (did you mean {' or '.join(canonical[c] for c in close)}?)" if close else ""
