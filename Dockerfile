# Gradient Lab as Streamlit Community Cloud runs it: Linux, Python 3.12, requirements.txt installed with uv (which reads
# pyproject.toml's [tool.uv] and [tool.uv.pip] in /app), CPU-only torch, `streamlit run app.py`. One container is one
# replica: see README, "More than one Cloud app holds".
#   docker build -t gradient-lab .
#   docker run --rm -p 8501:8501 --memory 2.7g --cpus 2 gradient-lab      # the Cloud's size; open http://localhost:8501
FROM python:3.12-slim

# MALLOC_ARENA_MAX: Streamlit's script threads share two malloc arenas (ui/memory.py also sets it when the app starts)
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 UV_NO_CACHE=1 \
    MALLOC_ARENA_MAX=2

WORKDIR /app
COPY requirements.txt pyproject.toml ./
RUN pip install "uv>=0.9" \
 && uv pip install --system -r requirements.txt \
 && python -c "import torch; assert torch.version.cuda is None, 'torch is a CUDA build (2.5 GB): build for linux/amd64'"

COPY . .
RUN useradd --create-home lab && chown -R lab /app
USER lab

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
# No file watcher: a container's files never change, and a reload under load makes concurrent reruns fail to import
# gradcore (seen here when a file was edited during a load test).
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", \
     "--server.fileWatcherType", "none"]
