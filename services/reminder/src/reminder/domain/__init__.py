"""The reminder domain: rules, dates, predictions and decisions, in plain Python (no framework)."""
