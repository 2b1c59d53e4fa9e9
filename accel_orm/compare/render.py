"""A :class:`~accel_orm.compare.runs.RunComparison` as text for CI: markdown, JSON, JUnit XML, GitHub annotations.

Nothing here touches a database. Every format names the significance test used per row, and says when the
threshold alone decided (no spread recorded).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from accel_orm.compare.runs import RunComparison
from accel_orm.queries._common import COMPARABILITY_KEY_NAMES
from accel_orm.reports.render.markdown import frame_to_markdown

FORMATS = ("markdown", "json", "junit", "github")
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def records(result: RunComparison) -> list[dict[str, Any]]:
    """The rows as plain JSON values (NaN and missing -> None), through pandas' own fast JSON writer."""
    return json.loads(result.rows.to_json(orient="records", double_precision=15))


def key_text(row: dict[str, Any]) -> str:
    """``bert-base-uncased on cuda (A100), batch 8, fp16, case t::bert``: the key's known parts."""
    text = f"{row['model_name']} on {row['hardware_type']}"
    if row.get("device_name"):
        text += f" ({row['device_name']})"
    extras = [
        f"batch {row['batch_size']}" if row.get("batch_size") is not None else None,
        f"seq {row['sequence_length']}" if row.get("sequence_length") is not None else None,
        row.get("precision"),
        f"case {row['test_case']}" if row.get("test_case") else None,
    ]
    return ", ".join([text, *[extra for extra in extras if extra]])


def change_text(row: dict[str, Any]) -> str:
    change = row.get("percent_change")
    how = "n/a" if change is None else f"{change:+.1f}% {'worse' if change > 0 else 'better'}"
    p_value = row.get("p_value")
    judged = f"p={p_value:.3g}, {row['test']}" if p_value is not None else row["test"]
    return (
        f"{row['metric']} {row['baseline']:.4g} -> {row['contender']:.4g} {row['unit']} ({how}; {judged})"
        if row.get("baseline") is not None and row.get("contender") is not None
        else f"{row['metric']}: {how}"
    )


def headline(result: RunComparison) -> str:
    count = int(result.rows["is_regression"].sum())
    return (
        f"{count} regression{'s' if count != 1 else ''} in {len(result.rows)} compared key(s): run "
        f"{result.contender_run_id} against baseline run {result.baseline_run_id}, {result.metric.label} "
        f"({result.metric.unit}, {'higher' if result.metric.higher_is_better else 'lower'} is better), threshold "
        f"{result.threshold_pct:g}%, significance alpha {result.alpha:g} (Welch's t-test where spreads are recorded)"
        + ("" if not result.include_simulated else ", simulated results included")
    )


def to_json(result: RunComparison) -> str:
    """A flat JSON array of row objects (the columns of :data:`accel_orm.compare.runs.COLUMNS`)."""
    return json.dumps(records(result), indent=2)


def to_markdown(result: RunComparison) -> str:
    """A table fit for a pull-request comment, regressions first."""
    shown = result.rows.loc[
        :,
        [*COMPARABILITY_KEY_NAMES, "baseline", "contender", "percent_change", "p_value", "test", "is_regression"],
    ].rename(columns={"percent_change": "% worse", "is_regression": "regression"})
    shown = shown.loc[:, [column for column in shown.columns if shown[column].notna().any()] or list(shown.columns)]
    title = "## Benchmark comparison"
    return f"{title}\n\n{headline(result)}.\n\n{frame_to_markdown(shown)}\n"


def to_junit(result: RunComparison) -> str:
    """JUnit XML: one ``<testcase>`` per key, a ``<failure>`` naming the key and the change for each regression."""
    failures = int(result.rows["is_regression"].sum())
    suites = ET.Element("testsuites", name="accel-orm compare", tests=str(len(result.rows)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"{result.metric.name}: run {result.contender_run_id} vs {result.baseline_run_id}",
        tests=str(len(result.rows)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("threshold_pct", result.threshold_pct),
        ("alpha", result.alpha),
        ("baseline_run_id", result.baseline_run_id),
        ("contender_run_id", result.contender_run_id),
    ):
        ET.SubElement(properties, "property", name=name, value=str(value))
    for row in records(result):
        case = ET.SubElement(
            suite, "testcase", classname=f"{row['hardware_type']}.{row['model_name']}", name=key_text(row)
        )
        if row["is_regression"]:
            failure = ET.SubElement(
                case, "failure", message=f"regression: {key_text(row)}: {change_text(row)}", type="regression"
            )
            failure.text = change_text(row)
        else:
            ET.SubElement(case, "system-out").text = change_text(row)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape_annotation(text: str) -> str:
    # GitHub's workflow-command encoding for message data.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def to_github(result: RunComparison, *, step_summary: str | os.PathLike[str] | None = None) -> str:
    """``::error`` per regression, ``::warning`` per change over the threshold that was not significant; the
    markdown table is appended to ``$GITHUB_STEP_SUMMARY`` (or ``step_summary``) when set."""
    lines = []
    for row in records(result):
        if row["is_regression"]:
            lines.append(
                f"::error title=Benchmark regression::{_escape_annotation(key_text(row) + ': ' + change_text(row))}"
            )
        elif row["exceeds_threshold"]:
            message = f"{key_text(row)}: {change_text(row)} (over the threshold but not significant)"
            lines.append(f"::warning title=Benchmark change::{_escape_annotation(message)}")
    lines.append(f"::notice title=Benchmark comparison::{_escape_annotation(headline(result))}")
    summary = step_summary if step_summary is not None else os.environ.get(STEP_SUMMARY_ENV)
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(to_markdown(result) + "\n")
    return "\n".join(lines) + "\n"


def render(result: RunComparison, fmt: str) -> str:
    renderers = {"markdown": to_markdown, "json": to_json, "junit": to_junit, "github": to_github}
    if fmt not in renderers:
        raise ValueError(f"unknown comparison format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return renderers[fmt](result)


__all__ = ["FORMATS", "render", "to_github", "to_json", "to_junit", "to_markdown"]
