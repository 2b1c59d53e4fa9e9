"""The one clock and the one converter: the database stores every timestamp as naive UTC.

Both engines run their sessions in UTC and the columns are ``TIMESTAMP WITHOUT TIME ZONE`` (see ``models.py``), so
every time the data layer writes or compares is a naive datetime meaning UTC. These helpers are the only place
that decides how an aware time, a naive time or "now" becomes that value.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, as naive UTC (the way the database stores timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as naive UTC: an aware time is converted, a naive one is taken as UTC already."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def aware_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime: a naive time is taken as UTC, an aware one is converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
