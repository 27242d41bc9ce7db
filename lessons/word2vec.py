"""Lesson: word vectors from raw IMDB reviews with skip-gram and negative sampling (D2L ch. 15).

A one-hot vector says nothing about what a word means: "good" is as far
from "great" as from "carrot".  Word2vec (Mikolov et al., 2013) learns a
short dense vector per word instead, from one idea - *a word is known by
the company it keeps*.  Words used in the same contexts end up with similar
vectors, and nobody labels anything: the text is its own supervision.

**Skip-gram.**  Every word of the corpus in turn is a *centre* word c; the
words up to w positions before and after it are its *context* words o
(w is drawn between 1 and ``window`` for each centre, so near words count
more often than far ones).  Each word has two vectors: v_w when it is a
centre (table V) and u_w when it is a context word (table U).  The model
says how likely o is to appear near c through the dot product u_o . v_c.

**Negative sampling.**  A softmax over the whole vocabulary,
P(o | c) = exp(u_o . v_c) / sum_w exp(u_w . v_c), costs one dot product per
word of the vocabulary for every pair.  Instead, each true pair (c, o) is
set against k "noise" words n_1 .. n_k drawn at random, and the model only
has to tell real pairs from noise, a binary classification per word:

    loss(c, o) = -log sigma(u_o . v_c) - sum_{i=1..k} log sigma(-u_{n_i} . v_c)

sigma being the logistic function.  That is exactly the binary
cross-entropy with logits, with the k + 1 dot products as logits and the
targets [1, 0, ..., 0].  The noise words are drawn from the unigram
distribution raised to the power 3/4, P(w) proportional to count(w)^0.75,
which gives rare words a little more of a chance than their share of the
text.  The context table U starts at zero, so the loss starts at exactly
(k + 1) ln 2 (every logit 0, every sigma 1/2).

**Subsampling.**  "the", "a", "and" are in nearly every window and say
little about their neighbours.  Each occurrence of a word with relative
frequency f(w) is kept with probability min(1, sqrt(t / f(w))), t = 1e-4:
the most frequent words lose most of their occurrences, rare ones none,
and the windows reach further across the meaningful words.

**The vocabulary** is the ``max_words`` most frequent words seen at least
``min_count`` times; rarer words are dropped from the text (too few
examples to learn a vector from).

After training, similarity is the cosine of the angle between centre
vectors, v_a . v_b / (|v_a| |v_b|), and the nearest neighbours of a word are
the words with the largest cosine.  Two checks show that the vectors carry
meaning:

* **synonyms**: pairs of near-synonyms (good/great, excellent/wonderful,
  ...) have a mean cosine well above that of random pairs of vocabulary
  words (which is not 0 but about 0.1: all the vectors share a little of
  one common direction);
* **sentiment**: among 15 positive and 15 negative opinion words, the
  nearest other word of the list shares the word's sentiment much more
  often than a word of the list picked at random would (14 of the other
  29, 48 %).

The default run (5,000 reviews, 1.2 million words, a vocabulary of 7,671
words, 64-dimensional vectors, windows up to 5, k = 5, Adam lr 0.01 on
batches of 4,096 pairs, 3 epochs of about 2.5 million pairs) takes the
loss per pair from 4.16 to 2.52.  The synonym pairs then have a mean
cosine of 0.49 against 0.11 for random pairs, and 97 % of the opinion
words have a nearest opinion word of the same sentiment.  The neighbours
of "boring" are predictable, pointless, mess, lame; of "funny": comedy,
jokes, laugh; of "actor": role, performance, casting.

A corpus of a million words is small for word2vec (it was made for
billions), so the neighbours are recognisable but noisy, with a few rare
names among them.  Note also that "good" and "bad" occur in the very same
contexts ("a really ___ movie"), so each is the other's nearest
neighbour: word2vec captures how a word is used, which only partly tells
its meaning.

Run:  python lessons/word2vec.py [--reviews 5000] [--epochs 3] [--dim 64]
"""

import argparse
import time
from collections import Counter

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data.datasets import imdb
from glassnet.data.text import Vocabulary, tokenize
from glassnet.nn import functional as F

QUERIES = ("good", "bad", "excellent", "boring", "actor", "funny")
SYNONYMS = (("good", "great"), ("excellent", "wonderful"), ("bad", "terrible"), ("awful", "horrible"),
            ("movie", "film"), ("actor", "actress"), ("funny", "hilarious"), ("boring", "dull"),
            ("beautiful", "gorgeous"), ("stupid", "dumb"))
POSITIVE = ("good", "great", "excellent", "wonderful", "amazing", "brilliant", "superb", "perfect", "best",
            "beautiful", "loved", "fantastic", "enjoyed", "favorite", "masterpiece")
