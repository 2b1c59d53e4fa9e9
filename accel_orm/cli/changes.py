"""``accel-orm changes``: acknowledge the changes a team accepts, withdraw that, and list open or accepted ones.

Change ids are the ``change_id`` column of ``accel-orm query --changes`` (``<metric>-<12 hex digits>``).
"""

from __future__ import annotations

import argparse
import json

from accel_orm.cli.common import open_engine, say, write_output
from accel_orm.cli.query import CHANGE_METRICS

# The detector, pandas and the renderers are imported when a command runs, not for --help.

FORMATS = ("markdown", "html", "json", "csv")


def cmd_ack(args: argparse.Namespace) -> int:
    from accel_orm.changes import acknowledge

    with open_engine(args) as engine:
        stored = acknowledge(engine, args.change_id, reason=args.reason, by=args.by)
    say(args, f"acknowledged {stored['change_id']} ({stored['metric']} at {stored['change_timestamp']:%Y-%m-%d %H:%M})")
    return 0


def cmd_unack(args: argparse.Namespace) -> int:
    from accel_orm.changes import unacknowledge

    with open_engine(args) as engine:
        unacknowledge(engine, args.change_id)
    say(args, f"withdrew the acknowledgement of {args.change_id}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from accel_orm.changes import acknowledgements_frame, changes_with_decisions
    from accel_orm.reports import Report, Section, render
    from accel_orm.reports.render.csvfmt import frame_to_csv
    from accel_orm.reports.render.jsonfmt import frame_to_records

    with open_engine(args) as engine:
        if args.acknowledged:
            frame, heading = acknowledgements_frame(engine), "Acknowledged changes"
        else:
            frame = changes_with_decisions(engine, [args.metric] if args.metric else None, open_only=args.open)
            heading = "Open changes" if args.open else "Changes"
    if args.format == "json":
        write_output(json.dumps(frame_to_records(frame)["rows"], indent=2, ensure_ascii=False, allow_nan=False), None)
    elif args.format == "csv":
        write_output(frame_to_csv(frame), None)
    else:
        write_output(render(Report(title=heading, sections=[Section(heading, frame=frame)]), args.format), None)
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("changes", help="acknowledge detected changes and list open or accepted ones")
    actions = parser.add_subparsers(dest="changes_command", metavar="ACTION", required=True)

    ack = actions.add_parser("ack", help="accept a change (it stays listed, marked acknowledged)")
    ack.add_argument("change_id", metavar="ID", help="a change_id from `accel-orm query --changes`")
    ack.add_argument("--reason", required=True, help="why the change is accepted")
    ack.add_argument("--by", metavar="NAME", help="who decided")
    ack.set_defaults(handler=cmd_ack)

    unack = actions.add_parser("unack", help="withdraw an acknowledgement")
    unack.add_argument("change_id", metavar="ID")
    unack.set_defaults(handler=cmd_unack)

    listing = actions.add_parser("list", help="detected changes with their decisions (default: all)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--open", action="store_true", help="only changes nobody has acknowledged")
    which.add_argument("--acknowledged", action="store_true", help="only the acknowledgements (the decisions)")
    listing.add_argument("--metric", choices=CHANGE_METRICS, help="one metric (default: every metric)")
    listing.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    listing.set_defaults(handler=cmd_list)
