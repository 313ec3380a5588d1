FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY mappings ./mappings
COPY connectors ./connectors
COPY validation ./validation
COPY simulators ./simulators
RUN pip install --no-cache-dir .
EXPOSE 8080
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8080"]
