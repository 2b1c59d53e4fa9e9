"""Turn the benchmark runners' JSON files into result dicts for ``TestResultsDBHandler.store_test_results()``.

Pure functions: nothing here writes to a database. :func:`parse_file` reads one file, recognises which runner
wrote it (:mod:`~accel_orm.json_import.shapes.detect`) and hands it to that shape's parser; :data:`SHAPES` lists
the shapes that carry results. Every result leaves in one convention (ISO-8601 UTC timestamps, latencies in ms,
memory in MB, no NaN/negative measures, lower-case hardware types), see :mod:`~accel_orm.json_import.shapes.common`.

Each measurement is imported from exactly one file. Runners and orchestrators copy each other's output (an
orchestrator's ``benchmark_results.json`` embeds the runner files and the functionality report below it,
summaries re-aggregate results), so copies are imported only when their original is absent, and summaries never.
"""

from __future__ import annotations

from accel_orm.json_import.shapes.registry import SHAPES, ParsedFile, parse_bytes, parse_file

__all__ = ["SHAPES", "ParsedFile", "parse_bytes", "parse_file"]
