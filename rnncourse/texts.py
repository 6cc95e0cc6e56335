"""The short texts of chapter 1, and the course's two special words of a vocabulary.

Chapter 1's page, notebook and checks turn these texts into tokens, a
vocabulary and one-hot tensors; one copy of each here. The vocabulary is a
list: index 0 is the padding ``PAD`` (no word at this step), index 1 the
unknown word ``UNK`` (Keras' TextVectorization spells it ``"[UNK]"``), then
the words by decreasing count.
"""

PAD = ""
UNK = "<UNK>"

# Texts that test a tokenizer: capitals, punctuation inside words, runs of whitespace, letters beyond A-Z.
TEXTS = [
    "There is nothing to like in this movie.",
    "Harry Potter and Hermione Granger invented a new spell.",
    "Voulez-vous chanter avec moi?",
    "  It's   a GREAT movie --\t10/10!\n",
    "« L'ÉCOLE est finie », dit-elle — ¿verdad? ¡Sí!",
    "snake_case and “curly quotes”",
]
# Six short reviews: the corpus a vocabulary is built from.
CORPUS = [
    "There is nothing to like in this movie.",
    "I like this movie: the music is great, the story is not.",
    "This movie is a great movie!",
    "The actors are great; the plot is thin.",
    "Nothing in the story surprised me.",
    "I would watch it again, and again.",
]
# Sentences of different lengths, with words outside the corpus: encoded with that vocabulary.
SENTENCES = [
    "I like this movie.",
    "There is nothing to like in the music of this movie",
    "A bad, bad film!",
    "Great",
]
