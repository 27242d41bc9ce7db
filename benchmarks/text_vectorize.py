"""Vectorizing the 25,000 IMDB training reviews: ``TextVectorizer.adapt`` then a call.

Each output mode is timed end to end (the texts are tokenized twice, once by
``adapt`` and once by the call, as a Keras user's code does), next to
scikit-learn's ``CountVectorizer(binary=True)`` / ``TfidfVectorizer`` with
the same 10,000-word vocabulary where scikit-learn is installed. Loading
the texts from the archive is not timed. Run from the repository root:

    GLASSNET_DATA=../shared/data python benchmarks/text_vectorize.py [--repeats 3]
"""

import argparse
import statistics
import time

from glassnet.data import text
from glassnet.data.datasets import imdb

MAX_TOKENS = 10_000


def glassnet_vectorize(texts, mode):
    vectorizer = text.TextVectorizer(max_tokens=MAX_TOKENS, output_mode=mode)
    return vectorizer.adapt(texts)(texts)


def sklearn_vectorize(texts, mode):
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    # Two entries of glassnet's vocabulary are <pad> and <unk>.
    if mode == "tf_idf":
        vectorizer = TfidfVectorizer(max_features=MAX_TOKENS - 2, norm=None)
    else:
        vectorizer = CountVectorizer(max_features=MAX_TOKENS - 2, binary=mode == "multi_hot")
    return vectorizer.fit_transform(texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts, _ = imdb.load_texts("train")
    contenders = [("glassnet", glassnet_vectorize)]
    try:
        import sklearn  # noqa: F401

        contenders.append(("scikit-learn (sparse)", sklearn_vectorize))
    except ImportError:
        print("scikit-learn is not installed: glassnet only")
    print(f"{len(texts):,} IMDB training reviews, vocabulary {MAX_TOKENS:,}, median of {args.repeats}")
    print("| output mode | " + " | ".join(name for name, _ in contenders) + " |")
    print("|---" * (len(contenders) + 1) + "|")
    for mode in ("int", "multi_hot", "count", "tf_idf"):
        cells = []
        for name, vectorize in contenders:
            if mode == "int" and name != "glassnet":
                cells.append("-")
                continue
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                vectorize(texts, mode)
                times.append(time.perf_counter() - start)
            cells.append(f"{statistics.median(times):.2f} s")
        print(f"| {mode} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
