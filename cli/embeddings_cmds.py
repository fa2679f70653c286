"""Word-vector commands: similar, analogy, evaluate-embeddings, export and import-vectors."""

import json
import os
from pathlib import Path

import click

from w2vlm.embeddings import (UNICODE_ERRORS, WordVectors, detect_format, is_subword_file, read_subword_file,
                              write_projector, write_subword_file)
from w2vlm import Output
from w2vlm.text import get_tokenizer

from .run_options import guard_outputs
from .tables import format_table

MODEL_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _echo_json(obj):
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _percent(value):
    return "-" if value is None else f"{100 * value:.1f}%"


def _number(value):
    return "-" if value is None else f"{value:.4f}"


def _how_made(vectors, words):
    """({word: "먹었다 = 먹/VV + 었/EP + 다/EF"} for the query words that are not vocabulary words as written,
    {word: kind} for every query word: "vocabulary", "token", "composed" or "subwords")."""
    made, kinds = {}, {}
    for word in words:
        resolved = vectors.resolve(word)
        kinds[word] = resolved.source
        if resolved.source != "vocabulary":
            made[word] = resolved.explain()
    return made, kinds


def _echo_how_made(made):
    for explanation in made.values():
        click.echo(f"({explanation})")


@click.command("similar")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.argument("words", metavar="WORD...", nargs=-1, required=True)
@click.option("-k", "--topn", type=click.IntRange(min=1), default=10, show_default=True, help="How many neighbours.")
@click.option("--negative", multiple=True, metavar="WORD", help="Subtract this word (repeat for several).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object instead of a table; \"resolution\" gives each query word's kind "
                   "(vocabulary, token, composed, subwords).")
def similar(model_dir, words, topn, negative, as_json):
    """Nearest words to the sum of WORD... (minus --negative words) by cosine similarity."""
    vectors = WordVectors.load(model_dir)
    results = vectors.most_similar(positive=list(words), negative=list(negative), topn=topn)
    made, kinds = _how_made(vectors, list(words) + list(negative))
    if as_json:
        _echo_json({"positive": list(words), "negative": list(negative), "resolved": made, "resolution": kinds,
                    "results": [{"word": word, "similarity": score} for word, score in results]})
        return
    _echo_how_made(made)
    rows = [(rank, word, f"{score:.4f}") for rank, (word, score) in enumerate(results, start=1)]
    click.echo(format_table(("#", "word", "similarity"), rows, right=(0, 2)))


@click.command("analogy")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (b - a + c) or 3CosMul (Levy & Goldberg 2014).")
@click.option("-k", "--topn", type=click.IntRange(min=1), default=1, show_default=True, help="How many answers.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object instead of a table; \"resolution\" gives each query word's kind "
                   "(vocabulary, token, composed, subwords).")
def analogy(model_dir, a, b, c, method, topn, as_json):
    """A is to B as C is to ?  (e.g. man king woman -> queen; 남자 왕 여자 -> 여왕)."""
    vectors = WordVectors.load(model_dir)
    results = vectors.analogy(a, b, c, method=method, topn=topn)
    made, kinds = _how_made(vectors, [a, b, c])
    if as_json:
        _echo_json({"a": a, "b": b, "c": c, "method": method, "resolved": made, "resolution": kinds,
                    "results": [{"word": word, "score": score} for word, score in results]})
        return
    _echo_how_made(made)
    click.echo(f"{a} : {b} :: {c} : ?")
    rows = [(rank, word, f"{score:.4f}") for rank, (word, score) in enumerate(results, start=1)]
    click.echo(format_table(("#", "word", "score"), rows, right=(0, 2)))


def _default_eval_files():
    data = os.environ.get("W2VLM_DATA")
    if not data:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE "
                               "(or set W2VLM_DATA to use its en-eval/questions-words.txt and wordsim353.tsv)")
    analogies = Path(data) / "en-eval" / "questions-words.txt"
    pairs = Path(data) / "en-eval" / "wordsim353.tsv"
    missing = [str(path) for path in (analogies, pairs) if not path.is_file()]
    if missing:
        raise click.UsageError(f"W2VLM_DATA is set but {', '.join(missing)} is missing; "
                               "give --analogies FILE and/or --pairs FILE")
    return analogies, (pairs,)


