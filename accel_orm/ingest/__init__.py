"""Writing results: validate input dicts, resolve models and hardware, write facts set-based in one transaction."""

from accel_orm.ingest.store import ItemError, StoreReport, store_results

__all__ = ["ItemError", "StoreReport", "store_results"]
