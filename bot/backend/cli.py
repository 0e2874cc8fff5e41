"""``python -m bot.backend COMMAND``: run the service and worker, migrate, seed, operate.

Operator commands work on the database directly (same rules and audit trail as the admin API),
recording the actor as ``cli:<login>``.
"""
from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import threading

from bot.backend.config import ConfigError, load_settings
from bot.backend.logmask import configure_logging

log = logging.getLogger("bot.backend.cli")


def _backend(migrate: bool = True):
    from bot.backend.services.context import Backend

    backend = Backend.from_settings(load_settings(), migrate=migrate)
    backend.check_production_secrets()
    return backend


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _cli_actor():
    from bot.backend.services.context import Actor

    return Actor("admin", f"cli:{getpass.getuser()}")


def _serve_process(host: str, port: int) -> None:
    """One of several server processes sharing the port (SO_REUSEPORT)."""
    from bot.backend.api.app import serve

    configure_logging()
    serve(_backend(migrate=False), host, port, reuse_port=True)


def cmd_serve(args) -> int:
    from bot.backend.api.app import serve
    from bot.backend import worker

    backend = _backend()
    host, port = args.host or backend.settings.host, args.port or backend.settings.port
    if args.with_worker:
        threading.Thread(target=worker.run_forever, args=(backend,), daemon=True,
                         name="backend-worker").start()
    if args.processes <= 1:
        serve(backend, host, port)
        return 0
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_serve_process, args=(host, port), daemon=True)
                for _ in range(args.processes - 1)]
    for child in children:
        child.start()
    try:
        serve(backend, host, port, reuse_port=True)
    finally:
        for child in children:
            child.terminate()
            child.join(10)
    return 0


def cmd_worker(args) -> int:
    from bot.backend import worker

    backend = _backend()
    if args.once:
        _print_json(worker.run_once(backend))
    else:
        worker.run_forever(backend)
    return 0


def cmd_migrate(args) -> int:
    backend = _backend()
    print(f"database at head ({backend.engine.dialect.name})")
    return 0


def _upsert_terms(backend, terms_list) -> None:
    from bot.backend.apps import upsert_app
    from bot.backend.services.audit import record

    with backend.transaction() as session:
        for terms in terms_list:
            upsert_app(session, terms, backend.now())
            record(session, entity_type="app", entity_id=terms.app_id, action="app.synced",
                   actor=_cli_actor(), at=backend.now(), deadline_days=terms.deadline_days,
                   working_days=terms.deadline_working_days, default=terms.deadline_is_default,
                   cooling_off_days=terms.cooling_off_days)
            default = " (default: PIPL 15 working days)" if terms.deadline_is_default else ""
            unit = "working days" if terms.deadline_working_days else "calendar days"
            print(f"{terms.app_id}: {terms.name}, reply within {terms.deadline_days} {unit}{default}, "
                  + (f"cooling-off {terms.cooling_off_days} days" if terms.cooling_off_days else "no cooling-off"))


def cmd_sync_apps(args) -> int:
    from bot.backend.apps import LAUNCH_APPS, default_terms, load_knowledge_terms

    backend = _backend()
    try:
        terms = list(load_knowledge_terms())
    except ImportError:
        if not args.defaults_if_missing:
            print("bot.knowledge is not available; use --defaults-if-missing", file=sys.stderr)
            return 2
        with backend.sessions() as session:
            from bot.backend.models import App
            terms = [default_terms(a) for a in LAUNCH_APPS if session.get(App, a) is None]
    _upsert_terms(backend, terms)
    return 0


def _dev_only(backend, command: str) -> None:
    if backend.settings.is_production:
        raise ConfigError(f"{command} is for dev only (PRIVACY_ENV=production)")


def cmd_seed_demo(args) -> int:
    from bot.backend.apps import LAUNCH_APPS, default_terms, load_knowledge_terms
    from bot.backend.models import App
    from bot.backend.services.demo import demo_index, seed_demo_users

    backend = _backend()
    _dev_only(backend, "seed-demo")
    try:
        terms = list(load_knowledge_terms())
    except ImportError:
        terms = []
    known = {t.app_id for t in terms}
    with backend.sessions() as session:
        terms += [default_terms(a) for a in LAUNCH_APPS
                  if a not in known and session.get(App, a) is None]
    _upsert_terms(backend, terms)
    apps = [t.app_id for t in terms] if args.app is None else [args.app]
    if args.app is not None and args.app not in {t.app_id for t in terms}:
        raise ConfigError(f"unknown app {args.app!r}: onboard it with `python -m bot.knowledge ingest` first")
    with backend.transaction() as session:
        for app_id in apps:
            users = seed_demo_users(session, app_id, demo_index(app_id))
            print(f"{app_id}: {len(users)} demo users")
    return 0


