# One image for every role: the reception node and the transcoder worker.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --system --create-home --home-dir /home/reception reception \
 && mkdir -p /var/lib/reception && chown reception /var/lib/reception

COPY pyproject.toml setup.py constraints.txt README.md ./
COPY config ./config
COPY reception ./reception
COPY portal ./portal
COPY sfu ./sfu
COPY signaling ./signaling
COPY recorder ./recorder
COPY transcoder ./transcoder
COPY static ./static
# The forwarding path's packet sender is compiled (sfu/_send.c); the compiler goes again.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && pip install --no-cache-dir -c constraints.txt -e . \
 && apt-get purge -y --auto-remove gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*

USER reception
ENV RECEPTION_DATA_DIR=/var/lib/reception RECEPTION_SERVER__HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" || exit 1
CMD ["reception", "run"]
