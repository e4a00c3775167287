"""The attacker: the range each suppressed figure can still take given what is published, in
real numbers (`ranges`, also used by the pattern search) and in whole numbers (`integers`),
replayed on the tables about to be published by the blocking audit (`auditor`)."""
