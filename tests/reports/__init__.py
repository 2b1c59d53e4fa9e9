"""Tests of accel_orm.reports (a package, so module names cannot clash with other test folders)."""
