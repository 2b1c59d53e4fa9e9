"""One model, several names: find likely duplicates among imported names, and map old names to the right ones.

Old result files name one model several ways (``bert`` and ``bert-base-uncased``, ``whisper`` and
``openai/whisper-tiny``) and one family too (``embedding`` and ``text_embedding``). Imported as they are, each
name becomes its own model and its results never meet. :func:`likely_duplicates` lists pairs worth a look in the
migration report; ``migrate_json(model_aliases=..., family_aliases=...)`` (``--model-alias OLD=NEW``,
``--family-alias OLD=NEW``) renames on import, before fingerprints are taken, so re-runs stay idempotent.

Two names are likely the same when, after dropping an organisation prefix (``openai/``) and case, their words
(split on ``-``, ``_``, ``.``, spaces) are the same, or one's words begin the other's (models: ``bert`` and
``bert-base-uncased``, ``whisper`` and ``whisper-tiny``) or all appear in the other's (families: ``embedding`` and
``text_embedding``). Models need the leading words because a model name grows by suffixes of variant
(``-base-uncased``, ``-tiny``) while a word in front names another architecture (``resnet-50`` is not
``detr-resnet-50``). ``bert-base-cased`` and ``bert-base-uncased`` are not flagged either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_WORD_SPLIT = re.compile(r"[-_.\s]+")
ALIASED_FIELDS: dict[str, str] = {"model": "model_name", "family": "model_family"}


@dataclass(frozen=True)
class LikelyDuplicate:
    """Two names that probably mean the same thing; ``suggestion`` maps the vaguer onto the more specific."""

    kind: str  # "model" or "family"
    name: str
    other: str

    @property
    def suggestion(self) -> str:
        flag = "--model-alias" if self.kind == "model" else "--family-alias"
        return f"{flag} {self.name}={self.other}"


def parse_aliases(pairs: Iterable[str], *, flag: str) -> dict[str, str]:
    """``["bert=bert-base-uncased", ...]`` -> ``{"bert": "bert-base-uncased"}``; a bad pair names ``flag``."""
    aliases: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise ValueError(f"{flag} expects OLD=NEW (e.g. {flag} bert=bert-base-uncased), got {pair!r}")
        if aliases.get(old, new) != new:
            raise ValueError(f"{flag} maps {old!r} twice: to {aliases[old]!r} and to {new!r}")
        aliases[old] = new
    return check_aliases(aliases, flag=flag)


def check_aliases(aliases: Mapping[str, str], *, flag: str = "alias") -> dict[str, str]:
    """Refuse mappings that cannot mean anything: empty names, a name mapped to itself, chains (a=b, b=c)."""
    checked = dict(aliases)
    for old, new in checked.items():
        if not isinstance(old, str) or not isinstance(new, str) or not old.strip() or not new.strip():
            raise ValueError(f"{flag}: names must be non-empty text, got {old!r}={new!r}")
        if old == new:
            raise ValueError(f"{flag}: {old!r} is mapped to itself")
        if new in checked:
            raise ValueError(
                f"{flag}: {old!r} -> {new!r} -> {checked[new]!r} is a chain; map {old!r} to the final name directly"
            )
    return checked


def apply_aliases(
    results: Sequence[dict[str, Any]], *, model_aliases: Mapping[str, str], family_aliases: Mapping[str, str]
) -> int:
    """Rename ``model_name`` / ``model_family`` in place; returns how many values were renamed."""
    renamed = 0
    for result in results:
        for aliases, key in ((model_aliases, "model_name"), (family_aliases, "model_family")):
            value = result.get(key)
            if isinstance(value, str) and value in aliases:
                result[key] = aliases[value]
                renamed += 1
    return renamed


def _words(name: str) -> tuple[str, ...]:
    base = name.rsplit("/", 1)[-1].lower()
    return tuple(word for word in _WORD_SPLIT.split(base) if word)


def _alike(kind: str, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if set(a) == set(b):
        return True
    short, long = sorted((a, b), key=len)
    if kind == "model":
        return long[: len(short)] == short
    return set(short) <= set(long)


def likely_duplicates(kind: str, names: Iterable[str], *, among: Iterable[str] = ()) -> list[LikelyDuplicate]:
    """Pairs of ``names`` (or of a name and one of ``among``, e.g. names already in the database) that look alike.

    Each pair is listed once, vaguer name first (fewer words, then shorter), so its suggestion maps the vaguer
    name onto the more specific one. Sorted by name.
    """
    seen = sorted(set(names))
    pool = sorted(set(seen) | set(among))
    words = {name: _words(name) for name in pool}
    pairs: set[tuple[str, str]] = set()
    for name in seen:
        for other in pool:
            if other == name or not words[name] or not words[other]:
                continue
            if _alike(kind, words[name], words[other]):
                vague, specific = sorted((name, other), key=lambda n: (len(words[n]), len(n), n))
                pairs.add((vague, specific))
    return [LikelyDuplicate(kind, vague, specific) for vague, specific in sorted(pairs)]
