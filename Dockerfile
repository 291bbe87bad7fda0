# Optional: the same two commands in a container. The default path (make demo) needs no Docker.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-install-project
COPY . .
RUN uv sync --frozen
ENV SPARK_LOCAL_IP=127.0.0.1 GX_ANALYTICS_ENABLED=false
CMD ["make", "demo"]
