"""``python -m labelkit._cli``: the ``labelkit`` command."""

import sys

from . import main

sys.exit(main())
