"""gateway: the one HTTP door to Guanxi's services."""
