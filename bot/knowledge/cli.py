"""Command line for operators: ingest an app's policy, show what the bot knows about an app.

    python -m bot.knowledge ingest POLICY.txt --app ID --name NAME [--apps-dir DIR] [--encoding gbk]
    python -m bot.knowledge show ID [--apps-dir DIR] [--topic TOPIC] [--json] [--review]

Exit status: 0 on success, 1 when the input or the stored knowledge is unusable, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml

from bot.knowledge.cleaning import PolicyError
from bot.knowledge.ingest import KNOWLEDGE_FILE, OVERRIDES_FILE, ingest
from bot.knowledge.model import InvalidKnowledge, KnowledgeBase
from bot.knowledge.review import review
from bot.knowledge.store import UnknownApp, apps_dir, load_app, read_app, unmatched_removals
from bot.knowledge.vocab import PATH_TOPICS, SHOW_TOPICS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.knowledge",
        description="Build and inspect the per-app privacy-policy knowledge base.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ingest_cmd = commands.add_parser(
        "ingest", help="extract an app's knowledge from its privacy policy text",
        description="Parse POLICY (plain text, UTF-8 unless --encoding) and write DIR/ID/policy.txt and "
                    "DIR/ID/knowledge.yml. overrides.yml in that directory is never modified.",
    )
    ingest_cmd.add_argument("policy", type=Path, metavar="POLICY.txt", help="the policy as plain text")
    ingest_cmd.add_argument("--app", required=True, metavar="ID", help="app id (lower-case letters, digits, - _)")
    ingest_cmd.add_argument("--name", required=True, metavar="NAME", help="the app's display name")
    ingest_cmd.add_argument("--apps-dir", type=Path, metavar="DIR",
                            help="where apps live (default: $PRIVACY_APPS_DIR or data/apps)")
    ingest_cmd.add_argument("--encoding", metavar="CODEC",
                            help="text encoding of POLICY when not UTF-8, e.g. gbk or gb18030")
    show_cmd = commands.add_parser(
        "show", help="print what the bot knows about an app, per topic",
        description="Print the app's knowledge (knowledge.yml with overrides applied), each item with its section.",
    )
    show_cmd.add_argument("app", metavar="ID")
    show_cmd.add_argument("--apps-dir", type=Path, metavar="DIR",
                          help="where apps live (default: $PRIVACY_APPS_DIR or data/apps)")
    show_cmd.add_argument("--topic", choices=SHOW_TOPICS, metavar="TOPIC",
                          help="only this topic: " + ", ".join(SHOW_TOPICS))
    show_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    show_cmd.add_argument("--review", action="store_true",
                          help="only what an operator should check: unusual steps, garbled contacts, "
                               "topics without a path, facts without a section, deadlines")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return _ingest(args)
        return _show(args)
    except (PolicyError, InvalidKnowledge) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except UnknownApp as error:
        print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
        return 1


def _ingest(args: argparse.Namespace) -> int:
    root = args.apps_dir or apps_dir()
    knowledge = ingest(args.policy, args.app, args.name, root, args.encoding)
    paths = Counter(topic for topic, items in knowledge["paths"].items() for _ in items)
    deadline = knowledge["response_deadline"]
    print(f"Ingested {knowledge['name']} ({args.app}) into {root / args.app}")
    print(f"  sections: {len(knowledge['sections'])}, passages: {len(knowledge['clauses'])}")
    print("  paths: " + (", ".join(f"{t} {paths[t]}" for t in PATH_TOPICS if paths[t]) or "none"))
    print(f"  contacts: {len(knowledge['contacts'])}, retention rules: {len(knowledge['retention'])}, "
          f"SDKs: {len(knowledge['sdks'])}")
    print(f"  reply deadline: {_deadline_text(deadline) if deadline else 'not stated'}")
    try:
        read_app(root / args.app)
        stale = unmatched_removals(root / args.app)
    except (InvalidKnowledge, yaml.YAMLError) as error:
        print(f"error: knowledge written, but {OVERRIDES_FILE} is invalid, so the bot cannot load the app: {error}",
              file=sys.stderr)
        return 1
    for rule in stale:
        print(f"  warning: {OVERRIDES_FILE} {rule} matches nothing any more", file=sys.stderr)
    print(f"Review {KNOWLEDGE_FILE} against the policy; put corrections in {OVERRIDES_FILE}.")
    return 0


def _deadline_text(deadline: Dict[str, Any]) -> str:
    return f"{deadline['days']} {'个工作日' if deadline['working_days'] else '天'}"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def topic_items(knowledge: KnowledgeBase, topic: str) -> List[Dict[str, Any]]:
    """What ``show`` lists for one topic, as plain dicts."""
    if topic in PATH_TOPICS:
        return [_plain(path) for path in knowledge.paths(topic)]
    if topic == "contact":
        return [_plain(contact) for contact in knowledge.contacts]
    if topic == "response_time":
        items = [dict(_plain(knowledge.response_deadline), kind="reply_deadline")] if knowledge.response_deadline else []
        items += [dict(_plain(d), kind="other_deadline") for d in knowledge.other_deadlines]
        if knowledge.cooling_off:
            items.append(dict(_plain(knowledge.cooling_off), kind="cooling_off"))
        return items
    if topic == "retention":
        return [_plain(rule) for rule in knowledge.retention]
    if topic == "sdk":
        return [_plain(sdk) for sdk in knowledge.sdks]
    if topic == "minors":
        return [_plain(knowledge.minors)] if knowledge.minors else []
    raise ValueError(topic)


def _line(topic: str, item: Dict[str, Any]) -> str:
    if topic in PATH_TOPICS:
        qualifier = f" ({item['qualifier']})" if item["qualifier"] else ""
        note = f"  — {item['note']}" if item["note"] else ""
        kind = " (instruction)" if item.get("kind") == "instruction" else ""
        return f"[{item['platform']}]{qualifier} {' › '.join(item['steps'])}{kind}{note}"
    if topic == "contact":
        return f"{item['kind']}: {item['value']}"
    if topic == "response_time":
        unit = "个工作日" if item.get("working_days") else "天"
        return f"{item['kind']}: {item['days']} {unit}"
    if topic == "retention":
        days = f" ({item['days']} 天)" if item["days"] else ""
        return f"{item['subject']}: {item['period']}{days}"
    if topic == "sdk":
        parts = [item["name"]] + [f"{label}: {item[key]}" for key, label in
                                  (("purpose", "目的"), ("data", "数据"), ("package", "包名")) if item.get(key)]
        return " | ".join(parts)
    return f"年龄: {', '.join(str(age) for age in item['ages'])} 周岁"


def _review(knowledge: KnowledgeBase, as_json: bool) -> int:
    findings = review(knowledge)
    if as_json:
        print(json.dumps({"app_id": knowledge.app_id, "findings": [_plain(f) for f in findings]},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"{knowledge.name} ({knowledge.app_id}): {len(findings)} item(s) to check")
    for finding in findings:
        print(f"  [{finding.kind}] {finding.item}\n      → {finding.reason}")
    return 0


def _show(args: argparse.Namespace) -> int:
    knowledge = load_app(args.app, args.apps_dir)
    if args.review:
        return _review(knowledge, args.json)
    topics = [args.topic] if args.topic else list(SHOW_TOPICS)
    shown = {topic: topic_items(knowledge, topic) for topic in topics}
    if args.json:
        print(json.dumps({
            "app_id": knowledge.app_id, "name": knowledge.name,
            "effective_date": _plain(knowledge.effective_date), "updated_date": _plain(knowledge.updated_date),
            "topics": shown,
        }, ensure_ascii=False, indent=2))
        return 0
    dates = f"生效日期 {_plain(knowledge.effective_date) or '—'}  更新日期 {_plain(knowledge.updated_date) or '—'}"
    print(f"{knowledge.name} ({knowledge.app_id})  {dates}")
    for topic, items in shown.items():
        print(f"\n{topic} ({len(items)})")
        if not items:
            print("  — the policy does not say")
        for item in items:
            print(f"  {_line(topic, item)}")
            print(f"      § {item.get('section') or '—'}")
    return 0
