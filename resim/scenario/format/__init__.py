"""The typed scenario format: one pydantic model per section (validation only, no I/O)."""