def cmd_demo_users(args) -> int:
    from sqlalchemy import select

    from bot.backend.models import App
    from bot.backend.security import issue_host_token
    from bot.backend.services.demo import demo_index, list_demo_users

    backend = _backend()
    _dev_only(backend, "demo-users")
    # dev only, and the demo phones are made up: shown in full so an anonymous chat can use them
    print("app\tuser\tnickname\tphone\thost-app user token")
    with backend.sessions() as session:
        apps = [args.app] if args.app else session.execute(select(App.id).order_by(App.id)).scalars().all()
        for app_id in sorted(apps, key=demo_index):
            secret = backend.settings.host_token_secret(app_id)
            for user, app_user_id in list_demo_users(session, app_id):
                token = issue_host_token(app_id, app_user_id, secret, ttl_seconds=args.ttl)
                print(f"{app_id}\t{app_user_id}\t{user.nickname}\t{user.phone}\t{token}")
    return 0


def cmd_outbox(args) -> int:
    from bot.backend.api.admin_routes import read_outbox

    backend = _backend()
    for message in reversed(read_outbox(backend, app_id=args.app, phone=args.phone,
                                        challenge_id=args.challenge, limit=args.limit)):
        print(f"{message['created_at']}  {message['app']}  {message['to']}  {message['body']}")
    return 0


def cmd_requests(args) -> int:
    from bot.backend.services import queries

    backend = _backend()
    if args.action == "list":
        result = queries.admin_list(backend, status=args.status, app_id=args.app, type_=args.type,
                                    overdue=args.overdue, limit=args.limit)
        print(f"{result['total']} request(s)")
        for r in result["items"]:
            flag = "  OVERDUE" if r["overdue"] else ""
            print(f"{r['id']}  {r['app']:8} {r['type']:16} {r['status']:19} due {r['due_date']}{flag}")
    elif args.action == "show":
        _print_json(queries.admin_detail(backend, args.id))
    else:
        view = queries.admin_transition(backend, args.id, args.action, _cli_actor(), args.reason)
        print(f"{view['id']}: {view['status']} ({view['status_label']})")
    return 0


def cmd_overdue(args) -> int:
    from bot.backend.services import queries

    report = queries.overdue_report(_backend())
    print(f"Overdue as of {report['as_of']}: {report['total']}")
    for app_id, count in sorted(report["by_app"].items()):
        print(f"  {app_id}: {count}")
    for item in report["items"]:
        print(f"{item['id']}  {item['app']:8} {item['type']:16} {item['status']:12} due {item['due_date']}"
              f"  {item['working_days_overdue']} working day(s) late")
    return 0


def _read_password(confirm: bool = True) -> str:
    """From a prompt (twice) on a terminal, else the first line of stdin — never an argument,
    which other users could read from the process list and shells keep in their history."""
    if sys.stdin.isatty():
        password = getpass.getpass("密码 password: ")
        if confirm and getpass.getpass("再次输入 again: ") != password:
            raise ConfigError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\n")


def cmd_agents(args) -> int:
    from bot.backend.services import agents

    backend = _backend()
    if args.agent_action == "list":
        print("login\trole\tapps\tactive\tname")
        for agent in agents.list_agents(backend, args.app):
            apps = "*" if agent["all_apps"] else ",".join(agent["apps"])
            print(f"{agent['login']}\t{agent['role']}\t{apps}\t{'yes' if agent['active'] else 'no'}"
                  f"\t{agent['display_name']}")
        return 0
    if not args.login:
        print("--login is required", file=sys.stderr)
        return 2
    if args.agent_action == "create":
        apps = [a.strip() for a in (args.apps or "").split(",") if a.strip()]
        created = agents.create_agent(backend, login=args.login, display_name=args.name or args.login,
                                      password=_read_password(), role="supervisor" if args.supervisor else "agent",
                                      apps=apps, all_apps=args.all_apps, actor=_cli_actor())
        scope = "all apps" if created["all_apps"] else ",".join(created["apps"])
        print(f"{created['login']}: {created['role']} ({created['id']}) serving {scope}")
    elif args.agent_action == "passwd":
        agents.set_password(backend, args.login, _read_password(), _cli_actor())
        print(f"{args.login}: password changed, sessions ended")
    else:
        agents.set_active(backend, args.login, args.agent_action == "enable", _cli_actor())
        print(f"{args.login}: {args.agent_action}d")
    return 0


