"""The composition root: builds the aiohttp application and the `reception` command.

It is the only package that may import every other one; each component below it gets
only its own settings section.
"""
