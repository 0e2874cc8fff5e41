"""``python -m bot.knowledge``: see bot.knowledge.cli."""
import sys

from bot.knowledge.cli import main

sys.exit(main())
