"""Vendor adapters: one narrow protocol per capability, one adapter per vendor."""
