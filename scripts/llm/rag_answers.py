"""A generic RAG baseline over the merchants' Turtle: answers shopper questions with the local LLM.

It is the kind of pipeline that wrote shared/eval/validation_llm_dev.jsonl, and it stands
outside zhiku on purpose (its answers are what zhiku's validator is measured on):

  retrieval   shared/peers/python-hybrid-search unchanged: kb.py turns each merchant's TTL into
              Chinese text chunks (one per product+offer, policy, shipping rule, promotion, event,
              FAQ entry, shop); retriever.py ranks them with jieba BM25 + multilingual-e5-small
              (the int8 ONNX model `make setup` builds), fused by RRF; the top 5 go in the prompt.
  generation  Qwen2.5-Coder-0.5B-Instruct (scripts/llm/install.sh) behind scripts/llm/server.py,
              POST /v1/chat/completions, temperature 0, max_tokens 200.
  prompt      a short Chinese system prompt, the 5 chunks, the time of asking when the question
              has `now`, then the question.

Input: JSONL with merchant_id, question, optional now (and any other fields, kept as they are).
Output: the same lines with `answer` (and `chunks`, the ids of the retrieved chunks) added.
Lines whose `id` is already in the output file are skipped, so an interrupted run resumes.

Run it with the retrieval venv (rdflib jieba rank-bm25 numpy onnxruntime tokenizers, i.e.
shared/peers/python-hybrid-search/requirements.txt):

  python3 -m venv $ZHIKU_CACHE/llm/rag-venv
  $ZHIKU_CACHE/llm/rag-venv/bin/pip install -r ../shared/peers/python-hybrid-search/requirements.txt
  $ZHIKU_CACHE/llm/rag-venv/bin/python scripts/llm/rag_answers.py QUESTIONS.jsonl OUT.jsonl

By default it starts its own LLM server (scripts/llm/server.py with the LLM venv's Python, on an
ephemeral port) and stops it at the end; --url http://127.0.0.1:PORT uses a running one.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CACHE = os.environ.get("ZHIKU_CACHE", os.path.expanduser("~/.cache/zhiku"))

SYSTEM = ("你是店铺客服，根据资料回答顾客的问题。只使用资料里的信息，"
          "资料里没有的就说不清楚，回答简短，用中文。")


def default_merchant_files() -> list[str]:
    shared = os.path.normpath(os.path.join(ROOT, "..", "shared", "eval", "merchants"))
    files = sorted(glob.glob(os.path.join(shared, "*.ttl")))
    files.append(os.path.join(ROOT, "tests", "fixtures", "m-tea.ttl"))
    files += sorted(glob.glob(os.path.join(ROOT, "eval", "merchants", "*.ttl")))
    return [f for f in files if os.path.exists(f)]


def build_prompt(question: str, chunks: list[str], now: str | None) -> list[dict]:
    facts = "\n".join(f"{i + 1}. {t}" for i, t in enumerate(chunks))
    user = f"资料：\n{facts}\n\n"
    if now:
        user += f"当前时间：{now}\n"
    user += f"顾客问题：{question}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def chat(url: str, messages: list[dict], max_tokens: int) -> str:
    body = json.dumps({"model": "qwen2.5-coder-0.5b", "messages": messages,
                       "max_tokens": max_tokens, "temperature": 0}).encode()
    req = urllib.request.Request(url.rstrip("/") + "/v1/chat/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=900) as r:
        return json.load(r)["choices"][0]["message"]["content"].strip()


def start_server() -> tuple[subprocess.Popen, str]:
    py = os.path.join(CACHE, "llm", "venv", "bin", "python")
    proc = subprocess.Popen([py, os.path.join(HERE, "server.py"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("listening on "):
            return proc, line.split()[-1]
    raise SystemExit("rag_answers: the LLM server did not start (run scripts/llm/install.sh)")


def main() -> None:
    ap = argparse.ArgumentParser(description="Answer questions with the generic RAG baseline.")
    ap.add_argument("questions")
    ap.add_argument("out")
    ap.add_argument("--url", help="a running server.py; default: start one")
    ap.add_argument("--peer", default=os.path.normpath(
        os.path.join(ROOT, "..", "shared", "peers", "python-hybrid-search")))
    ap.add_argument("--e5", default=os.path.join(CACHE, "models", "me5-small"))
    ap.add_argument("--merchants", nargs="*", help="merchant TTL files (default: all known)")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=200)
    args = ap.parse_args()

    sys.path.insert(0, args.peer)
    from kb import load_merchant  # noqa: E402
    from retriever import E5Encoder, HybridRetriever  # noqa: E402

    chunks = []
    for f in args.merchants or default_merchant_files():
        mid, _, cs = load_merchant(f)
        chunks += cs
        print(f"rag_answers: {mid}: {len(cs)} chunks", file=sys.stderr)
    retriever = HybridRetriever(chunks, E5Encoder(args.e5, threads=1),
                                cache_dir=os.path.join(CACHE, "llm", "rag-cache"))

    done = set()
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as f:
            done = {json.loads(l).get("id") for l in f if l.strip()}
    todo = [json.loads(l) for l in open(args.questions, encoding="utf-8") if l.strip()]
    todo = [q for q in todo if q.get("id") is None or q.get("id") not in done]

    proc, url = (None, args.url) if args.url else start_server()
    try:
        with open(args.out, "a", encoding="utf-8") as out:
            for n, q in enumerate(todo, 1):
                t0 = time.time()
                top, _ = retriever.search(q["merchant_id"], q["question"], top_k=args.top_k)
                q["answer"] = chat(url, build_prompt(q["question"], [c.text for c in top], q.get("now")),
                                   args.max_tokens)
                q["chunks"] = [c.chunk_id for c in top]
                out.write(json.dumps(q, ensure_ascii=False) + "\n")
                out.flush()
                print(f"rag_answers: {n}/{len(todo)} {q.get('id', '')} {time.time() - t0:.1f}s",
                      file=sys.stderr, flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
