# Every Guanxi image: the four services, the gateway and the staff console, one image each from this file.
# Build from the repository root, naming the package, its folder and the port its web process serves:
#   docker build --build-arg SERVICE=customer --build-arg SOURCE=services/customer \
#                --build-arg PORT_VARIABLE=CRM_CUSTOMER_PORT --build-arg PORT=8001 -t guanxi/customer .
# docker-compose.yml passes the same arguments for each image; docs/deployment.md lists them.
FROM python:3.11-slim

# The package (`python -m $SERVICE`), the folder it is installed from, and its web port with its variable.
ARG SERVICE
ARG SOURCE
ARG PORT_VARIABLE
ARG PORT

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --gid 10001 guanxi \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin guanxi

WORKDIR /app

# Pinned runtime dependencies first (no dev tools): this layer is rebuilt only when they change.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Editable installs, as everywhere in this repository: a service finds its migrations/ folder beside
# src/, the console its templates, static files and catalogues, so the source tree must stay where it is.
# `pip check` fails the build when a package declares a dependency that requirements.txt does not pin.
COPY servicekit/ servicekit/
COPY ${SOURCE}/ ${SOURCE}/
RUN pip install --no-deps -e servicekit -e ${SOURCE} && pip check

USER 10001:10001

# CRM_VAR_DIR holds what a process keeps on disk: the embedded defaults of a service (no database or broker
# URL set), the console's catalogues compiled at start (a tmpfs in compose and Kubernetes).
ENV CRM_BIND_HOST=0.0.0.0 \
    GUANXI_SERVICE=${SERVICE} \
    ${PORT_VARIABLE}=${PORT} \
    CRM_VAR_DIR=/tmp/guanxi
EXPOSE ${PORT}

# Liveness of the web process, on the port its variable names; compose and Kubernetes override it per
# process (see deploy/).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['CRM_%s_PORT' % os.environ['GUANXI_SERVICE'].upper()], timeout=4)"]

CMD ["sh", "-c", "exec python -m \"$GUANXI_SERVICE\" web"]
