"""The reporting service's own Prometheus metrics (the folder's), beside the kit's RED and bus metrics."""
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

TALLY_CHANGES_FOLDED = Counter("reporting_tally_changes_folded_total",
                               "Appended tally changes the folder moved into the tallies.")


def tally_changes_waiting(count: int, counted_up_to: int) -> GaugeMetricFamily:
    """The gauge of the tally changes not folded yet (read from the database at each scrape)."""
    gauge = GaugeMetricFamily("reporting_tally_changes_waiting", "Tally changes appended and not folded into "
                              f"the tallies yet (counted up to {counted_up_to:,}).")
    gauge.add_metric([], count)
    return gauge
