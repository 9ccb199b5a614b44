"""Typed settings for every component: defaults in code, a YAML file, the environment."""

from config.errors import ConfigError
from config.loader import ENV_PREFIX, env_keys, load_settings
from config.settings import (
    DatabaseSettings,
    LoggingSettings,
    MailSettings,
    Mode,
    RedisSettings,
    RtcSettings,
    SecretsSettings,
    ServerSettings,
    Settings,
    SignalingSettings,
    StorageSettings,
)

__all__ = [
    "ENV_PREFIX",
    "ConfigError",
    "DatabaseSettings",
    "LoggingSettings",
    "MailSettings",
    "Mode",
    "RedisSettings",
    "RtcSettings",
    "SecretsSettings",
    "ServerSettings",
    "Settings",
    "SignalingSettings",
    "StorageSettings",
    "env_keys",
    "load_settings",
]
