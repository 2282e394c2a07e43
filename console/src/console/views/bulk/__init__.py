"""Working in bulk: many rows of Today, the Complaints list or a customer search chosen at once (ticked one by one,
or every row matching the list's filter), and one action taken on each of them: assign, snooze, complete, tag,
export.

The API has no bulk calls: each row is its own call, a few at a time (CRM_CONSOLE_BULK_CONCURRENCY), and the
result page says how many succeeded and lists every row that failed with the API's reason. "Every row matching
this filter" pages the API with the list's own filters first; when more rows match than one action takes
(CRM_CONSOLE_BULK_LIMIT) it says so and does nothing rather than a part.

One module per list (complaint_actions, task_actions, customer_actions); which rows and running the action on
them in rows; the lists and the result page in screens; the blueprint and its words in common.
"""
from console.views.bulk import complaint_actions, customer_actions, task_actions
from console.views.bulk.common import blp

__all__ = ["blp", "complaint_actions", "customer_actions", "task_actions"]
