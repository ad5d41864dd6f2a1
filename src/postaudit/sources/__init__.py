"""Data sources: one module per source, each yielding raw records as they arrived."""
