"""The one status vocabulary of the renderers: which words mean supported, limited or unsupported.

The three levels are the model's ``COMPATIBILITY_STATUSES``; the synonyms are the words the old files, the test
harnesses and boolean cells (rendered "yes"/"no") use for them. The HTML badges and the compatibility heatmap both
read a cell through :func:`status_level`, so a word coloured in one is coloured the same way in the other.
"""

from __future__ import annotations

from accel_orm.models import COMPATIBILITY_STATUSES

SUPPORTED, LIMITED, UNSUPPORTED = COMPATIBILITY_STATUSES

_WORDS: dict[str, tuple[str, ...]] = {
    SUPPORTED: ("yes", "true", "pass", "passed", "ok", "full", "success", "1"),
    LIMITED: ("partial", "partially supported", "degraded", "warning", "flaky"),
    UNSUPPORTED: ("no", "false", "fail", "failed", "error", "timeout", "none", "0"),
}
_LEVEL_OF_WORD: dict[str, str] = {word: level for level, words in _WORDS.items() for word in (level, *words)}


def status_level(text: str) -> str | None:
    """The compatibility status a cell's text stands for (case and surrounding blanks ignored), or None."""
    return _LEVEL_OF_WORD.get(text.strip().lower())
