"""The embedded bus: kombu's filesystem transport, with two fixes so it keeps order and never reads a
half-written message.

kombu's own transport names each message file `<milliseconds>_<uuid4>`, so messages written in the same
millisecond are read in random order; here the name starts with nanoseconds, the process id and a counter,
and the file is written under a temporary name and renamed into place (an atomic step on POSIX).
Exchange bindings live in files under the control folder, so every process sees the same routing.
"""
from __future__ import annotations

import itertools
import os
import time

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps

_sequence = itertools.count()


class Channel(filesystem.Channel):
    """A filesystem channel whose message files sort in the order they were written."""

    def _put(self, queue, payload, **kwargs):
        name = f"{time.time_ns():020d}-{os.getpid():07d}-{next(_sequence):09d}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, "~" + name + ".partial")
        try:
            with open(partial, "wb") as handle:
                handle.write(dumps(payload).encode())
            os.rename(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add message {name!r} to the embedded bus") from exc


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the ordered, atomic channel above."""

    Channel = Channel
