"""The compiled part of the package, the forwarding path's sender (sfu/_send.c).

Everything else is declared in pyproject.toml; extension modules stay here, where
setuptools' support for them is stable.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sfu._send", sources=["sfu/_send.c"], extra_compile_args=["-O2", "-Wall", "-Wextra"]
        )
    ]
)
