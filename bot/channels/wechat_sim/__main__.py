"""``python -m bot.channels.wechat_sim``: run the local WeChat simulator, or print dev credentials.

    python -m bot.channels.wechat_sim [--port 8070] [--state-dir var/wechat] [--push-base URL ...]
    python -m bot.channels.wechat_sim credentials [--state-dir var/wechat] [--api-base URL]

``credentials`` creates (once) and prints, as JSON, the environment for the Rasa server
(``rasa``) and for the simulator (``simulator``). See ``bot.channels.wechat_sim``.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from bot.channels.wechat_sim.credentials import apps_from_environment, dev_credentials
from bot.channels.wechat_sim.server import Simulator, create_app
from bot.knowledge import list_apps
from bot.redaction import install_log_masking

HOST = "127.0.0.1"  # a development tool: never reachable from elsewhere


def _default_push_bases() -> list:
    configured = os.environ.get("WECHAT_SIM_PUSH_BASE") or os.environ.get("RASA_URL")
    if configured:
        return [base.strip() for base in configured.split(",") if base.strip()]
    return [f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat_sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("serve", "credentials"), default="serve")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WECHAT_SIM_PORT", "8070")),
                        help="port on 127.0.0.1 (WECHAT_SIM_PORT, default 8070)")
    parser.add_argument("--state-dir", type=Path,
                        default=Path(os.environ.get("WECHAT_SIM_STATE_DIR") or "var/wechat"),
                        help="where the dev credentials live (WECHAT_SIM_STATE_DIR, default var/wechat)")
    parser.add_argument("--push-base", action="append", dest="push_bases",
                        help="Rasa server base URL to push to; repeat for several processes "
                             "(WECHAT_SIM_PUSH_BASE, comma-separated; default RASA_URL)")
    parser.add_argument("--api-base", help="for `credentials`: the simulator's URL the Rasa server "
                                           "calls (default http://127.0.0.1:<port>)")
    return parser


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    if os.environ.get("PRIVACY_ENV") == "production":
        sys.exit("the WeChat simulator is a development tool and never runs with PRIVACY_ENV=production")
    api_base = args.api_base or f"http://{HOST}:{args.port}"
    if args.command == "credentials":
        credentials = dev_credentials(args.state_dir, api_base=api_base)
        print(json.dumps({"rasa": credentials.rasa_environment(),
                          "simulator": credentials.simulator_environment()}, indent=1))
        return
    # apps the environment configures (as the Rasa server sees them) win; the others get dev credentials
    configured = apps_from_environment(os.environ, list_apps())
    unconfigured = [app for app in list_apps() if app not in configured]
    apps = {**dev_credentials(args.state_dir, unconfigured, api_base).apps, **configured}
    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    simulator = Simulator(apps, args.push_bases or _default_push_bases())
    logging.getLogger(__name__).info("WeChat simulator on http://%s:%d/ for %s, pushing to %s",
                                     HOST, args.port, ", ".join(sorted(apps)), ", ".join(simulator.pusher.bases))
    web.run_app(create_app(simulator), host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
