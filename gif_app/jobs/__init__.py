"""Job system: the single-job worker, its persistent queue, progress, recovery and retries."""
