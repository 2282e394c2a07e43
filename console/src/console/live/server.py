"""`python -m console live`: the event stream the console's pages listen to (GET /live/stream, Server-Sent Events).

One small asyncio process (aiohttp) holds every open stream, so an open stream holds no web worker. A page opens
it with the console's session cookie; each event from this process's own queue (bus.py) goes to the streams whose
person may see it and whose page listens to it (visibility.py). A comment every `heartbeat` seconds keeps proxies
from closing an idle stream and finds streams whose browser has gone; `retry:` tells the browser when to come back.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from servicekit.config import Settings

from console.config import ConsoleSettings
from console.live.bus import LiveFeed
from console.live.page import STREAM_PATH
from console.live.visibility import FAMILIES, Viewer, viewer_of
from console.security import SESSION_COOKIE, session_reader

log = logging.getLogger(__name__)
#: Events waiting for one slow stream before it is told to refresh everything instead.
BACKLOG = 256
#: Milliseconds a browser waits before opening the stream again after it closed.
RETRY_MS = 3000


class Stream:
    """One open stream: its person and the events waiting to be written to it."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.waiting: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(BACKLOG)

    def put(self, kind: str, data: dict[str, Any]) -> None:
        try:
            self.waiting.put_nowait((kind, data))
        except asyncio.QueueFull:  # too far behind: what it missed is more than a refresh of its page
            while not self.waiting.empty():
                self.waiting.get_nowait()
            self.waiting.put_nowait(("resync", {}))


class Hub:
    """The open streams, and the fan-out of each event to those that may see it."""

    def __init__(self) -> None:
        self.streams: set[Stream] = set()

    def deliver(self, summary: dict[str, Any]) -> None:
        for stream in self.streams:
            if stream.viewer.wants(summary):
                stream.put("update", summary)

    def resync(self) -> None:
        """Tell every page to refresh what it shows (events may have been missed while the broker was away)."""
        for stream in self.streams:
            stream.put("resync", {})

    def close_all(self) -> None:
        for stream in self.streams:
            stream.put("close", {})


def allowed_origin(origin: str | None, host: str) -> bool:
    """A page may open the stream from the live process's own host (on any port: the console's pages are served
    by the gateway, the stream by this process). Other sites never get the session cookie (SameSite=Strict)."""
    if not origin:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.hostname == urlsplit(f"//{host}").hostname


#: Makes the feed of events given what to call with each summary and what to call once connected.
FeedMaker = Callable[[Callable[[dict[str, Any]], None], Callable[[], None]], LiveFeed]


def cors(request: web.Request) -> dict[str, str]:
    """The headers letting a page of another port of the host read the stream with its cookie."""
    origin = request.headers.get("Origin")
    if not origin:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}


class LiveApp:
    """The live process's handlers: the stream, its health, and the feed of events run in a thread from start to
    stop."""

    def __init__(self, settings: ConsoleSettings, make_feed: FeedMaker, heartbeat: float) -> None:
        self.hub = Hub()
        self.read_session = session_reader(settings.secret_key)
        self.make_feed, self.heartbeat = make_feed, heartbeat
        self.running: dict[str, Any] = {}  # the feed, its thread and what stops it, from start to stop

    async def stream(self, request: web.Request) -> web.StreamResponse:
        if not allowed_origin(request.headers.get("Origin"), request.host):
            return web.Response(status=403, text="This page may not open the stream.\n")
        cookie = request.cookies.get(SESSION_COOKIE)
        viewer = viewer_of(self.read_session(cookie) if cookie else None, families=request.query.getall("on", FAMILIES),
                           customers=request.query.getall("customer", ()))
        if viewer is None:
            return web.Response(status=401, text="Sign in to the console first.\n", headers=cors(request))
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no", **cors(request)})
        await response.prepare(request)
        opened = Stream(viewer)
        self.hub.streams.add(opened)
        try:
            await response.write(f"retry: {RETRY_MS}\n: live\n\n".encode())
            await self._pump(response, opened)
        except (ConnectionResetError, ConnectionError):
            pass  # the browser went away
        finally:
            self.hub.streams.discard(opened)
        return response

    async def _pump(self, response: web.StreamResponse, opened: Stream) -> None:
        """Write the stream's events as they come, a heartbeat when none has come for a while, until it is closed
        or its session ends."""
        viewer = opened.viewer
        while True:
            wait = self.heartbeat if viewer.expires_at is None else min(self.heartbeat,
                                                                        viewer.expires_at - time.time())
            if wait <= 0:
                return  # the session ended: the browser comes back and is asked to sign in
            try:
                kind, data = await asyncio.wait_for(opened.waiting.get(), wait)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if kind == "close":
                return
            await response.write(f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode())

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": "console-live", "streams": len(self.hub.streams)})

    async def readyz(self, _request: web.Request) -> web.Response:
        feed = self.running["feed"]
        ready = feed.ready.is_set()
        return web.json_response({"status": "ok" if ready else "waiting for the broker", "bus": ready,
                                  "queue": getattr(feed, "queue_name", None)}, status=200 if ready else 503)

    async def start_feed(self, _app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        first = threading.Event()
        hub = self.hub

        def connected() -> None:
            if first.is_set():
                loop.call_soon_threadsafe(hub.resync)
            first.set()

        def deliver(summary: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(hub.deliver, summary)

        self.running["feed"] = live = self.make_feed(deliver, connected)
        self.running["stop"] = stop = threading.Event()
        self.running["thread"] = thread = threading.Thread(target=live.run, args=(stop,), name="live-feed",
                                                           daemon=True)
        thread.start()

    async def close_streams(self, _app: web.Application) -> None:
        self.hub.close_all()

    async def stop_feed(self, _app: web.Application) -> None:
        self.running["stop"].set()
        await asyncio.get_running_loop().run_in_executor(None, self.running["thread"].join, 10)


def create_app(settings: ConsoleSettings, make_feed: FeedMaker, heartbeat: float = 15.0) -> web.Application:
    """The live process's app; the feed `make_feed` makes runs in a thread from start to stop."""
    live = LiveApp(settings, make_feed, heartbeat)
    app = web.Application()
    app.router.add_get(STREAM_PATH, live.stream)
    app.router.add_get("/healthz", live.healthz)
    app.router.add_get("/readyz", live.readyz)
    app.on_startup.append(live.start_feed)
    app.on_shutdown.append(live.close_streams)
    app.on_cleanup.append(live.stop_feed)
    return app


def serve(settings: ConsoleSettings, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT; the feed's queue is removed on the way out."""
    bus_settings = Settings.from_env("console_live")
    app = create_app(settings, lambda deliver, connected: LiveFeed(bus_settings, deliver, connected))
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=5, access_log=None)