def _print_analogies(result):
    composed = "vocabulary words only" if result["compose"] is None else f"compose {result['compose']}"
    click.echo(f"Analogies: {result['path']} ({'3CosAdd' if result['method'] == 'add' else '3CosMul'}, "
               f"first {result['restrict_vocab']:,} words + {result['extra_candidates']:,} resolved test words "
               f"as candidates, {composed})")
    rows = [(s["section"], s["questions"], s["evaluated"], _percent(s["coverage"]), _percent(s["accuracy"]),
             f"{s['correct']}/{s['evaluated']}") for s in result["sections"]]
    rows.append(("total", result["questions"], result["evaluated"], _percent(result["coverage"]),
                 _percent(result["accuracy"]), f"{result['correct']}/{result['evaluated']}"))
    click.echo(format_table(("section", "questions", "answered", "coverage", "accuracy", "correct"), rows,
                      right=(1, 2, 3, 4, 5)))
    _print_word_sources(result["words"])
    if result["oov"]:
        click.echo(f"{result['oov']:,} of {result['questions']:,} questions ({_percent(result['oov_ratio'])}) "
                   "have a word without a vector and were not scored")


def _print_word_sources(counts):
    parts = [f"{counts[key]:,} {label}" for key, label in
             (("vocabulary", "in the vocabulary"), ("token", "one tokenizer token"), ("subwords", "from subwords"),
              ("composed", "composed"), ("unknown", "without a vector")) if counts.get(key)]
    click.echo("test words: " + ", ".join(parts))


def _print_pairs(results):
    click.echo("Word pairs:")
    rows = [(Path(r["path"]).name, r["pairs"], r["evaluated"], _percent(r["coverage"]), _number(r["spearman"]),
             _number(r["pearson"])) for r in results]
    click.echo(format_table(("file", "pairs", "answered", "coverage", "spearman", "pearson"), rows,
                            right=(1, 2, 3, 4, 5)))
    for result in results:
        if len(results) > 1:
            click.echo(f"{Path(result['path']).name}: ", nl=False)
        _print_word_sources(result["words"])


@click.command("evaluate-embeddings")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.argument("files", metavar="[FILE]...", nargs=-1, type=IN_FILE)
@click.option("--analogies", type=IN_FILE, multiple=True,
              help="Analogy questions 'a b c d', Google (': section') or kor2vec ('# section') format; repeatable.")
@click.option("--pairs", type=IN_FILE, multiple=True,
              help="Word pairs with human scores, TSV or CSV (WordSim353, SimLex-999, kor2vec); repeatable.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="Analogy method: 3CosAdd or 3CosMul.")
@click.option("--compose", type=click.Choice(["sum", "mean"]), default="sum", show_default=True,
              help="How a test word the tokenizer splits into several tokens gets a vector: sum (kor2vec's way) "
                   "or mean. Both point the same way, so cosine scores do not change; only vector lengths do.")
@click.option("--vocab-only", is_flag=True,
              help="Score only test words that are vocabulary words as written (gensim's rule; no tokenizer, "
                   "subwords or composition).")
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=300000, show_default=True,
              help="Only the most frequent N words take part (questions with others count as OOV).")
@click.option("--case-sensitive", is_flag=True, help="Match words as written (default: fold case, like gensim).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: 'analogies' and 'pairs' (each a list when there are several files).")
def evaluate_embeddings(model_dir, files, analogies, pairs, method, compose, vocab_only, restrict_vocab,
                        case_sensitive, as_json):
    """Analogy accuracy and word-pair Spearman/Pearson of the vectors in DIR, with coverage.

    FILE... are test files of either kind, told apart by content. Every test word goes through the model: a
    vocabulary word, else the one token the model's tokenizer makes of it (밥 -> 밥/NNG), else its subword
    n-grams (subword models), else its tokens' vectors composed (밥을 = 밥/NNG + 을/JKO). Analogy answers are
    chosen among the vocabulary and the test file's own words with their resolved vectors."""
    analogies, pairs = list(analogies), list(pairs)
    for path in files:
        (analogies if detect_format(path) == "analogies" else pairs).append(path)
    if not analogies and not pairs:
        default_analogies, pairs = _default_eval_files()
        analogies = [default_analogies]
    vectors = WordVectors.load(model_dir)
    options = {"restrict_vocab": restrict_vocab, "case_insensitive": not case_sensitive,
               "compose": None if vocab_only else compose}
    analogy_results = [vectors.evaluate_analogies(path, method=method, **options) for path in analogies]
    pair_results = [vectors.evaluate_pairs(path, **options) for path in pairs]
    report = {}
    if analogy_results:
        report["analogies"] = analogy_results[0] if len(analogy_results) == 1 else analogy_results
    if pair_results:
        report["pairs"] = pair_results[0] if len(pair_results) == 1 else pair_results
    if as_json:
        _echo_json(report)
        return
    for n, result in enumerate(analogy_results):
        if n:
            click.echo()
        _print_analogies(result)
    if pair_results:
        if analogy_results:
            click.echo()
        _print_pairs(pair_results)


