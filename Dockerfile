# kubevet in a container (see docs/integrations.md):
#
#   docker build -t kubevet .
#   docker run --rm -v "$PWD:/work" kubevet scan k8s/
#
# Helm's library is large (~75 MB wheel) and left out by default; charts then need
# --helm-binary, or an image built with it:
#   docker build --build-arg KUBEVET_EXTRAS=helm -t kubevet:helm .

ARG PYTHON_IMAGE=python:3.12-slim

# --- build: a wheel of kubevet (pure Python); this stage and its build tools are discarded
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- the image: the wheel and its dependencies (binary wheels only: nothing is compiled)
FROM ${PYTHON_IMAGE}
ARG KUBEVET_EXTRAS=""
LABEL org.opencontainers.image.title="kubevet" \
      org.opencontainers.image.description="Lint Kubernetes manifests, Helm charts and kustomizations before they reach a cluster" \
      org.opencontainers.image.source="https://github.com/kubevet/kubevet" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN set -eux; \
    wheel="$(echo /wheels/kubevet-*.whl)"; \
    pip install --no-cache-dir --only-binary=:all: "${wheel}${KUBEVET_EXTRAS:+[${KUBEVET_EXTRAS}]}"; \
    rm -rf /wheels; \
    useradd --uid 10001 --user-group --no-create-home --home-dir /work --shell /usr/sbin/nologin kubevet; \
    kubevet --version
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["kubevet"]
CMD ["--help"]
