"""``python -m mblbath``: the command line (:mod:`mblbath.cli`), as the workflow's rules run it."""

import sys

from .cli import main

sys.exit(main())
