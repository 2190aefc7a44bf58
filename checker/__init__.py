"""aipolicy: production-readiness checks for AI systems."""

__version__ = "0.1.0"

HOMEPAGE = "https://github.com/aipolicy/aipolicy"
RULES_DOC = HOMEPAGE + "/blob/main/docs/rules.md"
