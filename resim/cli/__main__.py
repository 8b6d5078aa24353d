"""``python -m resim.cli`` runs the command line."""

import sys

from resim.cli.main import main

sys.exit(main())