NEGATIVE = ("bad", "terrible", "awful", "horrible", "worst", "boring", "dull", "stupid", "waste", "poor",
            "lame", "worse", "pointless", "mess", "disappointing")


def load_corpus(reviews, seed):
    """Tokenized reviews: ``reviews`` picked at random from the 25,000 training reviews (both labels)."""
    texts, _ = imdb.load_texts("train")
    # The split is ordered negatives then positives; a random pick keeps both sentiments.
    picked = np.random.default_rng(seed).permutation(len(texts))[:reviews]
    return [tokenize(texts[i]) for i in picked]


def build_vocabulary(token_lists, min_count, max_words):
    counts = Counter(word for tokens in token_lists for word in tokens)
    kept = Counter({word: n for word, n in counts.items() if n >= min_count})
    vocab = Vocabulary.from_counts(kept, max_words + 2)  # + <pad> and <unk>, which stay unused
    frequency = np.zeros(len(vocab), np.float64)
    for i, word in enumerate(vocab.itos[2:], start=2):
        frequency[i] = counts[word]
    return vocab, frequency


def subsample(token_lists, vocab, frequency, t, rng):
    """Word ids of the whole corpus end to end and the review each belongs to, after subsampling."""
    stoi = vocab.stoi
    ids = [np.array([stoi[w] for w in tokens if w in stoi], np.int64) for tokens in token_lists]
    review = np.repeat(np.arange(len(ids)), [len(a) for a in ids])
    ids = np.concatenate(ids)
    f = frequency[ids] / frequency.sum()
    keep = rng.random(len(ids)) < np.minimum(1.0, np.sqrt(t / f))
    return ids, ids[keep], review[keep]


def skipgram_pairs(ids, review, window, rng):
    """(centre, context) id pairs: for each position a window w in 1..window, never across reviews."""
    reach = rng.integers(1, window + 1, size=len(ids))
    centres, contexts = [], []
    for d in range(1, window + 1):
        for a, b in ((np.arange(len(ids) - d), np.arange(d, len(ids))),   # context d words after
                     (np.arange(d, len(ids)), np.arange(len(ids) - d))):  # context d words before
            ok = (reach[a] >= d) & (review[a] == review[b])
            centres.append(ids[a[ok]])
            contexts.append(ids[b[ok]])
    return np.concatenate(centres), np.concatenate(contexts)


def noise_distribution(frequency, power=0.75):
    p = frequency ** power
    return p / p.sum()


