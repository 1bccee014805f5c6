"""Persistence: SQLite through peewee, behind a repository that speaks domain dataclasses."""
