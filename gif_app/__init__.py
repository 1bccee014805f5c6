"""Gen Image Factory: turn a keyword file into finished, sellable stock images."""

__version__ = "0.1.0"
