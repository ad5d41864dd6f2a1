"""SIMULATED executives with named behaviour families, for scoring the posting-time estimator against known truth."""