@click.command("export")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.option("--format", "file_format",
              type=click.Choice(["word2vec-text", "word2vec-binary", "projector", "w2vlm-subwords"]),
              default="word2vec-text", show_default=True,
              help="word2vec.c/gensim text or binary file, a folder with the TensorBoard Embedding Projector's "
                   "vectors.tsv and metadata.tsv (word, count), or (--subwords models) one .npz file with the "
                   "n-gram vectors too, which import-vectors reads back.")
@click.option("-o", "--output", type=click.Path(writable=True, path_type=Path), required=True,
              help="File to write (a folder for --format projector).")
@click.option("--replace-spaces", metavar="TEXT", default=None,
              help="Replace whitespace inside words with TEXT (such words are refused otherwise).")
@click.pass_obj
def export(settings, model_dir, file_format, output, replace_spaces):
    """Write the vectors in DIR as a word2vec file that gensim and word2vec.c read, or as Projector TSV files."""
    if file_format == "projector" and output.exists() and not output.is_dir():
        raise click.UsageError(f"{output} is a file; --format projector writes a folder")
    if file_format != "projector" and output.is_dir():
        raise click.UsageError(f"{output} is a folder; --format {file_format} writes a file")
    guard_outputs([Output(output, "projector" if file_format == "projector" else "file")], [model_dir])
    vectors = WordVectors.load(model_dir)
    if file_format == "projector":
        write_projector(vectors, output)
    elif file_format == "w2vlm-subwords":
        write_subword_file(vectors, output)
    else:
        vectors.save_word2vec_format(output, binary=file_format == "word2vec-binary", space_replacement=replace_spaces)
    if not settings.quiet:
        click.echo(f"wrote {len(vectors):,} vectors of {vectors.dim} dims to {output} ({file_format})")


@click.command("import-vectors")
@click.argument("vectors_file", metavar="FILE", type=IN_FILE)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Model directory to create.")
@click.option("--binary/--text", default=None, help="File format (default: detected from the content).")
@click.option("--unicode-errors", type=click.Choice(UNICODE_ERRORS), default="strict", show_default=True,
              help="What to do with words that are not valid UTF-8.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Read only the first N vectors.")
@click.option("--tokenizer", metavar="NAME", default=None,
              help="Tokenizer the vectors were trained with (e.g. mecab), used to tokenize queries.")
@click.option("--pos", is_flag=True, help="The vocabulary has part-of-speech tags (word/TAG), with --tokenizer.")
@click.pass_obj
def import_vectors(settings, vectors_file, output, binary, unicode_errors, limit, tokenizer, pos):
    """Bring pretrained vectors in as a model DIR for similar/analogy/evaluate: word2vec text or binary, fastText
    .vec (text), or a `w2vlm export --format w2vlm-subwords` file (with its n-gram vectors)."""
    guard_outputs([Output(output, "embeddings")], [vectors_file])
    tokenizer_config = None
    if tokenizer is not None:
        tokenizer_config = get_tokenizer(tokenizer, pos=pos).config()
    if is_subword_file(vectors_file):
        if limit is not None or binary is not None:
            raise click.UsageError(f"{vectors_file} is a w2vlm-subwords file; --limit and --binary/--text apply "
                                   "to word2vec files only")
        vectors = read_subword_file(vectors_file)
        tokenizer_config = tokenizer_config or vectors.tokenizer_config
    else:
        vectors = WordVectors.load_word2vec_format(vectors_file, binary=binary, unicode_errors=unicode_errors,
                                                   limit=limit)
    vectors.save(output, tokenizer_config=tokenizer_config)
    if not settings.quiet:
        click.echo(f"imported {len(vectors):,} vectors of {vectors.dim} dims from {vectors_file} into {output}")


COMMANDS = [similar, analogy, evaluate_embeddings, export, import_vectors]
