"""``python -m bot.channels.wechat``: what an operator does by hand for the WeChat channel.

    python -m bot.channels.wechat undelivered [--app APP] [--limit 50]
        the replies (and handed-over users' messages) that could not be delivered, for an agent:
        from the Redis list when REDIS_HOST is set, otherwise WECHAT_STATE_DIR/undelivered.jsonl
    python -m bot.channels.wechat resume --app APP --openid OPENID
        gives a handed-over user back to the assistant: clears the handoff marker (Redis) and,
        with RASA_URL and RASA_AUTH_TOKEN set, resumes the paused Rasa conversation

Without Redis the handoff markers live in the Rasa server's memory, like the conversations
themselves (the in-memory tracker store): restarting the server clears both.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import requests

from bot.channels.wechat import config
from bot.channels.wechat.conversation import resume, sender_id
from bot.channels.wechat.redis_state import RedisState
from bot.channels.wechat.undelivered import open_log


def show_undelivered(app: str, limit: int) -> None:
    log = open_log(config.redis_settings(), config.state_dir())
    for entry in log.read(limit):
        if not app or entry.get("app") == app:
            print(json.dumps(entry, ensure_ascii=False))


def resume_user(app: str, openid: str) -> None:
    settings = config.redis_settings()
    if settings is None:
        sys.exit("without REDIS_HOST the handoff marker lives in the Rasa server's memory: restart it instead")

    async def clear() -> bool:
        state = RedisState.connect(settings)
        try:
            return await resume(state, app, openid)
        finally:
            await state.close()
    cleared = asyncio.run(clear())
    print("handoff marker cleared" if cleared else "no handoff marker for that user")
    rasa_url, token = os.environ.get("RASA_URL"), os.environ.get("RASA_AUTH_TOKEN")
    if rasa_url and token:
        answer = requests.post(f"{rasa_url.rstrip('/')}/conversations/{sender_id(app, openid)}/tracker/events",
                               params={"token": token}, json={"event": "resume"}, timeout=30)
        answer.raise_for_status()
        print("Rasa conversation resumed")
    else:
        print("RASA_URL / RASA_AUTH_TOKEN not set: resume the Rasa conversation yourself")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    undelivered = commands.add_parser("undelivered", help="print what could not be delivered")
    undelivered.add_argument("--app", default="")
    undelivered.add_argument("--limit", type=int, default=50)
    resumed = commands.add_parser("resume", help="give a handed-over user back to the assistant")
    resumed.add_argument("--app", required=True)
    resumed.add_argument("--openid", required=True)
    args = parser.parse_args(argv)
    if args.command == "undelivered":
        show_undelivered(args.app, args.limit)
    else:
        resume_user(args.app, args.openid)


if __name__ == "__main__":
    main()
