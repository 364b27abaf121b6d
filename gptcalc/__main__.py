"""``python -m gptcalc``."""

from gptcalc.cli import main

main()
