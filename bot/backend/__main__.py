"""``python -m bot.backend <command>``: see :mod:`bot.backend.cli`."""
import sys

from bot.backend.cli import main

sys.exit(main())
