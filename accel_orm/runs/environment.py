"""Describe the current run from the environment: the CI service's variables, else ``git`` in the working directory.

Supported CI services (checked in this order, each by the variable it always sets):

- GitHub Actions (``GITHUB_ACTIONS``): ``GITHUB_SHA``; the branch is ``GITHUB_HEAD_REF`` on pull requests (the
  source branch; ``GITHUB_REF_NAME`` would be ``123/merge``), else ``GITHUB_REF_NAME``; the job URL is
  ``$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID``.
- GitLab CI (``GITLAB_CI``): ``CI_COMMIT_SHA``, ``CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`` or ``CI_COMMIT_REF_NAME``,
  ``CI_JOB_URL``.
- Buildkite (``BUILDKITE``): ``BUILDKITE_COMMIT``, ``BUILDKITE_BRANCH``, ``BUILDKITE_BUILD_URL`` (+ ``#job``).
- Jenkins (``JENKINS_URL``): ``GIT_COMMIT``, ``BRANCH_NAME`` or ``GIT_BRANCH`` (without ``origin/``),
  ``BUILD_URL``.

Whatever the CI variables leave open (or everything, outside CI) comes from ``git``: the commit, the branch
(none when detached) and whether tracked files have uncommitted changes. Nothing is required: outside a
repository the run simply has no git facts.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accel_orm.runs.machine import COMMAND_TIMEOUT_SECONDS, describe_machine

log = logging.getLogger(__name__)

DEFAULT_TEST_TYPE = "benchmark"

Environment = Mapping[str, str]


def _github(env: Environment) -> dict[str, Any]:
    url = None
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        url = f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return {
        "git_commit": env.get("GITHUB_SHA"),
        "git_branch": env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME"),
        "ci_job_url": url,
    }


def _gitlab(env: Environment) -> dict[str, Any]:
    return {
        "git_commit": env.get("CI_COMMIT_SHA"),
        "git_branch": env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or env.get("CI_COMMIT_REF_NAME"),
        "ci_job_url": env.get("CI_JOB_URL"),
    }


def _buildkite(env: Environment) -> dict[str, Any]:
    url = env.get("BUILDKITE_BUILD_URL")
    if url and env.get("BUILDKITE_JOB_ID"):
        url = f"{url}#{env['BUILDKITE_JOB_ID']}"
    return {"git_commit": env.get("BUILDKITE_COMMIT"), "git_branch": env.get("BUILDKITE_BRANCH"), "ci_job_url": url}


def _jenkins(env: Environment) -> dict[str, Any]:
    branch = env.get("BRANCH_NAME") or env.get("GIT_BRANCH")
    if branch and branch.startswith("origin/"):
        branch = branch.removeprefix("origin/")
    return {"git_commit": env.get("GIT_COMMIT"), "git_branch": branch, "ci_job_url": env.get("BUILD_URL")}


# (provider name, the variable that says we run under it, how to read its variables), in detection order.
CI_PROVIDERS: tuple[tuple[str, str, Callable[[Environment], dict[str, Any]]], ...] = (
    ("github-actions", "GITHUB_ACTIONS", _github),
    ("gitlab-ci", "GITLAB_CI", _gitlab),
    ("buildkite", "BUILDKITE", _buildkite),
    ("jenkins", "JENKINS_URL", _jenkins),
)


def describe_ci(env: Environment | None = None) -> dict[str, Any]:
    """``ci_provider``, ``git_commit``, ``git_branch``, ``ci_job_url`` from a CI service's variables ({} outside CI)."""
    env = os.environ if env is None else env
    for name, marker, read in CI_PROVIDERS:
        if env.get(marker):
            facts = {key: value for key, value in read(env).items() if value}
            return {"ci_provider": name, **facts}
    return {}


def _git(cwd: Path, *arguments: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *arguments], cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.info("git %s failed: %s", " ".join(arguments), error)
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def describe_git(cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """``git_commit``, ``git_branch`` (none when detached) and ``git_dirty`` of the repository at ``cwd``."""
    where = Path(cwd) if cwd is not None else Path.cwd()
    commit = _git(where, "rev-parse", "HEAD")
    if commit is None:
        return {}
    facts: dict[str, Any] = {"git_commit": commit}
    branch = _git(where, "rev-parse", "--abbrev-ref", "HEAD")
    if branch and branch != "HEAD":
        facts["git_branch"] = branch
    status = _git(where, "status", "--porcelain", "--untracked-files=no")
    if status is not None:
        facts["git_dirty"] = bool(status)
    return facts


def describe_environment(
    env: Environment | None = None,
    cwd: str | os.PathLike[str] | None = None,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """A run dict for "this process, now": CI facts, git facts for what CI leaves open, the machine, the command.

    The result is what ``store_test_results`` records when no run is given; pass it (edited) as ``run=`` to
    record something else.
    """
    argv = sys.argv if argv is None else argv
    ci = describe_ci(env)
    git = describe_git(cwd)
    if ci.get("git_commit") and git.get("git_commit") != ci["git_commit"]:
        git = {}  # the checkout is not the commit CI reports: its branch and dirtiness would mislead
    program = Path(argv[0]).name if argv and argv[0] not in ("", "-", "-c") else ""
    return {
        "test_name": program or "accel_orm",
        "test_type": DEFAULT_TEST_TYPE,
        "started_at": datetime.now(UTC).replace(tzinfo=None),
        "command_line": shlex.join(argv) if argv else None,
        **git,
        **ci,
        **describe_machine(),
    }
