"""``python -m bot.action_server``: rasa-sdk's action server, answering only the Rasa server.

The same server as ``rasa run actions --actions actions`` (rasa-sdk's own Sanic app and executor),
with what that command lacks for a server that can send codes, open tickets and file requests:

* it listens on loopback unless ``ACTIONS_HOST`` says otherwise (rasa-sdk binds 0.0.0.0);
* every call but ``GET /health`` must carry ``Authorization: Bearer $ACTION_SERVER_TOKEN`` — the
  Rasa server sends it (``endpoints.yml``: ``action_endpoint.headers``); without the token it
  refuses to start;
* a failing action answers 500 without echoing the tracker it was sent (rasa-sdk's handler
  returns the whole request body, personal data included);
* no CORS: browsers have no business here.

    python -m bot.action_server [--host 127.0.0.1] [--port 5055]
"""
from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from bot.backend.security import constant_time_equal
from bot.redaction import MaskingFormatter, install_log_masking

logger = logging.getLogger(__name__)

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = ("/health",)


class MissingToken(RuntimeError):
    """The action server must know the token the Rasa server presents."""


def action_server_token() -> str:
    token = os.environ.get(TOKEN_ENV, "")
    if len(token) < 16:
        raise MissingToken(f"{TOKEN_ENV} must be set (at least 16 characters): the action server "
                           "answers only the Rasa server, which sends it (endpoints.yml)")
    return token


def authenticated_app(token: str, actions_package: str = "actions") -> Sanic:
    app = create_app(actions_package, cors_origins=None)

    @app.on_request
    async def require_the_rasa_servers_token(request: Request):
        if request.path in OPEN_PATHS:
            return None
        header = request.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else ""
        if not given or not constant_time_equal(given, token):
            return response.json({"error": "unauthorized", "message": "缺少或错误的访问令牌"}, status=401)
        return None

    async def without_the_request_body(request: Request, exception: Exception):
        logger.error("action server: %s on %s", type(exception).__name__, request.path)
        return response.json({"error": "internal_error"}, status=500)

    app.error_handler.add(Exception, without_the_request_body)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    parser.add_argument("--actions", default="actions", help="the actions package (default: actions)")
    args = parser.parse_args()
    install_log_masking()
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    token = action_server_token()
    app = authenticated_app(token, args.actions)
    logger.info("action server listening on http://%s:%d", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
