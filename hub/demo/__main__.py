"""Entry point of ``make demo``."""

from hub.demo.roundtrip import main

main()
