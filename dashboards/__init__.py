"""Dashboard: figures from mart queries, rendered into one self-contained HTML file."""
