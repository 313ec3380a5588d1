"""Run the simulated agency as its own process: ``python -m simulators.agency DATA [--port N]``."""

from __future__ import annotations

import argparse

from simulators.agency import free_port, serve
from simulators.config import DEFAULT_AGENCY_TOKEN


def main() -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulators.agency", description=__doc__)
    parser.add_argument("data", help="agency.sqlite written by simulators.simulate")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: pick a free port")
    parser.add_argument("--token", default=DEFAULT_AGENCY_TOKEN)
    parser.add_argument("--faults", default="", help='e.g. "429:0.05,500:0.02"')
    args = parser.parse_args()
    port = args.port or free_port(args.host)
    print(f"agency on http://{args.host}:{port}", flush=True)
    serve(args.data, args.host, port, args.token, args.faults)


if __name__ == "__main__":
    main()
