"""For team leads: the morning report as Markdown (for chat) and one self-contained HTML file with charts.

python examples/render_report.py [--db PATH_OR_URL] [-o DIR]
"""

from __future__ import annotations

from pathlib import Path

from _common import database_from_args

from accel_orm import BenchmarkDBQuery, TestResultsDBHandler


def main() -> None:
    database = database_from_args(__doc__ or "")
    url = database if "://" in database else f"duckdb:///{database}"
    out = Path(database).parent if "://" not in database else Path.cwd()
    with TestResultsDBHandler(db_url=url) as handler:
        markdown = handler.generate_report(format="markdown", output_file=out / "summary.md")
        handler.generate_report(format="html", output_file=out / "summary.html")
    with BenchmarkDBQuery(db_url=url) as query:
        query.generate_performance_report(
            format="chart", output=out / "bert_by_hardware.png", model="bert-base-uncased"
        )
        query.generate_compatibility_matrix(format="html", output=out / "compatibility.html")
    print(markdown.split("## Hardware platforms")[0])
    print(f"wrote {out / 'summary.html'}, {out / 'compatibility.html'} and {out / 'bert_by_hardware.png'}")


if __name__ == "__main__":
    main()
