"""Secrets: generated once in the embedded default, mandatory in production."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from config.errors import ConfigError
from config.settings import Mode, Settings

SECRETS_FILE = "secrets.json"
_NAMES = ("session_key", "token_key")
"""The secrets the node keeps to itself, so it may invent them; `turn_secret` is shared with
coturn and always given."""


def with_secrets(settings: Settings) -> Settings:
    """Return settings whose every secret is set.

    Embedded mode keeps generated secrets in <data_dir>/secrets.json (mode 0600) so that
    sessions and join tokens survive a restart; production mode never invents one.
    """
    current = settings.secrets
    missing = [name for name in _NAMES if getattr(current, name) is None]
    if not missing:
        return settings
    if settings.mode is Mode.PRODUCTION:
        raise ConfigError(
            [
                f"secrets.{name}: required in production mode; set RECEPTION_SECRETS__"
                f"{name.upper()} or secrets.{name} in the config file (32+ characters)"
                for name in missing
            ]
        )
    stored = _load_or_create(settings.data_dir / SECRETS_FILE)
    filled = {name: getattr(current, name) or SecretStr(stored[name]) for name in _NAMES}
    return settings.model_copy(update={"secrets": current.model_copy(update=filled)})


def _load_or_create(path: Path) -> dict[str, str]:
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if all(isinstance(data.get(name), str) for name in _NAMES):
            return {name: data[name] for name in _NAMES}
    data = {name: secrets.token_urlsafe(48) for name in _NAMES}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return data
