"""servicekit: the infrastructure every Guanxi service shares (one copy, used by all)."""
