"""Live updates: the screens that show events (Today, the complaints list, a complaint, a customer) refresh the
part of the page that shows them when one arrives. `python -m console live` serves the event stream (server.py)
from its own queue on `crm.events` (bus.py), sending each person only what they may see (visibility.py); the
web process tells the page where the stream is (page.py) and console.js listens."""
