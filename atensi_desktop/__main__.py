"""Allow `python -m atensi_desktop`."""

from atensi_desktop.cli import main

raise SystemExit(main())
