"""The runner behind tools/dev.py (Python 3.11+; dev.py checks the version before importing this)."""
