"""How the outside world reaches the customer service."""
