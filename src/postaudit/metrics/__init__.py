"""Polars metric functions: frames in, frames out."""