def cmd_assist_report(args) -> int:
    from bot.backend.services import agents, assist_reports

    backend = _backend()
    operator = agents.Principal("cli", "cli", "cli", "supervisor", True, frozenset())
    apps = [args.app] if args.app else agents.served_apps(backend, operator)
    report = assist_reports.acceptance_by_intent(backend, operator, apps)
    print("app\tintent\treplies\tas_is\tedited\town\tacceptance")
    for row in report["items"] + [{**report["total"], "app": "*", "intent": "*"}]:
        rate = "-" if row["acceptance_rate"] is None else f"{row['acceptance_rate']:.0%}"
        print(f"{row['app']}\t{row['intent']}\t{row['replies']}\t{row['as_is']}\t{row['edited']}"
              f"\t{row['own']}\t{rate}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.backend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the HTTP API (migrates first)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--with-worker", action="store_true", help="also run the worker in-process")
    p.add_argument("--processes", type=int, default=int(os.environ.get("BACKEND_PROCESSES", "1")),
                   help="server processes sharing the port (default $BACKEND_PROCESSES or 1)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="run the worker")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(func=cmd_migrate)
    p = sub.add_parser("sync-apps", help="upsert apps' deadlines from the knowledge base")
    p.add_argument("--defaults-if-missing", action="store_true",
                   help="without bot.knowledge, add the launch apps with the PIPL default deadline")
    p.set_defaults(func=cmd_sync_apps)
    p = sub.add_parser("seed-demo", help="dev: register the knowledge base's apps and seed demo users")
    p.add_argument("--app", help="only this app (any app onboarded with `python -m bot.knowledge ingest`)")
    p.set_defaults(func=cmd_seed_demo)
    p = sub.add_parser("demo-users", help="print demo users with fresh host-app user tokens")
    p.add_argument("--app")
    p.add_argument("--ttl", type=int, default=24 * 3600, help="token lifetime in seconds")
    p.set_defaults(func=cmd_demo_users)
    p = sub.add_parser("outbox", help="read the dev outbox (codes 'sent' by SMS)")
    p.add_argument("--app")
    p.add_argument("--phone")
    p.add_argument("--challenge")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(func=cmd_outbox)
    p = sub.add_parser("requests", help="list, show, approve, reject, complete requests")
    p.add_argument("action", choices=["list", "show", "approve", "reject", "complete"])
    p.add_argument("id", nargs="?")
    p.add_argument("--status")
    p.add_argument("--app")
    p.add_argument("--type")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--reason", help="required for reject: told to the user")
    p.set_defaults(func=cmd_requests)
    sub.add_parser("overdue", help="print the overdue report").set_defaults(func=cmd_overdue)
    p = sub.add_parser("agents", help="agent-workspace accounts: create, list, passwd, disable, enable",
                       description="The password is read from a prompt, or from the first line of "
                                   "stdin when it is not a terminal; never from an argument.")
    p.add_argument("agent_action", metavar="action", choices=["create", "list", "passwd", "disable", "enable"])
    p.add_argument("--login", help="3-64 lower-case letters, digits or ._-")
    p.add_argument("--name", help="display name shown to colleagues and users (default: the login)")
    p.add_argument("--apps", help="comma-separated app ids the account serves, e.g. melochi,tego")
    p.add_argument("--supervisor", action="store_true", help="a supervisor (may reassign tickets)")
    p.add_argument("--all-apps", action="store_true", help="supervisors only: serve every app")
    p.add_argument("--app", help="list: only accounts serving this app")
    p.set_defaults(func=cmd_agents)
    p = sub.add_parser("assist-report", help="suggestion-acceptance rate per app and intent")
    p.add_argument("--app")
    p.set_defaults(func=cmd_assist_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.backend.errors import BackendError

    configure_logging()
    args = build_parser().parse_args(argv)
    if getattr(args, "action", None) not in (None, "list") and not args.id:
        print("a request id is required", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except BackendError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
