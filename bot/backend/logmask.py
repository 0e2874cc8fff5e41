"""Logging for the backend's processes: every line masked by ``bot.redaction``.

Masking happens twice: at record creation (so every handler, including ones we do not own, sees
masked text) and in the formatter (so tracebacks and late-formatted text are masked too).
"""
from __future__ import annotations

import logging

from bot.redaction import MaskingFormatter, install_log_masking, mask

__all__ = ["configure_logging", "install_record_masking", "mask"]

install_record_masking = install_log_masking


def configure_logging(level: int = logging.INFO) -> None:
    install_log_masking()
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
