"""Exports: embedded metadata, stock CSVs, workbooks and archives."""
