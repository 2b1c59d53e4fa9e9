"""Change detection: the step changes of each benchmark series, and the team's decisions about them.

- :mod:`accel_orm.changes.detect`: the detector, pure functions on numpy arrays (how it decides is documented there);
- :mod:`accel_orm.changes.frame`: every change of a metric as a DataFrame, read with one Select;
- :mod:`accel_orm.changes.acknowledge`: accepting a change (with a reason), withdrawing, listing.
"""

from accel_orm.changes.acknowledge import acknowledge, acknowledgements_frame, changes_with_decisions, unacknowledge
from accel_orm.changes.detect import DEFAULT_SETTINGS, ChangePoint, DetectorSettings, detect_changes
from accel_orm.changes.frame import CHANGE_COLUMNS, change_id, changes_frame, detect_points

__all__ = [
    "CHANGE_COLUMNS",
    "DEFAULT_SETTINGS",
    "ChangePoint",
    "DetectorSettings",
    "acknowledge",
    "acknowledgements_frame",
    "change_id",
    "changes_frame",
    "changes_with_decisions",
    "detect_changes",
    "detect_points",
    "unacknowledge",
]
