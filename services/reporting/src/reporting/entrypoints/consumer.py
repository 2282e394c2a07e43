"""The read model's subscription: one queue bound to every event type the reports read, and the folder of
the tallies' changes beside it."""
from __future__ import annotations

from servicekit.consumer import Subscription

from reporting.entrypoints.subscriptions import QUEUE, QUEUES
from reporting.service_layer.projection import apply_event
from reporting.service_layer.tally_folding import keep_folding

#: The consumer's (and the rebuild's) prefetch: batches of up to 2,000 events a transaction. A batch pays a
#: transaction's fixed cost once, and a customer's events in one batch save the customer's record once and
#: change the tallies once (bench.reports: 4,870 events a second at the kit's default of 200, 8,400 at 1,000,
#: 10,100 at 2,000, 10,500 at 4,000).
CONSUMER_PREFETCH = 4000
#: The read model's work takes the consumer's core (and the rebuild's): the broker is read by a process of its own
#: (servicekit.reader_process; bench.reports measures both ways).
CONSUMER_READER_PROCESS = True


def subscriptions() -> list[Subscription]:
    """What `python -m reporting consume` applies (and, beside it, folds the tallies' changes it appends)."""
    return [Subscription(QUEUE, QUEUES[QUEUE], apply_event, beside=keep_folding)]
