"""Helpers shared by tests (builders of small real artefacts)."""
