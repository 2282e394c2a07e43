"""`python -m console web`: the staff console (several gunicorn workers, CRM_CONSOLE_PORT, default 8005).
`python -m console live`: its live updates, the event stream the pages listen to (one asyncio process,
CRM_CONSOLE_LIVE_PORT, default 8006)."""
from __future__ import annotations

import argparse
import os

from servicekit.config import keep_private, var_folder
from servicekit.runner import run_web
from servicekit.webapp import configure_logging

from console.app import create_app
from console.config import ConsoleSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m console")
    commands = parser.add_subparsers(dest="command", required=True)
    web = commands.add_parser("web", help="serve the staff console")
    web.add_argument("--workers", type=int, default=int(os.environ.get("CRM_WEB_WORKERS", "2")))
    web.add_argument("--bind", default=None, help="host:port (default CRM_BIND_HOST and CRM_CONSOLE_PORT)")
    live = commands.add_parser("live", help="serve the live updates' event stream")
    live.add_argument("--port", type=int, default=None, help="default CRM_CONSOLE_LIVE_PORT")
    args = parser.parse_args(argv)
    keep_private(var_folder(os.environ))
    settings = ConsoleSettings.from_env()
    configure_logging(settings.log_level)
    host = os.environ.get("CRM_BIND_HOST", "127.0.0.1")
    if args.command == "live":
        from console.live.server import serve

        serve(settings, host, args.port or settings.live_port)
        return
    bind = args.bind or f"{host}:{settings.port}"
    run_web(create_app(settings), None, args.workers, bind)


if __name__ == "__main__":
    main()
