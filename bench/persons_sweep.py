"""Run checker.checks.persons over every person name Faker knows, in every locale.

    pip install faker && python bench/persons_sweep.py

Faker is not a dependency of aipolicy: this is how the heuristic's false
positives on real names are looked for beyond the labelled list in
tests/person_names.py. It prints the names it judges not to be one person;
each is either a heuristic to fix or a quirk of Faker's data to note here.
Faker 40.54 gives 39 of 125,856: en_TH names behind military and police ranks
with digits (`PO 1 …`, `POL L/C …`) and two ta_IN entries with a stray `;`.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not

from checker.checks.persons import person_problem

LISTS = ("first_names", "first_names_male", "first_names_female", "last_names", "last_names_male", "last_names_female")


def names_of(locale: str) -> set[str]:
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(1)
    found: set[str] = set()
    for _ in range(400):
        for make in (fake.name, fake.name_male, fake.name_female):
            try:
                found.add(make())
            except AttributeError:  # a locale whose formats name a list it lacks
                pass
    for provider in fake.providers:
        if provider.__provider__ == "person":
            for attr in LISTS:
                words = getattr(provider, attr, None) or ()
                found.update(words.keys() if isinstance(words, dict) else words)
    return found


def main() -> int:
    from faker.config import AVAILABLE_LOCALES

    warnings.simplefilter("ignore")  # deprecated locales say so on import
    total = flagged = 0
    for locale in AVAILABLE_LOCALES:
        for name in sorted(names_of(locale)):
            total += 1
            problem = person_problem(name)
            if problem:
                flagged += 1
                print(f"{locale}\t{problem}")
    print(f"{flagged} of {total} names judged not one person")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
