"""The web dashboard: FastAPI app (app.py), read model (views/), accounts (auth.py), JSON API
(api.py), HTML pages (pages.py), the champion planner hook (planner.py). Its command,
``groundswell serve``, is in :mod:`groundswell.cli.serve`."""
