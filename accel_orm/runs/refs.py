"""REF resolution: what people type to name a run (``accel-orm runs show REF``, ``compare --baseline REF``).

A REF is, in this order of interpretation:

- a run id (digits);
- a commit: the full hash or a prefix of at least 7 hex digits that only one recorded commit starts with; it
  names that commit's latest run;
- a branch name: that branch's latest run.

"Latest" is by ``started_at`` (``created_at`` when unknown), then by run id. If the interpretations that match
lead to different runs, or a prefix matches several commits, the REF is ambiguous and :class:`RunNotFoundError`
lists the candidates; if nothing matches, it lists the most recent runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, func, select

from accel_orm.errors import RunNotFoundError
from accel_orm.models import TestRun
from accel_orm.queries.runs import run_order

MIN_COMMIT_PREFIX = 7
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SHOWN = 10


@dataclass(frozen=True)
class Candidate:
    run_id: int
    meaning: str  # how the REF led here: "run id", "commit 0123abc...", "branch main"

    def describe(self) -> str:
        return f"run {self.run_id} ({self.meaning})"


def _latest(connection: Connection, *conditions: ColumnElement[bool]) -> int | None:
    stmt = select(TestRun.run_id).where(*conditions).order_by(*run_order()).limit(1)
    return connection.execute(stmt).scalar_one_or_none()


def _by_id(connection: Connection, ref: str) -> list[Candidate]:
    if not ref.isdigit():
        return []
    run_id = connection.execute(select(TestRun.run_id).where(TestRun.run_id == int(ref))).scalar_one_or_none()
    return [Candidate(run_id, "run id")] if run_id is not None else []


def _by_commit(connection: Connection, ref: str) -> list[Candidate]:
    if len(ref) < MIN_COMMIT_PREFIX or not _HEX.match(ref):
        return []
    commit = func.lower(TestRun.git_commit)
    commits = (
        connection.execute(
            select(TestRun.git_commit)
            .distinct()
            .where(commit.startswith(ref.lower(), autoescape=True))
            .limit(_SHOWN + 1)
        )
        .scalars()
        .all()
    )
    found = []
    for full in sorted(commit for commit in commits if commit is not None):
        run_id = _latest(connection, TestRun.git_commit == full)
        if run_id is not None:
            found.append(Candidate(run_id, f"latest run of commit {full}"))
    return found


def _by_branch(connection: Connection, ref: str) -> list[Candidate]:
    run_id = _latest(connection, TestRun.git_branch == ref)
    return [Candidate(run_id, f"latest run of branch {ref}")] if run_id is not None else []


def _recent(connection: Connection) -> list[str]:
    stmt = select(TestRun.run_id, TestRun.git_commit, TestRun.git_branch).order_by(*run_order()).limit(_SHOWN)
    return [
        f"run {run_id}: commit {(commit or '-')[:12]}, branch {branch or '-'}"
        for run_id, commit, branch in connection.execute(stmt).all()
    ]


def resolve_run(connection: Connection, ref: str | int) -> int:
    """The run id ``ref`` names; :class:`RunNotFoundError` (listing candidates) when it names none or several."""
    text = str(ref).strip()
    if not text:
        raise RunNotFoundError("empty run reference: give a run id, a commit (>= 7 characters) or a branch")
    commits = _by_commit(connection, text)
    if len({c.run_id for c in commits}) > 1:
        raise RunNotFoundError(
            f"run reference {text!r} is ambiguous: it is a prefix of {len(commits)} commits; give more characters",
            [c.describe() for c in commits[:_SHOWN]],
        )
    candidates = [*_by_id(connection, text), *commits, *_by_branch(connection, text)]
    distinct = {c.run_id for c in candidates}
    if len(distinct) == 1:
        return candidates[0].run_id
    if candidates:
        raise RunNotFoundError(
            f"run reference {text!r} is ambiguous: it names different runs", [c.describe() for c in candidates]
        )
    recent = _recent(connection)
    hint = "no runs are recorded yet" if not recent else "the most recent runs are"
    short = (
        f" (a commit prefix needs at least {MIN_COMMIT_PREFIX} characters)"
        if _HEX.match(text) and len(text) < MIN_COMMIT_PREFIX
        else ""
    )
    raise RunNotFoundError(f"no run matches {text!r}{short}: not a run id, commit or branch; {hint}", recent)
