"""Models of this stage (filled by its issue)."""
