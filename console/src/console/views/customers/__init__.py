"""Customers (客户), one module per page: the list (listing), a new customer (create), the customer 360 (profile)
with its timeline (timeline) and actions (actions), and editing a profile (edit). What they share is in common
(the blueprint) and words (the API's codes in words)."""
from console.views.customers import actions, create, edit, listing, profile, timeline
from console.views.customers.common import blp
from console.views.customers.listing import LIST_FILTERS
from console.views.customers.words import edit_labels, labels, word

__all__ = ["LIST_FILTERS", "actions", "blp", "create", "edit", "edit_labels", "labels", "listing", "profile",
           "timeline", "word"]
