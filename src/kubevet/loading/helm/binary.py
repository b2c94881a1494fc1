"""Rendering with a ``helm`` executable, run as ``helm template`` (``--helm-binary``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from kubevet.loading.helm.chart import (
    CHART_FILE,
    ChartFiles,
    error_place,
    safe_yaml_file,
)
from kubevet.loading.helm.errors import (
    YAML_LINE,
    HelmUnavailable,
    RenderFailed,
    render_message,
)
from kubevet.loading.helm.stream import Rendered, parse_stream
from kubevet.loading.helm.values import merge_values
from kubevet.loading.rendered import (
    HelmOptions,
)


class Binary:
    """A helm executable, run as ``helm template``."""

    def __init__(self, binary: str) -> None:
        found = shutil.which(binary) if os.sep not in binary else (binary if os.access(binary, os.X_OK) else None)
        if not found:
            raise HelmUnavailable(f"--helm-binary {binary}: not an executable file")
        self.binary = found

    def close(self) -> None:
        pass

    def render(self, path: str, files: ChartFiles, options: HelmOptions, matrix_file: str | None) -> Rendered:
        cmd = [self.binary, "template", options.release_name, path, "--namespace", options.namespace]
        value_files = [*options.values, *([matrix_file] if matrix_file else [])]
        for vf in value_files:
            cmd += ["--values", vf]
        for flag, exprs in (("--set", options.set), ("--set-string", options.set_string), ("--set-file", options.set_file)):
            for expr in exprs:
                cmd += [flag, expr]
        if options.kube_version:
            cmd += ["--kube-version", options.helm_kube_version() or options.kube_version]
        for api in options.api_versions:
            cmd += ["--api-versions", api]
        if options.include_crds:
            cmd.append("--include-crds")
        if not options.include_tests:
            cmd.append("--skip-tests")
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderFailed(f"could not run {self.binary}: {exc}", files.display(CHART_FILE)) from None
        if proc.returncode != 0:
            detail = " ".join(proc.stderr.decode("utf-8", "replace").split()) or f"exit code {proc.returncode}"
            detail = detail.removeprefix("Error: ")
            for vf in value_files:
                if vf in detail:
                    m = YAML_LINE.search(detail)
                    raise RenderFailed(
                        f"values file is not valid: {detail}", vf, int(m.group(1)) if m else 0, int(m.group(2) or 0) if m else 0
                    )
            raise RenderFailed(render_message(detail), *error_place(detail, files))
        documents = [(t, text) for t, text in parse_stream(proc.stdout)]
        # the values the templates saw, approximately (chart defaults and -f files merged;
        # only used to name a values key when a rendered value equals one exactly)
        sources: list[tuple[str, Any]] = [(files.display("values.yaml"), files.default_values())]
        values: dict = sources[0][1] if isinstance(sources[0][1], dict) else {}
        for vf in value_files:
            loaded = safe_yaml_file(vf)
            if isinstance(loaded, dict):
                sources.append((vf, loaded))
                values = merge_values(values, loaded)
        return Rendered(documents, values, sources)
