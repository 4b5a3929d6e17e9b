"""``simvalue app``: the local web app for asking "what if" without writing YAML (simvalue.app)."""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK = 0


def add_app(commands) -> None:
    """The ``app`` sub-command and its options."""
    app = commands.add_parser(
        "app", help="start the local web app: pick a baseline, build a variant, run, read the verdict",
        description="Start a web app on this computer (127.0.0.1 only; nothing is fetched from the internet) "
                    "for the scenarios in DIR: pick a baseline, change team capacities, automation, gates or "
                    "demand (or edit the variant's YAML), run the comparison with a progress bar, read the "
                    "verdict, charts and business case, and save the variant as DIR/variants/<name>.yaml, a "
                    "file `simvalue compare` accepts. Open the address it prints in a browser; Ctrl+C stops it.")
    app.add_argument("folder", type=Path, nargs="?", default=Path("scenarios"), metavar="DIR",
                     help="folder of scenario YAML files (default: scenarios)")
    app.add_argument("--port", type=_port, metavar="N",
                     help="port on 127.0.0.1 (default: 8050, or a free port when 8050 is busy)")
    app.set_defaults(handler=app_command)


def app_command(args: argparse.Namespace) -> int:
    """Serve the app until interrupted; the address goes to stdout first."""
    from ..app.server import make  # Dash loads only for this command

    server = make(args.folder, args.port)
    print(f"simvalue app: scenarios in {args.folder}; open http://127.0.0.1:{server.server_port}/ "
          "(Ctrl+C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("simvalue app: stopped")
    finally:
        server.server_close()
    return EXIT_OK


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number such as 8050, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port between 1 and 65535, got {text}")
    return value
