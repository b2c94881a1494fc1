"""Rendering with Helm's own library, in-process (the PyPI package ``helm-python-sdk``)."""

from __future__ import annotations

import json
from typing import Any

from kubevet.loading.helm.chart import CHART_FILE, ChartFiles, error_place
from kubevet.loading.helm.errors import (
    INSTALL_HINT,
    YAML_LINE,
    HelmUnavailable,
    RenderFailed,
    error_detail,
    render_message,
)
from kubevet.loading.helm.stream import Rendered, split_documents
from kubevet.loading.helm.values import merge_values
from kubevet.loading.rendered import (
    HelmOptions,
)


class Library:
    """Helm v4 as a shared library, in-process (PyPI helm-python-sdk)."""

    def __init__(self) -> None:
        try:
            import helm_python
        except ImportError:
            raise HelmUnavailable(f"Helm charts have to be rendered, and Helm is not available: {INSTALL_HINT}") from None
        except OSError as exc:  # the bundled native library failed to load
            raise HelmUnavailable(f"Helm's library could not be loaded ({exc}): {INSTALL_HINT}") from None
        self.helm = helm_python

    def close(self) -> None:
        pass

    def render(self, path: str, files: ChartFiles, options: HelmOptions, matrix_file: str | None) -> Rendered:
        """One render, of a chart loaded for it alone: Helm's render changes the loaded
        chart (a dependency whose ``condition`` is false is removed from it for good), so
        a chart reused for the next values file of a matrix would render without that
        subchart, or fail. Each render equals a fresh ``helm template``."""
        helm = self.helm
        try:
            chart = helm.Chart.load(path)
        except helm.HelmError as exc:
            raise RenderFailed(f"Helm cannot load the chart: {error_detail(exc)}", files.display(CHART_FILE)) from None
        try:
            return self._render_loaded(chart, files, options, matrix_file)
        finally:
            chart.close()

    def _render_loaded(self, chart, files: ChartFiles, options: HelmOptions, matrix_file: str | None) -> Rendered:
        helm = self.helm
        user: dict = {}
        sources: list[tuple[str, Any]] = [(files.display("values.yaml"), files.default_values())]
        for vf in [*options.values, *([matrix_file] if matrix_file else [])]:
            loaded = self._values_file(vf)
            sources.append((vf, loaded))
            user = merge_values(user, loaded)
        for flag, parse, exprs in (
            ("--set", helm.parse_set_string, options.set),
            ("--set-string", helm.parse_set_string_values, options.set_string),
            ("--set-file", helm.parse_set_file, options.set_file),
        ):
            for expr in exprs:
                try:
                    parsed = parse(expr)
                except helm.HelmError as exc:
                    raise RenderFailed(f"{flag} {expr!r}: {error_detail(exc)}", files.display(CHART_FILE)) from None
                sources.append((f"{flag} {expr}", parsed))
                user = merge_values(user, parsed)
        manifests = self._render(chart, user, options, files)
        crds = chart.crds if options.include_crds else []
        try:
            values = chart.merge_values(user)
        except helm.HelmError:
            values = user
        documents: list[tuple[str, str]] = []
        for crd in crds:
            name = crd.get("filename") or crd.get("name") or "crds"
            documents.extend((name, doc) for doc in split_documents(crd.get("data", "")))
        for template in sorted(manifests):
            if template.endswith("NOTES.txt"):
                continue
            documents.extend((template, doc) for doc in split_documents(manifests[template]))
        return Rendered(documents, values, sources)

    def _values_file(self, path: str) -> dict:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderFailed(f"values file cannot be read: {getattr(exc, 'strerror', None) or exc}", path) from None
        try:
            return self.helm.values_from_yaml(text)
        except self.helm.HelmError as exc:
            detail = error_detail(exc)
            m = YAML_LINE.search(detail)
            raise RenderFailed(
                f"values file is not valid: {detail}", path, int(m.group(1)) if m else 0, int(m.group(2) or 0) if m else 0
            ) from None

    def _render(self, chart, user: dict, options: HelmOptions, files: ChartFiles) -> dict[str, str]:
        helm = self.helm
        opts: dict[str, Any] = {
            "name": options.release_name,
            "namespace": options.namespace,
            "revision": 1,
            "is_install": True,
        }
        # Chart.render() does not pass these on, but the library's render options take them
        # (helm-c-sdk 0.2.2: kube_version, api_versions); older ones refuse unknown keys
        if options.kube_version:
            opts["kube_version"] = options.helm_kube_version()
        if options.api_versions:
            opts["api_versions"] = list(options.api_versions)
        try:
            try:
                from helm_python import _native

                call = _native.call_string
                handle = chart._raw()
            except (ImportError, AttributeError):
                # the library's internals moved: the public API, without capabilities
                if options.kube_version or options.api_versions:
                    raise HelmUnavailable(
                        "this version of Helm's library cannot set --kube-version / --api-versions; "
                        "pass --helm-binary PATH to render with a helm executable"
                    ) from None
                return chart.render(user, name=opts["name"], namespace=opts["namespace"], revision=1, is_install=True)
            return json.loads(call("helm_render", handle, json.dumps(user), json.dumps(opts)))
        except helm.HelmInvalidArgError as exc:
            detail = error_detail(exc)
            if "unknown field" in detail and ("kube_version" in detail or "api_versions" in detail):
                raise HelmUnavailable(
                    "this version of Helm's library cannot set --kube-version / --api-versions; "
                    "pass --helm-binary PATH to render with a helm executable"
                ) from None
            raise RenderFailed(render_message(detail), *error_place(detail, files)) from None
        except helm.HelmError as exc:
            detail = error_detail(exc)
            raise RenderFailed(render_message(detail), *error_place(detail, files)) from None
