"""The Appointments screen (预约): a day's or a week's bookings, kept, no-show and cancelled marked; cancelling one;
and the booking form, reached from a customer or from a task on Today (which it completes as booked).

The list and cancelling (listing), the booking form (booking); the blueprint and the words in common."""
from console.views.appointments import booking, listing
from console.views.appointments.common import blp

__all__ = ["blp", "booking", "listing"]
