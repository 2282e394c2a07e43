"""New customers' ids: UUIDs that start with the time they were made, so the archive's indexes grow at their end."""
import uuid

from customer.domain.customers import new_customer_id


def test_customer_ids_are_uuids_that_grow_with_the_time_they_were_made():
    ids = [new_customer_id() for _ in range(1000)]
    assert all(uuid.UUID(value).version == 7 for value in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
