"""The app the load and kill tests run under uvicorn (``_serve:make --factory``)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from groundswell.survey.web import mount
from groundswell.web.app import create_app


def make() -> FastAPI:
    app = create_app(os.environ["GS_SURVEY_WS"])
    mount(app)
    return app
