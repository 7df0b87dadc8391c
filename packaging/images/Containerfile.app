# The API and the consumer (targets `api` and `consumer`): the release bundle the VMs get (votelab-app-<version>),
# installed offline into a virtualenv; they run as an unprivileged user and need nothing writable but /tmp.
# Built by scripts/build-images.sh with --network=none: nothing is downloaded.
ARG BASE
FROM ${BASE} AS app
COPY release/ /tmp/release/
RUN python3 -m venv /opt/votelab/venv \
    && /opt/votelab/venv/bin/pip install --no-index --no-cache-dir --find-links /tmp/release/wheelhouse \
       "votelab==$(cat /tmp/release/VERSION)" \
    && rm -rf /tmp/release \
    && /opt/votelab/venv/bin/python -c "import app.api, app.consumer, app.tools.migrate" \
    && groupadd --gid 10001 votelab && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin votelab
USER 10001:10001
WORKDIR /tmp
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

FROM app AS api
EXPOSE 8000
CMD ["/opt/votelab/venv/bin/python", "-m", "app.api"]

FROM app AS consumer
CMD ["/opt/votelab/venv/bin/python", "-m", "app.consumer"]
