"""Press coverage: cleaning, language, story grouping and claim extraction."""
