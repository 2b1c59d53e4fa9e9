"""Runs: which commit, branch, CI job and machine a result was measured on.

- :mod:`accel_orm.runs.environment` describes the current run from CI variables, ``git`` and the machine;
- :mod:`accel_orm.runs.machine` the machine fingerprint;
- :mod:`accel_orm.runs.record` attaches results to runs while they are stored;
- :mod:`accel_orm.runs.refs` turns a REF (run id, commit or prefix, branch) into a run id.
"""

from accel_orm.runs.environment import describe_ci, describe_environment, describe_git
from accel_orm.runs.machine import describe_machine

__all__ = ["describe_ci", "describe_environment", "describe_git", "describe_machine"]
