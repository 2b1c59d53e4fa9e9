"""``accel-orm runs [--branch B] [--limit N] [--format ...]`` and ``accel-orm runs show REF``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from accel_orm.cli.common import open_engine, write_output

if TYPE_CHECKING:
    import pandas as pd

# pandas and the renderers are imported when a command runs, not for --help.

FORMATS = ("markdown", "json", "csv")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _frame_text(frame: pd.DataFrame, fmt: str) -> str:
    from accel_orm.reports.render.csvfmt import frame_to_csv
    from accel_orm.reports.render.markdown import frame_to_markdown

    if fmt == "json":
        return json.dumps(_records(frame), indent=2)
    if fmt == "csv":
        return frame_to_csv(frame)
    return frame_to_markdown(frame) if len(frame) else "(no runs)"


def cmd_runs(args: argparse.Namespace) -> int:
    from accel_orm.runs.show import list_runs

    with open_engine(args) as engine:
        frame = list_runs(engine, branch=args.branch, limit=args.limit)
    write_output(_frame_text(frame, args.format), args.output)
    return 0


def _show_markdown(run: dict[str, Any], performance: pd.DataFrame) -> str:
    import pandas as pd

    from accel_orm.reports.render.markdown import frame_to_markdown

    facts = pd.DataFrame({"field": list(run), "value": [_plain(value) for value in run.values()]})
    parts = [f"# Run {run['run_id']}", frame_to_markdown(facts), f"## Performance ({len(performance)} rows)"]
    if len(performance):
        parts.append(frame_to_markdown(performance))
    return "\n\n".join(parts)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def cmd_runs_show(args: argparse.Namespace) -> int:
    import pandas as pd

    from accel_orm.reports.render.csvfmt import frame_to_csv
    from accel_orm.runs.show import show_run

    with open_engine(args) as engine:
        details = show_run(engine, args.ref)
    if args.format == "json":
        document = {
            "run": json.loads(pd.Series(details.run).to_json(date_format="iso")),
            "performance": _records(details.performance),
        }
        text = json.dumps(document, indent=2)
    elif args.format == "csv":
        text = frame_to_csv(details.performance)
    else:
        text = _show_markdown(details.run, details.performance)
    write_output(text, args.output)
    return 0


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if getattr(args, "limit", None) is not None and args.limit < 0:
        parser.error("--limit must be >= 0")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("runs", help="list recorded runs (commit, branch, machine), or show one")
    parser.add_argument("--branch", help="only runs of this branch")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="at most N runs, newest first (default 20)")
    parser.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(handler=cmd_runs, validate=_validate)
    actions = parser.add_subparsers(dest="runs_action", metavar="ACTION")
    show = actions.add_parser(
        "show",
        help="one run: its facts and performance rows",
        description="REF: a run id, a commit (full or a "
        "unique prefix of at least 7 characters: its latest run) or a branch (its latest run).",
    )
    show.add_argument("ref", metavar="REF", help="run id, commit (or prefix >= 7), or branch name")
    show.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    show.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    show.set_defaults(handler=cmd_runs_show)
