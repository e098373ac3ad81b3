"""Request dependencies shared by every router: the store and the settings of this app.

Both live on ``app.state`` (set by the app factory's lifespan), so tests and several apps in
one process never share them by accident. Use the ``Annotated`` aliases in route signatures::

    @router.get("/things")
    def list_things(store: StoreDep) -> list[Thing]: ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.settings import Settings
from hub.store.base import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
