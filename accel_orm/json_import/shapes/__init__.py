"""Turn the benchmark runners' JSON files into result dicts for ``TestResultsDBHandler.store_test_results()``.

Pure functions: nothing here writes to a database. :func:`parse_file` reads one file, recognises which tool
wrote it and hands it to that shape's parser; :data:`SHAPES` lists the shapes that carry results. Every result
leaves in one convention (ISO-8601 UTC timestamps, latencies in ms, memory in MB, no NaN/negative measures,
lower-case hardware types), see :mod:`~accel_orm.json_import.shapes.common`.

Each measurement is imported from exactly one file. Runners and orchestrators copy each other's output (an
orchestrator's ``benchmark_results.json`` embeds the runner files and the functionality report below it,
summaries re-aggregate results), so copies are imported only when their original is absent, and summaries never.

Adding a shape is one new module and one registration line:

1. ``shapes/my_tool.py`` declares, side by side, ``parse(data, path) -> ShapeOutput`` (results in the output
   contract, built with the helpers of :mod:`~accel_orm.json_import.shapes.common`), ``recognises(data, name)
   -> bool`` (a predicate on the parsed top-level JSON object and the lower-case file name) and
   ``SHAPE = Shape("my_tool", recognises, parse=parse)`` (:class:`~accel_orm.json_import.shapes.shape.Shape`;
   ``lists=True`` when the file is a top-level JSON list; ``skip_reason=`` instead of ``parse=`` for a kind of
   file that never holds results);
2. ``my_tool.SHAPE`` goes into ``REGISTERED`` in :mod:`~accel_orm.json_import.shapes.registry`, before every
   more generic shape whose predicate would also accept its files (shapes are tried in that order).

Nothing else lists shapes: detection and :data:`SHAPES` both read ``REGISTERED``.
"""

from __future__ import annotations

from accel_orm.json_import.shapes.registry import SHAPES, ParsedFile, parse_bytes, parse_file

__all__ = ["SHAPES", "ParsedFile", "parse_bytes", "parse_file"]
