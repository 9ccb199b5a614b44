"""Errors raised while loading settings."""


class ConfigError(Exception):
    """Settings could not be loaded; the message names every offending key."""

    code = "config_invalid"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
