"""Demo data for trying Seedbed out."""
