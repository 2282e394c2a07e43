"""The reporting service's own Prometheus metrics (the folder's), beside the kit's RED and bus metrics."""
from prometheus_client import Counter

TALLY_CHANGES_FOLDED = Counter("reporting_tally_changes_folded_total",
                               "Appended tally changes the folder moved into the tallies.")
