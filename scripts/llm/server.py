"""Serve the local LLM (scripts/llm/install.sh) over an OpenAI-compatible HTTP API.

llama.cpp's own server, through the xllamacpp wheel: POST /v1/chat/completions, GET /health,
GET /v1/models. One slot, 4096-token context, ONE compute thread (on this 2-core machine two
threads were ~25x slower). Run it with the venv's Python:

    $ZHIKU_CACHE/llm/venv/bin/python scripts/llm/server.py [--port 8093] [--model PATH]

--port 0 asks for an ephemeral port. The line "listening on http://HOST:PORT" on stdout tells
where it listens; it serves until killed. Model quirks: send max_tokens (~200), otherwise the
coder model drifts into code; give it the facts, otherwise it echoes the question.
"""
import argparse, os, threading
import xllamacpp

cache = os.environ.get("ZHIKU_CACHE", os.path.expanduser("~/.cache/zhiku"))
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--port", type=int, default=8093, help="0 = ephemeral")
ap.add_argument("--model", default=os.path.join(cache, "llm", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
ap.add_argument("--alias", default="qwen2.5-coder-0.5b")
args = ap.parse_args()

params = xllamacpp.CommonParams()
params.model.path = args.model
params.hostnames = ["127.0.0.1"]
params.port = args.port
params.n_ctx = 4096
params.n_parallel = 1
params.cpuparams.n_threads = 1
params.cpuparams_batch.n_threads = 1
params.model_alias = {args.alias}
server = xllamacpp.Server(params)  # loads the model and starts the HTTP server in the background
print(f"listening on {server.listening_address}", flush=True)
threading.Event().wait()
