"""Run the app: python -m gif_app."""

from gif_app.cli import main

raise SystemExit(main())
