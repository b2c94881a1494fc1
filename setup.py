"""The optional C extension kubevet._yamlfast (libyaml events straight to Python values).

Everything else is declared in pyproject.toml. The extension is optional: without a C
compiler or libyaml's headers (Debian: libyaml-dev) the build skips it and kubevet uses
its pure-Python decoder, which gives identical results, more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "kubevet._yamlfast",
            ["src/kubevet/_yamlfast.c"],
            libraries=["yaml"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
