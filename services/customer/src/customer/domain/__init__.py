"""The customer archive's rules in plain Python: no web framework, no database."""
