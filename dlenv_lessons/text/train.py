"""`dlenv run text`: tokenizers compared on text they have not seen, then CBOW word embeddings
(Mikolov et al., 2013) trained on the lesson's reviews, and each probe word's nearest neighbours."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.rnn_sentiment.data import NEGATIVE, POSITIVE, SUBJECTS, generated
from dlenv_lessons.text.config import Config
from dlenv_lessons.text.tokenize import WordTokenizer, train_bpe, words

# Sentences with words the training text never had: what happens to them is the point.
UNSEEN = ["the soundtrack was not unforgettable", "honestly , the cinematography was breathtaking"]
KINDS = {**{w: "adjective" for w in POSITIVE + NEGATIVE}, **{s.split()[-1]: "noun" for s in SUBJECTS}}


class CBOW(nn.Module):
    """Predict a word from the average embedding of the words around it."""

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.out = nn.Linear(dim, vocab)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        return self.out(self.embedding(context).mean(1))


def nearest(embedding: torch.Tensor, word: int, k: int) -> list[int]:
    unit = nn.functional.normalize(embedding, dim=1)
    similarity = unit @ unit[word]
    similarity[word] = -2  # not itself
    return similarity.topk(k).indices.tolist()


def reviews() -> list[str]:
    """The corpus: the sentiment lesson's generated reviews, one string each."""
    return [" ".join(review) for review in generated(n=4000)[0]]


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    corpus = reviews()
    tokenizer, bpe = WordTokenizer(corpus), train_bpe(corpus, cfg.bpe_vocab)
    unseen_words = [w for line in UNSEEN for w in words(line)]
    comparison = {
        "word_vocab": len(tokenizer.itos),
        "bpe_vocab": bpe.get_vocab_size(),
        "word_tokens_per_sentence": sum(len(tokenizer.encode(s)) for s in corpus) / len(corpus),
        "bpe_tokens_per_sentence": sum(len(bpe.encode(s.lower()).ids) for s in corpus) / len(corpus),
        "unknown_rate_words": sum(i == 0 for line in UNSEEN for i in tokenizer.encode(line)) / len(unseen_words),
        "unknown_rate_bpe": sum(t == "<unk>" for line in UNSEEN for t in bpe.encode(line).tokens)
        / sum(len(bpe.encode(line).tokens) for line in UNSEEN),
        "bpe_pieces": {line: bpe.encode(line).tokens for line in UNSEEN},
    }
    # (context, centre) pairs from the word-tokenised corpus
    pairs = []
    for line in corpus:
        ids = tokenizer.encode(line)
        for centre in range(cfg.window, len(ids) - cfg.window):
            pairs.append([*ids[centre - cfg.window : centre], *ids[centre + 1 : centre + 1 + cfg.window], ids[centre]])
    table = torch.tensor(pairs)
    model = CBOW(len(tokenizer.itos), cfg.dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def loss_at(step: int) -> torch.Tensor:
        batch = table[batch_indices(len(table), cfg.batch_size)].to(ctx.device)
        return nn.functional.cross_entropy(model(batch[:, :-1]), batch[:, -1])

    def evaluate() -> dict[str, object]:
        embedding = model.embedding.weight.detach().cpu()
        probes = [w for w in KINDS if w in tokenizer.stoi]
        same = [KINDS.get(tokenizer.itos[nearest(embedding, tokenizer.stoi[w], 1)[0]]) == KINDS[w] for w in probes]
        shown = {
            w: [tokenizer.itos[i] for i in nearest(embedding, tokenizer.stoi[w], 3)] for w in ("good", "film", "dull")
        }
        return {"neighbour_same_kind": sum(same) / len(same), "neighbours": shown, **comparison}

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size, unit="pairs/s")
    with torch.no_grad():
        return trained.result(evaluate())