class SkipGram(nn.Module):
    """Two tables: centre vectors V (what we keep) and context vectors U."""

    def __init__(self, vocab_size, dim):
        super().__init__()
        self.centre = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        # word2vec's own start: small random centre vectors, zero context vectors, so all logits start at 0.
        nn.init.uniform_(self.centre.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(self, centres, candidates):
        """Logits u . v_c, shape (batch, 1 + k): the true context first, then the k noise words."""
        v = self.centre(centres)                      # (B, d)
        u = self.context(candidates)                  # (B, 1 + k, d)
        return (u * v.unsqueeze(1)).sum(dim=-1)


def normalized(vectors):
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def nearest(unit, vocab, word, top=8):
    """The ``top`` words with the largest cosine similarity to ``word`` (the word itself left out)."""
    scores = unit @ unit[vocab[word]]
    scores[:2] = -np.inf  # <pad> and <unk> have no trained vectors
    scores[vocab[word]] = -np.inf
    best = np.argsort(-scores)[:top]
    return [(vocab.itos[i], float(scores[i])) for i in best]


def similarity_checks(unit, vocab, rng, random_pairs=2000):
    """Mean cosine of the synonym pairs vs random pairs, and the sentiment agreement of nearest neighbours."""
    pairs = [(a, b) for a, b in SYNONYMS if a in vocab and b in vocab]
    synonym = float(np.mean([unit[vocab[a]] @ unit[vocab[b]] for a, b in pairs]))
    i, j = rng.integers(2, len(vocab), size=(2, random_pairs))
    i, j = i[i != j], j[i != j]
    random = float(np.mean(np.sum(unit[i] * unit[j], axis=1)))
    words = [w for w in POSITIVE + NEGATIVE if w in vocab]
    sign = np.array([1 if w in POSITIVE else -1 for w in words])
    sub = unit[[vocab[w] for w in words]]
    cos = sub @ sub.T
    np.fill_diagonal(cos, -np.inf)
    agree = float(np.mean(sign[np.argmax(cos, axis=1)] == sign))
    # A neighbour picked at random among the other words of the list shares the sentiment this often.
    same = np.array([np.sum(sign == s) - 1 for s in sign])
    chance = float(np.mean(same / (len(words) - 1)))
    return {"synonym_pairs": pairs, "synonym_cosine": synonym, "random_cosine": random,
            "sentiment_words": len(words), "sentiment_agreement": agree, "sentiment_chance": chance}


def run(reviews=5000, epochs=3, dim=64, window=5, negatives=5, min_count=10, max_words=10000,
        batch_size=4096, lr=0.01, t=1e-4, seed=0):
    glassnet.manual_seed(seed)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    token_lists = load_corpus(reviews, seed)
    vocab, frequency = build_vocabulary(token_lists, min_count, max_words)
    all_ids, ids, review = subsample(token_lists, vocab, frequency, t, rng)
    noise = noise_distribution(frequency)
    print(f"IMDB: {reviews} training reviews, {sum(map(len, token_lists)):,} words; vocabulary "
          f"{len(vocab) - 2:,} words (count >= {min_count}); {len(all_ids):,} in-vocabulary words, "
          f"{len(ids):,} left after subsampling (t = {t})")
    top = np.argsort(-frequency)[:5]
    print("most frequent words, share kept by subsampling: " + ", ".join(
        f"{vocab.itos[i]} {min(1.0, np.sqrt(t / (frequency[i] / frequency.sum()))):.2f}" for i in top))

    model = SkipGram(len(vocab), dim)
    opt = optim.Adam(model.parameters(), lr=lr)
    target = np.zeros((batch_size, 1 + negatives), np.float32)
    target[:, 0] = 1.0
    losses, first_loss = [], None
    for epoch in range(epochs):
        # New windows every epoch, as word2vec draws them afresh on each pass over the text.
        centres, contexts = skipgram_pairs(ids, review, window, rng)
        order = rng.permutation(len(centres))
        total, count = 0.0, 0
        for b in range(0, len(order) - batch_size + 1, batch_size):
            batch = order[b:b + batch_size]
            noise_words = rng.choice(len(vocab), size=(batch_size, negatives), p=noise)
            candidates = np.concatenate([contexts[batch, None], noise_words], axis=1)
            logits = model(glassnet.tensor(centres[batch]), glassnet.tensor(candidates))
            # 'sum' over the k + 1 terms of a pair, mean over pairs: the loss formula above, per pair.
            loss = F.binary_cross_entropy_with_logits(logits, glassnet.tensor(target), reduction="sum")
            loss = loss / batch_size
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            count += 1
            if first_loss is None:
                first_loss = loss.item()
        losses.append(total / count)
        print(f"epoch {epoch + 1}: {len(centres):,} pairs, mean loss per pair {losses[-1]:.3f} "
              f"(first batch {first_loss:.3f}; (k + 1) ln 2 = {(1 + negatives) * np.log(2):.3f}) "
              f"({time.perf_counter() - start:.0f} s)")

    unit = normalized(model.centre.weight.detach().numpy().astype(np.float64))
    neighbours = {}
    for word in QUERIES:
        if word in vocab:
            neighbours[word] = nearest(unit, vocab, word)
            print(f"  {word:>10}: " + ", ".join(f"{w} {s:.2f}" for w, s in neighbours[word]))
    checks = similarity_checks(unit, vocab, rng)
    seconds = time.perf_counter() - start
    print(f"mean cosine of {len(checks['synonym_pairs'])} synonym pairs {checks['synonym_cosine']:.3f}, "
          f"of random word pairs {checks['random_cosine']:.3f}")
    print(f"sentiment: the nearest of {checks['sentiment_words']} opinion words shares the word's sentiment "
          f"for {checks['sentiment_agreement']:.0%} of them (chance: {checks['sentiment_chance']:.0%})")
    print(f"{seconds:.0f} s in all")
    return {"vocab_size": len(vocab) - 2, "words": len(all_ids), "kept_words": len(ids), "losses": losses,
            "initial_loss": (1 + negatives) * float(np.log(2)), "first_batch_loss": first_loss,
            "neighbours": neighbours, **checks, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Skip-gram word vectors with negative sampling on IMDB")
    parser.add_argument("--reviews", type=int, default=5000, help="training reviews to learn from")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dim", type=int, default=64, help="size of the word vectors")
    parser.add_argument("--window", type=int, default=5, help="largest distance between centre and context")
    parser.add_argument("--negatives", type=int, default=5, help="noise words per true pair (k)")
    parser.add_argument("--min-count", type=int, default=10)
    parser.add_argument("--max-words", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.reviews, args.epochs, args.dim, args.window, args.negatives, args.min_count,
               args.max_words, args.batch_size, args.lr, seed=args.seed)


if __name__ == "__main__":
    main()
