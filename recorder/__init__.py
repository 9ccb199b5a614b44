"""Recording of live receptions: per-track files, the on-air timeline, the composite."""
