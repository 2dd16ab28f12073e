#!/usr/bin/env python
"""Django's manage.py, kept for habit: it runs the same thing as the ``kamdesk`` command."""

import sys

from kamdesk.cli import main

if __name__ == "__main__":
    main(sys.argv)
