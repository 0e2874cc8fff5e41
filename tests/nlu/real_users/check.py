#!/usr/bin/env python3
"""Validate the real-user NLU evaluation set (dev.jsonl / test.jsonl).

Pure standard library. Run from anywhere:

    python3 tests/nlu/real_users/check.py

Checks
  * every line is a JSON object with exactly the keys text, gold, source, kind
  * every intent in ``gold`` (split on ``|``) is a contract intent (PRODUCT.md)
  * ``kind`` is one of the allowed kinds
  * no duplicate texts after removing punctuation, symbols and whitespace
    (within a half and across halves)
  * no source group (repository, or repository:file for split corpora) in both halves
  * no 11-digit mainland mobile number in any text
  * each half has at least 200 utterances
Prints per-half counts per intent (first-listed gold and any-listed gold), per kind
and per source group. Exit status 1 if any check fails.
"""
import collections
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
HALVES = ("dev", "test")
MIN_PER_HALF = 200

# The contract intents of PRODUCT.md ("Intents — the contract").
CONTRACT_INTENTS = {
    "ask_data_collected", "ask_data_usage", "ask_permissions", "ask_third_party_sharing",
    "ask_cookies", "ask_storage_retention", "ask_security", "ask_minors",
    "ask_policy_updates", "ask_contact", "ask_response_time", "ask_complaint",
    "how_view_or_correct_info", "how_delete_info", "how_delete_account",
    "how_withdraw_consent", "how_manage_personalization", "how_unsubscribe",
    "how_get_data_copy", "request_account_deletion", "request_info_deletion",
    "request_data_export", "request_unsubscribe", "check_request_status",
    "cancel_request", "report_privacy_incident", "greet", "goodbye", "thank",
    "affirm", "deny", "bot_challenge", "human_handoff", "out_of_scope", "inform",
}
KINDS = {"github_issue", "qa_corpus", "cs_dialogue", "faq_page", "other"}
KEYS = {"text", "gold", "source", "kind"}
# a mainland mobile number: 1 followed by 10 digits, not part of a longer digit run
PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
# split corpora whose files go to different halves: group by repository + file
FILE_GROUPED_REPOS = {"Leroll/awesome-ai-examples", "cooelf/DeepUtteranceAggregation"}


def norm(text):
    """Text with punctuation, symbols and whitespace removed (NFKC, lower case)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def source_group(source):
    """The document a row comes from: github:owner/repo#N -> owner/repo;
    github:owner/repo:path:line -> owner/repo (or owner/repo:path for split corpora);
    a URL -> its host + path."""
    if source.startswith("github:"):
        rest = source[len("github:"):]
        if "#" in rest:
            return rest.split("#", 1)[0]
        parts = rest.split(":")
        repo = parts[0]
        if repo in FILE_GROUPED_REPOS and len(parts) > 1:
            return repo + ":" + parts[1]
        return repo
    if "://" in source:
        return source.split("://", 1)[1].split("#", 1)[0].split("?", 1)[0]
    return source


def load(half, errors):
    path = os.path.join(HERE, half + ".jsonl")
    rows = []
    if not os.path.exists(path):
        errors.append(f"{half}: file {path} missing")
        return rows
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"{half}.jsonl:{n}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: invalid JSON ({e})")
                continue
            if not isinstance(row, dict) or set(row) != KEYS:
                errors.append(f"{where}: keys must be exactly {sorted(KEYS)}")
                continue
            if not all(isinstance(row[k], str) and row[k].strip() for k in KEYS):
                errors.append(f"{where}: every field must be a non-empty string")
                continue
            golds = row["gold"].split("|")
            bad = [g for g in golds if g not in CONTRACT_INTENTS]
            if bad:
                errors.append(f"{where}: not contract intents: {bad}")
            if len(set(golds)) != len(golds):
                errors.append(f"{where}: repeated intent in gold {row['gold']!r}")
            if row["kind"] not in KINDS:
                errors.append(f"{where}: kind {row['kind']!r} not in {sorted(KINDS)}")
            if PHONE.search(row["text"]):
                errors.append(f"{where}: 11-digit phone number in text")
            row["_where"] = where
            rows.append(row)
    return rows


def main():
    errors = []
    data = {h: load(h, errors) for h in HALVES}

    seen = {}
    for h in HALVES:
        for row in data[h]:
            key = norm(row["text"])
            if not key:
                errors.append(f"{row['_where']}: text has no letters or digits")
                continue
            if key in seen:
                errors.append(f"{row['_where']}: duplicate of {seen[key]} ({row['text']!r})")
            else:
                seen[key] = row["_where"]

    groups = {h: collections.Counter(source_group(r["source"]) for r in data[h]) for h in HALVES}
    for g in sorted(set(groups["dev"]) & set(groups["test"])):
        errors.append(f"source group {g!r} appears in both halves")

    for h in HALVES:
        if len(data[h]) < MIN_PER_HALF:
            errors.append(f"{h}: {len(data[h])} utterances, fewer than {MIN_PER_HALF}")

    # report
    total = sum(len(data[h]) for h in HALVES)
    print(f"total {total}: " + ", ".join(f"{h} {len(data[h])}" for h in HALVES))
    first = {h: collections.Counter(r["gold"].split("|")[0] for r in data[h]) for h in HALVES}
    anyl = {h: collections.Counter(g for r in data[h] for g in r["gold"].split("|")) for h in HALVES}
    multi = {h: sum("|" in r["gold"] for r in data[h]) for h in HALVES}
    print(f"\n{'intent':28s} {'dev':>4s} {'test':>4s} {'all':>4s}   (first-listed gold; any-listed in brackets)")
    for i in sorted(CONTRACT_INTENTS):
        d, t = first["dev"][i], first["test"][i]
        ad, at = anyl["dev"][i], anyl["test"][i]
        if d or t or ad or at:
            print(f"{i:28s} {d:4d} {t:4d} {d + t:4d}   ({ad}/{at})")
    missing = sorted(i for i in CONTRACT_INTENTS if not (anyl["dev"][i] or anyl["test"][i]))
    print(f"\nrows with alternative golds: dev {multi['dev']}, test {multi['test']}")
    if missing:
        print("contract intents with no utterance:", ", ".join(missing))
    print(f"\n{'kind':14s} {'dev':>4s} {'test':>4s}")
    for k in sorted(KINDS):
        d = sum(r["kind"] == k for r in data["dev"])
        t = sum(r["kind"] == k for r in data["test"])
        if d or t:
            print(f"{k:14s} {d:4d} {t:4d}")
    for h in HALVES:
        print(f"\n{h}: {len(groups[h])} source groups")
        for g, n in groups[h].most_common():
            print(f"  {n:4d}  {g}")

    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
