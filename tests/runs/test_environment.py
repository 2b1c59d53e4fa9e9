"""Describing a run from the environment: CI variables of four services, git in the working directory, the machine."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from accel_orm.runs import machine
from accel_orm.runs.environment import describe_ci, describe_environment, describe_git

SHA = "0123456789abcdef0123456789abcdef01234567"


def git(repo: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    where = tmp_path / "repo"
    where.mkdir()
    git(where, "init", "-q", "-b", "feature/fast")
    (where / "bench.py").write_text("x = 1\n")
    git(where, "add", "bench.py")
    git(where, "commit", "-q", "-m", "one")
    return where


def test_github_actions_push() -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SHA": SHA,
        "GITHUB_REF_NAME": "main",
        "GITHUB_SERVER_URL": "https://github.example.com",
        "GITHUB_REPOSITORY": "org/repo",
        "GITHUB_RUN_ID": "42",
    }
    assert describe_ci(env) == {
        "ci_provider": "github-actions",
        "git_commit": SHA,
        "git_branch": "main",
        "ci_job_url": "https://github.example.com/org/repo/actions/runs/42",
    }


def test_github_actions_pull_request_names_the_source_branch() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": SHA, "GITHUB_REF_NAME": "17/merge", "GITHUB_HEAD_REF": "fix-x"}
    assert describe_ci(env)["git_branch"] == "fix-x"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "GITLAB_CI": "true",
                "CI_COMMIT_SHA": SHA,
                "CI_COMMIT_REF_NAME": "main",
                "CI_JOB_URL": "https://gitlab.example.com/g/p/-/jobs/7",
            },
            {
                "ci_provider": "gitlab-ci",
                "git_commit": SHA,
                "git_branch": "main",
                "ci_job_url": "https://gitlab.example.com/g/p/-/jobs/7",
            },
        ),
        (
            {
                "BUILDKITE": "true",
                "BUILDKITE_COMMIT": SHA,
                "BUILDKITE_BRANCH": "dev",
                "BUILDKITE_BUILD_URL": "https://buildkite.com/o/p/builds/3",
                "BUILDKITE_JOB_ID": "j1",
            },
            {
                "ci_provider": "buildkite",
                "git_commit": SHA,
                "git_branch": "dev",
                "ci_job_url": "https://buildkite.com/o/p/builds/3#j1",
            },
        ),
        (
            {
                "JENKINS_URL": "https://ci.example.com/",
                "GIT_COMMIT": SHA,
                "GIT_BRANCH": "origin/release",
                "BUILD_URL": "https://ci.example.com/job/x/5/",
            },
            {
                "ci_provider": "jenkins",
                "git_commit": SHA,
                "git_branch": "release",
                "ci_job_url": "https://ci.example.com/job/x/5/",
            },
        ),
    ],
    ids=["gitlab", "buildkite", "jenkins"],
)
def test_other_ci_services(env: dict[str, str], expected: dict[str, str]) -> None:
    assert describe_ci(env) == expected


def test_no_ci_means_no_ci_facts() -> None:
    assert describe_ci({"PATH": "/usr/bin"}) == {}


def test_git_commit_branch_and_dirty(repo: Path) -> None:
    facts = describe_git(repo)
    assert facts == {"git_commit": git(repo, "rev-parse", "HEAD"), "git_branch": "feature/fast", "git_dirty": False}
    (repo / "bench.py").write_text("x = 2\n")
    assert describe_git(repo)["git_dirty"] is True


def test_detached_head_has_no_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    assert "git_branch" not in describe_git(repo)


def test_outside_a_repository_there_are_no_git_facts(tmp_path: Path) -> None:
    assert describe_git(tmp_path) == {}


def test_environment_prefers_ci_and_drops_git_facts_of_another_checkout(repo: Path) -> None:
    ci = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": SHA, "GITHUB_REF_NAME": "main"}
    described = describe_environment(env=ci, cwd=repo, argv=["bench.py", "--fast"])
    assert (described["git_commit"], described["git_branch"], described["ci_provider"]) == (
        SHA,
        "main",
        "github-actions",
    )
    assert "git_dirty" not in described  # the checkout's state says nothing about commit SHA
    assert described["command_line"] == "bench.py --fast"
    assert described["test_name"] == "bench.py"
    assert described["machine"]["cpu_count"] == os.cpu_count()
    local = describe_environment(env={}, cwd=repo, argv=["x"])
    assert local["git_commit"] == git(repo, "rev-parse", "HEAD")
    assert "ci_provider" not in local


def test_machine_fingerprint_ignores_the_host_name() -> None:
    one = machine.describe_machine()["machine"]
    other = {**one, "hostname": "runner-123"}
    assert machine.fingerprint(one) == machine.fingerprint(other)
    assert machine.fingerprint(one) != machine.fingerprint({**one, "cpu_count": (one["cpu_count"] or 0) + 1})


def test_nvidia_smi_output_is_parsed() -> None:
    text = "NVIDIA A100-SXM4-80GB, 535.104.05\nNVIDIA A100-SXM4-80GB, 535.104.05\n"
    assert machine.parse_nvidia_smi(text) == [{"name": "NVIDIA A100-SXM4-80GB", "driver": "535.104.05"}] * 2


def _fake_nvidia_smi(folder: Path, body: str) -> None:
    script = folder / "nvidia-smi"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_gpus_come_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_nvidia_smi(tmp_path, 'echo "Tesla T4, 550.54"')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert machine.gpus() == [{"name": "Tesla T4", "driver": "550.54"}]


def test_a_hanging_nvidia_smi_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_nvidia_smi(tmp_path, "sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(machine, "COMMAND_TIMEOUT_SECONDS", 0.2)
    assert machine.gpus() == []
