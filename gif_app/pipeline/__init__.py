"""Job pipeline stages: prompts, generation, QC, processing, metadata, finalize."""
