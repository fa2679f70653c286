"""Word-vector commands: similar, analogy, evaluate-embeddings, export and import-vectors."""

import json
import os
from pathlib import Path

import click

from w2vlm.embeddings.vectors import WordVectors
from w2vlm.embeddings.word2vec_format import UNICODE_ERRORS

from .tables import format_table

MODEL_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _echo_json(obj):
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _percent(value):
    return "-" if value is None else f"{100 * value:.1f}%"


def _number(value):
    return "-" if value is None else f"{value:.4f}"


@click.command("similar")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.argument("words", metavar="WORD...", nargs=-1, required=True)
@click.option("-k", "--topn", type=click.IntRange(min=1), default=10, show_default=True, help="How many neighbours.")
@click.option("--negative", multiple=True, metavar="WORD", help="Subtract this word (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def similar(model_dir, words, topn, negative, as_json):
    """Nearest words to the sum of WORD... (minus --negative words) by cosine similarity."""
    vectors = WordVectors.load(model_dir)
    results = vectors.most_similar(positive=list(words), negative=list(negative), topn=topn)
    if as_json:
        _echo_json({"positive": list(words), "negative": list(negative),
                    "results": [{"word": word, "similarity": score} for word, score in results]})
        return
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def analogy(model_dir, a, b, c, method, topn, as_json):
    """A is to B as C is to ?  (e.g. man king woman -> queen; 남자 왕 여자 -> 여왕)."""
    vectors = WordVectors.load(model_dir)
    results = vectors.analogy(a, b, c, method=method, topn=topn)
    if as_json:
        _echo_json({"a": a, "b": b, "c": c, "method": method,
                    "results": [{"word": word, "score": score} for word, score in results]})
        return
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
    click.echo(f"Analogies: {result['path']} ({'3CosAdd' if result['method'] == 'add' else '3CosMul'}, "
               f"first {result['restrict_vocab']:,} words)")
    rows = [(s["section"], _percent(s["accuracy"]), f"{s['correct']}/{s['evaluated']}", s["oov"])
            for s in result["sections"]]
    rows.append(("total", _percent(result["accuracy"]), f"{result['correct']}/{result['evaluated']}", result["oov"]))
    click.echo(format_table(("section", "accuracy", "correct", "oov"), rows, right=(1, 2, 3)))
    if result["oov"]:
        click.echo(f"{result['oov']:,} of {result['questions']:,} questions ({_percent(result['oov_ratio'])}) "
                   "have out-of-vocabulary words and were not scored")


def _print_pairs(results):
    click.echo("Word pairs:")
    rows = [(Path(r["path"]).name, _number(r["spearman"]), _number(r["pearson"]),
             f"{_percent(r['oov_ratio'])} ({r['oov']}/{r['pairs']})") for r in results]
    click.echo(format_table(("file", "spearman", "pearson", "oov"), rows, right=(1, 2, 3)))


@click.command("evaluate-embeddings")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.option("--analogies", type=IN_FILE, help="Google-format analogy questions (': section' lines, 'a b c d').")
@click.option("--pairs", type=IN_FILE, multiple=True,
              help="Word pairs with human scores, TSV or CSV (WordSim353, SimLex-999); repeatable.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="Analogy method: 3CosAdd or 3CosMul.")
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=300000, show_default=True,
              help="Only the most frequent N words take part (questions with others count as OOV).")
@click.option("--case-sensitive", is_flag=True, help="Match words as written (default: fold case, like gensim).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: 'analogies' and 'pairs' (a list when --pairs is repeated).")
def evaluate_embeddings(model_dir, analogies, pairs, method, restrict_vocab, case_sensitive, as_json):
    """Analogy accuracy and word-pair Spearman/Pearson of the vectors in DIR."""
    if analogies is None and not pairs:
        analogies, pairs = _default_eval_files()
    vectors = WordVectors.load(model_dir)
    case_insensitive = not case_sensitive
    report = {}
    if analogies is not None:
        report["analogies"] = vectors.evaluate_analogies(analogies, restrict_vocab=restrict_vocab,
                                                         case_insensitive=case_insensitive, method=method)
    pair_results = [vectors.evaluate_pairs(path, case_insensitive=case_insensitive, restrict_vocab=restrict_vocab)
                    for path in pairs]
    if pair_results:
        report["pairs"] = pair_results[0] if len(pair_results) == 1 else pair_results
    if as_json:
        _echo_json(report)
        return
    if "analogies" in report:
        _print_analogies(report["analogies"])
    if pair_results:
        if "analogies" in report:
            click.echo()
        _print_pairs(pair_results)


@click.command("export")
@click.argument("model_dir", metavar="DIR", type=MODEL_DIR)
@click.option("--format", "file_format", type=click.Choice(["word2vec-text", "word2vec-binary", "projector"]),
              default="word2vec-text", show_default=True,
              help="word2vec.c/gensim text or binary file, or a folder with the TensorBoard Embedding Projector's "
                   "vectors.tsv and metadata.tsv (word, count).")
@click.option("-o", "--output", type=click.Path(writable=True, path_type=Path), required=True,
              help="File to write (a folder for --format projector).")
@click.option("--replace-spaces", metavar="TEXT", default=None,
              help="Replace whitespace inside words with TEXT (such words are refused otherwise).")
@click.pass_obj
def export(settings, model_dir, file_format, output, replace_spaces):
    """Write the vectors in DIR as a word2vec file that gensim and word2vec.c read, or as Projector TSV files."""
    vectors = WordVectors.load(model_dir)
    if file_format == "projector":
        from w2vlm.embeddings.projector import write_projector
        if output.exists() and not output.is_dir():
            raise click.UsageError(f"{output} is a file; --format projector writes a folder")
        write_projector(vectors, output)
    else:
        if output.is_dir():
            raise click.UsageError(f"{output} is a folder; --format {file_format} writes a file")
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
    """Bring pretrained word2vec vectors (text or binary) in as a model DIR for similar/analogy/evaluate."""
    tokenizer_config = None
    if tokenizer is not None:
        from w2vlm.text.tokenize import get_tokenizer
        tokenizer_config = get_tokenizer(tokenizer, pos=pos).config()
    vectors = WordVectors.load_word2vec_format(vectors_file, binary=binary, unicode_errors=unicode_errors,
                                               limit=limit)
    vectors.save(output, tokenizer_config=tokenizer_config)
    if not settings.quiet:
        click.echo(f"imported {len(vectors):,} vectors of {vectors.dim} dims from {vectors_file} into {output}")


COMMANDS = [similar, analogy, evaluate_embeddings, export, import_vectors]
