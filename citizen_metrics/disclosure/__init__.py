"""Statistical disclosure control of the published marts (docs/methodology.md §5).

- `cells`: the published cells and the sums that tie them (what an outsider knows);
- `ranges`: the attacker's linear programmes (HiGHS): how far a hidden figure can move;
- `pattern`: primary and complementary suppression until every hidden figure is protected;
- `figures`: which figures of which mart are protected, read back as cells; rounding;
- `protection`: applies the pattern to the marts in the warehouse, family by family;
- `participation`: the same for workshop participation, whose counts can be numerators;
- `auditor`: replays the attacker on the published tables alone (a blocking asset check);
- `parallel`: families are independent, so they are solved side by side (threads).
"""
