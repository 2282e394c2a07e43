"""Use cases over a unit of work: what the API, the consumer and the scanner call."""
