"""The read model's rules in plain Python: what each record adds to which figure, and how figures are read."""
