"""Shared pytest setup: the repository root on sys.path and Rasa telemetry off."""
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
