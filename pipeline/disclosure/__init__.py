"""Statistical disclosure control of the published marts (INDICATORS.md §5).

- `cells`: the published cells and the sums that tie them (what an outsider knows);
- `ranges`: the attacker's linear programs (HiGHS): how far a hidden figure can move;
- `pattern`: primary and complementary suppression until every hidden figure is protected;
- `figures`: which figures of which mart are protected, read back as cells;
- `protection`: applies the pattern to the marts in the warehouse;
- `auditor`: replays the attacker on the published tables alone (a blocking check).
"""
