"""Shared pytest setup: the repository root on sys.path, Rasa telemetry off, dev settings."""
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# the backend is production unless told otherwise; tests run the dev configuration
os.environ.setdefault("PRIVACY_ENV", "dev")
