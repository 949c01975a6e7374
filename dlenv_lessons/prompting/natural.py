"""Natural-language prompts for a pretrained model (`--set model=ORG/NAME`): sentiment labels scored by
log-likelihood, and arithmetic word problems answered by generation, with and without a worked
rationale. Written for this lesson, so they ship with it and need no download."""

from __future__ import annotations

import re

REVIEWS = (
    ("A warm, funny film with a cast that clearly loved making it.", "positive"),
    ("The plot drags and the ending makes no sense at all.", "negative"),
    ("I would happily watch it again tomorrow.", "positive"),
    ("Two hours of my life I will never get back.", "negative"),
    ("Beautiful music and a story that stays with you.", "positive"),
    ("The acting is wooden and the jokes fall flat.", "negative"),
    ("A delightful surprise from start to finish.", "positive"),
    ("Boring, loud and far too long.", "negative"),
    ("The best thing I have seen this year.", "positive"),
    ("I walked out halfway through.", "negative"),
    ("Clever writing and a wonderful lead performance.", "positive"),
    ("A lazy sequel that repeats every mistake of the first.", "negative"),
    ("My whole family loved it.", "positive"),
    ("The dialogue is painful and the pacing is worse.", "negative"),
    ("Moving, honest and beautifully shot.", "positive"),
    ("A mess of a film with nothing to say.", "negative"),
    ("It made me laugh and cry in the same scene.", "positive"),
    ("I fell asleep twice.", "negative"),
    ("A charming little gem worth seeking out.", "positive"),
    ("Dull characters stuck in a predictable story.", "negative"),
)
LABELS = ("positive", "negative")

# (question, rationale, answer)
PROBLEMS = (
    ("Tom has 3 apples and buys 4 more. How many apples does he have?", "3 + 4 = 7.", "7"),
    ("A box holds 6 eggs. How many eggs are in 2 boxes?", "6 * 2 = 12.", "12"),
    ("Sara had 10 sweets and ate 3. How many are left?", "10 - 3 = 7.", "7"),
    ("There are 5 birds on a tree and 6 more arrive. How many birds are there?", "5 + 6 = 11.", "11"),
    ("A book costs 8 dollars. How much do 3 books cost?", "8 * 3 = 24.", "24"),
    ("Ali has 15 coins and gives away 6. How many coins does he keep?", "15 - 6 = 9.", "9"),
    ("A class has 4 rows of 5 desks. How many desks are there?", "4 * 5 = 20.", "20"),
    ("Mia reads 9 pages today and 7 tomorrow. How many pages does she read?", "9 + 7 = 16.", "16"),
    ("A bus has 20 seats and 8 are taken. How many seats are free?", "20 - 8 = 12.", "12"),
    ("Each cat has 4 legs. How many legs do 3 cats have?", "4 * 3 = 12.", "12"),
    ("Ben has 12 marbles and finds 5 more. How many marbles does he have?", "12 + 5 = 17.", "17"),
    ("A pizza has 8 slices and 5 are eaten. How many slices remain?", "8 - 5 = 3.", "3"),
)

NUMBER = re.compile(r"-?\d+")


def sentiment_prompt(review: str, demos: tuple[tuple[str, str], ...]) -> str:
    shown = "".join(f"Review: {text}\nSentiment: {label}\n\n" for text, label in demos)
    return f"{shown}Review: {review}\nSentiment:"


def arithmetic_prompt(question: str, demos: tuple[tuple[str, str, str], ...], cot: bool) -> str:
    """Direct demonstrations end in 'The answer is N.'; chain-of-thought ones first write the working
    (Wei et al., 2022). Zero-shot (no demonstrations) starts the answer sentence for the model."""
    worked = "".join(
        f"Q: {q}\nA: {rationale + ' ' if cot else ''}The answer is {answer}.\n\n" for q, rationale, answer in demos
    )
    return f"{worked}Q: {question}\nA:" + ("" if demos else " The answer is")


def final_number(completion: str) -> str:
    """The number after 'The answer is', else the first number the model wrote."""
    tail = completion.split("The answer is", 1)[-1]
    found = NUMBER.search(tail)
    return found[0] if found else ""
