"""Domain operations on cases. Every write with rules goes through these functions."""
