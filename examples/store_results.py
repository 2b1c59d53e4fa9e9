"""For harness authors: store results as a test runner produces them, and see what bad input looks like.

python examples/store_results.py [--db PATH_OR_URL]
"""

from __future__ import annotations

from datetime import UTC, datetime

from _common import database_from_args

from accel_orm import InvalidResultError, TestResultsDBHandler


def main() -> None:
    database = database_from_args(__doc__ or "")
    with TestResultsDBHandler(db_url=database if "://" in database else f"duckdb:///{database}") as handler:
        # One result, the way the existing harnesses call it.
        handler.store_test_result(
            {
                "model_name": "bert-base-uncased",
                "hardware_type": "cuda",
                "device_name": "NVIDIA A100-SXM4-40GB",
                "test_type": "inference",
                "success": True,
                "execution_time": 1.25,
                "memory_usage": 2048.5,
                "timestamp": datetime.now(UTC),
                "performance": {
                    "batch_size": 16,
                    "sequence_length": 128,
                    "average_latency_ms": 5.23,
                    "throughput_items_per_second": 305.9,
                    "memory_peak_mb": 3175.2,
                },
            }
        )

        # Many results: one transaction, streamed from a generator.
        results = (
            {
                "model_name": "t5-small",
                "hardware_type": "cpu",
                "test_type": "inference",
                "success": True,
                "performance": {"batch_size": b, "throughput_items_per_second": 40.0 * b**0.8},
            }
            for b in (1, 2, 4, 8, 16)
        )
        print(handler.store_test_results(results).summary())

        # Bad input names every field and problem, and writes nothing.
        try:
            handler.store_test_results(
                [
                    {"model_name": "vit-base", "hardware_type": "mps", "test_type": "inference"},
                    {
                        "model_name": "vit-base",
                        "hardware_type": "mps",
                        "test_type": "inference",
                        "performance": {"average_latency_ms": -5.0, "throughput_items_per_second": "fast"},
                    },
                ]
            )
        except InvalidResultError as error:
            print(error)

        # Or keep the good ones and report the rest.
        report = handler.store_test_results(
            [{"model_name": "vit-base", "hardware_type": "mps", "test_type": "inference"}, {"model_name": None}],
            on_error="skip",
        )
        print(report.summary(), *report.problem_lines(), sep="\n  ")


if __name__ == "__main__":
    main()
