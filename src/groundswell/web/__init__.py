"""The web dashboard: FastAPI app (app.py), store (store.py), accounts (auth.py), JSON API
(api.py), HTML pages (pages.py), the champion planner hook (planner.py), CLI (cli.py)."""
